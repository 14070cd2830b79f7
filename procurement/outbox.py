"""The transactional outbox: a task is written with the change that wants it and sent to Celery after the commit.

When the broker is down, the commit still succeeds; the message stays pending and the relay (a beat task, and
any later commit) sends it when the broker is back. Every task behind the outbox is idempotent, so a message that
is sent twice (the relay and the commit hook racing) does no harm."""

import contextlib
import logging
import time
from datetime import timedelta

from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

RETRY_DELAYS = (5, 15, 60, 300)  # seconds between attempts to reach the broker
# After a failed attempt, requests leave the sending to the relay for a while instead of each waiting for the
# broker client's own connection retries (a few seconds) before answering.
BROKER_DOWN_PAUSE = 30.0
_broker_down_until = 0.0


def outbox_enqueue(task: str, *args, eta=None) -> OutboxMessage:
    """Queue `task(*args)` with the current transaction; it is sent only if the transaction commits."""
    message = OutboxMessage.objects.create(task=task, args=list(args), next_attempt_at=eta or timezone.now())
    if eta is None:
        _send_after_commit(message)
    return message


class _Batch:
    """The messages of one transaction, sent together after its commit (one round trip instead of one each)."""

    def __init__(self):
        self.messages: list[OutboxMessage] = []

    def flush(self) -> None:
        _dispatch_quietly(self.messages)


def _send_after_commit(message: OutboxMessage) -> None:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _dispatch_quietly([message])
        return
    batch = getattr(connection, "_hankinta_outbox_batch", None)
    # A batch whose hook went with a rolled-back transaction or savepoint is not reused.
    if batch is None or not any(hook == batch.flush for _ids, hook, _robust in connection.run_on_commit):
        batch = _Batch()
        connection._hankinta_outbox_batch = batch
        transaction.on_commit(batch.flush)
    batch.messages.append(message)


def _send(message: OutboxMessage) -> None:
    from config.celery_app import app

    # No retries here: a broker that is down must not hold up the request that committed the change.
    app.send_task(message.task, args=message.args, retry=False)


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
            for message in messages:
                if message.pk in claimed:
                    _send(message)
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
        for message in pending.order_by("next_attempt_at")[:limit]:
            try:
                _send(message)
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


def _broker_up() -> None:
    global _broker_down_until
    _broker_down_until = 0.0


def outbox_purge(*, older_than_days: int = 30) -> int:
    """Sent messages are kept a while for tracing, then removed."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = OutboxMessage.objects.filter(dispatched_at__lt=cutoff).delete()
    return deleted
