"""Market Court appeals about the decision's lots, and the suspension of contracting that an open claim for
rectification or a pending appeal puts on its lots: the one implementation that the contract step
(evaluation.contracts), the claims (evaluation.claims) and the corrections call.

A lot is suspended while a claim about it is open, or an appeal about it awaits the court's ruling. A claim the
authority accepted (corrected), or a ruling that annuls the decision, orders a re-evaluation or bans contracting,
keeps the lot suspended until a correction of the decision has made a new edition (evaluation.corrections, which
calls `lot_suspension_sync` when it does). The lot's contract moves to "suspended" and back (a new check for claims
and appeals is then needed before the signing); each move is in the audit log with its cause."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bids.models import BidStatus, LotOffer
from procurement.access import AnyUser, roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.fsm import transition_run
from procurement.models import User
from procurement.notifications import notify_providers
from tenders.models import Lot, Tender

from .models import Appeal, AwardDecision, Claim, ContractStatus, Correction, LotContract
from .periods import standstill_end_moment

# The rulings after which the lots wait for a new edition of the decision (a correction) before any contract.
NEEDS_NEW_EDITION = frozenset({Appeal.Outcome.ANNULLED, Appeal.Outcome.RE_EVALUATE, Appeal.Outcome.CONTRACTING_BAN})
# The rulings that come with an amount the authority is ordered to pay.
WITH_AMOUNT = frozenset({Appeal.Outcome.COMPENSATION, Appeal.Outcome.FINE})

_SUSPENDABLE = (ContractStatus.NOTIFYING, ContractStatus.STANDSTILL, ContractStatus.CONTRACTING)


def _error(field: str, code: str, message: Any) -> ValidationFailed:
    return ValidationFailed(errors={field: [{"code": code, "message": str(message)}]})


# --- the suspension of contracting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suspension:
    """What holds a lot's contracting: a claim (by its number) or an appeal (by the court's diary number)."""

    cause: str  # "claim" or "appeal"
    pk: int
    label: str

    def as_dict(self) -> dict[str, Any]:
        return {"cause": self.cause, "id": self.pk, "label": self.label}


def holding_claims() -> QuerySet[Claim]:
    """The claims that hold their lots: open, or accepted and not yet followed by a new edition of the decision."""
    decided = Exists(Correction.objects.filter(claim=OuterRef("pk"), status=Correction.Status.DECIDED))
    claims: QuerySet[Claim] = Claim.objects.filter(
        Q(status=Claim.Status.OPEN) | (Q(status=Claim.Status.CORRECTED) & ~decided)
    )
    return claims


def holding_appeals() -> QuerySet[Appeal]:
    """The appeals that hold their lots: without the court's ruling, or with one that needs a new edition of the
    decision that no correction has made yet."""
    decided = Exists(Correction.objects.filter(appeal=OuterRef("pk"), status=Correction.Status.DECIDED))
    return Appeal.objects.filter(Q(outcome="") | (Q(outcome__in=NEEDS_NEW_EDITION) & ~decided))


def lot_suspensions(*, lot_ids: Iterable[int]) -> dict[int, list[Suspension]]:
    """Each of these lots that is suspended, with what suspends it (claims first, by number; then appeals)."""
    lot_ids = list(lot_ids)
    held: dict[int, list[Suspension]] = {}
    claims = holding_claims().filter(lots__in=lot_ids).values_list("lots", "pk", "number").order_by("number")
    for lot_id, pk, number in claims:
        label = str(_("claim for rectification no. %(number)s") % {"number": number})
        held.setdefault(lot_id, []).append(Suspension("claim", pk, label))
    appeals = holding_appeals().filter(lots__in=lot_ids).values_list("lots", "pk", "reference").order_by("pk")
    for lot_id, pk, reference in appeals:
        label = str(_("Market Court appeal %(reference)s") % {"reference": reference})
        held.setdefault(lot_id, []).append(Suspension("appeal", pk, label))
    return held


def lot_suspension_check(*, lot: Lot) -> None:
    """Refuse (409 lot_suspended) what a suspended lot cannot have: the check for claims and appeals, the signing."""
    held = lot_suspensions(lot_ids=[lot.pk]).get(lot.pk)
    if held:
        raise Conflict(
            _("Contracting of lot %(lot)s is suspended by %(causes)s.")
            % {"lot": lot.number, "causes": ", ".join(s.label for s in held)},
            code="lot_suspended",
            suspended_by=[s.as_dict() for s in held],
        )


def lot_suspension_sync(*, actor: User | None, lot_ids: Iterable[int], cause: dict[str, Any]) -> list[int]:
    """Bring the contracts of these lots in line with what holds them, inside the caller's transaction: suspend the
    held ones, release the others that were suspended. `cause` (e.g. {"claim": 3}) goes into the audit log. Returns
    the lots whose contract moved."""
    lot_ids = list(lot_ids)
    held = lot_suspensions(lot_ids=lot_ids)
    moved = []
    contracts = LotContract.objects.select_for_update(of=("self",)).select_related("lot").filter(lot_id__in=lot_ids)
    for contract in contracts.order_by("pk"):
        holds = held.get(contract.lot_id, [])
        detail = {**cause, "by": getattr(actor, "pk", None), "suspended_by": [s.as_dict() for s in holds]}
        if holds and contract.status in _SUSPENDABLE:
            # The transition's permission is the officer's; a bidder's claim suspends the lot as well.
            transition_run(obj=contract, action="suspend", actor=None, audit_action="contract.suspend", detail=detail)
        elif not holds and contract.status == ContractStatus.SUSPENDED:
            transition_run(obj=contract, action="resume", actor=None, audit_action="contract.release", detail=detail)
            if contract.standstill_ends_on and timezone.now() < standstill_end_moment(contract):
                # Released within the standstill: the lot waits for its end as before.
                transition_run(obj=contract, action="renotified", actor=None, audit_action="contract.standstill")
        else:
            continue
        moved.append(contract.lot_id)
    return moved


# --- appeals --------------------------------------------------------------------------------------------------------


def officer_tender(actor: User, tender_id: int, *, lock: bool = True) -> Tender:
    """The call (locked, inside a transaction) for the authority's officer who records claims and appeals: 404 to
    outsiders, 403 to its other readers."""
    calls = Tender.objects.select_for_update(of=("self",)) if lock else Tender.objects.all()
    tender: Tender | None = calls.select_related("authority").filter(pk=tender_id).first()
    roles = roles_of(actor)
    if tender is None or not roles.reads_authority(tender.authority_id):
        raise NotFound()
    if not roles.is_officer(tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers can record claims and appeals."))
    return tender


def appeal_officer_check(*, actor: User, tender_id: int) -> None:
    """Who may register an appeal on the call (404, 403), as the API checks it before it reads the body."""
    tender = Tender.objects.filter(pk=tender_id).only("authority_id").first()
    roles = roles_of(actor)
    if tender is None or not roles.reads_authority(tender.authority_id):
        raise NotFound()
    if not roles.is_officer(tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers can record claims and appeals."))


def appeal_tender_check(*, actor: User, appeal_id: int) -> int:
    """Who may record the ruling on an appeal (404, 403), before the body is read; returns its call's id."""
    tender_id = Appeal.objects.filter(pk=appeal_id).values_list("decision__tender_id", flat=True).first()
    if tender_id is None:
        raise NotFound()
    appeal_officer_check(actor=actor, tender_id=tender_id)
    return tender_id


