"""The provider's portal pages of the tender box: preparing, saving, submitting and withdrawing a bid, its
attachments and receipt, and the authority's requests; another provider's bid is never shown."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from bids.models import Bid, BidAttachment, BidStatus
from bids.selectors import bid_get
from bids.services import bid_create
from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_render
from evaluation.clarifications import provider_request_create
from evaluation.models import ProviderRequest
from tenders.models import TenderStatus
from tenders.services import tender_close
from tests.fixtures import factories
from tests.fixtures.files import pdf_bytes
from tests.fixtures.portal import confirmation, form_data, signed_in
from tests.fixtures.stages import decided_tender, full_content, open_bids, qualify_all, seat_panel, submitted_tender


@pytest.fixture
def tender(authority):
    return factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())


def test_a_provider_saves_a_new_bid_from_the_page(tender, member_a):
    client = signed_in(member_a)
    assert client.get(f"/bids/new/{tender.pk}/").status_code == 200
    lot = tender.lots.get(number=1)

    response = client.post(
        f"/bids/new/{tender.pk}/", {f"lot_{lot.pk}_offer": "on", f"lot_{lot.pk}_unit_price": "8500.50"}
    )

    bid = Bid.objects.get(tender=tender)
    assert response.status_code == 302 and response["Location"] == f"/bids/{bid.pk}/"
    content = bid_get(user=member_a, bid_id=bid.pk).content
    assert content["lot_offers"] == [{"lot": lot.pk, "unit_price": "8500.50", "vat_rate": "0"}]
    page = client.get(f"/bids/{bid.pk}/").content.decode()
    assert 'value="8500.50"' in page and "saved as a draft" in page
    # a second visit to "prepare" goes to the same bid
    assert client.get(f"/bids/new/{tender.pk}/")["Location"] == f"/bids/{bid.pk}/"


def test_an_implausible_price_is_shown_next_to_its_lot_and_the_typed_values_are_kept(tender, member_a):
    lot1, lot2 = tender.lots.order_by("number")
    data = form_data(tender)
    data[f"lot_{lot2.pk}_unit_price"] = "70000"  # above the plausible price per student

    response = signed_in(member_a).post(f"/bids/new/{tender.pk}/", data)

    assert response.status_code == 400
    form = response.context["form"]
    assert "not plausible" in " ".join(form.errors[f"lot_{lot2.pk}_unit_price"])
    assert "above 60,000.00 €" in " ".join(form.errors[f"lot_{lot2.pk}_unit_price"])
    assert f"lot_{lot1.pk}_unit_price" not in form.errors
    html = response.content.decode()
    assert f'id="id_lot_{lot2.pk}_unit_price_error"' in html
    assert 'value="70000"' in html and "Vastaus 1" in html
    assert not Bid.objects.exists()


def test_a_price_over_the_ceiling_is_refused_by_the_form(tender, member_a):
    lot = tender.lots.get(number=1)

    response = signed_in(member_a).post(
        f"/bids/new/{tender.pk}/", {f"lot_{lot.pk}_offer": "on", f"lot_{lot.pk}_unit_price": "99999999"}
    )

    assert response.status_code == 400
    assert f"lot_{lot.pk}_unit_price" in response.context["form"].errors
    assert 'value="99999999"' in response.content.decode()


def test_an_offered_lot_needs_a_price(tender, member_a):
    lot = tender.lots.get(number=1)

    response = signed_in(member_a).post(f"/bids/new/{tender.pk}/", {f"lot_{lot.pk}_offer": "on"})

    assert response.status_code == 400
    assert f"lot_{lot.pk}_unit_price" in response.context["form"].errors


def test_an_incomplete_bid_is_not_submitted_and_the_missing_answer_is_marked(tender, member_a):
    client = signed_in(member_a)
    criterion = tender.criteria.get(number=2)
    client.post(f"/bids/new/{tender.pk}/", form_data(tender, **{f"criterion_{criterion.pk}": ""}))
    bid = Bid.objects.get(tender=tender)

    # "Submit the bid" saves the page and shows the summary, with what is missing and no confirmation
    response = client.post(
        f"/bids/{bid.pk}/submit/", {**form_data(tender, **{f"criterion_{criterion.pk}": ""}), "bid_form": "1"}
    )

    assert response.status_code == 302 and response["Location"] == f"/bids/{bid.pk}/summary/"
    summary = client.get(f"/bids/{bid.pk}/summary/").content.decode()
    assert "Answer the quality criteria 2." in summary and "Not answered." in summary
    assert 'name="draft_sha256"' not in summary
    bid.refresh_from_db()
    assert bid.status == BidStatus.DRAFT and bid.version == 0


def test_a_bid_is_saved_submitted_and_gets_a_receipt_then_withdrawn_and_reopened(tender, member_a):
    client = signed_in(member_a)
    client.post(f"/bids/new/{tender.pk}/", form_data(tender, price="7000"))
    bid = Bid.objects.get(tender=tender)
    lot = tender.lots.get(number=1)
    update = client.post(f"/bids/{bid.pk}/", form_data(tender, price="6900"))
    assert update.status_code == 302
    assert bid_get(user=member_a, bid_id=bid.pk).content["lot_offers"][0] == {
        "lot": lot.pk,
        "unit_price": "6900",
        "vat_rate": "0",
    }

    confirm = confirmation(client, bid)
    submitted = client.post(f"/bids/{bid.pk}/submit/", confirm)
    # a double click sends the same form again: the same receipt, not a second version or a 409
    again = client.post(f"/bids/{bid.pk}/submit/", confirm)

    assert submitted.status_code == 302 and submitted["Location"] == f"/bids/{bid.pk}/receipts/1/"
    assert again.status_code == 302 and again["Location"] == submitted["Location"]
    assert bid.versions.count() == 1
    bid.refresh_from_db()
    assert bid.status == BidStatus.SUBMITTED
    receipt = client.get(submitted["Location"]).content.decode()
    assert bid.versions.get().manifest_sha256 in receipt
    assert "being prepared" in receipt
    assert "Receipt of version 1" in client.get("/bids/").content.decode()

    # a submitted bid is not edited through the page
    assert client.post(f"/bids/{bid.pk}/", form_data(tender, price="1")).status_code == 409

    client.post(f"/bids/{bid.pk}/withdraw/")
    bid.refresh_from_db()
    assert bid.status == BidStatus.WITHDRAWN and bid.withdrawn_at is not None

    client.post(f"/bids/{bid.pk}/reopen/")
    bid.refresh_from_db()
    assert bid.status == BidStatus.DRAFT


def test_another_providers_bid_is_not_found(tender, member_a, member_b):
    bid = bid_create(actor=member_a, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))
    client = signed_in(member_b)

    assert client.get(f"/bids/{bid.pk}/").status_code == 404
    assert client.post(f"/bids/{bid.pk}/", form_data(tender)).status_code == 404
    assert client.post(f"/bids/{bid.pk}/submit/").status_code == 404
    assert client.post(f"/bids/{bid.pk}/withdraw/").status_code == 404
    assert client.get(f"/bids/{bid.pk}/receipts/1/").status_code == 404
    assert "Kotoutumiskoulutus" not in client.get("/bids/").content.decode()
    bid.refresh_from_db()
    assert bid.status == BidStatus.DRAFT


def test_pages_need_signing_in(tender):
    for url in ("/bids/", f"/bids/new/{tender.pk}/", "/bids/1/"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_an_attachment_is_uploaded_without_script_listed_and_removed(tender, member_a):
    client = signed_in(member_a)
    client.post(f"/bids/new/{tender.pk}/", form_data(tender))
    bid = Bid.objects.get(tender=tender)
    data = pdf_bytes()

    response = client.post(
        f"/bids/{bid.pk}/attachments/",
        {"file": SimpleUploadedFile("cv.pdf", data, content_type="application/pdf"), "purpose": "other"},
    )

    assert response.status_code == 302
    attachment = BidAttachment.objects.get(bid=bid)
    assert attachment.status == "ready" and attachment.size == len(data)
    fragment = client.get(f"/bids/{bid.pk}/?part=attachments").content.decode()
    assert "cv.pdf" in fragment and attachment.sha256 in fragment

    client.post(f"/bids/{bid.pk}/attachments/{attachment.pk}/delete/")
    assert not BidAttachment.objects.filter(bid=bid).exists()


def test_a_refused_file_is_reported(tender, member_a):
    client = signed_in(member_a)
    client.post(f"/bids/new/{tender.pk}/", form_data(tender))
    bid = Bid.objects.get(tender=tender)

    response = client.post(
        f"/bids/{bid.pk}/attachments/",
        {"file": SimpleUploadedFile("cv.pdf", b"not a pdf at all", content_type="application/pdf")},
        follow=True,
    )

    assert not BidAttachment.objects.filter(bid=bid).exists()
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_a_provider_answers_a_clarification_request(authority, officer, member_a, member_b):
    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000"), (member_b, "8800")])
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    qualify_all(tender, officer)
    bid = Bid.objects.get(tender=tender, created_by=member_a)
    request = provider_request_create(
        actor=officer,
        tender_id=tender.pk,
        bid_id=bid.pk,
        kind=ProviderRequest.Kind.CLARIFICATION,
        message="Tarkentakaa opettajien pätevyys.",
        deadline=timezone.now() + timedelta(days=3),
    )
    client = signed_in(member_a)
    assert "Clarification request" in client.get(f"/bids/{bid.pk}/").content.decode()
    assert signed_in(member_b).get(f"/bids/{bid.pk}/requests/{request.pk}/").status_code == 404

    empty = client.post(f"/bids/{bid.pk}/requests/{request.pk}/", {"answer": ""})
    assert empty.status_code == 400 and 'id="id_answer_error"' in empty.content.decode()
    response = client.post(f"/bids/{bid.pk}/requests/{request.pk}/", {"answer": "Kaikilla on pätevyys."})

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.answer == "Kaikilla on pätevyys." and request.answered_at is not None


def test_after_the_decision_the_bid_page_links_the_decision_and_the_own_letter_only(
    authority, officer, member_a, member_b
):
    tender = decided_tender(officer=officer, bidders=[(member_a, "9000"), (member_b, "8000")], authority=authority)
    for document in GeneratedDocument.objects.filter(
        tender=tender, kind__in=[DocumentKind.DECISION, DocumentKind.LETTER]
    ):
        document_render(document_id=document.pk)
    bid = Bid.objects.get(tender=tender, created_by=member_a)
    own_letter = GeneratedDocument.objects.get(tender=tender, kind=DocumentKind.LETTER, provider=bid.provider)
    other_letter = GeneratedDocument.objects.filter(tender=tender, kind=DocumentKind.LETTER).exclude(pk=own_letter.pk)
    client = signed_in(member_a)

    page = client.get(f"/bids/{bid.pk}/").content.decode()

    assert f"/calls/{tender.pk}/documents/{own_letter.pk}/" in page
    decision = GeneratedDocument.objects.filter(tender=tender, kind=DocumentKind.DECISION).first()
    assert f"/calls/{tender.pk}/documents/{decision.pk}/" in page
    download = client.get(f"/calls/{tender.pk}/documents/{own_letter.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    for letter in other_letter:
        assert f"/documents/{letter.pk}/" not in page
        assert client.get(f"/calls/{tender.pk}/documents/{letter.pk}/").status_code == 404
    # the bid is shown as it was submitted, offers and prices included, and no longer said to be sealed
    assert "have been opened" in page and "sealed until the opening" not in page
    assert 'value="9000' in page and "We bid for lot 1" in page
