"""The submission's lean path (the deadline rush): what the request does itself, what follows from its task, and
the shortcuts it takes (the call's rules in one statement, the wrapped data key kept after a commit) staying true."""

import pytest
from django.db import transaction
from django.utils import timezone

from bids import sealing
from bids.models import Bid, BidStatus
from bids.selectors import bid_lock_with_tender
from bids.services import bid_create, bid_submit
from documents.models import DocumentKind, GeneratedDocument
from procurement.auditchain import verify_chain
from procurement.errors import Conflict, NotFound, ValidationFailed
from procurement.models import AuditEvent, Notification, OutboxMessage
from tenders.models import Lot, LotStatus, TenderStatus
from tenders.services import lot_cancel
from tests.fixtures import factories
from tests.fixtures.stages import full_content, run_outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender(authority):
    return factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())


def _draft(member, tender, lots=None):
    return bid_create(
        actor=member, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender, lots=lots)
    )


def test_the_request_writes_the_submission_and_one_message_and_the_task_the_receipt_once(tender, member_a):
    bid = _draft(member_a, tender)
    version = bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now(), idempotency_key="k1")

    # the request: the version, the state, the audit event, and one message for what follows
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.SUBMITTED
    assert list(OutboxMessage.objects.values_list("task", "args")) == [
        ("bids.after_submit", [version.pk, tender.version])
    ]
    assert not GeneratedDocument.objects.filter(kind=DocumentKind.RECEIPT).exists()
    submitted = AuditEvent.objects.get(action="bid.submit", object_id=str(bid.pk))
    assert submitted.sequence is None  # written with the change, linked by the task

    # the task: the receipt queued, its e-mail recorded, the events linked into the chain
    assert run_outbox("bids.after_submit") == 1
    receipt = GeneratedDocument.objects.get(kind=DocumentKind.RECEIPT)
    assert receipt.subject == f"bid-version:{version.pk}" and receipt.provider_id == bid.provider_id
    notification = Notification.objects.get(kind="bid.receipt")
    assert notification.documents == [receipt.pk] and member_a.email in notification.email_to
    assert AuditEvent.objects.get(pk=submitted.pk).sequence is not None
    assert verify_chain().intact

    # a second delivery of the same message (the relay racing the commit hook) adds nothing
    OutboxMessage.objects.update(dispatched_at=None)
    assert run_outbox("bids.after_submit") == 1
    assert GeneratedDocument.objects.filter(kind=DocumentKind.RECEIPT).count() == 1
    assert Notification.objects.filter(kind="bid.receipt").count() == 1

    # a retry with the same key returns the same version and writes nothing more
    OutboxMessage.objects.all().delete()
    again = bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now(), idempotency_key="k1")
    assert again.pk == version.pk and not OutboxMessage.objects.exists()


def test_the_rules_read_with_the_lock_are_the_calls_own_and_load_the_rest_on_access(
    tender, member_a, django_assert_num_queries
):
    Lot.objects.create(tender=tender, number=7, title="Seitsemäs", municipality="Kuopio", students=10, volume=10)
    bid = _draft(member_a, tender)
    actor = type(member_a).objects.get(pk=member_a.pk)
    # the call with its rules and the bid with its attachments: two statements, in one round trip
    with transaction.atomic(), django_assert_num_queries(2):
        locked, _bid = bid_lock_with_tender(bid_id=bid.pk, user=actor)
        lots = list(locked.lots.all())
        criteria = list(locked.criteria.all())
        requirements = list(locked.requirements.all())
    assert [lot.pk for lot in lots] == list(tender.lots.order_by("number").values_list("pk", flat=True))
    assert [c.pk for c in criteria] == list(tender.criteria.order_by("number").values_list("pk", flat=True))
    assert [r.pk for r in requirements] == list(tender.requirements.order_by("number").values_list("pk", flat=True))
    assert all(lot.status == LotStatus.OPEN for lot in lots)
    # a field the checks do not read is loaded when it is used, never left empty
    assert lots[-1].title == "Seitsemäs"


def test_a_lot_cancelled_during_the_call_cannot_be_offered_in_a_submission(tender, member_a, officer):
    lot = tender.lots.get(number=1)
    bid = _draft(member_a, tender, lots=[lot])
    lot_cancel(actor=officer, tender_id=tender.pk, lot_number=lot.number, reason="Ei ryhmää.")

    with pytest.raises(ValidationFailed) as refused:
        bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now())

    assert refused.value.code == "bid_incomplete"
    assert [e["code"] for e in refused.value.errors["lot_offers"]] == ["lot_closed"]
    assert (
        Bid.objects.get(pk=bid.pk).status == BidStatus.DRAFT
        and not OutboxMessage.objects.filter(task="bids.after_submit").exists()
    )


