"""Interrupting the procurement or one of its lots (keskeyttäminen): a decision with its reason and the redress
instructions, rendered as a PDF and notified to every provider it concerns, whose periods run from the sending.

The lot actions live here; the call's own (`tender_cancel`, `tender_declare_unsuccessful`) run their transition in
`tenders.services` and record their decision here."""

from dataclasses import replace
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_request, procedure_report_request
from procurement.access import roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.fsm import transition_run
from procurement.models import DeliveryStatus, Notification
from procurement.notifications import notify
from procurement.periods import local_date
from procurement.redress import periods_from

from . import asks
from .models import (
    INTERRUPTION_NOTIFICATIONS,
    InterruptionDecision,
    InterruptionKind,
    Lot,
    LotStatus,
    Tender,
    TenderStatus,
)
from .selectors import tender_get
from .timers import tender_timers_clear

# The notification kinds that carry an interruption decision (tenders.notifications registers their sending).
NOTIFICATION_KINDS = frozenset(INTERRUPTION_NOTIFICATIONS.values())
KEY_PREFIX = "interruption:"

# Where a lot can be interrupted: from the publication until its contract is signed (after the award decision only an
# awarded lot, whose award the decision then withdraws).
LOT_INTERRUPTIBLE = (
    TenderStatus.PUBLISHED,
    TenderStatus.CLOSED,
    TenderStatus.OPENED,
    TenderStatus.EVALUATED,
    TenderStatus.DECIDED,
)


def concerned_providers(tender: Tender, lot: Lot | None = None) -> set[int]:
    """Whom the decision concerns. Before the opening the bids are sealed (nobody knows which lots a bid offers): every
    provider with a bid or a draft in the call, or that viewed or follows it. After the opening: the bidders of the
    lot, or of the call."""
    from .services import interested_provider_ids

    if tender.opened_at is None:
        return interested_provider_ids(tender)
    bids = asks.submitted_bids(tender)
    if lot is not None:
        bids = bids.filter(lot_offers__lot=lot)
    return set(bids.values_list("provider_id", flat=True))


def _decide(
    *,
    actor,
    tender: Tender,
    lot: Lot | None,
    kind: str,
    reason: str,
    reason_sv: str,
    status_before: str,
    award_withdrawn: bool,
) -> InterruptionDecision:
    """Record the decision (the call locked by the caller), queue its PDF and notify it with the PDF attached."""
    decision = InterruptionDecision.objects.create(
        tender=tender,
        lot=lot,
        kind=kind,
        reason=reason,
        reason_sv=(reason_sv or "").strip(),
        decided_by=actor,
        regime=tender.regime,
        tender_status=status_before,
        award_withdrawn=award_withdrawn,
    )
    document = document_request(
        kind=DocumentKind.INTERRUPTION,
        tender=tender,
        actor=actor,
        subject=decision.key,
        language=tender.document_languages[0],
    )
    # Who was told is in the delivery log (sealed there before the opening), not here: the audit log is read by the
    # authority, and before the opening the recipients would say who has a bid.
    audit_record(
        action="interruption.decide",
        actor=actor,
        obj=decision,
        tender_id=tender.pk,
        after={
            "kind": kind,
            "lot": lot.number if lot else None,
            "reason": reason,
            "regime": decision.regime,
            "award_withdrawn": award_withdrawn,
            "document": document.pk,
        },
    )
    notify(
        kind=decision.notification_kind,
        key=decision.key,
        tender_id=tender.pk,
        providers=concerned_providers(tender, lot),
        payload={"lot": lot.number if lot else None, "reason": reason},
        documents=[document.pk],
    )
    return decision


def tender_interruption_record(*, actor, tender: Tender, kind: str, reason: str, reason_sv: str, status_before: str):
    """The decision of a published call cancelled or declared unsuccessful (its transition just run, the call
    locked): the awards of the lots not yet contracted are withdrawn, and the procedure report gets an edition."""
    withdrawn = False
    for contract in asks.contracts_for_update(tender=tender):
        asks.award_withdraw(actor=actor, contract=contract)
        withdrawn = True
    decision = _decide(
        actor=actor,
        tender=tender,
        lot=None,
        kind=kind,
        reason=reason,
        reason_sv=reason_sv,
        status_before=status_before,
        award_withdrawn=withdrawn,
    )
    procedure_report_request(tender=tender, actor=actor)
    return decision


