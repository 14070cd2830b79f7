"""Benchmark: the periodic scans (timers, and the closing of calls) with 100 000 calls of which 10 are due,
against the same with 1 000 calls. Prints each scan's time and query count; they should be about equal.

Each call is published with its three deadline reminders and a questions reminder pending (400 000 timers at the
large size); for the 10 due calls, the 1-day reminder is due and a provider follows the call, so the scan does its
real work (a notification per due call). Run: `make bench` (a database of its own is created)."""

import contextlib
import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

SIZES = (1_000, 100_000)
DUE = 10
RUNS = 5
BATCH = 5_000


def populate(first: int, count: int, now) -> None:
    """Calls number `first` .. `first + count - 1`; those numbered below DUE are due."""
    from procurement.models import Timer
    from tenders.models import Tender, TenderInterest, TenderStatus
    from tests.fixtures import factories

    authority = factories.AuthorityFactory()
    officer = factories.officer_of(authority)
    follower = factories.ProviderFactory()
    for start in range(first, first + count, BATCH):
        size = min(BATCH, first + count - start)
        tenders = Tender.objects.bulk_create(
            Tender(
                authority=authority,
                created_by=officer,
                title_fi=f"Kotoutumiskoulutus {start + i}",
                estimated_value=Decimal("450000"),
                price_weight=Decimal("60"),
                status=TenderStatus.PUBLISHED,
                published_at=now - timedelta(days=10),
                # The first DUE calls close tomorrow; the rest in 1 to 60 days' time.
                submission_deadline=now + timedelta(hours=23, minutes=45)
                if start + i < DUE
                else now + timedelta(days=1 + (start + i) % 60, hours=2),
                questions_deadline=now + timedelta(days=30),
                next_check=now + timedelta(days=1 + (start + i) % 60, hours=2)
                if start + i >= DUE
                else now + timedelta(hours=23, minutes=45),
                bid_languages=["fi"],
            )
            for i in range(size)
        )
        timers = []
        for tender in tenders:
            for hours in (168, 24, 2):
                timers.append(
                    Timer(
                        kind="deadline.reminder",
                        key=f"tender:{tender.pk}",
                        tender_id=tender.pk,
                        due_at=tender.submission_deadline - timedelta(hours=hours),
                    )
                )
            timers.append(
                Timer(
                    kind="questions.reminder",
                    key=f"tender:{tender.pk}",
                    tender_id=tender.pk,
                    due_at=tender.questions_deadline - timedelta(hours=24),
                )
            )
        # The reminders whose time has already gone (published late) were never created.
        Timer.objects.bulk_create([t for t in timers if t.due_at > now - timedelta(minutes=30)], batch_size=BATCH)
        TenderInterest.objects.bulk_create(
            TenderInterest(tender=t, provider=follower, following=True)
            for number, t in enumerate(tenders, start=start)
            if number < DUE
        )
    with connection.cursor() as cursor:
        # Settle the new rows now, so that neither autovacuum nor the checkpointer works on them during the
        # measurement (the checkpoint needs a superuser, as in the local and CI set-up; elsewhere it is skipped).
        cursor.execute("VACUUM ANALYZE")
        with contextlib.suppress(Exception):
            cursor.execute("CHECKPOINT")


def measure(now) -> tuple[float, int, int, float, float]:
    from procurement.timers import timers_run_due
    from tenders.services import tenders_close_due

    timings, queries, done = [], 0, 0
    for _ in range(RUNS):
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                done = timers_run_due(now=now)
                tenders_close_due(now=now)
                timings.append(time.perf_counter() - start)
            queries = len(captured)
            transaction.set_rollback(True)  # the next run finds the same timers due
    return statistics.median(timings), queries, done, min(timings), max(timings)


def main() -> None:
    from procurement.models import Timer
    from tenders.models import Tender

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    results = {}
    now = timezone.now()
    try:
        populated = 0
        for size in SIZES:
            populate(populated, size - populated, now)
            populated = size
            pending = Timer.objects.filter(done_at__isnull=True).count()
            print(f"  {Tender.objects.count():>7} calls, {pending} pending timers", flush=True)
            results[size] = measure(now)
        print(f"Periodic scan (timers and closing), {DUE} calls due, median of {RUNS} runs:")
        for size, (seconds, queries, done, low, high) in results.items():
            print(
                f"  {size:>7} calls: {seconds * 1000:7.1f} ms (spread {low * 1000:.1f}–{high * 1000:.1f}),"
                f" {queries} queries, {done} timers done"
            )
        small, large = results[SIZES[0]][0], results[SIZES[-1]][0]
        print(f"  ratio {SIZES[-1]:,} / {SIZES[0]:,}: {large / small:.2f}")
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
