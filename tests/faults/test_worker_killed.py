"""A Celery worker is killed (SIGKILL) while it renders a PDF: the task runs again and the document is stored once.

The worker is a real `celery worker -Q documents` subprocess on the test database and the test's Redis. The
rendering is caught in the middle for certain: before the worker starts, the test locks the table of the call's
versions, which the call document's content is built from, so the worker marks the document RENDERING and then
waits for that lock in PostgreSQL. The test kills it there, releases the lock, and follows the recovery:

- the whole worker killed (its process group: a machine or container gone): the message it had not acknowledged
  (acks_late) is handed out again by Redis after the visibility timeout, to a new worker;
- only the pool process killed (the kernel's OOM killer): the worker gives the message back at once
  (reject_on_worker_lost), and a new pool process renders it.

Either way the document ends READY after a second attempt, with one stored file whose SHA-256 is the recorded one.
"""

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from procurement.models import AuditEvent
from tenders.models import TenderStatus
from tenders.services import tender_publish
from tests.fixtures import factories
from tests.fixtures.concurrency import second_connection

ROOT = Path(__file__).resolve().parents[2]
LOCKED_TABLE = "tenders_tenderversion"  # read first by the call document's context builder


def _database_url() -> str:
    """The test database (pytest-django's test_<name>), for the worker subprocess."""
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{settings['USER']}{password}@{host}:{port}/{settings['NAME']}"


class Worker:
    """`celery worker -Q documents` in a process group of its own, logging to a file."""

    def __init__(self, directory: Path, name: str, visibility_timeout: float | None = None):
        from django.conf import settings

        self.log = directory / f"{name}.log"
        self.env = {
            # not a pytest-xdist worker itself: it takes the broker and the media directory given here
            **{k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"},
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "HANKINTA_VAR_DIR": str(directory),  # MEDIA_ROOT is <var>/test-media, as in this process
        }
        if visibility_timeout is not None:
            self.env["FAULTS_VISIBILITY_TIMEOUT"] = str(visibility_timeout)
        self.name = name
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - the project's own celery
                [
                    str(Path(sys.executable).with_name("celery")),
                    "-A",
                    "tests.faults.worker_app",
                    "worker",
                    "--queues",
                    "documents",
                    "--pool",
                    "prefork",
                    "--concurrency",
                    "1",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel",
                    "INFO",
                    "--hostname",
                    f"{self.name}-{os.getpid()}@%h",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as one
            )
        return self

    def pool_processes(self) -> list[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # a warm shutdown: the main process lets its pool finish the task at hand
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


def _until(predicate, what: str, workers: list[Worker], seconds: float = 120):
    """Wait for predicate() to be true (a bound against hanging, not a measure)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    logs = "\n".join(f"--- {w.name} ---\n{w.output()}" for w in workers)
    raise AssertionError(f"{what} did not happen.\n{logs}")


def _fresh_broker() -> None:
    """Nothing left over in the test's Redis database: no queued and no unacknowledged messages."""
    from django.conf import settings

    from config.celery_app import app

    with app.connection_for_write() as broker:
        for queue in ("documents", "default"):
            broker.default_channel.queue_purge(queue)
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("unacked", "unacked_index", "unacked_mutex")


@pytest.fixture
def tender_document_queued(transactional_db, settings, tmp_path):
    """A call just published by its officer: its call document is queued for rendering on the broker."""
    settings.MEDIA_ROOT = tmp_path / "test-media"
    _fresh_broker()
    authority = factories.AuthorityFactory()
    officer = factories.officer_of(authority)
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.APPROVED)
    tender_publish(actor=officer, tender_id=tender.pk)
    document = GeneratedDocument.objects.get(tender=tender, kind=DocumentKind.CALL)
    assert document.status == DocumentStatus.QUEUED
    yield document
    _fresh_broker()


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def make(name: str, visibility_timeout: float | None = None) -> Worker:
        worker = Worker(tmp_path, name, visibility_timeout)
        started.append(worker)
        return worker.start()

    yield make, started
    for worker in started:
        worker.stop()


class TableLock:
    """The content of the document cannot be read while this is held: a worker that renders it waits."""

    def __enter__(self):
        self.holder = second_connection()
        self.holder.execute(f"LOCK TABLE {LOCKED_TABLE} IN ACCESS EXCLUSIVE MODE")
        self.watcher = second_connection(autocommit=True)
        return self

    def waiting_backends(self) -> list[int]:
        rows = self.watcher.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " AND query LIKE %s",
            [f"%{LOCKED_TABLE}%"],
        ).fetchall()
        return [pid for (pid,) in rows]

    def release(self, orphans: list[int]) -> None:
        """The killed worker's backends go first (they would otherwise run on until they tried to answer)."""
        for pid in orphans:
            self.watcher.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        self.holder.rollback()

    def __exit__(self, *exc):
        self.holder.close()
        self.watcher.close()


