"""The reasons of an award decision, lot by lot, as the decision, the letters and the portal tell them, and the
confirmed draws of lots."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.utils.dateparse import parse_datetime

from bids.models import Bid, BidStatus, LotOffer
from bids.secrecy import secrecy_withheld, withheld_parts
from documents.context import person_name
from procurement.exclusion import EXCLUSION_GROUNDS
from procurement.models import AuditEvent, User
from tenders.models import Lot, LotStatus, QualityCriterion, SuitabilityRequirement, Tender

from ..draws import confirmed_draws
from ..models import (
    AwardDecision,
    ConformityRejection,
    LotAward,
    LotResult,
    PriceRejection,
    QualificationCheck,
    QualityScore,
)
from ..qualification import required_subjects

EXCLUSION_BY_CODE = {g.code: g for g in EXCLUSION_GROUNDS}


def lot_draws(lot_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The confirmed draws of lots, as a decision and a comparison report show them: the tied bidders, the order
    drawn, the seed with its commitment and algorithm (to recompute the order), the two officers and the times."""
    draws = confirmed_draws(lot_ids)
    bid_ids = {b for found in draws.values() for draw in found for b in draw.tied_bids}
    names = dict(Bid.objects.filter(pk__in=bid_ids).values_list("pk", "provider__name"))
    return {
        lot_id: [
            {
                "rank": draw.rank,
                "lot_id": draw.lot_id,
                "tied": [names[b] for b in draw.tied_bids],
                "tied_bids": draw.tied_bids,
                "order": [{"bid": b, "provider": names[b], "rank": draw.rank + i} for i, b in enumerate(draw.order)],
                "algorithm": draw.algorithm,
                "seed": draw.seed,
                "commitment": draw.commitment,
                "started_by": person_name(draw.started_by),
                "started_at": draw.started_at,
                "confirmed_by": person_name(cast(User, draw.confirmed_by)),  # a confirmed draw: by someone
                "confirmed_at": draw.confirmed_at,
            }
            for draw in found
        ]
        for lot_id, found in draws.items()
    }


def _exclusion_ground(code: str) -> dict[str, Any]:
    ground = EXCLUSION_BY_CODE.get(code)
    return {
        "code": code,
        "section": ground.section.split()[0] if ground else "",
        "mandatory": ground.mandatory if ground else None,
        "label": ground.label if ground else code,
    }


@dataclass
class _Evaluated:
    """The records of a call's evaluation that the reasons of its lots are told from, each read in one query."""

    lots: list[Lot]
    criteria: list[QualityCriterion]
    requirements: dict[int, SuitabilityRequirement]
    secrets: dict[int, set[str]]
    awards: dict[int, list[LotAward]]
    results: dict[int, list[LotResult]]
    scores: dict[int, dict[int, QualityScore]]
    failed_checks: dict[int, list[QualificationCheck]]
    price_rejections: dict[int, PriceRejection]
    conformity_rejections: dict[int, ConformityRejection]
    offers: dict[int, list[LotOffer]]
    draws: dict[int, list[dict[str, Any]]]


def _evaluated(tender: Tender, decision: AwardDecision | None) -> _Evaluated:
    lots = list(tender.lots.order_by("number"))
    criteria = list(tender.criteria.order_by("number"))
    requirements = {r.pk: r for r in tender.requirements.order_by("number")}
    secrets = {bid_id: withheld_parts(parts) for bid_id, parts in secrecy_withheld(tender).items()}
    awards: dict[int, list[LotAward]] = defaultdict(list)
    if decision is not None:
        for award in decision.lot_awards.all():
            awards[award.lot_id].append(award)
    results: dict[int, list[LotResult]] = defaultdict(list)
    for result in LotResult.objects.filter(lot__tender=tender).select_related("lot_offer__bid__provider"):
        results[result.lot_id].append(result)
    scores: dict[int, dict[int, QualityScore]] = defaultdict(dict)
    for score in QualityScore.objects.filter(lot_offer__bid__tender=tender):
        scores[score.lot_offer_id][score.criterion_id] = score
    # Qualification: a bid that failed a check is rejected in every lot it offered, with each failed check.
    subjects = required_subjects(tender)
    failed_checks: dict[int, list[QualificationCheck]] = defaultdict(list)
    for check in QualificationCheck.objects.filter(
        bid__tender=tender, bid__status=BidStatus.SUBMITTED, passed=False
    ).order_by("subject"):
        if check.subject in subjects:
            failed_checks[check.bid_id].append(check)
    price_rejections = {
        r.lot_offer_id: r
        for r in PriceRejection.objects.filter(lot_offer__bid__tender=tender).select_related("explanation_request")
    }
    conformity_rejections = {
        r.lot_offer_id: r for r in ConformityRejection.objects.filter(lot_offer__bid__tender=tender)
    }
    offers: dict[int, list[LotOffer]] = defaultdict(list)
    for offer in (
        LotOffer.objects.filter(bid__tender=tender, bid__status=BidStatus.SUBMITTED)
        .select_related("bid__provider")
        .order_by("bid__provider__name", "pk")
    ):
        offers[offer.lot_id].append(offer)
    return _Evaluated(
        lots=lots,
        criteria=criteria,
        requirements=requirements,
        secrets=secrets,
        awards=awards,
        results=results,
        scores=scores,
        failed_checks=failed_checks,
        price_rejections=price_rejections,
        conformity_rejections=conformity_rejections,
        offers=offers,
        draws=lot_draws([lot.pk for lot in lots]),
    )


