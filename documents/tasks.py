"""Celery entry points for rendering documents."""

from celery import shared_task

from .services import document_render, documents_rescue_stuck


@shared_task(
    name="documents.render",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_kwargs={"max_retries": 3},
    soft_time_limit=120,
    time_limit=180,
    ignore_result=True,
)
def render_document(document_id: int) -> None:
    document_render(document_id=document_id)


@shared_task(name="documents.rescue_stuck", ignore_result=True)
def rescue_stuck_documents() -> dict[str, int]:
    return documents_rescue_stuck()
