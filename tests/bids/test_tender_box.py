"""The tender box keeps its promises: ciphertext at rest, exact receipts, nothing lost or doubled under load."""

import io
import threading
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from bids.models import Bid, BidStatus, BidVersion
from bids.services import bid_create, bid_submit
from documents.models import GeneratedDocument
from documents.services import document_render
from procurement.errors import Conflict
from procurement.models import Notification
from procurement.notifications import notification_deliver
from tenders.models import Tender, TenderStatus
from tenders.services import tender_close
from tests import factories
from tests.helpers import full_content, open_bids, run_outbox

PRICE = "54321.98"
ANSWER = "SALAINEN-VASTAUS-7Q2X"


def _database_text() -> str:
    """Every row of every table as text, as a database dump would show it."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT t::text FROM "{table}" t')  # noqa: S608 (table names from introspection)
            parts.extend(row[0] for row in cursor.fetchall())
    return "\n".join(parts)


def _media_bytes() -> bytes:
    root = Path(settings.MEDIA_ROOT)
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file()) if root.exists() else b""


def test_nothing_readable_is_stored_before_the_opening(authority, officer, member_a):
    # given a submitted bid with a distinctive price and answer, and its rendered receipt
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    content = full_content(tender, PRICE)
    content["quality_answers"][0]["text"] = ANSWER
    bid = bid_create(actor=member_a, tender_id=tender.pk, received_at=timezone.now(), content=content)
    version = bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now())
    run_outbox("bids.after_submit")  # the receipt, as the worker makes it after the commit
    document_render(document_id=GeneratedDocument.objects.get(subject=f"bid-version:{version.pk}").pk)

    # then neither the database nor the files show the price or the answer
    dump = _database_text()
    files = _media_bytes()
    for secret in (PRICE, ANSWER):  # neither can occur in hex or base64 by chance
        assert secret not in dump
        assert secret.encode() not in files

    # and after the opening the price is there for the evaluation
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    tender_close(actor=officer, tender_id=tender.pk)
    open_bids(tender, officer)
    assert PRICE in _database_text()


def test_receipt_states_the_time_to_the_second_and_the_manifest_hash(authority, member_a):
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    bid = bid_create(actor=member_a, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))
    received = timezone.now().replace(microsecond=0)
    version = bid_submit(actor=member_a, bid_id=bid.pk, received_at=received)
    run_outbox("bids.after_submit")  # the receipt, as the worker makes it after the commit

    document = document_render(document_id=GeneratedDocument.objects.get(subject=f"bid-version:{version.pk}").pk)

    with document.file.open("rb") as handle:
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages).split())
    local = timezone.localtime(received)
    assert f"{local:%-d.%-m.%Y %H:%M:%S}" in text
    assert f"{received.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" in text
    assert version.manifest_sha256 in text.replace(" ", "")
    assert bid.provider.name in text and PRICE not in text


def test_receipt_is_emailed_once(authority, member_a):
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    bid = bid_create(actor=member_a, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))
    version = bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now())
    run_outbox("bids.after_submit")  # the receipt, as the worker makes it after the commit
    notification = Notification.objects.get(kind="bid.receipt", key=f"bid-version:{version.pk}")
    assert notification_deliver(notification_id=notification.pk) == "waiting"  # the receipt is not rendered yet
    document_render(document_id=GeneratedDocument.objects.get(subject=f"bid-version:{version.pk}").pk)

    assert notification_deliver(notification_id=notification.pk) == "sent", Notification.objects.get(
        pk=notification.pk
    ).delivery_result
    assert notification_deliver(notification_id=notification.pk) == "skipped"

    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {bid.provider.email, member_a.email}
    assert mail.outbox[0].attachments[0][1].startswith(b"%PDF-")
    version.refresh_from_db()
    assert version.emailed_at is not None


def test_a_tampered_bid_stops_the_opening(authority, officer, member_a, member_b):
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    for member in (member_a, member_b):
        bid = bid_create(actor=member, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))
        bid_submit(actor=member, bid_id=bid.pk, received_at=timezone.now())
    # someone with database access swaps one sealed manifest for the other's
    first, second = BidVersion.objects.order_by("pk")
    BidVersion.objects.filter(pk=first.pk).update(sealed_manifest=second.sealed_manifest)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    tender_close(actor=officer, tender_id=tender.pk)

    with pytest.raises(Conflict) as refused:
        open_bids(tender, officer)

    assert refused.value.code == "seal_broken"
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.CLOSED


def _run_together(functions) -> list:
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_of_one_bid_make_one_version():
    tender = factories.TenderFactory(status=TenderStatus.PUBLISHED, published_at=timezone.now())
    member = factories.provider_member_of(factories.ProviderFactory())
    bid = bid_create(actor=member, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))

    results = _run_together([lambda: bid_submit(actor=member, bid_id=bid.pk, received_at=timezone.now())] * 4)

    versions = [r for r in results if isinstance(r, BidVersion)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(versions) == 1 and len(refused) == 3, results
    assert BidVersion.objects.filter(bid=bid).count() == 1


@pytest.mark.django_db(transaction=True)
def test_many_providers_in_the_last_second_lose_nothing():
    tender = factories.TenderFactory(status=TenderStatus.PUBLISHED, published_at=timezone.now())
    members = [factories.provider_member_of(factories.ProviderFactory()) for _ in range(8)]
    bids = [
        bid_create(actor=m, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))
        for m in members
    ]
    last_second = tender.submission_deadline - timedelta(milliseconds=500)

    results = _run_together(
        [
            (lambda m=m, b=b: bid_submit(actor=m, bid_id=b.pk, received_at=last_second, idempotency_key="k"))
            for m, b in zip(members, bids, strict=True)
        ]
    )

    assert all(isinstance(r, BidVersion) for r in results), results
    assert Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).count() == 8
    assert BidVersion.objects.filter(bid__tender=tender).count() == 8
