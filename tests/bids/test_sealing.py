"""Sealing holds on every path: no opening, no reading; withdrawn and draft bids stay private; probes are logged."""

import threading
import time
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from bids.models import Bid, BidStatus
from bids.services import bid_submit, bid_withdraw
from procurement.models import AuditEvent
from tenders.models import Tender, TenderStatus
from tenders.services import tender_close
from tests import factories
from tests.helpers import full_content, seat_panel, submitted_call


def test_a_call_with_bids_cannot_skip_the_opening(authority, officer, member_a, client_for):
    # given a closed call with a submitted bid
    tender = submitted_call(authority=authority, bidders=[(member_a, "9000")])
    tender_close(actor=officer, tender_id=tender.pk)
    client = client_for(officer)

    # when the officer tries to declare it unsuccessful without opening the bids
    response = client.post(f"/api/v1/tenders/{tender.pk}/declare_unsuccessful/", {"reason": "x"}, format="json")

    # then it is refused, and the bids stay sealed
    assert response.status_code == 409 and response.json()["code"] == "bids_not_opened"
    assert client.get(f"/api/v1/tenders/{tender.pk}/bids/").status_code == 403


def test_sealing_follows_the_opening_record_not_the_status(authority):
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.UNSUCCESSFUL)
    assert tender.bids_are_sealed
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.CANCELLED)
    assert tender.bids_are_sealed


def test_withdrawn_bid_is_not_read_after_opening(authority, officer, member_a, member_b, client_for):
    tender = submitted_call(authority=authority, bidders=[(member_a, "9000"), (member_b, "1234")])
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() + timedelta(hours=1))
    withdrawn = Bid.objects.get(tender=tender, provider__memberships__user=member_b)
    bid_withdraw(actor=member_b, bid_id=withdrawn.pk, received_at=timezone.now())
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    client = client_for(officer)
    seat_panel(tender, officer)
    client.post(f"/api/v1/tenders/{tender.pk}/close/")
    client.post(f"/api/v1/tenders/{tender.pk}/open/")
    client_for(factories.officer_of(authority)).post(f"/api/v1/tenders/{tender.pk}/open/")

    response = client.get(f"/api/v1/bids/{withdrawn.pk}/")

    assert response.status_code == 404
    assert "1234" not in response.content.decode()
    assert [b["provider_name"] for b in client.get(f"/api/v1/tenders/{tender.pk}/bids/").json()] == [
        member_a.memberships.get().provider.name
    ]


def test_probing_for_bids_is_logged(authority, member_a, member_b, client_for):
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    bid = (
        client_for(member_a)
        .post(
            "/api/v1/bids/",
            {"tender": tender.pk, "lot_offers": [{"lot": tender.lots.first().pk, "unit_price": "5"}]},
            format="json",
        )
        .json()
    )

    for path in (f"/api/v1/bids/{bid['id']}/", "/api/v1/bids/999999/"):
        assert client_for(member_b).get(path).status_code == 404
    assert client_for(member_b).post(f"/api/v1/bids/{bid['id']}/submit/").status_code == 404

    probes = AuditEvent.objects.filter(action="access.not_found", actor=member_b, outcome="denied")
    assert [e.detail["path"] for e in probes] == [
        f"/api/v1/bids/{bid['id']}/",
        "/api/v1/bids/999999/",
        f"/api/v1/bids/{bid['id']}/submit/",
    ]


def test_a_submit_waits_for_a_corrigendum_in_progress(transactional_db):
    # given a published call with a drafted bid
    authority = factories.AuthorityFactory()
    member = factories.provider_member_of(factories.ProviderFactory())
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    from bids.services import bid_create

    bid = bid_create(actor=member, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))
    locked, released = threading.Event(), {}

    def corrigendum_in_progress():
        # holds the call as a corrigendum or the opening does (FOR UPDATE) for a moment
        try:
            with transaction.atomic():
                Tender.objects.select_for_update().get(pk=tender.pk)
                locked.set()
                time.sleep(1.0)
                released["at"] = time.monotonic()
        finally:
            connection.close()

    holder = threading.Thread(target=corrigendum_in_progress)
    holder.start()
    assert locked.wait(10)

    # when the provider submits meanwhile
    bid_submit(actor=member, bid_id=bid.pk, received_at=timezone.now())
    submitted_at = time.monotonic()
    holder.join(10)

    # then the submission waited until the call was released
    assert submitted_at >= released["at"]
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.SUBMITTED


def test_the_authority_learns_only_the_count_after_the_deadline(authority, officer, member_a, client_for):
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    from tests.helpers import submit_bid

    submit_bid(member_a, tender)
    client = client_for(officer)
    assert client.get(f"/api/v1/tenders/{tender.pk}/bid_count/").status_code == 403
    assert client_for(member_a).get(f"/api/v1/tenders/{tender.pk}/bid_count/").status_code == 403

    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))

    assert client.get(f"/api/v1/tenders/{tender.pk}/bid_count/").json() == {"count": 1}


def test_an_attachment_name_sealed_for_another_row_does_not_open(open_tender, member_a, client_for):
    # given a draft bid with two files
    from bids.models import BidAttachment

    bid = Bid.objects.create(tender=open_tender, provider=member_a.memberships.get().provider, created_by=member_a)
    client = client_for(member_a)
    for name in ("ensimmainen.pdf", "toinen.pdf"):
        response = client.post(
            f"/api/v1/bids/{bid.pk}/attachments/", {"filename": name, "size": 10, "purpose": "other"}, format="json"
        )
        assert response.status_code == 201, response.content
    first, second = BidAttachment.objects.filter(bid=bid).order_by("created_at", "pk")

    # when someone with the database copies the first one's sealed name onto the second
    BidAttachment.objects.filter(pk=second.pk).update(sealed_meta=first.sealed_meta)

    # then it does not open as the second one's name: the list is refused as damaged, and that is on record
    response = client.get(f"/api/v1/bids/{bid.pk}/attachments/")
    assert response.status_code == 500 and response.json()["code"] == "attachment_damaged"
    assert AuditEvent.objects.filter(action="attachment.damaged", object_id=str(bid.pk), outcome="denied").exists()
