"""Celery entry points for calls for tenders."""

import logging

from celery import shared_task

from .notice_sending import notice_change_after_publication, notice_send_attempt, notices_follow_due
from .services import tenders_close_due

logger = logging.getLogger(__name__)


@shared_task(name="tenders.close_due", acks_late=True, ignore_result=True)
def close_due_tenders() -> list[int]:
    closed = tenders_close_due()
    if closed:
        logger.info("Closed calls for tenders %s", closed)
    return closed


@shared_task(name="notices.send", acks_late=True, ignore_result=True)
def send_notice(notice_id: int) -> str:
    """Send a queued notice to Hilma (idempotent: a notice already sent, or not yet due, is left as it is)."""
    return notice_send_attempt(notice_id=notice_id)


@shared_task(name="notices.follow", acks_late=True, ignore_result=True)
def follow_notices() -> dict[str, int]:
    """Send again what is due, and ask Hilma about the notices sent (published, rejected by TED)."""
    return notices_follow_due()


@shared_task(name="notices.change_follow", acks_late=True, ignore_result=True)
def follow_change(notice_id: int) -> str:
    """Make and send the change notice of a call corrected while its notice was with Hilma, now published."""
    return notice_change_after_publication(notice_id=notice_id)
