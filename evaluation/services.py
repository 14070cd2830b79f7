"""Opening the bids, recording quality scores, ranking the lots and deciding the award."""

import hashlib
import json
import logging
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from bids.content import comparison_price, version_context
from bids.models import BidStatus, LotOffer
from bids.sealing import SealBroken, unseal
from documents.models import DocumentKind
from documents.services import document_request, procedure_report_request
from procurement.access import roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, ValidationFailed
from procurement.fsm import transition_permission_check, transition_run
from procurement.models import Membership, Role
from procurement.notifications import notify
from procurement.periods import local_date
from procurement.rules import tender_classification
from tenders.languages import Stage, swedish_texts_check
from tenders.models import Lot, LotStatus, Tender, TenderStatus
from tenders.selectors import tender_get

from .draws import award_places, confirmed_draws, ties_check
from .mini_competitions import mini_competition_maximum_check, mini_competition_outsiders_reject
from .models import (
    AwardDecision,
    AwardProposal,
    DecisionEdition,
    IndividualScore,
    LotAward,
    LotContract,
    LotResult,
    OpeningRequest,
    QualityScore,
)
from .panel import evaluating_tender
from .periods import decision_key, decision_periods_from
from .qualification import qualification_state
from .reopening import not_reopened, open_correction, reopened
from .scoring import Criterion, Offer, rank_lot
from .timers import evaluation_timer_schedule

logger = logging.getLogger(__name__)


def _submitted_offers(tender: Tender):
    """The offers under evaluation: submitted bids, lots that are still open, offers not rejected (for their price
    under §96 or as not conforming to the call)."""
    return LotOffer.objects.filter(
        bid__tender=tender,
        bid__status=BidStatus.SUBMITTED,
        lot__status=LotStatus.OPEN,
        price_rejection__isnull=True,
        conformity_rejection__isnull=True,
    ).select_related("bid", "lot")


def _unseal_bids(tender: Tender) -> list[dict]:
    """Open every submitted bid's latest version: check its manifest against the hash on its receipt and write its
    lot offers as rows for the evaluation."""
    opened = []
    lots = {lot.pk: lot for lot in tender.lots.all()}
    offers = []
    for bid in tender.bids.filter(status=BidStatus.SUBMITTED).select_related("provider"):
        version = bid.versions.order_by("-number").first()
        raw = unseal(tender.pk, version.sealed_manifest, version_context(bid.pk, version.number))
        if hashlib.sha256(raw).hexdigest() != version.manifest_sha256:
            raise SealBroken(f"bid {bid.pk} version {version.number}")
        manifest = json.loads(raw)
        for offer in manifest["content"]["lot_offers"]:
            lot = lots.get(offer["lot"])
            if lot is None or lot.status != LotStatus.OPEN:
                continue  # a lot cancelled after the submission is not evaluated
            offers.append(
                LotOffer(
                    bid=bid,
                    lot=lot,
                    version=version,
                    unit_price=Decimal(offer["unit_price"]),
                    vat_rate=Decimal(offer.get("vat_rate", "0")),
                    comparison_price=comparison_price(offer["unit_price"], lot.volume),
                )
            )
        opened.append(
            {
                "bid": bid.pk,
                "provider": bid.provider.name,
                "version": version.number,
                "received_at": version.received_at,
                "manifest_sha256": version.manifest_sha256,
            }
        )
    LotOffer.objects.filter(bid__tender=tender).delete()
    LotOffer.objects.bulk_create(offers)
    return opened


def tender_open(*, actor, tender_id: int) -> OpeningRequest:
    try:
        return _tender_open(actor=actor, tender_id=tender_id)
    except SealBroken as exc:
        # Everything the opening did is rolled back; the infringement is recorded after it, so that it stays.
        logger.error("Seal broken at the opening of call %s: %s", tender_id, exc)
        audit_record(
            action="bid.seal_broken", actor=actor, tender_id=int(tender_id), denied=True, detail={"bid": str(exc)}
        )
        raise Conflict(
            _("A sealed bid does not match its receipt; the opening was stopped. Report this to the auditors."),
            code="seal_broken",
        ) from exc


