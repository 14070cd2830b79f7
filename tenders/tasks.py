"""Celery entry points for calls for tenders."""

import logging

from celery import shared_task

from .services import tenders_close_due

logger = logging.getLogger(__name__)


@shared_task(name="tenders.close_due", acks_late=True, ignore_result=True)
def close_due_tenders() -> list[int]:
    closed = tenders_close_due()
    if closed:
        logger.info("Closed calls for tenders %s", closed)
    return closed
