"""Corrections of the decision: a claim the authority accepts, a Market Court ruling (annulment, an order to
re-evaluate) or the authority's own motion reopens the evaluation of some lots, only what it names (criteria to
score again, bids whose qualification or rejection is examined again), and the new decision on those lots is the
decision's next edition, with its own PDF, letters and periods; the replaced edition stays on record."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bids.models import Bid, BidStatus, LotOffer
from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_request, procedure_report_request
from procurement.access import AnyUser, roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.fsm import transition_run
from procurement.models import DeliveryStatus, Notification, Timer, User
from procurement.notifications import notify
from procurement.periods import local_date
from procurement.redress import redress_for
from tenders.languages import Stage, is_bilingual, swedish_texts_check
from tenders.models import (
    Lot,
    LotStatus,
    Notice,
    NoticeKind,
    NoticeState,
    QualityCriterion,
    Tender,
    TenderStatus,
    may_decide,
)
from tenders.selectors import tender_get

from .claims import claim_decision_issue
from .draws import award_places, ties_check
from .models import (
    Appeal,
    AwardDecision,
    Claim,
    ConformityRejection,
    ContractStatus,
    Correction,
    DecisionEdition,
    LotAward,
    LotContract,
    LotResult,
    PriceRejection,
)
from .periods import decision_key, lot_editions
from .reopening import not_reopened, reopened
from .services import _compute_results, lot_awards_write

# What an appeal's outcome must be for the decision to be made again.
CORRECTING_OUTCOMES = (Appeal.Outcome.ANNULLED, Appeal.Outcome.RE_EVALUATE)
# Contracting waits while a correction is open.
SUSPENDABLE = (ContractStatus.NOTIFYING, ContractStatus.STANDSTILL, ContractStatus.CONTRACTING)


def _officer_tender(*, actor: AnyUser, tender_id: int, for_update: bool = False) -> Tender:
    """404 for a call the actor does not see, 403 for anyone but its authority's officers."""
    tender = tender_get(user=actor, tender_id=tender_id, for_update=for_update)
    if not roles_of(actor).is_officer(tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers correct the decision."))
    return tender


def correction_start_check(*, actor: AnyUser, tender_id: int) -> Tender:
    """Who may start a correction (the API asks before it reads the body)."""
    return _officer_tender(actor=actor, tender_id=tender_id)


def _decision_of(tender: Tender) -> AwardDecision:
    decision = AwardDecision.objects.select_for_update().filter(tender=tender).first()
    if decision is None or tender.status != TenderStatus.DECIDED:
        raise Conflict(_("Only a decided call's decision can be corrected."), code="not_decided", status=tender.status)
    return decision


def _own_motion_check(decision: AwardDecision, tender: Tender) -> None:
    """The authority's own correction: within the period the law gives it (90 days under the Procurement Act),
    counted from the decision; no limit where the law sets none."""
    days = redress_for(tender=tender, regime=decision.regime).own_motion_days
    if days is None:
        return
    last_day = local_date(decision.decided_at) + timedelta(days=days)
    if local_date(timezone.now()) > last_day:
        raise Conflict(
            _(
                "The authority may correct its decision on its own motion only within %(days)s days of the decision "
                "(by %(date)s)."
            )
            % {"days": days, "date": last_day.strftime("%-d.%-m.%Y")},
            code="correction_period_over",
            last_day=last_day.isoformat(),
        )


def _cause_check(
    *,
    decision: AwardDecision,
    tender: Tender,
    cause: str,
    lot_ids: set[int],
    claim: Claim | None,
    appeal: Appeal | None,
) -> None:
    if cause == Correction.Cause.OWN_MOTION:
        if claim is not None or appeal is not None:
            raise ValidationFailed(
                _("A correction on the authority's own motion names no claim or appeal."), code="cause_mismatch"
            )
        _own_motion_check(decision, tender)
    elif cause == Correction.Cause.APPEAL:
        if appeal is None or appeal.decision_id != decision.pk:
            raise ValidationFailed(_("Name the Market Court appeal of this decision."), code="appeal_required")
        if appeal.outcome not in CORRECTING_OUTCOMES:
            raise Conflict(
                _("Only a ruling that annuls the decision or orders a new evaluation reopens it."),
                code="appeal_outcome_not_correcting",
                outcome=appeal.outcome,
            )
        appealed = set(appeal.lots.values_list("pk", flat=True))
        if appealed and not lot_ids <= appealed:
            raise ValidationFailed(
                _("The ruling concerns only the lots of the appeal."), errors={"lots": [{"code": "not_appealed"}]}
            )
    elif cause == Correction.Cause.CLAIM:
        if claim is None or claim.decision_id != decision.pk:
            raise ValidationFailed(_("Name the claim for rectification of this decision."), code="claim_required")
        if claim.status != Claim.Status.CORRECTED:
            raise Conflict(_("Only a claim decided as correcting the decision reopens it."), code="claim_not_corrected")
        claimed = set(claim.lots.values_list("pk", flat=True))
        if claimed and not lot_ids <= claimed:
            raise ValidationFailed(
                _("The correction concerns only the lots of the claim."), errors={"lots": [{"code": "not_claimed"}]}
            )
    else:
        raise ValidationFailed(_("Choose why the decision is corrected."), errors={"cause": [{"code": "invalid"}]})


def _ids(items: Iterable[Any]) -> list[int]:
    return sorted({int(getattr(item, "pk", item)) for item in items})


def _scope_validate(
    *,
    decision: AwardDecision,
    tender: Tender,
    lots: Iterable[Any],
    criteria: Iterable[Any],
    bids: Iterable[Any],
    reason: str,
    reason_sv: str,
) -> tuple[list[Lot], list[QualityCriterion], list[Bid]]:
    """The lots must be lots the decision decided; the criteria, criteria of those lots; the bids, bids with an
    offer in those lots; and the reason given (400 with each field's error)."""
    errors: dict[str, list[dict[str, str]]] = {}
    decided = set(LotAward.objects.filter(decision=decision).values_list("lot_id", flat=True))
    lot_ids = _ids(lots)
    # A lot interrupted since the decision (cancelled) is not decided again by a correction.
    lot_rows = list(
        Lot.objects.filter(
            tender=tender,
            pk__in=[pk for pk in lot_ids if pk in decided],
            status__in=[LotStatus.AWARDED, LotStatus.UNSUCCESSFUL],
        ).order_by("number")
    )
    if not lot_ids:
        errors["lots"] = [{"code": "required", "message": str(_("Choose the lots the correction reopens."))}]
    elif len(lot_rows) != len(lot_ids):
        errors["lots"] = [{"code": "unknown_lot", "message": str(_("No such lot in this decision."))}]
    criterion_ids = _ids(criteria)
    criterion_rows = list(tender.criteria.filter(pk__in=criterion_ids))
    if len(criterion_rows) != len(criterion_ids) or any(
        c.lot_id is not None and c.lot_id not in lot_ids for c in criterion_rows
    ):
        errors["criteria"] = [{"code": "unknown_criterion", "message": str(_("No such criterion in these lots."))}]
    bid_ids = _ids(bids)
    bid_rows = list(
        Bid.objects.filter(
            tender=tender, status=BidStatus.SUBMITTED, pk__in=bid_ids, lot_offers__lot_id__in=lot_ids
        ).distinct()
    )
    if len(bid_rows) != len(bid_ids):
        errors["bids"] = [{"code": "unknown_bid", "message": str(_("No such bid in these lots."))}]
    if not reason.strip():
        errors["reason"] = [{"code": "required", "message": str(_("Give the reason of the correction."))}]
    elif is_bilingual(tender) and not reason_sv.strip():
        # The new edition binds in Swedish too: its header states the reason in both languages.
        errors["reason_sv"] = [
            {"code": "required", "message": str(_("Give the reason in Swedish too: the decision is bilingual."))}
        ]
    if errors:
        raise ValidationFailed(errors=errors)
    return lot_rows, criterion_rows, bid_rows


def _suspend_contracting(*, actor: AnyUser, decision: AwardDecision, lots: list[Lot]) -> None:
    """No contract for a reopened lot: a signed one refuses the correction (409); the others wait for the new
    edition (their standstill timers are dropped: the new edition's notification sets new periods)."""
    contracts = list(LotContract.objects.select_for_update().filter(decision=decision, lot__in=lots))
    signed = [c.lot.number for c in contracts if c.status == ContractStatus.SIGNED]
    if signed:
        raise Conflict(
            _("The contract of lot %(lots)s is signed: its decision can no longer be corrected.")
            % {"lots": ", ".join(str(n) for n in sorted(signed))},
            code="contract_signed",
        )
    for contract in contracts:
        if contract.status in SUSPENDABLE:
            transition_run(
                obj=contract,
                action="suspend",
                actor=None,
                audit_action="contract.suspend",
                detail={"reason": "correction"},
            )
        Timer.objects.filter(kind="standstill.end", key=f"lot-contract:{contract.pk}", done_at__isnull=True).delete()


def correction_start(
    *,
    actor: AnyUser,
    tender: Tender | int,
    cause: str,
    lots: Iterable[Any],
    criteria: Iterable[Any] = (),
    bids: Iterable[Any] = (),
    reason: str,
    reason_sv: str = "",
    claim: Claim | None = None,
    appeal: Appeal | None = None,
) -> Correction:
    """Reopen the evaluation of the named lots of a decided call: only the named criteria's scores and the named
    bids' qualification (and their rejections) can be changed until the new decision; the lots' contracting waits.
    `tender` is the call or its id; `lots`, `criteria` and `bids` are rows or ids."""
    tender_id = tender if isinstance(tender, int) else int(tender.pk)
    with transaction.atomic():
        tender = _officer_tender(actor=actor, tender_id=tender_id, for_update=True)
        decision = _decision_of(tender)
        if Correction.objects.filter(decision=decision, status=Correction.Status.OPEN).exists():
            raise Conflict(_("A correction of this decision is already open: decide it first."), code="correction_open")
        lot_rows, criterion_rows, bid_rows = _scope_validate(
            decision=decision,
            tender=tender,
            lots=lots,
            criteria=criteria,
            bids=bids,
            reason=reason,
            reason_sv=reason_sv,
        )
        _cause_check(
            decision=decision,
            tender=tender,
            cause=cause,
            lot_ids={lot.pk for lot in lot_rows},
            claim=claim,
            appeal=appeal,
        )
        _suspend_contracting(actor=actor, decision=decision, lots=lot_rows)
        number = (Correction.objects.filter(decision=decision).aggregate(n=Max("number"))["n"] or 0) + 1
        correction = Correction.objects.create(
            decision=decision,
            number=number,
            cause=cause,
            claim=claim,
            appeal=appeal,
            reason=reason.strip(),
            reason_sv=reason_sv.strip(),
            started_by=actor,  # type: ignore[misc]  # an officer, signed in (_officer_tender)
        )
        correction.lots.set(lot_rows)
        correction.criteria.set(criterion_rows)
        correction.bids.set(bid_rows)
        # The reopened lots are under evaluation again: the services of the evaluation see them (and only them).
        Lot.objects.filter(pk__in=[lot.pk for lot in lot_rows]).update(status=LotStatus.OPEN)
        audit_record(
            action="correction.start",
            actor=actor,
            obj=correction,
            tender_id=tender.pk,
            after={
                "number": number,
                "cause": cause,
                "claim": claim.pk if claim else None,
                "appeal": appeal.pk if appeal else None,
                "lots": [lot.pk for lot in lot_rows],
                "criteria": [c.pk for c in criterion_rows],
                "bids": [b.pk for b in bid_rows],
                "reason": correction.reason,
            },
        )
    return correction


def claim_correct(
    *,
    actor: AnyUser,
    claim: Claim | int,
    lots: Iterable[Any],
    criteria: Iterable[Any] = (),
    bids: Iterable[Any] = (),
    reason: str,
    reason_sv: str = "",
) -> Correction:
    """The authority accepts a claim for rectification: the claim is decided as correcting the decision, a
    correction reopens what it names, and the decision on the claim (its PDF) goes to the claimant."""
    with transaction.atomic():
        claim_id = getattr(claim, "pk", claim)
        row = Claim.objects.select_for_update().select_related("decision__tender").filter(pk=claim_id).first()
        if row is None:
            raise NotFound()
        tender = _officer_tender(actor=actor, tender_id=row.decision.tender_id, for_update=True)
        if not reason.strip():
            raise ValidationFailed(errors={"reason": [{"code": "required", "message": str(_("Give the reason."))}]})
        transition_run(obj=row, action="correct", actor=actor, audit_action="claim.correct")
        row.reason, row.reason_sv = reason.strip(), reason_sv.strip()
        row.decided_by, row.decided_at = actor, timezone.now()
        row.save(update_fields=["reason", "reason_sv", "decided_by", "decided_at"])
        correction = correction_start(
            actor=actor,
            tender=tender,
            cause=Correction.Cause.CLAIM,
            lots=lots,
            criteria=criteria,
            bids=bids,
            reason=reason,
            reason_sv=reason_sv,
            claim=row,
        )
        # The decision on the claim (its PDF and notices to the claimant and the lots' bidders).
        claim_decision_issue(actor=cast(User, actor), claim=row)  # an officer of the authority: signed in
    return correction


def offer_rejection_withdraw_check(*, actor: AnyUser, tender_id: int, lot_offer_id: int) -> LotOffer:
    """Who may withdraw a rejection (403), of an offer of the call (404): asked before the body is read."""
    tender = _officer_tender(actor=actor, tender_id=tender_id)
    offer = LotOffer.objects.filter(pk=lot_offer_id, bid__tender=tender).first()
    if offer is None:
        raise NotFound(_("No such offer in this call."))
    return offer


def offer_rejection_withdraw(*, actor: AnyUser, tender_id: int, lot_offer_id: int, reason: str) -> LotOffer:
    """Withdraw the rejection of an offer (for its price, or as not conforming) that a correction examines again:
    the offer is compared again with the others of its lot."""
    with transaction.atomic():
        tender = _officer_tender(actor=actor, tender_id=tender_id, for_update=True)
        scope = reopened(tender)
        offer = LotOffer.objects.filter(pk=lot_offer_id, bid__tender=tender).select_related("lot").first()
        if offer is None:
            raise NotFound(_("No such offer in this call."))
        if scope is None or offer.lot_id not in scope.lots or offer.bid_id not in scope.bids:
            raise not_reopened([{"lot_offer": lot_offer_id}])
        if not reason.strip():
            raise ValidationFailed(errors={"reason": [{"code": "required", "message": str(_("Give the reason."))}]})
        before: dict[str, Any] = {}
        for model in (PriceRejection, ConformityRejection):
            rejection = model.objects.filter(lot_offer=offer).first()
            if rejection is not None:
                before[str(model._meta.model_name)] = {
                    "ground": rejection.ground,
                    "reason": rejection.reason,
                    "rejected_by": rejection.rejected_by_id,
                    "rejected_at": rejection.rejected_at,
                }
                rejection.delete()
        if not before:
            raise Conflict(_("The offer is not rejected."), code="not_rejected")
        audit_record(
            action="offer.rejection_withdraw",
            actor=actor,
            obj=offer,
            tender_id=tender.pk,
            before=before,
            detail={"reason": reason.strip(), "correction": scope.correction.pk},
        )
    return offer


def correction_decide_check(*, actor: AnyUser, tender_id: int, for_update: bool = False) -> Tender:
    """Who may decide the corrected lots: those who may decide the call (403)."""
    tender = tender_get(user=actor, tender_id=tender_id, for_update=for_update)
    if not may_decide(tender, actor):
        raise Forbidden(_("Only the authority's decision-makers decide the award."))
    return tender


def _current_editions(decision: AwardDecision, lot_ids: set[int]) -> list[DecisionEdition]:
    """The editions in force for these lots: for each, the latest edition that decided it."""
    latest: dict[int, DecisionEdition] = {}
    for edition in DecisionEdition.objects.filter(decision=decision, lots__in=lot_ids).prefetch_related("lots"):
        for lot in edition.lots.all():
            if lot.pk in lot_ids and (lot.pk not in latest or latest[lot.pk].number < edition.number):
                latest[lot.pk] = edition
    return sorted({e.pk: e for e in latest.values()}.values(), key=lambda e: e.number)


def _renew_contracts(*, decision: AwardDecision, lots: list[Lot], winners: dict[int, list[int]]) -> None:
    """Each corrected lot's contract follows the new edition: notified anew with a winner, withdrawn without."""
    contracts = {c.lot_id: c for c in LotContract.objects.select_for_update().filter(decision=decision, lot__in=lots)}
    for lot in lots:
        contract = contracts.get(lot.pk)
        if lot.pk in winners:
            if contract is None:
                LotContract.objects.create(decision=decision, lot=lot)
            else:
                transition_run(obj=contract, action="decided_again", actor=None, audit_action="contract.decided_again")
        elif contract is not None and contract.status != ContractStatus.CANCELLED:
            transition_run(obj=contract, action="withdraw", actor=None, audit_action="contract.withdraw")


def _award_notice_follow(*, actor: AnyUser, tender: Tender, edition: DecisionEdition) -> str:
    """An award notice already made for the call no longer states the corrected lots: an unsent one is marked to be
    made anew, a sent or published one needs a change notice; both recorded for the officer (`award_notice`)."""
    notice = Notice.objects.filter(tender=tender, kind=NoticeKind.AWARD, changes=None).order_by("-version").first()
    if notice is None:
        return ""
    follow = (
        "remake" if notice.state in (NoticeState.DRAFT, NoticeState.INVALID, NoticeState.VALID) else "change_notice"
    )
    if follow == "remake" and notice.state != NoticeState.DRAFT:
        transition_run(obj=notice, action="regenerate", actor=None, field="state", audit_action="notice.regenerate")
    audit_record(
        action="award_notice.follow_correction",
        actor=actor,
        obj=notice,
        tender_id=tender.pk,
        detail={"edition": edition.number, "follow": follow},
    )
    return follow


def correction_decide(*, actor: AnyUser, tender_id: int) -> DecisionEdition:
    """Decide the reopened lots again: rank them, award each to its best-ranked offer(s), and make the decision's
    next edition for those lots, with its PDF, new letters to their bidders and new periods (from its own
    notification); the edition in force for those lots is marked replaced, with the reason. The other lots keep
    their edition, their letters and their periods."""
    with transaction.atomic():
        tender = correction_decide_check(actor=actor, tender_id=tender_id, for_update=True)
        decision = _decision_of(tender)
        correction = (
            Correction.objects.select_for_update()
            .filter(decision=decision, status=Correction.Status.OPEN)
            .prefetch_related("lots")
            .first()
        )
        if correction is None:
            raise Conflict(_("No correction of the decision is open."), code="no_open_correction")
        lots = list(correction.lots.order_by("number"))
        lot_ids = {lot.pk for lot in lots}
        _compute_results(tender, lot_ids=lot_ids)
        ties_check(tender)
        swedish_texts_check(tender, stage=Stage.DECISION)
        places = award_places(tender)
        winners: dict[int, list[int]] = {}
        for result in LotResult.objects.filter(lot__in=lots, rank__lte=places).order_by("lot_id", "rank"):
            winners.setdefault(result.lot_id, []).append(result.lot_offer_id)
        before = {
            str(lot_id): list(offers)
            for lot_id, offers in _winners_of(decision, lot_ids).items()  # for the audit record
        }
        LotAward.objects.filter(decision=decision, lot__in=lots).delete()
        lot_awards_write(decision, lots, winners)
        _renew_contracts(decision=decision, lots=lots, winners=winners)
        now = timezone.now()
        previous = _current_editions(decision, lot_ids)
        number = (DecisionEdition.objects.filter(decision=decision).aggregate(n=Max("number"))["n"] or 0) + 1
        versions = GeneratedDocument.objects.filter(tender=tender, kind=DocumentKind.DECISION).count()
        document = document_request(kind=DocumentKind.DECISION, tender=tender, actor=actor, version=versions + 1)
        edition = DecisionEdition.objects.create(
            decision=decision,
            number=number,
            correction=correction,
            winners={str(lot.pk): winners.get(lot.pk, []) for lot in lots},
            decided_by=actor,  # type: ignore[misc]  # a decision-maker, signed in
            decided_at=now,
            document=document,
        )
        edition.lots.set(lots)
        for old in previous:
            # An edition is replaced by one edition (the first that decided any of its lots again).
            if old.replaced_by_id is None:
                old.replaced_by, old.replaced_at, old.replaced_reason = edition, now, correction.reason
                old.save(update_fields=["replaced_by", "replaced_at", "replaced_reason"])
        correction.status = Correction.Status.DECIDED
        correction.save(update_fields=["status"])
        audit_record(
            action="decision.edition",
            actor=actor,
            obj=decision,
            tender_id=tender.pk,
            before={"winners": before, "editions": [e.number for e in previous]},
            after={
                "edition": number,
                "correction": correction.number,
                "lots": sorted(lot_ids),
                "winners": {str(k): v for k, v in winners.items()},
            },
        )
        procedure_report_request(tender=tender, actor=actor)
        _letters_send(
            actor=actor, tender=tender, decision=decision, edition=edition, lot_ids=lot_ids, document=document
        )
        _award_notice_follow(actor=actor, tender=tender, edition=edition)
    return edition


def _winners_of(decision: AwardDecision, lot_ids: set[int]) -> dict[int, list[int]]:
    winners: dict[int, list[int]] = {}
    for lot_id, offer_id in (
        LotAward.objects.filter(decision=decision, lot_id__in=lot_ids, winner__isnull=False)
        .order_by("lot_id", "rank")
        .values_list("lot_id", "winner_id")
    ):
        winners.setdefault(lot_id, []).append(offer_id)
    return winners


def _letters_send(
    *,
    actor: AnyUser,
    tender: Tender,
    decision: AwardDecision,
    edition: DecisionEdition,
    lot_ids: set[int],
    document: GeneratedDocument,
) -> None:
    """A new letter to each bidder of the corrected lots, e-mailed with the new edition; its sending starts the
    lots' new periods (`periods.lot_periods_recompute`, by the edition's own key)."""
    bids = (
        Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED, lot_offers__lot_id__in=lot_ids)
        .distinct()
        .select_related("provider")
    )
    for bid in bids:
        language = bid.provider.preferred_language
        language = language if language in tender.document_languages else tender.document_languages[0]
        subject = f"bid:{bid.pk}"
        version = GeneratedDocument.objects.filter(tender=tender, kind=DocumentKind.LETTER, subject=subject).count()
        letter = document_request(
            kind=DocumentKind.LETTER,
            tender=tender,
            actor=actor,
            version=version + 1,
            subject=subject,
            provider=bid.provider,
            language=language,
        )
        notify(
            kind="decision",
            key=decision_key(decision, edition.number),
            tender_id=tender.pk,
            providers=[bid.provider],
            documents=[letter.pk, document.pk],
            languages={bid.provider_id: language},
        )


