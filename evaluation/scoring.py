"""The price formulas Finnish tendering tools use, and the ranking of a lot; pure functions on Decimals."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

TWO_PLACES = Decimal("0.01")
ZERO = Decimal("0")


def q2(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def price_points_ratio_to_lowest(*, price: Decimal, lowest: Decimal, max_points: Decimal) -> Decimal:
    """points = max × lowest / price"""
    return max_points * lowest / price


def price_points_linear(*, price: Decimal, lowest: Decimal, max_points: Decimal) -> Decimal:
    """points = max × (1 − (price − lowest) / lowest), floored at 0"""
    return max(ZERO, max_points * (1 - (price - lowest) / lowest))


PRICE_FORMULAS = {
    "ratio_to_lowest": price_points_ratio_to_lowest,
    "linear": price_points_linear,
}


@dataclass
class Offer:
    key: int
    price: Decimal
    quality: dict[int, Decimal]  # criterion id → raw points


@dataclass
class Criterion:
    key: int
    weight: Decimal
    max_points: Decimal


@dataclass
class Scored:
    key: int
    price: Decimal
    price_points: Decimal
    quality_points: Decimal
    total_points: Decimal
    rank: int = 0
    calculation: dict = field(default_factory=dict)
    # The keys of the offers equal to this one under every criterion the call states (this one included), while
    # no draw has ordered them: they share the rank.
    tied_with: list[int] = field(default_factory=list)


def rank_lot(
    *,
    offers: list[Offer],
    criteria: list[Criterion],
    price_weight: Decimal,
    method: str,
    tie_break: str = "quality_price_lot",
    draws: Sequence[Sequence[int]] = (),
) -> list[Scored]:
    """Score and rank the offers of one lot; equal totals are ordered by the call's published tie-break rule.

    Offers still equal after it share their rank (competition ranking: 1, 1, 3) unless `draws` holds the order a
    draw of lots gave exactly those offers."""
    if not offers:
        return []
    formula = PRICE_FORMULAS[method]
    lowest = min(o.price for o in offers)
    scored = []
    for offer in offers:
        raw_price_points = formula(price=offer.price, lowest=lowest, max_points=price_weight)
        quality_parts = {}
        quality_total = ZERO
        for c in criteria:
            weighted = c.weight * offer.quality.get(c.key, ZERO) / c.max_points
            quality_parts[str(c.key)] = {
                "points": str(offer.quality.get(c.key, ZERO)),
                "max_points": str(c.max_points),
                "weight": str(c.weight),
                "weighted": str(q2(weighted)),
            }
            quality_total += weighted
        price_points = q2(raw_price_points)
        quality_points = q2(quality_total)
        scored.append(
            Scored(
                key=offer.key,
                price=offer.price,
                price_points=price_points,
                quality_points=quality_points,
                total_points=price_points + quality_points,
                calculation={
                    "method": method,
                    "lowest_price": str(lowest),
                    "price": str(offer.price),
                    "price_weight": str(price_weight),
                    "price_points": str(price_points),
                    "quality": quality_parts,
                    "quality_points": str(quality_points),
                },
            )
        )
    # The call's order of criteria for equal totals; what stays equal after it is settled by drawing lots, never
    # by the time of receipt (not a lawful criterion).
    if tie_break.startswith("price_quality"):

        def order(s: Scored) -> tuple:
            return (-s.total_points, s.price, -s.quality_points)
    else:

        def order(s: Scored) -> tuple:
            return (-s.total_points, -s.quality_points, s.price)

    scored.sort(key=lambda s: (order(s), s.key))
    position = 1
    for _value, group in groupby(scored, key=order):
        group = list(group)
        keys = [s.key for s in group]
        drawn = [list(o) for o in draws if set(o) == set(keys)]
        if len(group) > 1 and drawn:
            group.sort(key=lambda s: drawn[0].index(s.key))
            for offset, item in enumerate(group):
                item.rank = position + offset
                item.calculation["drawn"] = drawn[0]
        else:
            for item in group:
                item.rank = position
                item.tied_with = keys if len(group) > 1 else []
        position += len(group)
    scored.sort(key=lambda s: (s.rank, s.key))
    return scored