def _tender_open(*, actor, tender_id: int) -> OpeningRequest:
    """Two officers open the tender box: the first asks, a second confirms within the window.

    Called by the first officer it records the request; by another officer while the request is pending, it opens
    the bids: they are unsealed and become readable to the evaluation team, on the record."""
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        now = timezone.now()
        pending = tender.opening_requests.filter(confirmed_at__isnull=True, expires_at__gt=now).first()
        if pending is None:
            if can_proceed(tender.open) and roles_of(actor).is_officer(tender.authority_id):
                window = timedelta(minutes=settings.HANKINTA["OPENING_CONFIRMATION_MINUTES"])
                request = OpeningRequest.objects.create(tender=tender, requested_by=actor, expires_at=now + window)
                audit_record(
                    action="tender.open_requested", actor=actor, obj=tender, detail={"expires_at": request.expires_at}
                )
                return request
            # Not possible now, or not theirs: the transition says which, with the actions allowed.
            transition_run(obj=tender, action="open", actor=actor, by=actor)
        if pending.requested_by_id == actor.pk:
            raise Conflict(
                _("Another officer of the authority must confirm the opening: two people open the bids together."),
                code="second_officer_required",
                expires_at=pending.expires_at.isoformat(),
            )
        transition_run(
            obj=tender,
            action="open",
            actor=actor,
            audit_action="tender.open",
            by=actor,
            detail={"requested_by": pending.requested_by_id, "confirmed_by": actor.pk},
        )
        pending.confirmed_by, pending.confirmed_at = actor, now
        pending.save(update_fields=["confirmed_by", "confirmed_at"])
        opened = _unseal_bids(tender)
        audit_record(
            action="tender.bids_unsealed",
            actor=actor,
            obj=tender,
            detail={"bids": opened, "count": len(opened)},
        )
        # A mini-competition's bid from a provider that is not (or no longer) in its framework is rejected, stated.
        mini_competition_outsiders_reject(actor=actor, tender=tender)
        document_request(kind=DocumentKind.OPENING_RECORD, tender=tender, actor=actor)
        evaluation_timer_schedule(tender)
    return pending


def quality_scores_check(*, actor, tender_id: int, for_update: bool = False) -> Tender:
    """Who may record scores now (evaluating_tender's 404, 403 and 409); the API asks before it reads the body."""
    return evaluating_tender(
        actor=actor,
        tender_id=tender_id,
        message=_("Scores can be recorded only after the opening and before the evaluation is finished."),
        code="not_scoring",
        for_update=for_update,
    )


def quality_scores_record(*, actor, tender_id: int, scores: list[dict], individual: bool = False) -> list:
    """Record or correct quality scores while the bids are being evaluated: the panel's consensus scores (which
    count), or with individual=True the actor's own scores, which stay on record beside them."""
    with transaction.atomic():
        tender = quality_scores_check(actor=actor, tender_id=tender_id, for_update=True)
        qualified, _failed, _missing = qualification_state(tender)
        offers = {o.pk: o for o in _submitted_offers(tender) if o.bid_id in qualified}
        criteria = {c.pk: c for c in tender.criteria.all()}
        _correction_scope_check(tender, scores, offers)
        errors: list[dict] = []
        for index, item in enumerate(scores):
            criterion = criteria.get(item["criterion"])
            if item["lot_offer"] not in offers:
                errors.append({"index": index, "code": "unknown_offer", "message": _("No such offer in this call.")})
            elif criterion is None or criterion.lot_id not in (None, offers[item["lot_offer"]].lot_id):
                errors.append(
                    {"index": index, "code": "unknown_criterion", "message": _("No such criterion in this call.")}
                )
            elif item["points"] > criterion.max_points:
                errors.append(
                    {
                        "index": index,
                        "code": "points_over_max",
                        "message": _("At most %(max)s points.")
                        % {"max": format(criterion.max_points.normalize(), "f")},
                    }
                )
        if errors:
            raise ValidationFailed(errors={"scores": errors})
        saved = []
        for item in scores:
            values = {"points": item["points"], "reason": item["reason"], "scored_at": timezone.now()}
            if individual:
                score, _created = IndividualScore.objects.update_or_create(
                    lot_offer_id=item["lot_offer"], criterion_id=item["criterion"], evaluator=actor, defaults=values
                )
            else:
                # The panel's reason goes into the decision and the letters: with its Swedish text for a bilingual
                # authority (a correction without one leaves none, so that no stale translation stays).
                score, _created = QualityScore.objects.update_or_create(
                    lot_offer_id=item["lot_offer"],
                    criterion_id=item["criterion"],
                    defaults={
                        **values,
                        "reason_sv": (item.get("reason_sv") or "").strip(),
                        "public_reason": (item.get("public_reason") or "").strip(),
                        "public_reason_sv": (item.get("public_reason_sv") or "").strip(),
                        "scored_by": actor,
                    },
                )
            saved.append(score)
        audit_record(
            action="evaluation.score_individual" if individual else "evaluation.score",
            actor=actor,
            obj=tender,
            after={
                "scores": [
                    {"lot_offer": s.lot_offer_id, "criterion": s.criterion_id, "points": s.points} for s in saved
                ]
            },
        )
    return saved


