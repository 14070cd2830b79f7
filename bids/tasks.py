"""Celery entry points of the tender box."""

from celery import shared_task

from procurement.tasks import RETRIED_UNTIL_DONE


@shared_task(name="bids.purge_abandoned_uploads", acks_late=True, ignore_result=True)
def purge_abandoned_uploads() -> int:
    from .attachments import attachments_purge_abandoned

    return attachments_purge_abandoned()


@shared_task(name="bids.after_submit", **RETRIED_UNTIL_DONE)
def after_submit(version_id: int, tender_version: int | None = None) -> None:
    """What follows a submission, out of the deadline rush's request: the receipt, its e-mail, the audit chain."""
    from .services import submission_receipt

    submission_receipt(version_id=version_id, tender_version=tender_version)
