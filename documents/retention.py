"""Records past their retention period, and an officer's decision on each: destroy it or keep it longer.

Nothing is disposed of by a timer: a record past its period is only listed (`records_past_retention`) until an
officer decides (`record_disposal_decide`, audited). Destroying erases the record's file; the record keeps its
metadata, its SHA-256 and the decision, and its status becomes `disposed`, so that nothing offers it again. Keeping
it longer names the new date, after which it is listed again."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.access import AnyUser, roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed

from .models import DisposalDecision, DocumentStatus, GeneratedDocument
from .records import RecordMetadata, records_metadata, today

# The states of a call whose procedure has ended: only its records can have a retention period that has run.
FINAL_STATES = ("completed", "cancelled", "unsuccessful")


@dataclass(frozen=True)
class PastRetention:
    document: GeneratedDocument
    metadata: RecordMetadata
    due_on: date  # the end of the retention period, or of the last decision to keep it longer
    kept_until: date | None


def _officer_check(actor: AnyUser, authority_id: int) -> None:
    if not roles_of(actor).is_officer(authority_id):
        raise Forbidden(_("Only the authority's procurement officers decide on disposal."), code="officers_only")


def records_past_retention(*, actor: AnyUser, authority_id: int, on: date | None = None) -> list[PastRetention]:
    """The authority's records whose retention period (or the later date a decision kept them to) has passed by the
    day `on` (today in Finland), oldest first; none that is permanent or already disposed of."""
    _officer_check(actor, authority_id)
    on = on or today()
    documents = list(
        GeneratedDocument.objects.select_related("tender", "provider")
        .filter(tender__authority_id=authority_id, tender__status__in=FINAL_STATES, status=DocumentStatus.READY)
        .order_by("tender_id", "kind", "version", "pk")
    )
    kept: dict[int, date] = {}
    for decision in DisposalDecision.objects.filter(
        document__in=documents, outcome=DisposalDecision.Outcome.KEEP
    ).order_by("decided_at", "pk"):
        if decision.keep_until is not None:
            kept[decision.document_id] = decision.keep_until
    metadata = records_metadata(documents)
    found = []
    for document in documents:
        meta = metadata[document.pk]
        if meta.retention_ends_on is None:
            continue
        due = max(meta.retention_ends_on, kept.get(document.pk, meta.retention_ends_on))
        if due <= on:
            found.append(PastRetention(document=document, metadata=meta, due_on=due, kept_until=kept.get(document.pk)))
    found.sort(key=lambda item: (item.due_on, item.document.pk))
    return found


def record_disposal_decide(
    *,
    actor: AnyUser,
    document_id: int,
    outcome: str,
    reason: str,
    keep_until: date | None = None,
    on: date | None = None,
) -> DisposalDecision:
    """Decide on one record past its retention period: destroy it (its file erased after the commit) or keep it to a
    later date. Refused (409 retention_not_over) for a record not yet past its period, and for one disposed of."""
    on = on or today()
    errors: dict[str, list[dict[str, str]]] = {}
    if not (reason or "").strip():
        errors["reason"] = [{"code": "required", "message": str(_("Give the reason for the decision."))}]
    if outcome not in DisposalDecision.Outcome.values:
        errors["outcome"] = [{"code": "invalid", "message": str(_("Choose to destroy the record or to keep it."))}]
    elif outcome == DisposalDecision.Outcome.KEEP and (keep_until is None or keep_until <= on):
        errors["keep_until"] = [{"code": "invalid", "message": str(_("Give a later date to keep the record until."))}]
    with transaction.atomic():
        document = (
            GeneratedDocument.objects.select_for_update(of=("self",))
            .select_related("tender")
            .filter(pk=document_id)
            .first()
        )
        if document is None or not roles_of(actor).reads_authority(document.tender.authority_id):
            raise NotFound()
        _officer_check(actor, document.tender.authority_id)
        if document.status == DocumentStatus.DISPOSED:
            raise Conflict(_("The record has been destroyed already."), code="record_disposed")
        due = {
            item.document.pk: item
            for item in records_past_retention(actor=actor, authority_id=document.tender.authority_id, on=on)
        }.get(document.pk)
        if due is None:
            raise Conflict(_("The record's retention period has not ended."), code="retention_not_over")
        if errors:
            raise ValidationFailed(errors=errors)
        decision = DisposalDecision.objects.create(
            document=document,
            outcome=outcome,
            keep_until=keep_until if outcome == DisposalDecision.Outcome.KEEP else None,
            reason=reason.strip(),
            retention_ended_on=due.due_on,
            sha256=document.sha256,
            decided_by=actor,  # type: ignore[misc]  # an officer, checked above
            decided_at=timezone.now(),
        )
        detail = {
            "outcome": outcome,
            "reason": decision.reason,
            "retention_ended_on": due.due_on.isoformat(),
            "keep_until": decision.keep_until.isoformat() if decision.keep_until else None,
            "sha256": document.sha256,
            "kind": document.kind,
        }
        if outcome == DisposalDecision.Outcome.DESTROY:
            name = document.file.name
            storage = document.file.storage
            GeneratedDocument.objects.filter(pk=document.pk).update(status=DocumentStatus.DISPOSED, file="")
            if name:
                # Erased only once the decision is committed: a rollback keeps the file with its record.
                transaction.on_commit(lambda: storage.delete(name))
        audit_record(
            action="record.dispose" if outcome == DisposalDecision.Outcome.DESTROY else "record.retain",
            actor=actor,
            obj=document,
            tender_id=document.tender_id,
            detail=detail,
        )
    return decision