def _correction_scope_check(tender: Tender, scores: list[dict], offers: dict[int, LotOffer]) -> None:
    """While a correction reopens the decided call, only the scores it reopens may change (409 otherwise)."""
    scope = reopened(tender) if tender.status == TenderStatus.DECIDED else None
    if scope is None:
        return
    # The offers of the lots that stay decided are not under evaluation: found here to answer 409, not 400.
    known = {o.pk: o for o in LotOffer.objects.filter(bid__tender=tender, pk__in=[i["lot_offer"] for i in scores])}
    locked = [
        {"index": index, "lot_offer": item["lot_offer"], "criterion": item["criterion"]}
        for index, item in enumerate(scores)
        if (offer := offers.get(item["lot_offer"]) or known.get(item["lot_offer"])) is not None
        and not scope.may_score(lot_id=offer.lot_id, bid_id=offer.bid_id, criterion_id=item["criterion"])
    ]
    if locked:
        raise not_reopened(locked)


def lot_awards_write(decision: AwardDecision, lots: list[Lot], winners: dict[int, list[int]]) -> None:
    """The decision's award of each lot: its winning offers by rank (`winners`, by lot), or one empty award and the
    lot unsuccessful when it has none; the lots' status follows."""
    LotAward.objects.bulk_create(
        [
            LotAward(decision=decision, lot=lot, rank=position, winner_id=offer_id)
            for lot in lots
            for position, offer_id in enumerate(winners.get(lot.pk) or [None], start=1)
        ]
    )
    for lot in lots:
        lot.status = LotStatus.AWARDED if lot.pk in winners else LotStatus.UNSUCCESSFUL
    Lot.objects.bulk_update(lots, ["status"])


def _compute_results(tender: Tender, lot_ids: set[int] | None = None) -> list[LotResult]:
    """Rank every open lot (or, for a correction, only the lots it reopened: the others keep their results)."""
    all_criteria = list(tender.criteria.all())
    criteria_of = {
        lot.pk: [
            Criterion(key=c.pk, weight=c.weight, max_points=c.max_points)
            for c in all_criteria
            if c.lot_id in (None, lot.pk)
        ]
        for lot in tender.lots.filter(status=LotStatus.OPEN)
    }
    offers_by_lot: dict[int, list[Offer]] = defaultdict(list)
    qualified, _failed, missing = qualification_state(tender)
    if missing:
        raise ValidationFailed(
            _("Every bid must be qualified (exclusion declaration and each requirement) first."),
            code="qualification_incomplete",
            errors={"qualification": [{"code": "missing", "message": str(m)} for m in missing[:50]]},
        )
    # Only the bids that passed qualification are compared.
    offer_rows = [o for o in _submitted_offers(tender) if o.bid_id in qualified]
    scores: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for lot_offer_id, criterion_id, points in QualityScore.objects.filter(lot_offer__bid__tender=tender).values_list(
        "lot_offer_id", "criterion_id", "points"
    ):
        scores[lot_offer_id][criterion_id] = points
    missing = [
        {"lot_offer": o.pk, "criterion": c.key}
        for o in offer_rows
        for c in criteria_of[o.lot_id]
        if c.key not in scores[o.pk]
    ]
    if missing:
        raise ValidationFailed(
            _("Every quality criterion of every offer must be scored first."),
            code="scores_missing",
            errors={"scores": [{"code": "missing", "message": str(m)} for m in missing[:50]]},
        )
    for o in offer_rows:
        offers_by_lot[o.lot_id].append(Offer(key=o.pk, price=o.comparison_price, quality=scores[o.pk]))
    # A draw already made orders the same tied offers again (by bid: the rows of the offers are the ranking's own).
    offer_of_bid = {(o.lot_id, o.bid_id): o.pk for o in offer_rows}
    draws = confirmed_draws(offers_by_lot)
    results = []
    for lot_id, offers in offers_by_lot.items():
        for scored in rank_lot(
            offers=offers,
            criteria=criteria_of[lot_id],
            price_weight=tender.price_weight,
            method=tender.price_method,
            tie_break=tender.tie_break,
            draws=[[offer_of_bid.get((lot_id, bid_id)) for bid_id in draw.order] for draw in draws.get(lot_id, [])],
        ):
            if scored.tied_with:
                scored.calculation["tied_with"] = scored.tied_with
            results.append(
                LotResult(
                    lot_offer_id=scored.key,
                    lot_id=lot_id,
                    price_points=scored.price_points,
                    quality_points=scored.quality_points,
                    total_points=scored.total_points,
                    rank=scored.rank,
                    calculation=scored.calculation,
                )
            )
    old_results = LotResult.objects.filter(lot__tender=tender)
    if lot_ids is not None:
        old_results = old_results.filter(lot_id__in=lot_ids)
    old_results.delete()
    return LotResult.objects.bulk_create(results)


