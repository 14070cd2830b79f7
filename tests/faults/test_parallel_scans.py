"""The periodic scans run twice at the same moment (two beats, or a slow run overtaken by the next): each due item
is handled once.

The reminders' timers and the e-mail relay are in tests/procurement/test_notifications.py
(test_reminders_go_once_even_when_two_scans_run_at_the_same_time); here are the other two scans of the beat: the
closing of calls whose deadline has passed, and the outbox relay that hands the committed work to the broker. The
two runs meet at the statement that picks the due rows (tests.fixtures.concurrency.Rendezvous)."""

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from procurement import outbox
from procurement.models import AuditEvent, Notification, OutboxMessage
from tenders.models import Tender, TenderStatus
from tenders.services import tenders_close_due
from tests.fixtures import factories
from tests.fixtures.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_closing_scans_at_once_close_each_due_call_once():
    authority = factories.AuthorityFactory()
    officers = [factories.officer_of(authority), factories.officer_of(authority)]
    past = timezone.now() - timedelta(seconds=1)
    due = [
        factories.TenderFactory(
            authority=authority,
            status=TenderStatus.PUBLISHED,
            published_at=past - timedelta(days=20),
            submission_deadline=past,
            next_check=past,
        )
        for _ in range(3)
    ]
    later = factories.TenderFactory(
        authority=authority,
        status=TenderStatus.PUBLISHED,
        published_at=past,
        next_check=timezone.now() + timedelta(days=7),
    )

    results = run_together(
        {"first": tenders_close_due, "second": tenders_close_due},
        meets=lambda sql: sql.startswith("SELECT") and 'FROM "tenders_tender"' in sql,
    )

    assert all(isinstance(r, list) for r in results.values()), results
    closed = results["first"] + results["second"]
    assert sorted(closed) == sorted(t.pk for t in due), results  # each by one scan only
    for tender in due:
        assert Tender.objects.get(pk=tender.pk).status == TenderStatus.CLOSED
        assert AuditEvent.objects.filter(action="tender.close", tender_id=tender.pk).count() == 1
        told = Notification.objects.filter(kind="tender.closed", tender_id=tender.pk)
        assert sorted(told.values_list("user_id", flat=True)) == sorted(o.pk for o in officers)
    assert Tender.objects.get(pk=later.pk).status == TenderStatus.PUBLISHED
    assert tenders_close_due() == []


def test_two_relays_at_once_send_each_outbox_message_once():
    from config.celery_app import app

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("default")
    outbox._broker_up()
    # committed work waiting for the relay (as after a broker outage): five tasks for the default queue
    messages = [outbox.outbox_enqueue("outbox.purge", eta=timezone.now() - timedelta(seconds=1)) for _ in range(5)]

    results = run_together(
        {"first": outbox.outbox_dispatch, "second": outbox.outbox_dispatch},
        meets=lambda sql: sql.startswith("SELECT") and 'FROM "procurement_outboxmessage"' in sql,
    )

    assert all(isinstance(r, int) for r in results.values()), results
    assert sum(results.values()) == len(messages), results
    assert not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    assert broker.llen("default") == len(messages)  # on the broker once each
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("default")