def _quality_rows(
    evaluated: _Evaluated, offer: LotOffer, lot: Lot, calculation: dict[str, Any]
) -> list[dict[str, Any]]:
    """A ranked offer's points and the panel's reason for each quality criterion of its lot."""
    parts = calculation.get("quality", {})
    rows: list[dict[str, Any]] = []
    for criterion in evaluated.criteria:
        if criterion.lot_id not in (None, lot.pk):
            continue
        score = evaluated.scores[offer.pk].get(criterion.pk)
        part = parts.get(str(criterion.pk), {})
        rows.append(
            {
                "criterion": criterion,
                "score": score,
                "points": score.points if score else None,
                "weighted": Decimal(part["weighted"]) if part.get("weighted") else None,
                "secret": f"quality:{criterion.pk}" in evaluated.secrets.get(offer.bid_id, set()),
            }
        )
    return rows


def _rejection_grounds(evaluated: _Evaluated, offer: LotOffer) -> list[dict[str, Any]]:
    """Why an offer was rejected: each failed qualification check, non-conformity, an abnormally low price."""
    grounds: list[dict[str, Any]] = []
    for check in evaluated.failed_checks.get(offer.bid_id, []):
        if check.subject == "exclusion":
            grounds.append({"kind": "exclusion", "check": check, "exclusion": _exclusion_ground(check.ground)})
        else:
            requirement_id = int(check.subject.split(":")[1])
            grounds.append(
                {
                    "kind": "requirement",
                    "check": check,
                    "requirement": evaluated.requirements.get(requirement_id),
                    "secret": f"evidence:{requirement_id}" in evaluated.secrets.get(offer.bid_id, set()),
                }
            )
    if offer.pk in evaluated.conformity_rejections:
        grounds.append({"kind": "nonconforming", "rejection": evaluated.conformity_rejections[offer.pk]})
    if offer.pk in evaluated.price_rejections:
        grounds.append({"kind": "abnormally_low", "rejection": evaluated.price_rejections[offer.pk]})
    return grounds


def _lot_item(evaluated: _Evaluated, lot: Lot) -> dict[str, Any] | None:
    """A decided lot's reasons; none for a lot still being evaluated, which is no part of the decision."""
    lot_awards = evaluated.awards.get(lot.pk, [])
    ranked = [
        {
            "result": result,
            "offer": result.lot_offer,
            "provider": result.lot_offer.bid.provider,
            "rank": result.rank,
            "quality": _quality_rows(evaluated, result.lot_offer, lot, result.calculation),
        }
        for result in sorted(evaluated.results.get(lot.pk, []), key=lambda r: (r.rank, r.lot_offer_id))
    ]
    rejected = [
        {"offer": offer, "provider": offer.bid.provider, "grounds": grounds}
        for offer in evaluated.offers.get(lot.pk, [])
        for grounds in [_rejection_grounds(evaluated, offer)]
        if grounds
    ]
    if not lot_awards and lot.status == LotStatus.OPEN:
        return None  # not decided (yet): a lot still being evaluated is no part of this decision
    return {
        "lot": lot,
        "status": lot.status,
        "interrupted": lot.status in (LotStatus.CANCELLED, LotStatus.UNSUCCESSFUL),
        "cancelled": lot.status == LotStatus.CANCELLED,
        "status_reason": lot.status_reason,
        "winners": [a.winner for a in lot_awards if a.winner is not None],
        "results": [r["result"] for r in ranked],
        "ranked": ranked,
        "rejected": rejected,
        "criteria": [c for c in evaluated.criteria if c.lot_id in (None, lot.pk)],
        "draws": evaluated.draws.get(lot.pk, []),
    }


