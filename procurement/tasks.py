"""Celery entry points for notifications, the outbox relay, the timers and the audit chain."""

import logging

from celery import shared_task

from .notifications import deliver_event, notification_deliver, notifications_relay
from .outbox import outbox_dispatch, outbox_purge
from .timers import timers_run_due

logger = logging.getLogger(__name__)


# A task that must run once its transaction is committed, however long the cause of a failure lasts (a mail server, a
# broker, a lock): retried with a backoff of up to five minutes, acknowledged only when done. Tasks spread it in:
# `@shared_task(name=..., **RETRIED_UNTIL_DONE)`.
RETRIED_UNTIL_DONE = {
    "acks_late": True,
    "ignore_result": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": None,
}


@shared_task(name="notifications.deliver_event", acks_late=True, ignore_result=True)
def deliver_event_task(kind: str, key: str) -> int:
    return deliver_event(kind=kind, key=key)


@shared_task(name="notifications.deliver", acks_late=True, ignore_result=True)
def deliver_task(notification_id: int) -> str:
    return notification_deliver(notification_id=notification_id)


@shared_task(name="notifications.relay", acks_late=True, ignore_result=True)
def relay_task() -> dict:
    """What the broker missed or what waits for a retry: outbox messages first, then pending e-mails."""
    result = {"outbox": outbox_dispatch(), "notifications": notifications_relay()}
    if any(result.values()):
        logger.info("Relay: %s", result)
    return result


@shared_task(name="timers.run_due", acks_late=True, ignore_result=True)
def timers_task() -> int:
    return timers_run_due()


@shared_task(name="audit.link", acks_late=True, ignore_result=True)
def audit_link_task() -> int:
    """The safety net of the audit chain: links what a process could not link right after its commit."""
    from .auditchain import chain_link

    return chain_link()


@shared_task(name="audit.anchor", acks_late=True, ignore_result=True)
def audit_anchor_task() -> int | None:
    """Anchor the audit chain's head outside the database, if it moved since the last anchor."""
    from .auditchain import chain_anchor

    anchor = chain_anchor()
    return anchor["sequence"] if anchor else None


@shared_task(name="outbox.purge", ignore_result=True)
def outbox_purge_task() -> int:
    return outbox_purge()


@shared_task(name="auth.tokens_purge", ignore_result=True)
def api_tokens_purge_task() -> int:
    """Expired API tokens no longer work; this deletes them (a token is also deleted when it is next presented)."""
    from .tokens import api_tokens_purge

    return api_tokens_purge()
