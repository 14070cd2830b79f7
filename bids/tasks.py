"""Celery entry points of the tender box."""

from celery import shared_task

from .services import receipt_email_send


@shared_task(name="bids.send_receipt", acks_late=True, autoretry_for=(OSError,), retry_backoff=10, ignore_result=True)
def send_receipt(document_id: int) -> None:
    receipt_email_send(document_id=document_id)


@shared_task(name="bids.purge_abandoned_uploads", acks_late=True, ignore_result=True)
def purge_abandoned_uploads() -> int:
    from .attachments import attachments_purge_abandoned

    return attachments_purge_abandoned()