def _late_bids(tender: Tender) -> list[dict[str, Any]]:
    """Bids refused at the box for arriving after the deadline: never opened, so only who and when."""
    late_at: dict[int, object] = {}
    for event in AuditEvent.objects.filter(tender_id=tender.pk, action="bid.late_refused").order_by("at"):
        if event.object_id.isdigit():
            received = event.detail.get("received_at") if isinstance(event.detail, dict) else None
            late_at.setdefault(int(event.object_id), parse_datetime(received) if received else event.at)
    # (The call's bids not in the evaluation, one query whether or not any was late.)
    late = [
        {"provider": bid.provider, "received_at": late_at[bid.pk]}
        for bid in Bid.objects.filter(tender=tender).exclude(status=BidStatus.SUBMITTED).select_related("provider")
        if bid.pk in late_at
    ]
    late.sort(key=lambda item: item["received_at"])
    return late


def lot_reasons(tender: Tender, decision: AwardDecision | None) -> dict[str, Any]:
    """Per lot, what the decision states as its reasons: each ranked offer's points per criterion (price and each
    quality criterion, with the panel's reason for each quality score), total and rank; each rejected offer with its
    legal ground and the officer's specific reason; a cancelled or unsuccessful lot with its reason; and the bids
    refused at the box for arriving after the deadline. A reason concerning a part its bidder marked as a business
    secret is flagged `secret`: the decision shows the panel's public summary (or that it is withheld), the bidder's
    own letter the whole reason. Prices and points are never secret."""
    evaluated = _evaluated(tender, decision)
    items = [item for lot in evaluated.lots if (item := _lot_item(evaluated, lot)) is not None]
    return {"lots": items, "late": _late_bids(tender), "secrets": evaluated.secrets}


def reason_data(text: str, public: str, secret: bool, *, full: bool) -> dict[str, Any]:
    """The reason as a document records it: the whole text, or for a secret part the public summary only."""
    if secret and not full:
        return {"reason": public or None, "withheld": not public}
    return {"reason": text}


def _ground_data(ground: dict[str, Any], *, full: bool) -> dict[str, Any]:
    """A rejection ground as the document records it (a secret requirement's reason whole only if `full`)."""
    kind = ground["kind"]
    if kind == "exclusion":
        return {
            "kind": kind,
            "ground": ground["exclusion"]["code"],
            "section": ground["exclusion"]["section"],
            "reason": ground["check"].reason,
        }
    if kind == "requirement":
        check = ground["check"]
        return {
            "kind": kind,
            "requirement": ground["requirement"].number if ground["requirement"] else None,
            **reason_data(check.reason, check.public_reason, ground["secret"], full=full),
        }
    rejection = ground["rejection"]
    data: dict[str, Any] = {"kind": kind, "reason": rejection.reason}
    if kind == "abnormally_low":
        data.update({"basis": rejection.basis, "assessment": rejection.assessment})
    return data


def lot_source_data(item: dict[str, Any], *, full_for_bid: int | None = None) -> dict[str, Any]:
    """A lot's reasons as the document's recorded data: what its text says, no more (a business secret stays out of
    the decision's source.json as it stays out of its text)."""

    def full(offer: LotOffer) -> bool:
        return full_for_bid is not None and offer.bid_id == full_for_bid

    return {
        "number": item["lot"].number,
        "status": item["status"],
        "status_reason": item["status_reason"],
        "winners": [w.bid.provider.business_id for w in item["winners"]],
        "results": [
            {
                "rank": row["rank"],
                "provider": row["provider"].business_id,
                "comparison_price": row["offer"].comparison_price,
                "price_points": row["result"].price_points,
                "quality_points": row["result"].quality_points,
                "total_points": row["result"].total_points,
                "criteria": [
                    {
                        "criterion": q["criterion"].number,
                        "weight": q["criterion"].weight,
                        "points": q["points"],
                        "weighted": q["weighted"],
                        **reason_data(
                            q["score"].reason if q["score"] else "",
                            q["score"].public_reason if q["score"] else "",
                            q["secret"],
                            full=full(row["offer"]),
                        ),
                    }
                    for q in row["quality"]
                ],
                "calculation": row["result"].calculation,
            }
            for row in item["ranked"]
        ],
        "rejected": [
            {
                "provider": r["provider"].business_id,
                "comparison_price": r["offer"].comparison_price,
                "grounds": [_ground_data(g, full=full(r["offer"])) for g in r["grounds"]],
            }
            for r in item["rejected"]
        ],
        "draws": item["draws"],
    }
