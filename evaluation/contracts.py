"""After the decision: Market Court appeals, the contractor-liability documents, and the signing of the contract."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.access import roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.fsm import transition_run
from procurement.models import Timer
from procurement.periods import HELSINKI

from . import appeals
from .frameworks import framework_establish
from .mini_competitions import mini_competition_call_off_record
from .models import Appeal, ContractStatus, LiabilityDocument, LiabilityDocumentKind, LotContract


@dataclass(frozen=True)
class Warning:
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message)}


def _error(field: str, code: str, message) -> ValidationFailed:
    return ValidationFailed(errors={field: [{"code": code, "message": str(message)}]})


def contracts_of_tender(*, user, tender_id: int):
    from tenders.selectors import tender_get

    tender = tender_get(user=user, tender_id=tender_id)
    if not roles_of(user).reads_authority(tender.authority_id):
        raise NotFound()
    return (
        LotContract.objects.filter(lot__tender=tender)
        .select_related("lot", "decision")
        .prefetch_related("appeals", "liability_documents")
    )


def contracts_for_update(*, tender, lot=None) -> list[LotContract]:
    """The contracts of the call's lots (or of one lot) that are not cancelled, locked: an interruption withdraws
    their awards, and refuses a signed one (`tenders.interruption`)."""
    contracts = LotContract.objects.select_for_update().exclude(status=ContractStatus.CANCELLED)
    return list(contracts.filter(lot=lot) if lot is not None else contracts.filter(lot__tender=tender))


def award_withdraw(*, actor, contract: LotContract) -> None:
    """The award of a lot not yet contracted is withdrawn: its contract step ends, its standstill timer goes."""
    transition_run(obj=contract, action="withdraw", actor=actor, audit_action="contract.withdraw")
    Timer.objects.filter(kind="standstill.end", key=f"lot-contract:{contract.pk}", done_at__isnull=True).delete()


def _contract_for(user, contract_id: int, *, for_update: bool = False) -> LotContract:
    queryset = LotContract.objects.select_related("lot__tender")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    contract = queryset.filter(pk=contract_id).first()
    if contract is None or not roles_of(user).reads_authority(contract.lot.tender.authority_id):
        raise NotFound()
    return contract


def _officer_contract(user, contract_id: int, *, for_update: bool = True) -> LotContract:
    """The contract, locked, for a write by the authority's officer: 404 to outsiders, 403 to other readers."""
    contract = _contract_for(user, contract_id, for_update=for_update)
    if not roles_of(user).is_officer(contract.lot.tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers can change the contract step."))
    return contract


def contract_officer_check(*, actor, contract_id: int) -> None:
    """A write to the contract step (404 to outsiders, 403 to other readers), as the API checks it before it reads
    the body."""
    _officer_contract(actor, contract_id, for_update=False)


def appeal_register(*, actor, contract_id: int, filed_on: date, reference: str) -> Appeal:
    """An officer registers a Market Court appeal about the contract's lot (evaluation.appeals.appeal_register):
    the lot is suspended until the appeal is resolved."""
    contract = _officer_contract(actor, contract_id, for_update=False)
    return appeals.appeal_register(
        actor=actor,
        tender_id=contract.lot.tender_id,
        lot_ids=[contract.lot_id],
        diary_number=reference,
        informed_on=filed_on,
        filed_on=filed_on,
    )


def appeal_resolve(*, actor, contract_id: int, appeal_id: int, outcome: str, resolved_on: date) -> Appeal:
    """The court's ruling on an appeal about the contract's lot (evaluation.appeals.appeal_resolve)."""
    contract = _officer_contract(actor, contract_id, for_update=False)
    if not contract.appeals.filter(pk=appeal_id).exists():
        raise NotFound()
    return appeals.appeal_resolve(actor=actor, appeal_id=appeal_id, outcome=outcome, decided_on=resolved_on)


def lot_contracting_clear(*, actor, contract_id: int, confirmed: bool, note: str = "") -> LotContract:
    """An officer confirms, after the standstill, that no self-correction claim or Market Court appeal concerning
    the lot had arrived when it was checked; only then can the contract be signed. A lot without a standstill (a
    small procurement) needs the same confirmation: once the claim period of the authority's redress has run (a
    municipality's), or once the decision has been notified (a state authority's, which has no claim period)."""
    from .periods import standstill_end_moment

    if confirmed is not True:
        raise _error(
            "confirmed",
            "required",
            _("Confirm that no self-correction claim or Market Court appeal concerning the lot has arrived."),
        )
    note = (note or "").strip()[:500]
    with transaction.atomic():
        contract = _officer_contract(actor, contract_id)
        if contract.status in (ContractStatus.SIGNED, ContractStatus.CANCELLED):
            raise Conflict(
                _("The contract is already signed or cancelled."), code="contract_closed", status=contract.status
            )
        appeals.lot_suspension_check(lot=contract.lot)
        if contract.status == ContractStatus.SUSPENDED:
            raise Conflict(_("A Market Court appeal concerning the lot is open."), code="appeal_open")
        if contract.status == ContractStatus.NOTIFYING or contract.notified_at is None:
            raise Conflict(_("The decision has not yet been notified to every bidder of the lot."), code="not_notified")
        if contract.cleared_at is not None:
            raise Conflict(_("The check has already been recorded."), code="already_cleared")
        now = timezone.now()
        if contract.standstill_ends_on and now < standstill_end_moment(contract):
            raise Conflict(
                _("The standstill runs until %(date)s: the check can be made only after it.")
                % {"date": contract.standstill_ends_on.strftime("%d.%m.%Y")},
                code="standstill_running",
                standstill_ends_on=contract.standstill_ends_on.isoformat(),
            )
        # Without a standstill (below the national threshold) a municipality's decision can still be claimed for a
        # review (Local Government Act, 14 days from the deemed receipt): a contract signed before that period ends
        # would make a claim pointless, so the check waits for it. A state authority's has no such period.
        if (
            not contract.standstill_ends_on
            and contract.self_correction_ends_on
            and now < datetime.combine(contract.self_correction_ends_on + timedelta(days=1), time(0, 0), HELSINKI)
        ):
            raise Conflict(
                _(
                    "A claim for a review of the decision can be made until %(date)s: "
                    "the check can be made only after it."
                )
                % {"date": contract.self_correction_ends_on.strftime("%d.%m.%Y")},
                code="claim_period_running",
                self_correction_ends_on=contract.self_correction_ends_on.isoformat(),
            )
        before = {"status": contract.status}
        if contract.status == ContractStatus.STANDSTILL:
            transition_run(
                obj=contract, action="clear", actor=actor, audit_action="contract.ready", at=now, by=actor, note=note
            )
        else:
            contract.cleared_at, contract.cleared_by, contract.clearance_note = now, actor, note
            contract.save(update_fields=["cleared_at", "cleared_by", "clearance_note"])
        audit_record(
            action="contract.clear",
            actor=actor,
            obj=contract,
            tender_id=contract.lot.tender_id,
            before=before,
            after={"checked_at": now, "no_claim_or_appeal": True, "note": note, "status": contract.status},
        )
    return contract


def liability_document_add(*, actor, contract_id: int, kind: str, issued_on: date, note: str = "") -> LiabilityDocument:
    if kind not in LiabilityDocumentKind.values:
        raise _error("kind", "invalid_choice", _("Choose the kind of the document."))
    if issued_on > timezone.localdate():
        raise _error("issued_on", "in_future", _("A certificate cannot be dated in the future."))
    with transaction.atomic():
        contract = _officer_contract(actor, contract_id)
        if contract.status in (ContractStatus.SIGNED, ContractStatus.CANCELLED):
            raise Conflict(
                _("The contract is already signed or cancelled."), code="contract_closed", status=contract.status
            )
        document = LiabilityDocument.objects.create(
            contract=contract, kind=kind, issued_on=issued_on, note=(note or "").strip()[:200], added_by=actor
        )
        audit_record(
            action="contract.liability_document",
            actor=actor,
            obj=contract,
            tender_id=contract.lot.tender_id,
            after={"kind": kind, "issued_on": issued_on},
        )
    return document


def _months_before(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for candidate in range(day.day, 0, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)


def liability_warnings(contract: LotContract, *, on: date) -> list[Warning]:
    """Certificates missing, or older than allowed on the signing day (Act 1233/2006: at most 3 months)."""
    months = settings.HANKINTA["LIABILITY_DOCUMENT_MAX_MONTHS"]
    oldest_allowed = _months_before(on, months)
    latest: dict[str, date] = {}
    for document in contract.liability_documents.all():
        latest[document.kind] = max(latest.get(document.kind, document.issued_on), document.issued_on)
    warnings = []
    for kind in LiabilityDocumentKind:
        if kind not in latest:
            warnings.append(Warning("liability_missing", _("Missing: %(kind)s.") % {"kind": kind.label}))
        elif latest[kind] < oldest_allowed:
            warnings.append(
                Warning(
                    "liability_too_old",
                    _("%(kind)s is dated %(date)s, more than %(months)s months before the signing.")
                    % {"kind": kind.label, "date": latest[kind].strftime("%d.%m.%Y"), "months": months},
                )
            )
    return warnings


def contract_sign(
    *, actor, contract_id: int, signed_on: date, signatories: list[str], reference: str = ""
) -> tuple[LotContract, list[Warning]]:
    """Record the signing. It is possible only after the standstill with no open appeal, once an officer has confirmed
    that no claim or appeal arrived (`lot_contracting_clear`); stale or missing
    contractor-liability documents do not stop it but are warned of and kept on record."""
    signatories = [name.strip() for name in signatories or [] if name and name.strip()]
    if not signatories:
        raise _error("signatories", "required", _("Name the signatories."))
    if signed_on > timezone.localdate():
        raise _error("signed_on", "in_future", _("A contract cannot be signed in the future."))
    with transaction.atomic():
        contract = _officer_contract(actor, contract_id)
        # An open claim or a pending appeal about the lot (evaluation.appeals) forbids the signing.
        appeals.lot_suspension_check(lot=contract.lot)
        if signed_on < timezone.localdate(contract.decision.decided_at):
            raise _error("signed_on", "before_decision", _("A contract cannot be signed before the award decision."))
        if contract.standstill_ends_on and signed_on <= contract.standstill_ends_on:
            raise _error("signed_on", "in_standstill", _("The contract cannot be signed before the standstill ends."))
        if contract.cleared_at is None:
            raise Conflict(
                _(
                    "An officer must first confirm that no self-correction claim or Market Court appeal concerning "
                    "the lot has arrived."
                ),
                code="contracting_not_cleared",
            )
        if signed_on < timezone.localdate(contract.cleared_at):
            raise _error(
                "signed_on", "before_check", _("A contract cannot be signed before the check for claims and appeals.")
            )
        warnings = liability_warnings(contract, on=signed_on)
        transition_run(
            obj=contract,
            action="sign",
            actor=actor,
            audit_action="contract.sign",
            detail={"signatories": signatories, "warnings": [w.as_dict() for w in warnings]},
            signed_on=signed_on,
            signatories=signatories,
            reference=(reference or "").strip()[:60],
            by=actor,
        )
        # A framework call's lot becomes its framework agreement, in force from the signing.
        framework_establish(actor=actor, contract=contract)
        # A mini-competition's signed contract is its call-off from the framework, counted against the maximum.
        mini_competition_call_off_record(actor=actor, contract=contract)
    return contract, warnings