# ---- Reads ---------------------------------------------------------------------------------------------------------


def corrections_of(*, user: AnyUser, tender_id: int) -> list[Correction]:
    """The call's corrections, for the authority's users (403 for others; 404 for a call they do not see)."""
    tender = tender_get(user=user, tender_id=tender_id)
    if not roles_of(user).reads_authority(tender.authority_id):
        raise Forbidden()
    return list(
        Correction.objects.filter(decision__tender=tender)
        .select_related("claim", "appeal", "started_by")
        .prefetch_related("lots", "criteria", "bids__provider")
        .order_by("number")
    )


@dataclass(frozen=True)
class EditionRow:
    """An edition of the decision as a reader sees it: in force for which of its lots, replaced for which."""

    edition: DecisionEdition
    lot_numbers: list[int]
    in_force_for: list[int]  # lot numbers

    @property
    def status(self) -> str:
        if self.in_force_for == self.lot_numbers:
            return "current"
        return "partly_replaced" if self.in_force_for else "replaced"


def decision_editions(*, user: AnyUser, tender_id: int) -> list[EditionRow]:
    """Every edition of the call's decision with what it decides and whether it is in force: the authority's users
    see all; a bidder sees the editions that were sent to it (their public parts: the API shows no more)."""
    tender = tender_get(user=user, tender_id=tender_id)
    decision = AwardDecision.objects.filter(tender=tender).first()
    if decision is None:
        return []
    editions = list(
        DecisionEdition.objects.filter(decision=decision)
        .select_related("correction", "document", "replaced_by")
        .prefetch_related("lots")
        .order_by("number")
    )
    roles = roles_of(user)
    if roles.reads_authority(tender.authority_id):
        return _edition_rows(decision, editions)
    return decision_editions_sent(decision=decision, provider_ids=set(roles.provider_of), editions=editions)