def _state(document: GeneratedDocument) -> dict:
    return GeneratedDocument.objects.filter(pk=document.pk).values("status", "attempts", "file", "sha256").get()


def _rendering_caught(document, lock: TableLock):
    """The worker has started the rendering (RENDERING, first attempt) and is stuck in the middle of it."""
    state = _state(document)
    if state["status"] != DocumentStatus.RENDERING:
        return None
    return lock.waiting_backends()


def _assert_stored_once(document: GeneratedDocument, media: Path) -> None:
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    assert document.attempts == 2  # the killed attempt and the one that finished
    stored = sorted(media.rglob(f"{document.kind}-{document.tender_id}-v{document.version}-*.pdf"))
    assert [p.relative_to(media).as_posix() for p in stored] == [document.file.name]
    with document.file.open("rb") as pdf:
        content = pdf.read()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == document.sha256 and len(content) == document.size
    assert GeneratedDocument.objects.filter(tender_id=document.tender_id, kind=document.kind).count() == 1
    assert AuditEvent.objects.filter(action="document.rendered", object_id=str(document.pk)).count() == 1


def test_a_worker_killed_outright_mid_render_is_replaced_and_the_document_stored_once(
    tender_document_queued, workers, tmp_path
):
    document = tender_document_queued
    make, started = workers
    with TableLock() as lock:
        first = make("first")
        orphans = _until(lambda: _rendering_caught(document, lock), "the first worker starting the render", started)

        first.kill()

        assert first.process.poll() is not None
        lock.release(orphans)
    # Nothing was stored by the killed attempt, and nobody else has the message now.
    assert _state(document) == {"status": DocumentStatus.RENDERING, "attempts": 1, "file": "", "sha256": ""}

    # A new worker finds the message the killed one never acknowledged, once it is older than the visibility
    # timeout (an hour in the project's settings, 3 seconds here).
    make("second", visibility_timeout=3)

    _until(lambda: _state(document)["status"] == DocumentStatus.READY, "the second worker rendering it", started)
    _assert_stored_once(document, tmp_path / "test-media")


def test_a_pool_process_killed_mid_render_gives_the_task_back_at_once(tender_document_queued, workers, tmp_path):
    document = tender_document_queued
    make, started = workers
    with TableLock() as lock:
        worker = make("oom")  # the project's own visibility timeout (15 minutes): no help from the broker here
        orphans = _until(lambda: _rendering_caught(document, lock), "the worker starting the render", started)
        (child,) = worker.pool_processes()

        os.kill(child, signal.SIGKILL)

        lock.release(orphans)
    _until(lambda: _state(document)["status"] == DocumentStatus.READY, "the worker rendering it again", started)
    assert worker.process.poll() is None  # the same worker, with a new pool process
    assert child not in worker.pool_processes()
    _assert_stored_once(document, tmp_path / "test-media")
