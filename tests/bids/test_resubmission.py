"""Submitting again and again: a bid is reopened only so often (per bid and per user), and only the version that
still stands when the task after a submission comes to it gets a receipt PDF and an e-mail."""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from bids.models import Bid, BidStatus, BidVersion
from bids.services import SubmissionsThrottled, bid_create, bid_reopen, bid_submit, bid_withdraw
from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from documents.services import document_render
from procurement.models import AuditEvent, Notification
from procurement.notifications import notification_deliver
from tenders.models import TenderStatus
from tests.fixtures import factories
from tests.fixtures.stages import full_content, run_outbox
from tests.fixtures.worker import real_worker

CYCLES = 30


@pytest.fixture
def tender(authority):
    return factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())


def _draft(member, tender) -> Bid:
    return bid_create(actor=member, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))


def _cycles(client, bid_id: int) -> tuple[list[int], list]:
    """CYCLES submissions each followed by a reopening, as fast as the API answers: the submissions' statuses and
    the reopenings' answers."""
    submitted, reopened = [], []
    for _ in range(CYCLES):
        submitted.append(client.post(f"/api/v1/bids/{bid_id}/submit/").status_code)
        reopened.append(client.post(f"/api/v1/bids/{bid_id}/reopen/", HTTP_ACCEPT_LANGUAGE="fi"))
    return submitted, reopened


def _finish_receipts() -> None:
    """What the workers do after the submissions: the tasks, the PDFs, the e-mails."""
    run_outbox("bids.after_submit")
    for document in GeneratedDocument.objects.filter(kind=DocumentKind.RECEIPT, status=DocumentStatus.QUEUED):
        document_render(document_id=document.pk)
    for notification in Notification.objects.filter(kind="bid.receipt"):
        notification_deliver(notification_id=notification.pk)


def test_thirty_quick_cycles_give_three_submissions_and_one_receipt(tender, member_a, client_for):
    # given a complete draft bid
    bid = _draft(member_a, tender)
    client = client_for(member_a)

    # when its provider submits and reopens it 30 times as fast as it can
    submitted, reopened = _cycles(client, bid.pk)

    # then three submissions went through (the default: 3 a minute for a bid); the fourth reopening was refused
    # with 429, a stable code, the seconds to wait and a translated sentence; the third version stands
    assert submitted.count(200) == 3
    assert [r.status_code for r in reopened[:3]] == [200, 200, 429]
    refusal = reopened[2]
    assert refusal.json()["code"] == "throttled"
    assert 1 <= int(refusal["Retry-After"]) <= 60 and refusal.json()["retry_after"] == int(refusal["Retry-After"])
    assert "liian monta kertaa" in refusal.json()["detail"]
    stored = Bid.objects.get(pk=bid.pk)
    assert (stored.status, stored.version) == (BidStatus.SUBMITTED, 3)

    # and once the workers have caught up, only the standing version has a receipt PDF and an e-mail
    _finish_receipts()
    receipts = GeneratedDocument.objects.filter(kind=DocumentKind.RECEIPT)
    standing = BidVersion.objects.get(bid=bid, number=3)
    assert list(receipts.values_list("subject", "status")) == [(f"bid-version:{standing.pk}", DocumentStatus.READY)]
    assert len(mail.outbox) == 1
    superseded = BidVersion.objects.filter(bid=bid).exclude(pk=standing.pk)
    assert all(v.receipt_skipped_at is not None and v.emailed_at is None for v in superseded)
    assert AuditEvent.objects.filter(action="bid.receipt_skipped", object_id=str(bid.pk)).count() == 2


def test_a_version_superseded_before_its_task_gets_no_receipt_and_no_email(tender, member_a, client_for):
    # given a bid submitted, reopened and submitted again, and then withdrawn, before any task has run
    bid = _draft(member_a, tender)
    first = bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now())
    bid_reopen(actor=member_a, bid_id=bid.pk, received_at=timezone.now())
    second = bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now())
    other = _draft(factories.provider_member_of(factories.ProviderFactory()), tender)
    withdrawn = bid_submit(actor=other.created_by, bid_id=other.pk, received_at=timezone.now())
    bid_withdraw(actor=other.created_by, bid_id=other.pk, received_at=timezone.now())

    # when the tasks come to them (twice: a message delivered again)
    _finish_receipts()
    run_outbox("bids.after_submit")

    # then only the standing version has its receipt and e-mail; the others are marked, once, and say so
    receipts = GeneratedDocument.objects.filter(kind=DocumentKind.RECEIPT)
    assert list(receipts.values_list("subject", flat=True)) == [f"bid-version:{second.pk}"]
    assert [m.to for m in mail.outbox] and len(mail.outbox) == 1
    for version in (first, withdrawn):
        version.refresh_from_db()
        assert version.receipt_skipped_at is not None
    assert AuditEvent.objects.filter(action="bid.receipt_skipped").count() == 2
    versions = client_for(member_a).get(f"/api/v1/bids/{bid.pk}/versions/").json()
    assert [(v["receipt_document"] is None, v["receipt_skipped_at"] is None) for v in versions] == [
        (True, False),
        (False, True),
    ]
    page = Client()
    page.force_login(member_a)
    shown = page.get(f"/bids/{bid.pk}/receipts/1/").content.decode()
    assert "Tästä versiosta ei muodostettu" in shown and "hx-get" not in shown


