"""Builders that drive a call through the services the way its users would, shared by the demo data
(config.demo.management.commands.seed_demo) and the tests' fixtures (tests.fixtures): the tests may import config,
config never imports tests."""

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from bids.models import Bid, LotOffer
from evaluation.qualification import qualification_record, required_subjects
from evaluation.services import quality_scores_record
from procurement.models import User
from tenders.models import QualityCriterion, Tender


def consensus_scores_record(
    *,
    actor: User,
    tender: Tender,
    offers: Iterable[LotOffer],
    criteria: Iterable[QualityCriterion] | None = None,
    points: Decimal | int | str | Callable[[LotOffer, QualityCriterion], Decimal],
    reason: str,
    reason_sv: str,
) -> list[Any]:
    """The panel's consensus scores of `offers` on each of `criteria` (default: the call's; every criterion of an
    offer in turn), with `points` (or the points a function gives an offer on a criterion) and the same reason, in
    Finnish and Swedish, for each."""
    points_of = points if callable(points) else (lambda _offer, _criterion: Decimal(points))
    criteria = list(tender.criteria.all() if criteria is None else criteria)
    return quality_scores_record(
        actor=actor,
        tender_id=tender.pk,
        scores=[
            {
                "lot_offer": offer.pk,
                "criterion": criterion.pk,
                "points": points_of(offer, criterion),
                "reason": reason,
                "reason_sv": reason_sv,
            }
            for offer in offers
            for criterion in criteria
        ],
    )


def qualification_checks_record(
    *, actor: User, tender: Tender, bids: Iterable[Bid], check: Callable[[Bid, str], dict[str, Any]]
) -> list[Any]:
    """The qualification of `bids` on every subject the call requires (the exclusion grounds' declaration, each
    suitability requirement): what `check(bid, subject)` finds (`passed`, `reason`, `reason_sv`, a failed
    exclusion's `ground`)."""
    subjects = required_subjects(tender)
    return qualification_record(
        actor=actor,
        tender_id=tender.pk,
        checks=[{"bid": bid.pk, "subject": subject, **check(bid, subject)} for bid in bids for subject in subjects],
    )