def decision_editions_sent(
    *, decision: AwardDecision, provider_ids: set[int], editions: list[DecisionEdition] | None = None
) -> list[EditionRow]:
    """The editions of the decision that were sent to (one of) the providers."""
    if editions is None:
        editions = list(
            DecisionEdition.objects.filter(decision=decision)
            .select_related("correction", "document", "replaced_by")
            .prefetch_related("lots")
            .order_by("number")
        )
    sent = {
        n.key
        for n in Notification.objects.filter(
            Q(sent_at__isnull=False) | Q(status=DeliveryStatus.INBOX_ONLY),
            kind="decision",
            tender_id=decision.tender_id,
            provider_id__in=provider_ids,
        )
    }
    return _edition_rows(decision, [e for e in editions if decision_key(decision, e.number) in sent])


def _edition_rows(decision: AwardDecision, editions: list[DecisionEdition]) -> list[EditionRow]:
    current = lot_editions(decision)
    rows = []
    for edition in editions:
        lots = sorted(edition.lots.all(), key=lambda lot: lot.number)
        rows.append(
            EditionRow(
                edition=edition,
                lot_numbers=[lot.number for lot in lots],
                in_force_for=[lot.number for lot in lots if current.get(lot.pk) == edition.number],
            )
        )
    return rows
