"""Celery entry points of the tender box."""

from celery import shared_task


@shared_task(name="bids.purge_abandoned_uploads", acks_late=True, ignore_result=True)
def purge_abandoned_uploads() -> int:
    from .attachments import attachments_purge_abandoned

    return attachments_purge_abandoned()