def test_a_receipt_requested_while_the_version_stood_is_kept(tender, member_a):
    # given a submission whose task has run, and which is then reopened
    bid = _draft(member_a, tender)
    version = bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now())
    run_outbox("bids.after_submit")
    bid_reopen(actor=member_a, bid_id=bid.pk, received_at=timezone.now())

    # when the same message is delivered again
    from bids.services import submission_receipt

    receipt = submission_receipt(version_id=version.pk)

    # then the receipt already requested stands, and the version is not marked as skipped
    assert receipt is not None and receipt.subject == f"bid-version:{version.pk}"
    version.refresh_from_db()
    assert version.receipt_skipped_at is None


def test_the_limit_per_user_counts_the_users_submissions_of_every_bid(authority, member_a, settings):
    # given a limit of 2 submissions a minute per user, and a user who has submitted bids in two calls
    settings.HANKINTA = {**settings.HANKINTA, "BID_SUBMISSIONS_PER_USER": "2/min"}
    several = [
        factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
        for _ in range(2)
    ]
    bids = [_draft(member_a, one) for one in several]
    now = timezone.now()
    for bid in bids:
        bid_submit(actor=member_a, bid_id=bid.pk, received_at=now)

    # when the user reopens one of them in the same minute, it is refused for the time the oldest takes to leave it
    with pytest.raises(SubmissionsThrottled) as refused:
        bid_reopen(actor=member_a, bid_id=bids[0].pk, received_at=now + timedelta(seconds=20))
    assert refused.value.retry_after == 40 and refused.value.status_code == 429

    # and once a minute has passed it is allowed
    reopened = bid_reopen(actor=member_a, bid_id=bids[0].pk, received_at=now + timedelta(seconds=61))
    assert reopened.status == BidStatus.DRAFT


def test_a_refused_reopening_leaves_the_bid_submitted_and_the_portal_says_why(tender, member_a):
    # given a bid submitted three times within a minute through the portal's services
    bid = _draft(member_a, tender)
    for _ in range(2):
        bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now())
        bid_reopen(actor=member_a, bid_id=bid.pk, received_at=timezone.now())
    bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now())
    browser = Client(HTTP_ACCEPT_LANGUAGE="sv")
    browser.force_login(member_a)

    # when the provider reopens it once more on the portal
    response = browser.post(f"/bids/{bid.pk}/reopen/")

    # then the bid's page answers 429 with the seconds to wait, in the user's language, and the bid stays submitted
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 60
    assert "för många gånger" in response.content.decode()
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.SUBMITTED


def test_an_unreadable_rate_stops_the_start(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.HANKINTA = {**settings.HANKINTA, "BID_SUBMISSIONS_PER_BID": "3 a minute"}
    with pytest.raises(SystemCheckError, match="BID_SUBMISSIONS_PER_BID"):
        call_command("check")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_thirty_quick_cycles_with_a_real_worker_render_and_email_only_the_standing_version(
    tender, member_a, client_for
):
    from config.celery_app import app

    # given a complete draft bid, and a worker that comes to the tasks only once the provider has stopped
    app.control.purge()
    bid = _draft(member_a, tender)

    # when its provider submits and reopens it 30 times as fast as it can
    submitted, _reopened = _cycles(client_for(member_a), bid.pk)
    with real_worker(purge=False):
        deadline = time.monotonic() + 120
        versions = BidVersion.objects.filter(bid=bid)
        while time.monotonic() < deadline:
            done = versions.filter(receipt_skipped_at__isnull=True, emailed_at__isnull=True)
            if not done.exists():
                break
            time.sleep(0.3)
        time.sleep(1)  # anything still on its way

    # then at most the allowed submissions were made, and only the one standing was rendered and e-mailed
    assert submitted.count(200) == 3 and versions.count() == 3
    standing = versions.get(number=3)
    receipts = GeneratedDocument.objects.filter(kind=DocumentKind.RECEIPT)
    assert list(receipts.values_list("subject", "status")) == [(f"bid-version:{standing.pk}", DocumentStatus.READY)]
    assert [m.subject for m in mail.outbox] and len(mail.outbox) == 1
    assert versions.filter(receipt_skipped_at__isnull=False).count() == 2
