"""The tender box keeps its promises: ciphertext at rest, exact receipts, nothing lost or doubled under load."""

import hashlib
import io
import json
import threading
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from bids.attachments import attachments_of_bid
from bids.models import Bid, BidStatus, BidVersion
from bids.selectors import own_version_manifest
from bids.services import bid_create, bid_submit
from documents.models import GeneratedDocument
from documents.services import document_render
from procurement.errors import Conflict
from procurement.models import Notification
from procurement.notifications import notification_deliver
from tenders.models import Lot, Tender, TenderStatus
from tenders.services import tender_close
from tests.fixtures import factories
from tests.fixtures.stages import full_content, open_bids, run_outbox, seat_panel

PRICE = "54321.98"
ANSWER = "SALAINEN-VASTAUS-7Q2X"
FILE_NAME = "Salainen-Suunnitelma-8W3V.pdf"
LOT_TITLE = "Salainen-Osa-5M1T"


def _attach(member, bid, purpose: str):
    """A finished PDF attachment of the draft bid, named FILE_NAME, for `purpose`."""
    from bids.attachments import attachment_complete, attachment_put_chunk, attachment_start
    from tests.fixtures.files import pdf_bytes

    data, now = pdf_bytes(text="Toteutussuunnitelma"), timezone.now()
    attachment = attachment_start(
        actor=member, bid_id=bid.pk, filename=FILE_NAME, size=len(data), purpose=purpose, received_at=now
    )
    attachment_put_chunk(actor=member, bid_id=bid.pk, attachment_id=attachment.pk, number=0, data=data, received_at=now)
    return attachment_complete(actor=member, bid_id=bid.pk, attachment_id=attachment.pk, received_at=now)


def _rendered_receipt(version) -> bytes:
    """The receipt of the version as the worker renders it, read back raw from the storage."""
    run_outbox("bids.after_submit")  # the receipt, as the worker makes it after the commit
    document = document_render(document_id=GeneratedDocument.objects.get(subject=f"bid-version:{version.pk}").pk)
    with document.file.open("rb") as handle:
        return handle.read()


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
    _attach(member_a, bid, purpose=f"criterion:{tender.criteria.first().pk}")
    version = bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now())
    run_outbox("bids.after_submit")  # the receipt, as the worker makes it after the commit
    document_render(document_id=GeneratedDocument.objects.get(subject=f"bid-version:{version.pk}").pk)

    # then neither the database nor the files show the price, the answer or the attachment's name
    dump = _database_text()
    files = _media_bytes()
    for secret in (PRICE, ANSWER, FILE_NAME):  # none can occur in hex or base64 by chance
        assert secret not in dump
        assert secret.encode() not in files

    # and after the opening the price is there for the evaluation
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    tender_close(actor=officer, tender_id=tender.pk)
    open_bids(tender, officer)
    assert PRICE in _database_text()


def test_the_attachment_table_holds_no_name_or_purpose_before_the_opening(authority, officer, member_a):
    # given a submitted bid whose attachment answers a quality criterion
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    purpose = f"criterion:{tender.criteria.first().pk}"
    bid = bid_create(actor=member_a, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))
    attachment = _attach(member_a, bid, purpose=purpose)
    bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now())

    # when the attachments' table is read as a database dump reads it
    with connection.cursor() as cursor:
        cursor.execute("SELECT t::text FROM bids_bidattachment t")
        rows = "\n".join(row[0] for row in cursor.fetchall())

    # then it shows the file's hash and size, but neither its name nor what it answers
    assert attachment.sha256 in rows
    assert FILE_NAME not in rows and purpose not in rows
    assert FILE_NAME not in _database_text() and f'"{purpose}"' not in _database_text()  # nor the audit log

    # and after the opening those who may read the bid read both
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    read = attachments_of_bid(user=officer, bid_id=bid.pk)
    assert [(a.filename, a.purpose) for a in read] == [(FILE_NAME, purpose)]


def test_the_stored_receipt_lists_attachments_by_hash_and_size_and_names_nothing_sealed(authority, member_a):
    # given a bid for a lot with a telling title, with an attachment, submitted
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    lot = tender.lots.first()
    Lot.objects.filter(pk=lot.pk).update(title=LOT_TITLE)
    purpose = f"criterion:{tender.criteria.first().pk}"
    bid = bid_create(
        actor=member_a, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender, lots=[lot])
    )
    attachment = _attach(member_a, bid, purpose=purpose)
    version = bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now())

    # when its receipt is rendered and read back raw from the storage
    pdf = _rendered_receipt(version)
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join("".join(page.extract_text() for page in reader.pages).split())
    source = reader.attachments["source.json"][0].decode()

    # then neither its text nor its embedded data names the file, its purpose or the lot offered
    for sealed in (FILE_NAME, purpose, LOT_TITLE):
        assert sealed not in text and sealed not in source and sealed.encode() not in pdf
    # and both identify the attachment by what the manifest commits to, with the manifest's hash
    assert attachment.sha256 in text and version.manifest_sha256 in text
    assert json.loads(source)["data"]["attachments"] == [{"sha256": attachment.sha256, "size": attachment.size}]
    # while the manifest, which only the provider downloads, still names the file (and its hash is on the receipt)
    manifest = own_version_manifest(user=member_a, bid_id=bid.pk, number=version.number)
    assert hashlib.sha256(manifest).hexdigest() == version.manifest_sha256
    assert json.loads(manifest)["attachments"][0]["filename"] == FILE_NAME


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
