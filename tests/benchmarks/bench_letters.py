"""Benchmark: 100 notification letters rendered by a real Celery worker over Redis, with one and with two processes.

Each run queues one letter per bidder on the `documents` queue, as the decision does, and times until the last
one is stored. Prints the wall time, letters per second and the speed-up of two processes over one.
Run: `make bench` (a database of its own is created; Redis database 14 is used as the broker)."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ["CELERY_BROKER_URL"] = BROKER

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from tests.fixtures.bulk import decided_tender_in_bulk  # noqa: E402

LETTERS, LOTS = 100, 3
WORKER_COUNTS = (1, 2)
TIMEOUT_SECONDS = 1800


def start_worker(processes: int, database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": BROKER,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    worker = subprocess.Popen(  # noqa: S603  (our own virtual environment's celery)
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "worker",
            "--queues",
            "documents",
            "--pool",
            "prefork",
            "--concurrency",
            str(processes),
            "--max-tasks-per-child",
            "50",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
            "--hostname",
            f"bench{processes}@%h",
        ],
        cwd=ROOT,
        env=env,
        # The figures go to stdout; the servers' banners and logs do not.
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    from config.celery_app import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(destination=[f"bench{processes}@{os.uname().nodename}"], timeout=0.5):
            return worker
    worker.terminate()
    raise SystemExit("The Celery worker did not start.")


def run(tender, bids, processes: int, database_url: str) -> float:
    from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
    from documents.tasks import render_document

    letters = GeneratedDocument.objects.bulk_create(
        GeneratedDocument(
            kind=DocumentKind.LETTER,
            tender=tender,
            version=processes,  # a fresh set of letters for each run
            subject=f"bid:{bid.pk}",
            provider=bid.provider,
            language="fi",
        )
        for bid in bids
    )
    worker = start_worker(processes, database_url)
    try:
        start = time.perf_counter()
        for letter in letters:
            render_document.delay(letter.pk)
        pending = GeneratedDocument.objects.filter(pk__in=[d.pk for d in letters]).exclude(status=DocumentStatus.READY)
        while pending.exists():
            if time.perf_counter() - start > TIMEOUT_SECONDS:
                raise SystemExit("The letters were not rendered in time.")
            time.sleep(0.05)
        return time.perf_counter() - start
    finally:
        worker.terminate()
        worker.wait(60)


def main() -> None:
    from bids.models import Bid
    from config.celery_app import app

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    settings = connection.settings_dict
    database_url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{test_name}"
    try:
        app.control.purge()
        decision = decided_tender_in_bulk(LOTS, LETTERS)
        tender = decision.tender
        bids = list(Bid.objects.filter(tender=tender).select_related("provider").order_by("pk"))
        timings = {n: run(tender, bids, n, database_url) for n in WORKER_COUNTS}
        cores = os.cpu_count()
        print(f"{LETTERS} notification letters ({LOTS} lots each), a Celery worker over Redis, {cores} cores:")
        for processes, seconds in timings.items():
            print(
                f"  {processes} worker process{'es' if processes > 1 else '  '}: {seconds:7.1f} s"
                f"  ({LETTERS / seconds:5.1f} letters/s, {seconds / LETTERS * 1000:5.0f} ms each)"
            )
        print(f"  speed-up of 2 over 1: {timings[1] / timings[2]:.2f}")
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
