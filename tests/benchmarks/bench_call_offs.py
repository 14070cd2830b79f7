"""Benchmark: ordering from a framework agreement of 7 providers (evaluation.calloffs.call_off_create).

Prints the time and SQL query count of one order with no earlier orders and with 1 000 of them (the capacity and
the maximum are summed over the orders of the framework and of each provider's term), and a rush: 16 officers
ordering at the same moment when the providers' capacity leaves room for exactly 7 orders. Every order is checked
under the framework's row lock, so exactly 7 must succeed and 9 get 409, whatever the timing.
Run: `make bench BENCH=bench_call_offs.py` (a database of its own is created)."""

import os
import statistics
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
# The orders' follow-up work (PDFs, e-mails) is only written to the outbox: no broker, no worker in this benchmark.
os.environ["OUTBOX_RELAY"] = "true"

import django

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

MEMBERS, HISTORY, RUNS, OFFICERS, ROOM = 7, 1000, 20, 16, 7


def build():
    from evaluation.models import CallOff, CallOffStatus
    from tests.fixtures import factories
    from tests.fixtures.frameworks import signed_framework

    authority = factories.AuthorityFactory()
    officer = factories.officer_of(authority)
    members = [factories.provider_member_of(factories.ProviderFactory()) for _ in range(MEMBERS)]
    framework = signed_framework(
        authority=authority,
        officer=officer,
        bidders=[(member, str(9000 + 50 * n)) for n, member in enumerate(members)],
        framework_providers_per_lot=MEMBERS,
        max_value="1000000000",
        max_volume="1000000",
    )
    return framework, officer, CallOff, CallOffStatus


def order(framework, officer, *, days: int = 40, students: int = 12):
    from evaluation.calloffs import call_off_create

    return call_off_create(
        actor=officer,
        framework_id=framework.pk,
        municipality="Kuopio",
        language_of_instruction="fi",
        study_path="basic",
        students=students,
        start_on=timezone.localdate() + timedelta(days=days),
        training_days=100,
    )


def one_order(framework, officer) -> tuple[float, float, int]:
    times, queries = [], 0
    for run in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            order(framework, officer, days=40 + run)
            times.append(time.perf_counter() - start)
        queries = len(captured)
    return statistics.median(times), statistics.pstdev(times), queries


def history(framework, officer, CallOff, CallOffStatus) -> None:
    """1 000 accepted orders spread over the providers and the terms of the next year."""
    members = list(framework.members.order_by("rank"))
    start = CallOff.objects.filter(framework=framework).count() + 1
    CallOff.objects.bulk_create(
        CallOff(
            framework=framework,
            number=start + n,
            status=CallOffStatus.ACCEPTED,
            municipality="Kuopio",
            language_of_instruction="fi",
            study_path="basic",
            students=12,
            start_on=timezone.localdate() + timedelta(days=30 + n % 370),
            training_days=100,
            volume=Decimal(12),
            member=members[n % MEMBERS],
            unit_price=members[n % MEMBERS].unit_price,
            value=members[n % MEMBERS].unit_price * 12,
            created_by=officer,
            accepted_at=timezone.now(),
        )
        for n in range(HISTORY)
    )


def rush(framework, officer) -> tuple[int, int, list, float]:
    """OFFICERS threads order at once, a course far enough ahead to be in a term with no other order; each provider
    has capacity for one order of 12 students there, so exactly ROOM orders fit."""
    from procurement.errors import Conflict

    framework.members.update(capacity=12)
    barrier = threading.Barrier(OFFICERS)
    outcomes: list = []
    lock = threading.Lock()

    def officer_orders():
        barrier.wait()
        try:
            order(framework, officer, days=600)
            result = "ok"
        except Conflict as error:
            result = error.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=officer_orders) for _ in range(OFFICERS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    accepted = outcomes.count("ok")
    refused = [code for code in outcomes if code != "ok"]
    return accepted, len(refused), sorted(set(refused)), elapsed


def main() -> None:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        framework, officer, CallOff, CallOffStatus = build()
        print(f"Ordering from a framework of {MEMBERS} providers; median of {RUNS} orders")
        median, spread, queries = one_order(framework, officer)
        print(f"  no earlier orders:     {median * 1000:7.1f} ms (±{spread * 1000:.1f}), {queries} SQL queries")
        history(framework, officer, CallOff, CallOffStatus)
        median, spread, queries = one_order(framework, officer)
        print(f"  {HISTORY} earlier orders:  {median * 1000:7.1f} ms (±{spread * 1000:.1f}), {queries} SQL queries")
        accepted, refused, codes, elapsed = rush(framework, officer)
        print(
            f"  {OFFICERS} officers at once, room for {ROOM}: {accepted} ordered, {refused} refused "
            f"({', '.join(codes)}) in {elapsed * 1000:.0f} ms"
        )
        if (accepted, refused) != (ROOM, OFFICERS - ROOM):
            raise SystemExit(f"expected {ROOM} orders and {OFFICERS - ROOM} refusals")
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
