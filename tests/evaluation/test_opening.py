"""Two officers open the bids; the opening record lists what was received, withdrawn and refused as late."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from bids.models import LotOffer
from bids.services import bid_create, bid_withdraw
from documents.models import GeneratedDocument
from documents.services import document_render
from evaluation.models import OpeningRequest
from procurement.errors import Conflict
from tenders.models import Tender, TenderStatus
from tenders.services import tender_close
from tests.fixtures import factories
from tests.fixtures.stages import full_content, submit_bid


def closed_tender(authority, officer, bidders):
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    for member, price in bidders:
        submit_bid(member, tender, price)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    tender_close(actor=officer, tender_id=tender.pk)
    return tender


def test_one_officer_alone_cannot_open(authority, officer, member_a, client_for):
    tender = closed_tender(authority, officer, [(member_a, "9000")])
    client = client_for(officer)

    first = client.post(f"/api/v1/tenders/{tender.pk}/open/")
    again = client.post(f"/api/v1/tenders/{tender.pk}/open/")

    assert first.status_code == 202 and first.json()["expires_at"]
    assert again.status_code == 409 and again.json()["code"] == "second_officer_required"
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.CLOSED
    assert not LotOffer.objects.exists()
    assert client.get(f"/api/v1/tenders/{tender.pk}/bids/").status_code == 403


def test_a_second_officer_confirms_and_the_bids_open(authority, officer, officer2, member_a, client_for):
    tender = closed_tender(authority, officer, [(member_a, "9000")])
    client_for(officer).post(f"/api/v1/tenders/{tender.pk}/open/")

    response = client_for(officer2).post(f"/api/v1/tenders/{tender.pk}/open/")

    assert response.status_code == 200 and response.json()["status"] == "opened"
    opening = OpeningRequest.objects.get(tender=tender)
    assert (opening.requested_by, opening.confirmed_by) == (officer, officer2)
    assert LotOffer.objects.count() == 2


def test_an_expired_request_does_not_count(authority, officer, officer2, member_a):
    from evaluation.services import tender_open

    tender = closed_tender(authority, officer, [(member_a, "9000")])
    tender_open(actor=officer, tender_id=tender.pk)
    OpeningRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    renewed = tender_open(actor=officer2, tender_id=tender.pk)  # starts a new request instead of confirming

    assert renewed.requested_by == officer2 and renewed.confirmed_at is None
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.CLOSED
    with pytest.raises(Conflict) as refused:
        tender_open(actor=officer2, tender_id=tender.pk)
    assert refused.value.code == "second_officer_required"


def test_opening_record_lists_received_withdrawn_and_late(authority, officer, officer2, member_a, member_b, client_for):
    # given one bid in time, one withdrawn, and one submission refused after the deadline
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    in_time = submit_bid(member_a, tender, "9000")
    withdrawn = submit_bid(member_b, tender, "9500")
    bid_withdraw(actor=member_b, bid_id=withdrawn.pk, received_at=timezone.now())
    late_member = factories.provider_member_of(factories.ProviderFactory(name="Myöhässä Oy"), username="myohassa")
    late = bid_create(actor=late_member, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    refused = client_for(late_member).post(f"/api/v1/bids/{late.pk}/submit/")
    assert refused.status_code == 409
    tender_close(actor=officer, tender_id=tender.pk)
    client_for(officer).post(f"/api/v1/tenders/{tender.pk}/open/")
    client_for(officer2).post(f"/api/v1/tenders/{tender.pk}/open/")

    # when the worker renders the opening record
    document = document_render(document_id=GeneratedDocument.objects.get(tender=tender, kind="opening_record").pk)

    # then it names who opened, each bid with its receipt time and hash, and the others
    with document.file.open("rb") as handle:
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages).split())
    assert "AVAUSPÖYTÄKIRJA" in text
    assert officer.username in text and officer2.username in text
    version = in_time.versions.get()
    assert version.manifest_sha256 in text.replace(" ", "")
    assert "9 000,00" in text.replace("\xa0", " ") or "9000,00" in text
    assert "Perutut tarjoukset" in text and withdrawn.provider.name in text
    assert "Myöhästyneinä hylätyt" in text and "myohassa" in text


def test_an_evaluator_without_a_declaration_sees_no_bid(authority, officer, officer2, member_a, client_for):
    from procurement.models import Membership

    evaluator = factories.UserFactory()
    Membership.objects.create(user=evaluator, role="evaluator", authority=authority)
    tender = closed_tender(authority, officer, [(member_a, "9000")])
    client_for(officer).post(f"/api/v1/tenders/{tender.pk}/panel/", {"user": evaluator.pk}, format="json")
    client_for(officer).post(f"/api/v1/tenders/{tender.pk}/open/")
    client_for(officer2).post(f"/api/v1/tenders/{tender.pk}/open/")
    client = client_for(evaluator)

    refused = client.get(f"/api/v1/tenders/{tender.pk}/bids/")
    assert refused.status_code == 403 and refused.json()["code"] == "declaration_required"
    assert "9000" not in refused.content.decode()

    # a declared conflict keeps the evaluator out for good
    client.post(
        f"/api/v1/tenders/{tender.pk}/declaration/",
        {"has_conflict": True, "statement": "Entinen työnantaja."},
        format="json",
    )
    excluded = client.get(f"/api/v1/tenders/{tender.pk}/bids/")
    assert excluded.status_code == 403 and excluded.json()["code"] == "conflict_of_interest"
    again = client.post(f"/api/v1/tenders/{tender.pk}/declaration/", {"has_conflict": False}, format="json")
    assert again.status_code == 409


def test_the_opening_record_waits_for_the_decision_before_bidders_see_it(
    authority, officer, officer2, member_a, client_for
):
    from documents.models import GeneratedDocument
    from tests.fixtures.stages import seat_panel

    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    submit_bid(member_a, tender)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    client_for(officer).post(f"/api/v1/tenders/{tender.pk}/close/")
    seat_panel(tender, officer)
    client_for(officer).post(f"/api/v1/tenders/{tender.pk}/open/")
    client_for(officer2).post(f"/api/v1/tenders/{tender.pk}/open/")
    record = GeneratedDocument.objects.get(tender=tender, kind="opening_record")

    assert client_for(member_a).get(f"/api/v1/documents/{record.pk}/").status_code == 404
    assert client_for(officer).get(f"/api/v1/documents/{record.pk}/").status_code == 200