def test_a_data_key_is_remembered_only_once_its_transaction_commits(authority, django_capture_on_commit_callbacks):
    rolled_back = factories.TenderFactory(authority=authority)
    committed = factories.TenderFactory(authority=authority)
    sealing._WRAPPED.clear()

    with pytest.raises(RuntimeError), transaction.atomic():
        sealing.seal(rolled_back.pk, b"x", "test")
        sealing.seal(rolled_back.pk, b"x", "test")  # read back in its own transaction
        raise RuntimeError
    assert not any(tender_id == rolled_back.pk for _db, tender_id in sealing._WRAPPED)

    blob = sealing.seal(committed.pk, b"secret", "test")
    with django_capture_on_commit_callbacks(execute=True):
        assert sealing.unseal(committed.pk, blob, "test") == b"secret"
    assert any(tender_id == committed.pk for _db, tender_id in sealing._WRAPPED)
    # and what is remembered opens what was sealed
    assert sealing.unseal(committed.pk, blob, "test") == b"secret"


def test_a_key_spent_on_an_earlier_version_is_refused_by_the_database_and_nothing_is_written(tender, member_a):
    from bids.services import bid_reopen

    bid = _draft(member_a, tender)
    bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now(), idempotency_key="first")
    bid_reopen(actor=member_a, bid_id=bid.pk, received_at=timezone.now())
    messages = OutboxMessage.objects.count()

    with pytest.raises(Conflict) as refused:
        bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now(), idempotency_key="first")

    assert refused.value.code == "idempotency_key_reused"
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.DRAFT and bid.versions.count() == 1
    assert OutboxMessage.objects.count() == messages


def test_a_late_submission_is_refused_and_its_attempt_stays_on_record(tender, member_a):
    from datetime import timedelta

    bid = _draft(member_a, tender)
    late = tender.submission_deadline + timedelta(seconds=1)

    with pytest.raises(Conflict) as refused:
        bid_submit(actor=member_a, bid_id=bid.pk, received_at=late, idempotency_key="late")

    assert refused.value.code == "deadline_passed"
    event = AuditEvent.objects.get(action="bid.late_refused", object_id=str(bid.pk))
    assert event.outcome == "denied" and event.detail["received_at"] == late.isoformat()
    assert not bid.versions.exists() and not OutboxMessage.objects.filter(task="bids.after_submit").exists()


@pytest.mark.parametrize("which", ["other", "missing", "text"])
def test_a_bid_that_is_not_ones_own_is_not_found(which, tender, member_a, member_b):
    bid = _draft(member_b, tender)
    bid_id = {"other": bid.pk, "missing": bid.pk + 1000, "text": "1 OR 1=1"}[which]

    with pytest.raises(NotFound):
        bid_submit(actor=member_a, bid_id=bid_id, received_at=timezone.now())

    assert Bid.objects.get(pk=bid.pk).status == BidStatus.DRAFT


def _statements(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"] not in {"BEGIN", "COMMIT"}]


@pytest.mark.django_db(transaction=True)  # committed as in production, where the call's data key is then cached
def test_a_submission_is_three_statements_its_four_rows_written_in_one(tender, member_a, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.OUTBOX_RELAY = True  # as in production: the relay process sends the message
    bid = _draft(member_a, tender)
    actor = type(member_a).objects.get(pk=member_a.pk)  # as a request sees the user: no roles looked up yet
    with CaptureQueriesContext(connection) as captured:
        version = bid_submit(actor=actor, bid_id=bid.pk, received_at=timezone.now(), idempotency_key="k1")

    statements = _statements(captured)
    # the call with its rules (locked), the bid with its attachments and the user's roles (locked), and the writes
    assert len(statements) == 3, "\n".join(s[:150] for s in statements)
    assert "procurement_membership" in statements[1] and "procurement_membership" not in statements[2]
    write = statements[-1]
    for table in ("bids_bidversion", "bids_bid", "procurement_auditevent", "procurement_outboxmessage"):
        assert f'"{table}"' in write
    event = AuditEvent.objects.get(action="bid.submit", object_id=str(bid.pk))
    assert (event.actor_id, event.actor_name, event.tender_id, event.object_type) == (
        member_a.pk,
        member_a.username,
        tender.pk,
        "bids.bid",
    )
    assert (event.before, event.after) == ({"status": "draft"}, {"status": "submitted"})
    assert event.detail["manifest_sha256"] == version.manifest_sha256 and event.detail["version"] == 1
    stored = Bid.objects.get(pk=bid.pk)
    assert (stored.status, stored.version, stored.submitted_by_id) == (BidStatus.SUBMITTED, 1, member_a.pk)
    assert stored.sealed_draft == bid.sealed_draft  # the draft is left as it was


def test_elsewhere_than_on_postgresql_the_rows_are_saved_one_by_one_with_the_same_outcome(
    tender, member_a, monkeypatch
):
    from django.db import connection

    bid = _draft(member_a, tender)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    version = bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now(), idempotency_key="k1")
    monkeypatch.undo()

    assert Bid.objects.get(pk=bid.pk).status == BidStatus.SUBMITTED
    assert list(OutboxMessage.objects.values_list("task", "args")) == [
        ("bids.after_submit", [version.pk, tender.version])
    ]
    assert AuditEvent.objects.filter(action="bid.submit", object_id=str(bid.pk)).count() == 1
    again = bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now(), idempotency_key="k1")
    assert again.pk == version.pk
