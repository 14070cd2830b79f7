"""Celery entry points of the evaluation."""

from celery import shared_task
from django.utils.dateparse import parse_datetime

from procurement.tasks import RETRIED_UNTIL_DONE


@shared_task(name="evaluation.call_off_expire", **RETRIED_UNTIL_DONE)  # type: ignore[untyped-decorator]
def call_off_expire_task(call_off_id: int, at: str | None = None) -> None:
    """An order's reply deadline passed (its timer fired at `at`): the order passes on, in its own transaction
    (idempotent: nothing when the reply came, or the step changed, in the meantime)."""
    from django.utils import timezone

    from .calloffs import call_off_expire

    moment = (parse_datetime(at) if at else None) or timezone.now()
    call_off_expire(call_off_id=call_off_id, now=moment)


@shared_task(  # type: ignore[untyped-decorator]
    name="evaluation.access_request_disclose", **{**RETRIED_UNTIL_DONE, "max_retries": 8}
)
def access_request_disclose_task(request_id: int) -> None:
    """The disclosed copies of a granted request for documents (idempotent: a copy made is not made again)."""
    from .access_requests import access_request_disclose

    access_request_disclose(request_id=request_id)
