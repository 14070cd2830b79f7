"""The transactional outbox: a task is written with the change that wants it and sent to Celery after the commit.

Who sends it: by default the process that committed, right after its commit; with OUTBOX_RELAY the relay process
(`manage.py outbox_relay`), which a trigger on the table wakes through PostgreSQL's LISTEN/NOTIFY when the
transaction commits, so that requests never wait for the broker. When the broker is down, the commit still
succeeds; the message stays pending and is sent when the broker is back (by the relay process, or by the beat task
`notifications.relay`). Every task behind the outbox is idempotent, so a message that is sent twice (two senders
racing) does no harm."""

import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Min
from django.utils import timezone

from .fastpath import on_commit_registered
from .models import OutboxMessage

logger = logging.getLogger(__name__)

RETRY_DELAYS = (5, 15, 60, 300)  # seconds between attempts to reach the broker
# After a failed attempt, requests leave the sending to the relay for a while instead of each waiting for the
# broker client's own connection retries (a few seconds) before answering.
BROKER_DOWN_PAUSE = 30.0
_broker_down_until = 0.0


def outbox_enqueue(task: str, *args, eta=None) -> OutboxMessage:
    """Queue `task(*args)` with the current transaction; it is sent only if the transaction commits."""
    message = outbox_message(task, *args, eta=eta)
    message.save()
    if eta is None:
        outbox_send_after_commit(message)
    return message


def outbox_message(task: str, *args, eta=None) -> OutboxMessage:
    """The message, not yet saved: a hot path writes it with its change, then calls `outbox_send_after_commit`."""
    return OutboxMessage(task=task, args=list(args), next_attempt_at=eta or timezone.now())


class _Batch:
    """The messages of one transaction, sent together after its commit (one round trip instead of one each)."""

    def __init__(self):
        self.messages: list[OutboxMessage] = []

    def flush(self) -> None:
        _dispatch_quietly(self.messages)


def outbox_send_after_commit(message: OutboxMessage) -> None:
    """Hand the saved message to the broker when the transaction commits (or leave it to the relay process)."""
    if settings.OUTBOX_RELAY:
        return  # the relay process sends it, woken by the commit (migration 0005's trigger)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _dispatch_quietly([message])
        return
    batch = getattr(connection, "_hankinta_outbox_batch", None)
    # A batch whose hook went with a rolled-back transaction or savepoint is not reused.
    if batch is None or not on_commit_registered(batch.flush):
        batch = _Batch()
        connection._hankinta_outbox_batch = batch
        transaction.on_commit(batch.flush)
    batch.messages.append(message)


def _send(message: OutboxMessage, producer=None) -> None:
    # No retries here: a broker that is down must not hold up the request that committed the change.
    current_app.send_task(message.task, args=message.args, retry=False, producer=producer)


def _producer():
    """One broker connection for a batch of messages, instead of one taken from the pool for each."""
    return current_app.producer_or_acquire()


