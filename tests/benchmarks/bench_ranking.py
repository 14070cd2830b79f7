"""Benchmark: the full ranking of a call with 20 lots, 200 bids and 8 criteria scored by 3 evaluators.

Prints the time of the ranking (median of several runs) and its SQL query count, for 50 and for 200 bids: the
count must not grow with the number of bids. Run: `make bench-ranking` (a database of its own is created)."""

import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

LOTS, CRITERIA, EVALUATORS, RUNS = 20, 8, 3, 5


def build(bids: int):
    from bids.models import LotOffer
    from evaluation.models import IndividualScore, PanelMember, QualificationCheck, QualityScore
    from tenders.models import Lot, QualityCriterion, Tender, TenderStatus
    from tests.fixtures import factories
    from tests.fixtures.bulk import submitted_bids

    authority = factories.AuthorityFactory()
    officer = factories.officer_of(authority)
    evaluators = [factories.officer_of(authority) for _ in range(EVALUATORS)]
    tender = Tender.objects.create(
        authority=authority,
        created_by=officer,
        title_fi="Benchmark",
        estimated_value=Decimal("5000000"),
        price_weight=Decimal("40"),
        submission_deadline=timezone.now(),
        status=TenderStatus.OPENED,
        opened_at=timezone.now(),
        bid_languages=["fi"],
    )
    lots = Lot.objects.bulk_create(
        Lot(tender=tender, number=n, title=f"Osa {n}", students=20, volume=Decimal(20)) for n in range(1, LOTS + 1)
    )
    criteria = QualityCriterion.objects.bulk_create(
        QualityCriterion(tender=tender, number=n, name=f"K{n}", weight=Decimal("7.5"), max_points=Decimal(10))
        for n in range(1, CRITERIA + 1)
    )
    for user in (officer, *evaluators):
        PanelMember.objects.create(
            tender=tender, user=user, added_by=officer, declared_at=timezone.now(), has_conflict=False
        )
    providers = [factories.ProviderFactory() for _ in range(bids)]
    bid_rows, versions = submitted_bids(tender, providers, officer)
    offers = LotOffer.objects.bulk_create(
        LotOffer(
            bid=b,
            lot=lot,
            version=v,
            unit_price=Decimal(8000 + (i * 37 + lot.number * 11) % 3000),
            comparison_price=Decimal(8000 + (i * 37 + lot.number * 11) % 3000) * 20,
        )
        for i, (b, v) in enumerate(zip(bid_rows, versions, strict=True))
        for lot in lots
    )
    QualificationCheck.objects.bulk_create(
        QualificationCheck(bid=b, subject="exclusion", passed=True, reason="ok", decided_by=officer) for b in bid_rows
    )
    IndividualScore.objects.bulk_create(
        IndividualScore(lot_offer=o, criterion=c, evaluator=e, points=Decimal((o.pk + c.pk + e.pk) % 11), reason="x")
        for o in offers
        for c in criteria
        for e in evaluators
    )
    QualityScore.objects.bulk_create(
        QualityScore(lot_offer=o, criterion=c, points=Decimal((o.pk + c.pk) % 11), reason="x", scored_by=officer)
        for o in offers
        for c in criteria
    )
    return tender


def measure(bids: int) -> tuple[float, float, int]:
    from evaluation.services import _compute_results

    with transaction.atomic():
        tender = build(bids)
        times = []
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                results = _compute_results(tender)
                times.append(time.perf_counter() - start)
        assert len(results) == bids * LOTS
        transaction.set_rollback(True)
    return statistics.median(times), statistics.pstdev(times), len(queries)


def main() -> None:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(f"Ranking benchmark: {LOTS} lots, {CRITERIA} criteria, {EVALUATORS} evaluators; median of {RUNS} runs")
        for bids in (50, 200):
            median, spread, queries = measure(bids)
            print(
                f"  {bids:>4} bids ({bids * LOTS} offers): {median * 1000:8.1f} ms (±{spread * 1000:.1f}), "
                f"{queries} SQL queries"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
