"""Builders that drive a call through the services the way its users would, shared by the demo data
(config.demo.management.commands.seed_demo) and the tests' fixtures (tests.fixtures): the tests may import config,
config never imports tests."""

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from bids.models import LotOffer
from evaluation.services import quality_scores_record
from procurement.models import User
from tenders.models import QualityCriterion, Tender


def consensus_scores_record(
    *,
    actor: User,
    tender: Tender,
    offers: Iterable[LotOffer],
    criteria: Iterable[QualityCriterion],
    points: Decimal | int | str | Callable[[LotOffer], Decimal],
    reason: str,
    reason_sv: str,
) -> list[Any]:
    """The panel's consensus scores of `offers` on each of `criteria` (every criterion of an offer in turn), with
    `points` (or the points a function gives an offer) and the same reason, in Finnish and Swedish, for each."""
    points_of = points if callable(points) else (lambda _offer: Decimal(points))
    criteria = list(criteria)
    return quality_scores_record(
        actor=actor,
        tender_id=tender.pk,
        scores=[
            {
                "lot_offer": offer.pk,
                "criterion": criterion.pk,
                "points": points_of(offer),
                "reason": reason,
                "reason_sv": reason_sv,
            }
            for offer in offers
            for criterion in criteria
        ],
    )
