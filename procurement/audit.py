"""Writing the audit log: every transition, every change, every read of sealed data and every refusal."""

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .auditchain import FIELDS, GENESIS, event_hash, lock_chain
from .models import AuditEvent


def _actor_fields(actor) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_name": ""}
    return {"actor": actor, "actor_name": actor.get_username()}


def audit_record(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    tender_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    detail: dict | None = None,
    denied: bool = False,
    ip_address: str | None = None,
) -> AuditEvent:
    if tender_id is None and obj is not None:
        tender_id = getattr(obj, "tender_id", None) or (obj.pk if obj._meta.model_name == "tender" else None)
    with transaction.atomic():
        lock_chain()
        last = AuditEvent.objects.order_by("-sequence").values("sequence", "hash").first()
        sequence, prev_hash = (last["sequence"] + 1, last["hash"]) if last else (1, GENESIS)
        actor_fields = _actor_fields(actor)
        event = AuditEvent(
            sequence=sequence,
            prev_hash=prev_hash,
            at=timezone.now(),
            action=action,
            outcome=AuditEvent.Outcome.DENIED if denied else AuditEvent.Outcome.OK,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            tender_id=tender_id,
            before=before,
            after=after,
            detail=detail or {},
            ip_address=AuditEvent._meta.get_field("ip_address").get_prep_value(ip_address),
            **actor_fields,
        )
        fields = {name: getattr(event, name) for name in FIELDS if name != "actor_id"}
        fields["actor_id"] = actor_fields["actor"].pk if actor_fields["actor"] is not None else None
        event.hash = event_hash(prev_hash, fields)
        event.save()
    return event