def tender_evaluate(*, actor, tender_id: int) -> Tender:
    """Compute the price points and the ranking of every lot and finish the evaluation."""
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        if tender.status == TenderStatus.OPENED and roles_of(actor).is_officer(tender.authority_id):
            # A provider may have left the mini-competition's framework since the opening: its offers are rejected.
            mini_competition_outsiders_reject(actor=actor, tender=tender)
            _compute_results(tender)
            # The comparison reports made now, and the decision later, show the panel's reasons and those of every
            # rejection in both languages; none of them can be corrected once the evaluation is finished.
            swedish_texts_check(tender, stage=Stage.DECISION)
        transition_run(obj=tender, action="evaluate", actor=actor, audit_action="tender.evaluate")
        for lot in tender.lots.filter(status=LotStatus.OPEN):
            document_request(
                kind=DocumentKind.COMPARISON,
                tender=tender,
                actor=actor,
                subject=f"lot:{lot.pk}",
                language=tender.document_languages[0],
            )
        return tender


def tender_propose_check(*, actor, tender_id: int, for_update: bool = False) -> Tender:
    """Who may propose the award: 404 for a call the actor does not see, 403 for anyone but its officers."""
    tender = tender_get(user=actor, tender_id=tender_id, for_update=for_update)
    if not roles_of(actor).is_officer(tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers propose the award."))
    return tender


def tender_propose(*, actor, tender_id: int, note: str = "") -> AwardProposal:
    """The officer proposes the award: the best-ranked offer(s) of each lot, for the decision-maker to decide."""
    with transaction.atomic():
        tender = tender_propose_check(actor=actor, tender_id=tender_id, for_update=True)
        if tender.status != TenderStatus.EVALUATED:
            raise Conflict(_("The award is proposed after the evaluation."), code="not_evaluated", status=tender.status)
        ties_check(tender)
        swedish_texts_check(tender, stage=Stage.DECISION)
        places = award_places(tender)
        winners: dict[str, list[int]] = {}
        for result in LotResult.objects.filter(lot__tender=tender, rank__lte=places).order_by("lot__number", "rank"):
            winners.setdefault(str(result.lot_id), []).append(result.lot_offer_id)
        proposal, _created = AwardProposal.objects.update_or_create(
            tender=tender,
            defaults={"proposed_by": actor, "proposed_at": timezone.now(), "note": note, "winners": winners},
        )
        audit_record(action="decision.propose", actor=actor, obj=tender, after={"winners": winners, "note": note})
        notify(
            kind="award.proposed",
            key=f"tender:{tender.pk}:proposal:{proposal.proposed_at.isoformat()}",
            tender_id=tender.pk,
            users=deciders_of(tender) - {actor.pk},
            payload={"proposed_by": actor.get_full_name() or actor.username},
        )
    return proposal


def deciders_of(tender: Tender) -> set[int]:
    """Who may decide the call's award (`tenders.models.may_decide`): its authority's decision-makers, and its
    officers where the authority lets officers decide."""
    roles = [Role.DECISION_MAKER, Role.OFFICER] if tender.authority.officers_may_decide else [Role.DECISION_MAKER]
    return set(
        Membership.objects.filter(authority_id=tender.authority_id, role__in=roles).values_list("user_id", flat=True)
    )


def decider_is_proposer(tender: Tender, user) -> bool:
    """Whether the authority wants another person than the proposer to decide, and `user` proposed the award."""
    proposal = getattr(tender, "award_proposal", None)
    return bool(tender.authority.decider_not_proposer and proposal is not None and proposal.proposed_by_id == user.pk)


def tender_decide_check(*, actor, tender_id: int, for_update: bool = False) -> Tender:
    """Who may decide the award now: the transition's permission (403), and, where the authority requires it,
    someone other than the proposer (409 `decider_is_proposer`). The decide button is offered on the same checks."""
    tender = tender_get(user=actor, tender_id=tender_id, for_update=for_update)
    transition_permission_check(obj=tender, action="decide", actor=actor)
    if decider_is_proposer(tender, actor):
        raise Conflict(
            _("The authority requires that the award is decided by someone other than the one who proposed it."),
            code="decider_is_proposer",
        )
    return tender


def tender_decide(*, actor, tender_id: int) -> AwardDecision:
    """Award each lot to its best-ranked offer, set the statutory periods and queue the decision PDF. While a
    correction reopens the decided call, deciding decides its lots again (`corrections.correction_decide`)."""
    with transaction.atomic():
        tender = tender_decide_check(actor=actor, tender_id=tender_id, for_update=True)
        if open_correction(tender) is not None:
            # Imported here: the corrections build on this module's evaluation.
            from .corrections import correction_decide

            return correction_decide(actor=actor, tender_id=tender.pk).decision
        transition_run(obj=tender, action="decide", actor=actor, audit_action="tender.decide")
        ties_check(tender)
        # The decision and the letters bind in Finnish and Swedish for a bilingual authority: every reason in both.
        swedish_texts_check(tender, stage=Stage.DECISION)
        # The rule set of the call's publication and its CPV codes decide the regime; the periods follow the
        # redress of the authority's kind, as if the decision were sent today (the sendings set them anew).
        regime = tender_classification(tender).regime
        periods = decision_periods_from(local_date(timezone.now()), regime, tender=tender)
        decision = AwardDecision.objects.create(
            tender=tender,
            decided_by=actor,
            regime=regime,
            standstill_ends_on=periods.standstill_ends_on,
            appeal_ends_on=periods.appeal_ends_on,
            self_correction_ends_on=periods.self_correction_ends_on,
        )
        open_lots = list(tender.lots.filter(status=LotStatus.OPEN))
        # A framework agreement takes the N best of each lot, in their order; otherwise the best one.
        places = award_places(tender)
        winners: dict[int, list[int]] = {}
        for result in LotResult.objects.filter(lot__in=open_lots, rank__lte=places).order_by("lot_id", "rank"):
            winners.setdefault(result.lot_id, []).append(result.lot_offer_id)
        lot_awards_write(decision, open_lots, winners)
        # A mini-competition's order must fit its framework's maximum (409 `framework_maximum_exceeded`).
        mini_competition_maximum_check(tender=tender, decision=decision)
        audit_record(
            action="decision.create",
            actor=actor,
            obj=decision,
            tender_id=tender.pk,
            after={"winners": winners, "standstill_ends_on": decision.standstill_ends_on, "regime": regime},
        )
        LotContract.objects.bulk_create(
            LotContract(decision=decision, lot=lot) for lot in open_lots if lot.pk in winners
        )
        decision_document = document_request(kind=DocumentKind.DECISION, tender=tender, actor=actor)
        # The decision as first made is its first edition; a correction makes the next one for the lots it reopens.
        edition = DecisionEdition.objects.create(
            decision=decision,
            number=1,
            winners={str(lot.pk): winners.get(lot.pk, []) for lot in open_lots},
            decided_by=actor,
            decided_at=decision.decided_at,
            document=decision_document,
        )
        edition.lots.set(open_lots)
        procedure_report_request(tender=tender, actor=actor)
        # Each bidder gets its own letter (its result, its points and rank, why it lost or was rejected),
        # e-mailed with the decision; the sending starts the standstill and the appeal period.
        for bid in tender.bids.filter(status=BidStatus.SUBMITTED).select_related("provider"):
            language = bid.provider.preferred_language
            language = language if language in tender.document_languages else tender.document_languages[0]
            letter = document_request(
                kind=DocumentKind.LETTER,
                tender=tender,
                actor=actor,
                subject=f"bid:{bid.pk}",
                provider=bid.provider,
                language=language,
            )
            notify(
                kind="decision",
                key=decision_key(decision),
                tender_id=tender.pk,
                providers=[bid.provider],
                documents=[letter.pk, decision_document.pk],
                languages={bid.provider_id: language},
            )
    return decision
