"""Celery entry points of the evaluation."""

from celery import shared_task
from django.utils.dateparse import parse_datetime


@shared_task(  # type: ignore[untyped-decorator]
    name="evaluation.call_off_expire",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=None,
)
def call_off_expire_task(call_off_id: int, at: str | None = None) -> None:
    """An order's reply deadline passed (its timer fired at `at`): the order passes on, in its own transaction
    (idempotent: nothing when the reply came, or the step changed, in the meantime)."""
    from django.utils import timezone

    from .calloffs import call_off_expire

    moment = (parse_datetime(at) if at else None) or timezone.now()
    call_off_expire(call_off_id=call_off_id, now=moment)


@shared_task(  # type: ignore[untyped-decorator]
    name="evaluation.access_request_disclose",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def access_request_disclose_task(request_id: int) -> None:
    """The disclosed copies of a granted request for documents (idempotent: a copy made is not made again)."""
    from .access_requests import access_request_disclose

    access_request_disclose(request_id=request_id)
