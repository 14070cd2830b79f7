"""The price formulas Finnish tendering tools use, and the ranking of a lot; pure functions on Decimals."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

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
    submitted_at: object = None


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


def rank_lot(
    *,
    offers: list[Offer],
    criteria: list[Criterion],
    price_weight: Decimal,
    method: str,
    tie_break: str = "quality_price_receipt",
) -> list[Scored]:
    """Score and rank the offers of one lot; equal totals are ordered by the call's published tie-break rule."""
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
    submitted = {o.key: o.submitted_at for o in offers}

    def receipt(key: int) -> float:
        moment = submitted[key]
        return moment.timestamp() if moment is not None else 0.0

    if tie_break == "price_quality_receipt":
        scored.sort(key=lambda s: (-s.total_points, s.price, -s.quality_points, receipt(s.key), s.key))
    else:
        scored.sort(key=lambda s: (-s.total_points, -s.quality_points, s.price, receipt(s.key), s.key))
    for position, item in enumerate(scored, start=1):
        item.rank = position
    return scored
