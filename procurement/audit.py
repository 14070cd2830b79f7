"""Writing the audit log (every transition, every change, every read of sealed data and every refusal of a user),
and reading it as the authority may: an event that would say who has a bid or a draft in a call not yet opened is
shown sealed until the opening."""

import logging
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from django.db import models, transaction
from django.db.models import BooleanField, Case, CharField, F, Q, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from .auditchain import chain_link
from .fastpath import on_commit_registered
from .models import AuditEvent, Notification

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
    if not on_commit_registered(_link_quietly):
        transaction.on_commit(_link_quietly)


# An audited object's type is a stored code (in the hash chain, the API and its filter): a model renamed in code
# keeps the code its events have always had.
STABLE_OBJECT_TYPES = {
    "tenders.tenderdocument": "tenders.calldocument",
    "tenders.tenderalert": "tenders.callalert",
}


def audit_object_type(obj) -> str:
    """The code an audit event names the object's type by: the model's label, as it was when first recorded."""
    label = obj._meta.label_lower
    return STABLE_OBJECT_TYPES.get(label, label)


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
        object_type=audit_object_type(obj) if obj is not None else "",
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


# ---- Reading the log: sealed until the opening -------------------------------------------------------------------

SEALED_ACTION = "sealed"

# The events that name a bidder, by the app whose objects they are about: each a function returning a Q over the
# events (e.g. bids.hooks: every event about a bid); `audit_sealed` hides them until the call's opening.
SEALED_EVENTS: list[Callable[[], Q]] = []


def _sealed_notifications() -> Q:
    from .notifications import notifications_sealed

    sealed = Notification.objects.filter(notifications_sealed()).annotate(text_id=Cast("pk", CharField()))
    return Q(object_type="procurement.notification", object_id__in=sealed.values("text_id"))


SEALED_EVENTS.append(_sealed_notifications)


def audit_sealed() -> Q:
    """The one rule: does this event reveal who has a bid or a draft in a call whose opening has not happened?

    Every event about a bid, its versions or attachments (bid.*, attachment.*: who created, changed, submitted,
    withdrew, uploaded what); a document of a provider's own (its receipt: requested, rendered, downloaded); and a
    notification the delivery log hides (notifications_sealed: one there for a bid or a draft). Not sealed: the
    authority's own refused attempts on the call (bid.read_sealed of the call), and what names no bidder."""
    from . import asks

    naming_a_bidder = Q()
    for rule in SEALED_EVENTS:
        naming_a_bidder |= rule()
    return Q(tender_id__in=asks.tenders_unopened()) & naming_a_bidder


def audit_events_shown(events: models.QuerySet) -> models.QuerySet:
    """The events as the authority's auditors read them: each marked `sealed` by `audit_sealed`, with the fields a
    list filters on (shown_action, shown_outcome, shown_object_type, shown_object_id) as its sealed form shows them,
    so that a filter cannot count what the form hides. The chain is verified over the stored rows, never these."""
    sealed = audit_sealed()
    return events.annotate(
        sealed=Case(When(sealed, then=Value(True)), default=Value(False), output_field=BooleanField()),
        shown_action=Case(When(sealed=True, then=Value(SEALED_ACTION)), default=F("action"), output_field=CharField()),
        shown_outcome=Case(When(sealed=True, then=Value("")), default=F("outcome"), output_field=CharField()),
        shown_object_type=Case(When(sealed=True, then=Value("")), default=F("object_type"), output_field=CharField()),
        shown_object_id=Case(When(sealed=True, then=Value("")), default=F("object_id"), output_field=CharField()),
    )


def audit_event_shown(event: AuditEvent, fields) -> dict:
    """One event of `audit_events_shown` as a dict of `fields`: whole, or sealed (that it happened, in which call,
    its place in the chain and the minute: not who, not what, not about which bid)."""
    if not getattr(event, "sealed", False):
        return {name: getattr(event, name) for name in fields}
    sealed = {
        "actor": None,
        "actor_id": None,
        "actor_name": "",
        "action": SEALED_ACTION,
        "outcome": "",
        "object_type": "",
        "object_id": "",
        "before": None,
        "after": None,
        "detail": {},
        "ip_address": None,
        "at": event.at.replace(second=0, microsecond=0),
    }
    return {name: sealed[name] if name in sealed else getattr(event, name) for name in fields}