def _dispatch_quietly(messages: list[OutboxMessage]) -> None:
    """Send the messages a transaction just committed: claimed and marked in one statement, sent while the claim
    holds their rows, so that a parallel relay skips them; on a failure the claim rolls back for the relay."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return
    now = timezone.now()
    if connection.vendor != "postgresql":
        _dispatch_portably(messages)
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Losing this mark in a crash only makes the relay send the message again (every task behind the outbox
            # is idempotent), so its commit need not wait for the disk.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(
                f"UPDATE {OutboxMessage._meta.db_table} SET dispatched_at = %s, attempts = attempts + 1 "  # noqa: S608
                "WHERE id = ANY(%s) AND dispatched_at IS NULL RETURNING id",
                [now, [m.pk for m in messages]],
            )
            claimed = {row[0] for row in cursor.fetchall()}
            with _producer() as producer:
                for message in messages:
                    if message.pk in claimed:
                        _send(message, producer)
    except Exception as exc:  # the relay will try again; the change itself is committed
        if not isinstance(exc, DatabaseError):  # the broker, not the database, failed: let requests stop trying
            _broker_down_until = time.monotonic() + BROKER_DOWN_PAUSE
        logger.warning("The outbox could not dispatch; the relay will send %s later.", messages, exc_info=True)
        # If the database is gone too, the relay finds the messages due as they are.
        with contextlib.suppress(Exception):
            OutboxMessage.objects.filter(pk__in=[m.pk for m in messages], dispatched_at__isnull=True).update(
                attempts=F("attempts") + 1,
                next_attempt_at=now + timedelta(seconds=RETRY_DELAYS[0]),
                last_error=f"{type(exc).__name__}: {exc}"[:1000],
            )
    else:
        _broker_up()


def _dispatch_portably(messages: list[OutboxMessage]) -> None:
    try:
        outbox_dispatch(ids=[m.pk for m in messages])
    except Exception:  # the relay will try again; the change itself is committed
        logger.warning("The outbox could not reach the broker; the relay will send %s later.", messages, exc_info=True)


def outbox_dispatch(*, ids: list[int] | None = None, now=None, limit: int = 200) -> int:
    """Send pending messages (the given ones, or every due one); safe to run in parallel (skip_locked)."""
    global _broker_down_until
    now = now or timezone.now()
    sent, done = 0, []
    with transaction.atomic():
        pending = OutboxMessage.objects.select_for_update(skip_locked=True).filter(dispatched_at__isnull=True)
        pending = pending.filter(pk__in=ids) if ids is not None else pending.filter(next_attempt_at__lte=now)
        with _producer() as producer:
            for message in pending.order_by("next_attempt_at")[:limit]:
                try:
                    _send(message, producer)
                except Exception as exc:
                    _broker_down_until = time.monotonic() + BROKER_DOWN_PAUSE
                    delay = RETRY_DELAYS[min(message.attempts, len(RETRY_DELAYS) - 1)]
                    OutboxMessage.objects.filter(pk=message.pk).update(
                        attempts=F("attempts") + 1,
                        next_attempt_at=now + timedelta(seconds=delay),
                        last_error=f"{type(exc).__name__}: {exc}"[:1000],
                    )
                    logger.warning("Broker unavailable, %s stays in the outbox: %s", message, exc)
                    break  # the broker is down: the others would fail the same way
                done.append(message.pk)
                sent += 1
        if done:
            OutboxMessage.objects.filter(pk__in=done).update(dispatched_at=now, attempts=F("attempts") + 1)
            _broker_up()
    return sent


RELAY_CHANNEL = "hankinta_outbox"  # notified by migration 0005's trigger when outbox messages are committed
RELAY_BATCH = 500
RELAY_LINGER = 0.05  # seconds between a commit's notification and the batch it starts


def outbox_relay_run(*, idle: float = 5.0, stop: Callable[[], bool] = lambda: False) -> None:
    """The relay process (`manage.py outbox_relay`): sends the outbox's messages as their transactions commit.

    It listens on RELAY_CHANNEL (on PostgreSQL; elsewhere it polls), sends everything due in batches, then waits for
    the next commit, for the next delayed message to fall due, or `idle` seconds, whichever comes first. A lost
    database connection is opened again; several relays may run at once, as each message is claimed by one."""
    listening = None
    while not stop():
        try:
            if connection.vendor == "postgresql" and (listening is None or listening is not connection.connection):
                connection.close()  # whatever a broken connection left: LISTEN on a fresh one
                with connection.cursor() as cursor:
                    cursor.execute(f"LISTEN {RELAY_CHANNEL}")
                listening = connection.connection
            while outbox_dispatch(limit=RELAY_BATCH) == RELAY_BATCH and not stop():
                pass
            _relay_wait(listening, _seconds_to_next_due(idle), stop)
        except DatabaseError:
            logger.warning("The outbox relay lost the database; it connects again.", exc_info=True)
            listening = None
            time.sleep(min(idle, 1.0))


def _seconds_to_next_due(idle: float) -> float:
    due = OutboxMessage.objects.filter(dispatched_at__isnull=True).aggregate(due=Min("next_attempt_at"))["due"]
    if due is None:
        return idle
    return max(0.0, min(idle, (due - timezone.now()).total_seconds()))


def _relay_wait(listening, seconds: float, stop: Callable[[], bool]) -> None:
    """Wait for a commit's notification, `seconds` at most, looking at `stop` every second (a signal to stop the
    process does not interrupt the wait itself)."""
    import psycopg

    deadline = time.monotonic() + seconds
    while not stop():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        if listening is None:
            time.sleep(min(left, 1.0))
            continue
        try:
            if any(True for _ in listening.notifies(timeout=min(left, 1.0), stop_after=1)):
                # Commits come in bursts (a deadline rush): a moment's wait lets one batch serve the commits that
                # follow, whose notifications are then spent.
                time.sleep(RELAY_LINGER)
                for _notification in listening.notifies(timeout=0):
                    pass
                return
        except psycopg.Error as exc:  # raised outside Django's wrappers
            raise DatabaseError(str(exc)) from exc


def _broker_up() -> None:
    global _broker_down_until
    _broker_down_until = 0.0


def outbox_purge(*, older_than_days: int = 30) -> int:
    """Sent messages are kept a while for tracing, then removed."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = OutboxMessage.objects.filter(dispatched_at__lt=cutoff).delete()
    return deleted
