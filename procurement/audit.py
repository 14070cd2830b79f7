"""Writing the audit log: every transition, every change, every read of sealed data and every refusal."""

import logging
from contextlib import contextmanager
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .auditchain import chain_link
from .models import AuditEvent

logger = logging.getLogger(__name__)


def _actor_fields(actor) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_name": ""}
    return {"actor": actor, "actor_name": actor.get_username()}


def audit_record(**fields: Any) -> AuditEvent:
    """Record an event (the arguments are `audit_event`'s) with the change it is about."""
    event = audit_event(**fields)
    # Written with the change it records (and rolled back with it); linked into the hash chain right after the
    # commit, so that no request holds the chain's lock while it does the rest of its work.
    event.save()
    audit_link_after_commit()
    return event


def audit_link_after_commit() -> None:
    """Link what this transaction writes into the chain right after its commit (unless a task does it, see
    `audit_link_deferred`)."""
    connection = transaction.get_connection()
    if getattr(connection, "_hankinta_link_deferred", False):
        return
    if not any(hook is _link_quietly for _ids, hook, _robust in connection.run_on_commit):
        transaction.on_commit(_link_quietly)


def audit_event(
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
    """The event, not yet saved (`audit_record` saves it; a hot path may write it with its change)."""
    if tender_id is None and obj is not None:
        tender_id = getattr(obj, "tender_id", None) or (obj.pk if obj._meta.model_name == "tender" else None)
    return AuditEvent(
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
        **_actor_fields(actor),
    )


@contextmanager
def audit_link_deferred():
    """Within this block, the events written are linked into the chain by a task, not by the request's commit.

    For the hot paths (a submission in the deadline rush): the caller queues a task that links (it ends with
    `chain_link`), and the periodic linker (audit.link) is the safety net. The events are written all the same,
    in the transaction of their change, and the database refuses any change to them while they wait."""
    connection = transaction.get_connection()
    previous = getattr(connection, "_hankinta_link_deferred", False)
    connection._hankinta_link_deferred = True
    try:
        yield
    finally:
        connection._hankinta_link_deferred = previous


def _link_quietly() -> None:
    try:
        chain_link()
    except Exception:  # the periodic linker (audit.link) links it later; the event itself is committed
        logger.warning("Audit events could not be linked now; the periodic linker will.", exc_info=True)