def tender_decision(tender: Tender) -> AwardDecision:
    decision = AwardDecision.objects.filter(tender=tender).first()
    if decision is None:
        raise Conflict(_("The call has no procurement decision yet."), code="no_decision")
    return decision


def decision_lots(decision: AwardDecision, lot_ids: Iterable[int] | None, *, field: str = "lots") -> list[Lot]:
    """The named lots, each one the decision decided on (400 otherwise, or when none is named)."""
    wanted = {int(pk) for pk in lot_ids or []}
    if not wanted:
        raise _error(field, "required", _("Name the lots concerned."))
    lots = list(Lot.objects.filter(pk__in=wanted, awards__decision=decision).distinct().order_by("number"))
    if len(lots) != len(wanted):
        raise _error(field, "not_decided", _("Name only lots of this call that the decision decided on."))
    return lots


def lot_bidders(decision: AwardDecision, lot_ids: Iterable[int]) -> set[int]:
    """The providers with a submitted offer in any of these lots: whom a claim or an appeal about them concerns."""
    return set(
        LotOffer.objects.filter(
            bid__tender_id=decision.tender_id, bid__status=BidStatus.SUBMITTED, lot_id__in=list(lot_ids)
        ).values_list("bid__provider_id", flat=True)
    )


def _lot_numbers(lots: Iterable[Lot]) -> str:
    return ", ".join(str(lot.number) for lot in lots)


