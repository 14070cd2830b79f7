"""A call-off order as offered to one provider, and its confirmation once accepted: the authority, the framework,
the provider and its rank, the course, the order's own price and value, the reply deadline or the acceptance, and
only that the order came to it by the order of preference (never what other providers answered)."""

from typing import Any

from django.utils import timezone

from documents.models import DocumentKind, GeneratedDocument
from tenders.models import StudyPath

from ..models import CallOff, CallOffStep

OUTCOMES = dict(CallOffStep.Outcome.choices)
STUDY_PATHS = dict(StudyPath.choices)


def _step_of(document: GeneratedDocument) -> CallOffStep:
    """The offer the document is about: a step for an order, the accepted step for a confirmation."""
    kind, _sep, pk = document.subject.partition(":")
    steps = CallOffStep.objects.select_related(
        "member__provider", "call_off__framework__lot", "call_off__framework__tender__authority", "call_off__created_by"
    )
    if kind == "call-off-step":
        step: CallOffStep = steps.get(pk=int(pk))
        return step
    accepted: CallOffStep = steps.get(call_off_id=int(pk), outcome=CallOffStep.Outcome.ACCEPTED)
    return accepted


def call_off_context(document: GeneratedDocument) -> dict[str, Any]:
    step = _step_of(document)
    call_off: CallOff = step.call_off
    framework = call_off.framework
    # Only that the order came down the ranks: what other providers answered (declined, no capacity, skipped) is
    # not the reader's (with the public ranking of the award it would tell a competitor about another provider).
    passed_before = call_off.steps.filter(number__lt=step.number).exists()
    return {
        "confirmation": document.kind == DocumentKind.CALL_OFF_CONFIRMATION,
        "tender": framework.tender,
        "authority": framework.tender.authority,
        "framework": framework,
        "lot": framework.lot,
        "call_off": call_off,
        "step": step,
        "member": step.member,
        "provider": step.member.provider,
        "passed_before": passed_before,
        "study_path": STUDY_PATHS.get(call_off.study_path, call_off.study_path),
        "generated_at": timezone.now(),
        "document": document,
        "source_data": {
            "call_off": call_off.pk,
            "number": call_off.number,
            "framework": framework.pk,
            "step": step.number,
            "provider": step.member.provider.business_id,
            "rank": step.member.rank,
            "unit_price": str(call_off.unit_price),
            "volume": str(call_off.volume),
            "value": str(call_off.value),
            "reply_by": step.reply_by,
            "accepted_at": call_off.accepted_at,
        },
    }


def call_off_filename(document: GeneratedDocument) -> tuple[list[str], int]:
    """Named by the order's number."""
    step = _step_of(document)
    return [f"order-{step.call_off.number}", f"rank-{step.member.rank}"], document.version
