"""The outbox relay process (OUTBOX_RELAY): the web processes only write their messages; the relay, woken by
PostgreSQL's LISTEN/NOTIFY when the transaction commits, hands them to the real Redis broker."""

import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone

from documents.models import DocumentStatus, GeneratedDocument
from procurement import outbox
from procurement.models import OutboxMessage
from tests.fixtures.stages import full_content, wait_for

ROOT = Path(__file__).resolve().parents[2]
IDLE = 120.0  # far longer than any wait below: what is sent in time was sent because a commit woke the relay


@pytest.fixture
def relay_mode(transactional_db, settings):
    from config.celery_app import app

    settings.OUTBOX_RELAY = True
    app.control.purge()
    outbox._broker_up()
    yield
    app.control.purge()


def _queued() -> int:
    """Task messages waiting in the broker's default queue (no worker takes them in these tests)."""
    from config.celery_app import app

    return redis.Redis.from_url(app.conf.broker_url).llen("default")


def _sent(*messages) -> bool:
    return not OutboxMessage.objects.filter(pk__in=[m.pk for m in messages], dispatched_at__isnull=True).exists()


@contextmanager
def relay_thread(idle: float = IDLE):
    """`outbox_relay_run` in a thread of its own, with its own database connection, as in the relay process."""
    stop, failures = threading.Event(), []

    def run():
        try:
            outbox.outbox_relay_run(idle=idle, stop=stop.is_set)
        except BaseException as exc:  # reported when the thread is stopped
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(30)
        assert not thread.is_alive(), "the relay did not stop"
        assert not failures, failures


def _relay_is_waiting() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state = 'idle' AND query LIKE '%%next_attempt_at%%'"
        )
        return cursor.fetchone()[0] > 0


def test_with_the_relay_a_commit_does_not_wait_for_the_broker_and_the_relay_process_sends_it(relay_mode):
    """The real command, in a process of its own: started, woken by commits, stopped by SIGTERM."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "OUTBOX_RELAY": "true",
    }
    with transaction.atomic():
        before = outbox.outbox_enqueue("outbox.purge")
    # Nothing went to the broker from this process: the message waits for the relay.
    assert not _sent(before) and _queued() == 0

    process = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", "outbox_relay", "--idle", str(IDLE)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # What was committed before it started is sent when it starts.
        assert wait_for(lambda: _sent(before), 60)
        assert wait_for(_relay_is_waiting)
        with transaction.atomic():
            woken = outbox.outbox_enqueue("outbox.purge")
        assert wait_for(lambda: _sent(woken))
        assert _queued() == 2
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Outbox relay stopped." in out
    assert "OUTBOX_RELAY is not set" not in err


def test_a_rolled_back_transaction_sends_nothing_and_a_delayed_message_is_sent_when_it_falls_due(relay_mode):
    with relay_thread():
        assert wait_for(_relay_is_waiting)
        with transaction.atomic():
            delayed = outbox.outbox_enqueue("outbox.purge", eta=timezone.now() + timedelta(seconds=2))
        with pytest.raises(RuntimeError, match="rolled back"), transaction.atomic():
            outbox.outbox_enqueue("outbox.purge")
            raise RuntimeError("rolled back")
        time.sleep(0.5)
        assert not _sent(delayed) and _queued() == 0
        assert wait_for(lambda: _sent(delayed))
    assert _queued() == 1
    assert OutboxMessage.objects.count() == 1


def test_two_relays_at_once_send_each_message_exactly_once(relay_mode):
    with relay_thread(), relay_thread():
        messages = []
        for _ in range(120):
            with transaction.atomic():
                messages.append(outbox.outbox_enqueue("outbox.purge"))
        assert wait_for(lambda: _sent(*messages), 60)
    assert _queued() == 120
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


def test_the_relay_connects_again_when_its_database_connection_is_cut(relay_mode):
    with relay_thread():
        assert wait_for(_relay_is_waiting)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        with transaction.atomic():
            message = outbox.outbox_enqueue("outbox.purge")
        assert wait_for(lambda: _sent(message))
    assert _queued() == 1


@pytest.mark.worker
def test_a_submission_gets_its_receipt_through_the_relay_and_a_real_worker(
    relay_mode, celery_worker_redis, open_tender, member_a, client_for
):
    client = client_for(member_a)
    bid = client.post("/api/v1/bids/", {"tender": open_tender.pk, **full_content(open_tender)}, format="json")
    assert bid.status_code == 201, bid.content
    with relay_thread():
        submitted = client.post(f"/api/v1/bids/{bid.json()['id']}/submit/", HTTP_IDEMPOTENCY_KEY="relay-1")
        assert submitted.status_code == 200, submitted.content
        receipt = GeneratedDocument.objects.filter(kind="receipt", status=DocumentStatus.READY)
        assert wait_for(receipt.exists, 120)
    versions = client.get(f"/api/v1/bids/{bid.json()['id']}/versions/").json()
    assert [v["receipt_document"] for v in versions] == [receipt.get().pk]


@pytest.mark.parametrize("idle", ["-5", "0", "nan", "inf", "soon"])
def test_the_relay_refuses_an_idle_time_it_could_not_keep(idle):
    result = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", "outbox_relay", "--idle", idle],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "give a number of seconds from 0.1 to 3600" in result.stderr
