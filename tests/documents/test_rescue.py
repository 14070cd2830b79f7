"""Documents that stay queued or rendering (a lost broker message, a worker gone with its machine) are queued again by
the periodic rescue, and one that never finishes is handed to the officers as failed."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from config.celery_app import app
from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from documents.services import document_retry, documents_rescue_stuck
from procurement.models import AuditEvent, OutboxMessage
from tenders.models import TenderStatus
from tenders.services import tender_publish
from tests.fixtures import factories
from tests.fixtures.stages import wait_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender(authority):
    return factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())


def _document(tender, status, minutes_ago, attempts=0, kind=DocumentKind.CALL, subject=""):
    """A document in `status` since `minutes_ago`, with no message on its way (as after the loss)."""
    return GeneratedDocument.objects.create(
        kind=kind,
        tender=tender,
        version=tender.version,
        subject=subject,
        status=status,
        attempts=attempts,
        status_changed_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def _render_messages(document) -> int:
    return OutboxMessage.objects.filter(task="documents.render", args=[document.pk]).count()


def test_only_documents_queued_or_rendering_for_too_long_are_queued_again(tender):
    stuck_after = django_settings.DOCUMENT_STUCK_MINUTES
    lost = _document(tender, DocumentStatus.QUEUED, stuck_after + 10)
    orphaned = _document(tender, DocumentStatus.RENDERING, stuck_after + 1, attempts=1, subject="a")
    waiting = _document(tender, DocumentStatus.QUEUED, stuck_after - 1, subject="b")
    ready = _document(tender, DocumentStatus.READY, stuck_after * 10, subject="c")
    failed = _document(tender, DocumentStatus.FAILED, stuck_after * 10, subject="d")

    assert documents_rescue_stuck() == {"requeued": 2, "failed": 0}

    for document in (lost, orphaned):
        was = document.status
        document.refresh_from_db()
        assert document.status == DocumentStatus.QUEUED and _render_messages(document) == 1
        assert timezone.now() - document.status_changed_at < timedelta(minutes=1)
        event = AuditEvent.objects.get(action="document.requeued", object_id=str(document.pk))
        assert event.actor_id is None and event.detail["was"] == was and event.tender_id == tender.pk
    for document in (waiting, ready, failed):
        before = document.status
        document.refresh_from_db()
        assert document.status == before and _render_messages(document) == 0
    assert documents_rescue_stuck() == {"requeued": 0, "failed": 0}  # the clock starts again for the rescued


def test_a_document_that_never_finishes_is_failed_for_an_officer_who_may_queue_it_again(tender, settings):
    settings.DOCUMENT_RENDER_MAX_ATTEMPTS = 3
    officer = factories.officer_of(tender.authority)
    document = _document(tender, DocumentStatus.RENDERING, settings.DOCUMENT_STUCK_MINUTES + 5, attempts=3)

    assert documents_rescue_stuck() == {"requeued": 0, "failed": 1}
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED and "3 attempts" in document.error
    assert _render_messages(document) == 0
    assert AuditEvent.objects.filter(action="document.stuck_failed", object_id=str(document.pk)).exists()

    document_retry(actor=officer, document_id=document.pk)
    document.refresh_from_db()
    assert (document.status, document.error, _render_messages(document)) == (DocumentStatus.QUEUED, "", 1)
    assert timezone.now() - document.status_changed_at < timedelta(minutes=1)


def test_the_rescue_is_scheduled_and_registered():
    entry = django_settings.CELERY_BEAT_SCHEDULE["documents-rescue-stuck"]
    assert entry["task"] == "documents.rescue_stuck" and entry["schedule"].run_every == timedelta(minutes=5)
    app.loader.import_default_modules()
    assert "documents.rescue_stuck" in app.tasks


@pytest.mark.worker
def test_a_document_whose_message_was_lost_is_rendered_after_the_rescue(celery_worker_redis, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    authority = factories.AuthorityFactory()
    officer = factories.officer_of(authority)
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.APPROVED)
    settings.OUTBOX_RELAY = True  # the message is written but no relay runs here: it is as good as lost
    tender_publish(actor=officer, tender_id=tender.pk)
    document = GeneratedDocument.objects.get(tender=tender, kind=DocumentKind.CALL)
    OutboxMessage.objects.filter(task="documents.render", args=[document.pk]).delete()
    GeneratedDocument.objects.filter(pk=document.pk).update(
        status_changed_at=timezone.now() - timedelta(minutes=settings.DOCUMENT_STUCK_MINUTES + 1)
    )
    settings.OUTBOX_RELAY = False  # the rescue's own message is sent after its commit
    assert not wait_for(lambda: _status(document) != DocumentStatus.QUEUED, seconds=2)  # nothing comes for it

    assert app.tasks["documents.rescue_stuck"].apply().get() == {"requeued": 1, "failed": 0}
    assert wait_for(lambda: _status(document) == DocumentStatus.READY, seconds=60)
    document.refresh_from_db()
    assert document.attempts == 1 and document.sha256
    with document.file.open("rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def _status(document) -> str:
    return GeneratedDocument.objects.values_list("status", flat=True).get(pk=document.pk)
