"""Sealing holds on every path: no opening, no reading; withdrawn and draft bids stay private; probes are logged."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from bids.models import Bid, BidStatus
from bids.services import bid_submit, bid_withdraw
from procurement.models import AuditEvent
from tenders.models import Tender, TenderStatus
from tenders.services import tender_close
from tests.fixtures import factories
from tests.fixtures.stages import full_content, seat_panel, submit_bid, submitted_tender


def test_a_call_with_bids_cannot_skip_the_opening(authority, officer, member_a, client_for):
    # given a closed call with a submitted bid
    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000")])
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
    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000"), (member_b, "1234")])
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
    from tests.fixtures.stages import submit_bid

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


def _probe(client, bid_id) -> list[tuple]:
    """The audit events written while `client` asks for bid `bid_id` at every address that reads one (404 each)."""
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for suffix in ("", "attachments/", "versions/", "requests/"):
        assert client.get(f"/api/v1/bids/{bid_id}/{suffix}").status_code == 404
    return [
        (e.action, e.outcome, e.actor_id, e.object_type, e.object_id, e.tender_id, e.detail["path"])
        for e in AuditEvent.objects.filter(id__gt=last).order_by("id")
    ]


@pytest.mark.parametrize("role", ["officer", "auditor"])
def test_an_authority_probing_bid_ids_leaves_the_same_record_whether_or_not_the_id_exists(
    role, authority, open_tender, member_a, client_for
):
    # given a draft and a submitted bid in a call not yet opened, and a reader of its authority
    draft = Bid.objects.create(tender=open_tender, provider=member_a.memberships.get().provider, created_by=member_a)
    submitted = submitted_tender(authority=authority, bidders=[(member_a, "9000")]).bids.get()
    reader = factories.officer_of(authority) if role == "officer" else factories.auditor(authority)
    client = client_for(reader)
    tender_ids = [open_tender.pk, submitted.tender_id]
    in_the_tenders = AuditEvent.objects.filter(tender_id__in=tender_ids).count()

    # when the reader asks for the bids' ids and for ids that no bid has
    seen = {bid_id: _probe(client, bid_id) for bid_id in (draft.pk, submitted.pk, 999998, 999999)}

    # then every probe is on record, and alike: the path the reader sent, tied to no call, so that no reader of the
    # log can tell from it (or count in a call) which ids exist
    records = {
        bid_id: [(*event[:-1], event[-1].replace(f"/{bid_id}/", "/ID/")) for event in events]
        for bid_id, events in seen.items()
    }
    assert records[draft.pk] == records[submitted.pk] == records[999998] == records[999999]
    assert [event[0] for event in records[999999]] == ["access.not_found"] * 4
    assert {event[5] for event in records[999999]} == {None}
    assert AuditEvent.objects.filter(tender_id__in=tender_ids).count() == in_the_tenders


def test_a_broken_seal_is_on_record_although_the_opening_rolls_back(authority, officer, officer2, member_a, member_b):
    from bids.models import BidVersion
    from evaluation.services import tender_open
    from procurement.errors import Conflict
    from tenders.services import tender_close

    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    submit_bid(member_a, tender)
    submit_bid(member_b, tender)
    first, second = BidVersion.objects.order_by("pk")
    BidVersion.objects.filter(pk=first.pk).update(sealed_manifest=second.sealed_manifest)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    tender_close(actor=officer, tender_id=tender.pk)
    tender_open(actor=officer, tender_id=tender.pk)

    with pytest.raises(Conflict):
        tender_open(actor=officer2, tender_id=tender.pk)

    assert AuditEvent.objects.filter(action="bid.seal_broken", tender_id=tender.pk, outcome="denied").exists()
