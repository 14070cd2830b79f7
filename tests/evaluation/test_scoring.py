"""The price formulas against hand-worked examples, and the tie-break rule."""

from decimal import Decimal

from evaluation.scoring import Criterion, Offer, price_points_linear, price_points_ratio_to_lowest, q2, rank_lot

D = Decimal


def test_ratio_to_lowest_worked_example():
    # 60 × 100 000 / 125 000 = 48
    assert q2(price_points_ratio_to_lowest(price=D("125000"), lowest=D("100000"), max_points=D("60"))) == D("48.00")
    # 60 × 100 000 / 300 000 = 20
    assert q2(price_points_ratio_to_lowest(price=D("300000"), lowest=D("100000"), max_points=D("60"))) == D("20.00")
    # 40 × 95 000 / 130 000 = 29.230769… → 29.23
    assert q2(price_points_ratio_to_lowest(price=D("130000"), lowest=D("95000"), max_points=D("40"))) == D("29.23")


def test_linear_worked_example_and_floor():
    # 60 × (1 − 25 000 / 100 000) = 45
    assert q2(price_points_linear(price=D("125000"), lowest=D("100000"), max_points=D("60"))) == D("45.00")
    # 60 × (1 − 150 000 / 100 000) = −30 → floored at 0
    assert price_points_linear(price=D("250000"), lowest=D("100000"), max_points=D("60")) == D("0")
    # the lowest bid gets the full points
    assert price_points_linear(price=D("100000"), lowest=D("100000"), max_points=D("60")) == D("60")


def test_ranking_adds_weighted_quality():
    criteria = [
        Criterion(key=1, weight=D("25"), max_points=D("10")),
        Criterion(key=2, weight=D("15"), max_points=D("5")),
    ]
    offers = [
        Offer(key=10, price=D("100000"), quality={1: D("5"), 2: D("2")}),  # 60 + 12.5 + 6 = 78.50
        Offer(key=20, price=D("120000"), quality={1: D("9"), 2: D("5")}),  # 50 + 22.5 + 15 = 87.50
    ]

    ranked = rank_lot(offers=offers, criteria=criteria, price_weight=D("60"), method="ratio_to_lowest")

    assert [(s.key, s.total_points, s.rank) for s in ranked] == [(20, D("87.50"), 1), (10, D("78.50"), 2)]
    assert ranked[0].calculation["lowest_price"] == "100000"


def test_tie_is_broken_by_quality_then_price():
    criteria = [Criterion(key=1, weight=D("50"), max_points=D("10"))]
    # A: price 50 (lowest) + quality 25 = 75; B: price 25 + quality 50 = 75 → B wins on quality
    offers = [
        Offer(key=1, price=D("100"), quality={1: D("5")}),
        Offer(key=2, price=D("200"), quality={1: D("10")}),
    ]
    ranked = rank_lot(offers=offers, criteria=criteria, price_weight=D("50"), method="ratio_to_lowest")
    assert [(s.key, s.rank, s.tied_with) for s in ranked] == [(2, 1, []), (1, 2, [])]


def test_offers_equal_under_every_stated_criterion_share_their_rank_until_a_draw():
    criteria = [Criterion(key=1, weight=D("50"), max_points=D("10"))]
    # Both: price 100 → 50 price points, quality 5/10 → 25: 75.00 each, the same quality, the same price.
    # A third one: price 200 → 25 + quality 10/10 → 50 = 75.00 too, but more quality points: it is first.
    offers = [
        Offer(key=8, price=D("100"), quality={1: D("5")}),
        Offer(key=7, price=D("100"), quality={1: D("5")}),
        Offer(key=9, price=D("200"), quality={1: D("10")}),
    ]

    ranked = rank_lot(offers=offers, criteria=criteria, price_weight=D("50"), method="ratio_to_lowest")

    # No time of receipt decides: 7 and 8 stay tied at the 2nd place (competition ranking 1, 2, 2).
    assert [(s.key, s.total_points, s.rank, s.tied_with) for s in ranked] == [
        (9, D("75.00"), 1, []),
        (7, D("75.00"), 2, [7, 8]),
        (8, D("75.00"), 2, [7, 8]),
    ]

    drawn = rank_lot(offers=offers, criteria=criteria, price_weight=D("50"), method="ratio_to_lowest", draws=[[8, 7]])

    assert [(s.key, s.rank, s.tied_with) for s in drawn] == [(9, 1, []), (8, 2, []), (7, 3, [])]
    assert drawn[1].calculation["drawn"] == [8, 7]


def test_tie_broken_by_the_price_first_rule_when_the_call_says_so():
    criteria = [Criterion(key=1, weight=D("50"), max_points=D("10"))]
    # A: price 50 + quality 25 = 75; B: price 25 + quality 50 = 75 → with price first, A (cheaper) wins
    offers = [Offer(key=1, price=D("100"), quality={1: D("5")}), Offer(key=2, price=D("200"), quality={1: D("10")})]

    ranked = rank_lot(
        offers=offers,
        criteria=criteria,
        price_weight=D("50"),
        method="ratio_to_lowest",
        tie_break="price_quality_lot",
    )

    assert [s.key for s in ranked] == [1, 2]