def _refuse(kind: str, tender: Tender, lot: Lot, contract) -> None:
    """Why the lot cannot be interrupted this way now, if it cannot (409 with a stable code)."""
    if lot.status in (LotStatus.CANCELLED, LotStatus.UNSUCCESSFUL):
        raise Conflict(
            _("This lot has already been interrupted (cancelled or found unsuccessful)."),
            code="lot_interrupted",
            status=lot.status,
        )
    if contract is not None and contract.status == "signed":
        raise Conflict(
            _("The contract of this lot has been signed: the lot can no longer be interrupted."),
            code="contract_signed",
        )
    if tender.status not in LOT_INTERRUPTIBLE:
        raise Conflict(_("This lot cannot be interrupted now."), code="lot_not_cancellable", status=tender.status)
    if kind == InterruptionKind.LOT_CANCELLED:
        return
    if lot.status == LotStatus.AWARDED:
        raise Conflict(
            _("The award decision found an acceptable offer for this lot; to interrupt it, cancel the lot."),
            code="lot_decided",
        )
    if tender.status == TenderStatus.PUBLISHED:
        raise Conflict(
            _("A lot is found unsuccessful only after the tender deadline; before it, cancel the lot."),
            code="deadline_not_passed",
        )
    if tender.opened_at is None and asks.submitted_bids(tender).exists():
        # Sealed, the bids do not tell which lots they offer: only a call without any bid shows a lot without one.
        raise Conflict(
            _("Open the bids first: a lot is found unsuccessful before the opening only when the call got no bids."),
            code="bids_not_opened",
        )


def lot_interrupt(*, actor, tender_id: int, lot_number: int, reason: str, kind: str, reason_sv: str = "") -> Lot:
    """Cancel a lot, or find it unsuccessful (no acceptable bids), by a decision; the other lots go on. An awarded
    lot whose contract is not signed may be cancelled: its award is withdrawn."""
    from .languages import swedish_reason_check

    reason, reason_sv = (reason or "").strip(), (reason_sv or "").strip()
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        if not roles_of(actor).is_officer(tender.authority_id):
            raise Forbidden(_("Only the authority's procurement officers can change its calls."))
        lot = tender.lots.select_for_update().filter(number=lot_number).first()
        if lot is None:
            raise NotFound()
        # A cancelled contract is no contract: neither signed (which refuses) nor an award to withdraw.
        contract = next(iter(asks.contracts_for_update(tender=tender, lot=lot)), None)
        _refuse(kind, tender, lot, contract)
        if not reason:
            raise ValidationFailed(errors={"reason": [{"code": "required", "message": str(_("Give the reason."))}]})
        swedish_reason_check(tender, reason=reason, reason_sv=reason_sv)
        withdrawn = contract is not None
        if withdrawn:
            asks.award_withdraw(actor=actor, contract=contract)
        before = {"status": lot.status}
        lot.status = LotStatus.CANCELLED if kind == InterruptionKind.LOT_CANCELLED else LotStatus.UNSUCCESSFUL
        lot.status_reason, lot.status_reason_sv = reason, reason_sv
        lot.save(update_fields=["status", "status_reason", "status_reason_sv"])
        audit_record(
            action="lot.cancel" if kind == InterruptionKind.LOT_CANCELLED else "lot.declare_unsuccessful",
            actor=actor,
            obj=lot,
            tender_id=tender.pk,
            before=before,
            after={"status": lot.status},
            detail={"reason": reason, "reason_sv": reason_sv, "award_withdrawn": withdrawn},
        )
        _decide(
            actor=actor,
            tender=tender,
            lot=lot,
            kind=kind,
            reason=reason,
            reason_sv=reason_sv,
            status_before=tender.status,
            award_withdrawn=withdrawn,
        )
        _tender_follows_lots(actor=actor, tender=tender)
    return lot


def _tender_follows_lots(*, actor, tender: Tender) -> None:
    """A call whose every lot is interrupted ends with them: unsuccessful when every lot was found so (and the call
    can be), cancelled otherwise. Each lot's decision was notified; the call's end needs no decision of its own."""
    lots = list(tender.lots.order_by("number"))
    if any(lot.status not in (LotStatus.CANCELLED, LotStatus.UNSUCCESSFUL) for lot in lots):
        return
    reason = "; ".join(f"{lot.number}: {lot.status_reason}" for lot in lots)
    reason_sv = "; ".join(f"{lot.number}: {lot.status_reason_sv}" for lot in lots if lot.status_reason_sv)
    action = "cancel"
    if all(lot.status == LotStatus.UNSUCCESSFUL for lot in lots) and "declare_unsuccessful" in [
        t.name for t in tender.get_available_status_transitions()
    ]:
        action = "declare_unsuccessful"
    transition_run(
        obj=tender,
        action=action,
        actor=actor,
        audit_action=f"tender.{action}",
        detail={"reason": reason, "reason_sv": reason_sv, "follows_lots": True},
        reason=reason,
        reason_sv=reason_sv,
    )
    tender_timers_clear(tender)
    procedure_report_request(tender=tender, actor=actor)


# --- the periods, from the sending ----------------------------------------------------------------------------