def appeal_register(
    *,
    actor: User,
    tender_id: int,
    lot_ids: Iterable[int],
    diary_number: str,
    informed_on: date,
    appellant_id: int | None = None,
    appellant_name: str = "",
    filed_on: date | None = None,
) -> Appeal:
    """An officer registers a Market Court appeal (the court's diary number, the day the authority was informed, the
    lots concerned, the appellant): the lots are suspended until the officer records the court's ruling."""
    diary_number = (diary_number or "").strip()
    appellant_name = (appellant_name or "").strip()[:200]
    if not diary_number:
        raise _error("diary_number", "required", _("Give the Market Court's diary number."))
    today = timezone.localdate()
    if informed_on > today:
        raise _error("informed_on", "in_future", _("The authority cannot have been informed in the future."))
    filed_on = filed_on or informed_on
    if filed_on > today:
        raise _error("filed_on", "in_future", _("An appeal cannot be filed in the future."))
    with transaction.atomic():
        tender = officer_tender(actor, tender_id)
        decision = tender_decision(tender)
        lots = decision_lots(decision, lot_ids)
        if appellant_id is not None and appellant_id not in lot_bidders(decision, [lot.pk for lot in lots]):
            raise _error("appellant", "not_a_bidder", _("The appellant must be a bidder of the lots concerned."))
        if Appeal.objects.filter(decision=decision, reference=diary_number).exists():
            raise Conflict(_("This appeal is already registered."), code="appeal_exists")
        contract = LotContract.objects.filter(lot=lots[0]).first()
        appeal = Appeal.objects.create(
            decision=decision,
            contract=contract,
            appellant_id=appellant_id,
            appellant_name=appellant_name,
            filed_on=filed_on,
            informed_on=informed_on,
            reference=diary_number,
            registered_by=actor,
        )
        appeal.lots.set(lots)
        audit_record(
            action="appeal.register",
            actor=actor,
            obj=appeal,
            tender_id=tender.pk,
            after={
                "reference": diary_number,
                "lots": [lot.number for lot in lots],
                "filed_on": filed_on,
                "informed_on": informed_on,
                "appellant": appellant_id,
                "appellant_name": appellant_name,
            },
        )
        lot_suspension_sync(actor=actor, lot_ids=[lot.pk for lot in lots], cause={"appeal": appeal.pk})
        notify_providers(
            kind="appeal.registered",
            key=f"appeal:{appeal.pk}",
            provider_ids=lot_bidders(decision, [lot.pk for lot in lots]),
            tender_id=tender.pk,
            payload={"reference": diary_number, "lots": _lot_numbers(lots)},
        )
    return appeal


def appeal_resolve(
    *,
    actor: User,
    appeal_id: int,
    outcome: str,
    decided_on: date,
    amount: Decimal | None = None,
    note: str = "",
) -> Appeal:
    """An officer records the court's ruling (or the appeal's withdrawal). A dismissal, a withdrawal, a compensation
    or a fine release the lots (once nothing else holds them: a new check then comes before the signing); an
    annulment, an order to re-evaluate or a ban on contracting keep them suspended until a correction has made a new
    edition of the decision."""
    if outcome not in Appeal.Outcome.values:
        raise _error("outcome", "invalid_choice", _("Choose the outcome of the appeal."))
    if outcome in WITH_AMOUNT and (amount is None or amount <= 0):
        raise _error("amount", "required", _("Give the amount the court ordered."))
    if outcome not in WITH_AMOUNT:
        amount = None
    if decided_on > timezone.localdate():
        raise _error("decided_on", "in_future", _("A ruling cannot be dated in the future."))
    note = (note or "").strip()
    with transaction.atomic():
        found = Appeal.objects.filter(pk=appeal_id).values_list("decision__tender_id", flat=True).first()
        if found is None:
            raise NotFound()
        tender = officer_tender(actor, found)
        appeal = Appeal.objects.select_for_update().get(pk=appeal_id)
        if appeal.outcome:
            raise Conflict(_("This appeal is already resolved."), code="appeal_resolved", outcome=appeal.outcome)
        if decided_on < appeal.filed_on:
            raise _error("decided_on", "before_filing", _("An appeal cannot be resolved before it was filed."))
        lots = list(appeal.lots.order_by("number"))
        appeal.outcome, appeal.resolved_on, appeal.resolved_by = outcome, decided_on, actor
        appeal.amount, appeal.outcome_note = amount, note
        appeal.save(update_fields=["outcome", "resolved_on", "resolved_by", "amount", "outcome_note"])
        new_evaluation = outcome in NEEDS_NEW_EDITION
        audit_record(
            action="appeal.resolve",
            actor=actor,
            obj=appeal,
            tender_id=tender.pk,
            before={"outcome": ""},
            after={
                "outcome": outcome,
                "resolved_on": decided_on,
                "amount": amount,
                "note": note,
                "new_evaluation_needed": new_evaluation,
            },
        )
        lot_suspension_sync(actor=actor, lot_ids=[lot.pk for lot in lots], cause={"appeal": appeal.pk})
        notify_providers(
            kind=f"appeal.{outcome}",
            key=f"appeal:{appeal.pk}:resolved",
            provider_ids=lot_bidders(tender_decision(tender), [lot.pk for lot in lots]),
            tender_id=tender.pk,
            payload={"reference": appeal.reference, "lots": _lot_numbers(lots), "resolved_on": decided_on.isoformat()},
        )
    return appeal


# --- reading -------------------------------------------------------------------------------------------------------


def appeals_of_tender(*, user: AnyUser, tender_id: int) -> QuerySet[Appeal]:
    """The call's appeals, for the authority's readers (404 to anyone else, the bidders included: the court tells
    them; the notifications name the appeal)."""
    tender = Tender.objects.filter(pk=tender_id).only("authority_id").first()
    if tender is None or not roles_of(user).reads_authority(tender.authority_id):
        raise NotFound()
    return (
        Appeal.objects.filter(decision__tender_id=tender_id)
        .select_related("appellant", "registered_by", "resolved_by")
        .prefetch_related("lots")
        .order_by("registered_at", "pk")
    )
