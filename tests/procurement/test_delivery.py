"""Delivery end to end: a real Celery worker over Redis, a real SMTP server on loopback, and a broker outage."""

import contextlib
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.utils import timezone

from bids.services import bid_create, bid_submit
from procurement.models import DeliveryStatus, Notification, OutboxMessage
from tenders.models import TenderStatus
from tests.fixtures import factories
from tests.fixtures.stages import full_content, wait_for


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping what the SMTP server received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield inbox
    controller.stop()


def _submit(member, authority):
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    bid = bid_create(actor=member, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))
    version = bid_submit(actor=member, bid_id=bid.pk, received_at=timezone.now())
    return bid, version


def test_a_worker_over_redis_delivers_the_receipt_to_a_real_smtp_server(
    celery_worker_redis, smtp_server, authority, member_a
):
    bid, version = _submit(member_a, authority)

    # The worker renders the receipt, which wakes its e-mail, which the worker sends through SMTP.
    assert wait_for(lambda: smtp_server.messages, 90), "no e-mail reached the SMTP server"
    envelope = smtp_server.messages[0]
    assert sorted(envelope.rcpt_tos) == sorted([bid.provider.email, member_a.email])
    raw = envelope.content.decode("utf-8", "replace")
    assert "application/pdf" in raw and version.manifest_sha256 in raw
    notification = Notification.objects.filter(kind="bid.receipt", key=f"bid-version:{version.pk}")
    # The worker marks it sent just after the SMTP server has answered.
    assert wait_for(lambda: notification.get().status == DeliveryStatus.SENT, 30)
    assert notification.get().sends == 1
    time.sleep(1)
    assert len(smtp_server.messages) == 1  # once


@contextmanager
def _redis_on(port: int):
    server = subprocess.Popen(  # noqa: S603 - the Debian redis-server of the machine
        [
            shutil.which("redis-server") or "/usr/bin/redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: _answers(port), 10), "redis-server did not start"
        yield
    finally:
        server.terminate()
        server.wait(10)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.fixture
def own_broker():
    """Point the Celery app at a Redis of the test's own, which the test can stop and start."""
    from config.celery_app import app

    port = _free_port()
    previous = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    app._pool = None
    app.amqp._producer_pool = None
    yield port
    app.conf.broker_url = previous
    app._pool = None
    app.amqp._producer_pool = None


def test_a_bid_submitted_while_redis_is_down_gets_its_receipt_when_redis_is_back(
    transactional_db, own_broker, authority, member_a, client_for
):
    from celery.contrib.testing.worker import start_worker

    from config.celery_app import app
    from procurement import outbox
    from procurement.tasks import relay_task

    assert not _answers(own_broker)
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    client = client_for(member_a)
    bid = client.post("/api/v1/bids/", {"tender": tender.pk, **full_content(tender)}, format="json")
    assert bid.status_code == 201, bid.content

    submitted = client.post(f"/api/v1/bids/{bid.json()['id']}/submit/")

    # Accepted although the broker is down: the work waits in the outbox.
    assert submitted.status_code == 200, submitted.content
    pending = OutboxMessage.objects.filter(dispatched_at__isnull=True)
    assert pending.exists() and "onnect" in pending.first().last_error
    assert not mail.outbox

    with _redis_on(own_broker):
        outbox._broker_up()
        with start_worker(
            app, queues=["default", "documents"], pool="solo", perform_ping_check=False, shutdown_timeout=30
        ):
            relay_task.delay()  # what beat does every few seconds
            assert wait_for(lambda: any("_receipt_" in a[0] for m in mail.outbox for a in m.attachments), 90)
    assert not OutboxMessage.objects.filter(dispatched_at__isnull=True, task="documents.render").exists()
    assert Notification.objects.get(kind="bid.receipt").status == DeliveryStatus.SENT


def test_the_messages_of_one_transaction_go_to_the_broker_together(transactional_db):
    from django.db import transaction

    from config.celery_app import app
    from procurement import outbox

    app.control.purge()
    outbox._broker_up()
    with transaction.atomic():
        first = outbox.outbox_enqueue("outbox.purge")
        second = outbox.outbox_enqueue("outbox.purge")
    with transaction.atomic():
        with contextlib.suppress(RuntimeError), transaction.atomic():  # a savepoint that rolls back
            outbox.outbox_enqueue("outbox.purge")
            raise RuntimeError("rolled back")
        third = outbox.outbox_enqueue("outbox.purge")

    rows = {m.pk: m for m in OutboxMessage.objects.all()}
    assert set(rows) == {first.pk, second.pk, third.pk}  # the rolled-back one was never written
    assert all(m.dispatched_at is not None for m in rows.values())
    # one dispatch for the first transaction's two messages, another for the second's
    assert rows[first.pk].dispatched_at == rows[second.pk].dispatched_at != rows[third.pk].dispatched_at
    app.control.purge()