def interruption_periods(notified_on: date, regime: str, *, tender: Tender):
    """The periods of redress from the day the decision was notified (the redress of the authority's kind, under the
    rule set of the call's publication); no standstill, since nothing is awarded."""
    return replace(periods_from(notified_on, regime, tender=tender), standstill_ends_on=None)


def _notifications(decision: InterruptionDecision) -> list[Notification]:
    return list(Notification.objects.filter(kind=decision.notification_kind, key=decision.key, provider__isnull=False))


def _delivered_at(notification: Notification) -> datetime | None:
    """When the decision reached this recipient: its sending, or for a recipient without an address its inbox."""
    if notification.status == DeliveryStatus.SENT and notification.sent_at:
        return notification.sent_at
    if notification.status == DeliveryStatus.INBOX_ONLY:
        return notification.created_at
    return None


def expected_interruption_periods(decision: InterruptionDecision, *, sending_on: date | None = None):
    """The periods that count: from the latest sending to the decision's recipients, what is still unsent counted as
    sent on `sending_on` (today): the dates the PDF shows when it is rendered before its sending."""
    sending_on = sending_on or local_date(timezone.now())
    days = [local_date(moment) if moment else sending_on for moment in map(_delivered_at, _notifications(decision))]
    return interruption_periods(max(days, default=sending_on), decision.regime, tender=decision.tender)


def interruption_periods_recompute(*, decision_id: int) -> bool:
    """After a sending: once every recipient has been sent the decision, its periods run from the latest sending
    (a sending again restarts them); a PDF that showed other dates gets a new edition. Answers whether they changed."""
    with transaction.atomic():
        decision = InterruptionDecision.objects.select_for_update().filter(pk=decision_id).first()
        if decision is None:
            return False
        moments = [_delivered_at(n) for n in _notifications(decision)]
        if not moments or any(moment is None for moment in moments):
            return False
        notified_at = max(moments)
        if decision.notified_at == notified_at:
            return False
        periods = interruption_periods(local_date(notified_at), decision.regime, tender=decision.tender)
        before = {
            "notified_at": decision.notified_at,
            "self_correction_ends_on": decision.self_correction_ends_on,
            "appeal_deadline": decision.appeal_deadline,
        }
        decision.notified_at = notified_at
        decision.self_correction_ends_on = periods.self_correction_ends_on
        decision.appeal_ends_on = periods.appeal_ends_on
        decision.appeal_deadline = periods.appeal_deadline
        decision.save(update_fields=["notified_at", "self_correction_ends_on", "appeal_ends_on", "appeal_deadline"])
        audit_record(
            action="interruption.periods",
            obj=decision,
            tender_id=decision.tender_id,
            before=before,
            after={"notified_at": notified_at, **periods.as_dict()},
        )
        latest = _editions(decision).order_by("-version").first()
        # An edition rendered on the day of the sending that counts shows these dates (one rendered before it counted
        # the unsent as sent on its own day); any other gets a new edition. One still queued will show them.
        rendered_on = local_date(latest.rendered_at) if latest is not None and latest.rendered_at else None
        if rendered_on is not None and rendered_on != periods.notified_on:
            document_request(
                kind=DocumentKind.INTERRUPTION,
                tender=decision.tender,
                version=latest.version + 1,
                subject=decision.key,
                language=latest.language,
            )
        return True


def _editions(decision: InterruptionDecision):
    return GeneratedDocument.objects.filter(
        tender_id=decision.tender_id, kind=DocumentKind.INTERRUPTION, subject=decision.key
    )


def decision_of_notification(notification: Notification) -> InterruptionDecision | None:
    if notification.kind not in NOTIFICATION_KINDS or not notification.key.startswith(KEY_PREFIX):
        return None  # an interruption notified before the decisions were recorded
    return InterruptionDecision.objects.filter(pk=int(notification.key.removeprefix(KEY_PREFIX))).first()


def interruption_for_resend(*, notification: Notification, actor) -> None:
    """A decision sent again carries a new edition of its PDF, with the dates the new sending gives."""
    decision = decision_of_notification(notification)
    if decision is None:
        return
    editions = _editions(decision)
    latest = editions.order_by("-version").first()
    document = document_request(
        kind=DocumentKind.INTERRUPTION,
        tender=decision.tender,
        actor=actor,
        version=(latest.version if latest else 0) + 1,
        subject=decision.key,
        language=latest.language if latest else decision.tender.document_languages[0],
    )
    old = set(editions.exclude(pk=document.pk).values_list("pk", flat=True))
    notification.documents = sorted({d for d in notification.documents if d not in old} | {document.pk})
    notification.save(update_fields=["documents"])


def interruption_after_sent(notification: Notification) -> None:
    decision = decision_of_notification(notification)
    if decision is not None:
        interruption_periods_recompute(decision_id=decision.pk)
