"""Benchmark: the deadline rush. 200 providers, each with a bid of 3 lot offers and an uploaded attachment, submit
in the same final minute from 32 concurrent clients, against the production settings (DEBUG off) under gunicorn,
on PostgreSQL, with Redis and a Celery worker rendering the receipts.

In the same run, the floor: the same clients against a trivial authenticated endpoint (GET /api/v1/me/) of the same
server. Prints submissions per second, p50/p95/p99 latency, errors, and submit throughput / floor throughput; then
checks the outcome: every accepted submission is in the database exactly once, with its receipt.
Run: `make bench` (a database of its own is created)."""

import asyncio
import logging
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

logging.getLogger("httpx").setLevel(logging.WARNING)

PROVIDERS, CLIENTS, FLOOR_REQUESTS = 200, 32, 2000
# Each run: the floor, then a rush of PROVIDERS fresh bids (all runs' bids are made first, on the same call).
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
# As the floor is warmed up with 200 requests, the submission path is warmed up with two bids per gunicorn worker
# (not measured): each worker's first submission imports and prepares what the later ones reuse.
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
GUNICORN_WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
WARMUP = 2 * GUNICORN_WORKERS


def populate() -> list[tuple[str, int]]:
    """A published call with 3 lots; per provider a member, a token and a complete draft bid with a PDF."""
    from datetime import timedelta

    from bids.attachments import attachment_complete, attachment_put_chunk, attachment_start
    from bids.services import bid_create
    from procurement.models import ApiToken
    from tenders.models import Lot, TenderStatus
    from tests.fixtures import factories
    from tests.fixtures.files import pdf_bytes
    from tests.fixtures.stages import full_content

    authority = factories.AuthorityFactory()
    tender = factories.TenderFactory(
        authority=authority,
        status=TenderStatus.PUBLISHED,
        published_at=timezone.now(),
        submission_deadline=timezone.now() + timedelta(minutes=30),
    )
    Lot.objects.create(tender=tender, number=3, title="Varkaus", municipality="Varkaus", students=12, volume=12)
    pdf = pdf_bytes(text="Toteutussuunnitelma", lines=40)
    clients = []
    for i in range(WARMUP + PROVIDERS * RUNS):
        provider = factories.ProviderFactory()
        member = factories.provider_member_of(provider)
        now = timezone.now()
        bid = bid_create(actor=member, tender_id=tender.pk, received_at=now, content=full_content(tender))
        attachment = attachment_start(
            actor=member,
            bid_id=bid.pk,
            filename=f"suunnitelma-{i}.pdf",
            size=len(pdf),
            purpose="other",
            received_at=now,
        )
        attachment_put_chunk(
            actor=member, bid_id=bid.pk, attachment_id=attachment.pk, number=0, data=pdf, received_at=now
        )
        attachment_complete(actor=member, bid_id=bid.pk, attachment_id=attachment.pk, received_at=now)
        clients.append((ApiToken.objects.create(user=member)[1], bid.pk))
    return clients


def start_servers(database_url: str) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "bench-only-secret-key-with-enough-length-0123456789",
        "HANKINTA_KEKS": settings.HANKINTA_KEKS,
        "AUDIT_ANCHOR_KEY": settings.AUDIT_ANCHOR_KEY,
        "AUDIT_ANCHOR_DIR": str(settings.AUDIT_ANCHOR_DIR),
        "DATABASE_URL": database_url,
        "REDIS_URL": BROKER,
        "CELERY_BROKER_URL": BROKER,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        # As in production (README, deployment): the web processes only write outbox messages; the relay process
        # hands them to the broker.
        "OUTBOX_RELAY": "true",
    }
    bin_dir = Path(sys.executable).parent
    web = subprocess.Popen(  # noqa: S603 (our own virtual environment's gunicorn)
        [
            str(bin_dir / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(GUNICORN_WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        # The figures go to stdout; the servers' banners and logs do not.
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # The worker renders the receipts and the relay hands the outbox's messages to the broker on the same cores; in
    # production they run on machines of their own (see the README's deployment section), so here they yield the
    # processor to the web server (nice 19) and catch up after the rush. BENCH_WORKER_NICE=0 measures them competing
    # at equal priority.
    nice = ["nice", "-n", os.environ.get("BENCH_WORKER_NICE", "19")]
    worker = subprocess.Popen(  # noqa: S603
        [
            *nice,
            str(bin_dir / "celery"),
            "-A",
            "config",
            "worker",
            "--queues",
            "default,documents",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        # The figures go to stdout; the servers' banners and logs do not.
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    relay = subprocess.Popen(  # noqa: S603
        [*nice, sys.executable, "manage.py", "outbox_relay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/api/schema/", timeout=2).status_code < 500:
                return [web, worker, relay]
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


async def _load(requests: list[tuple[str, str, dict]]) -> tuple[float, list[float], list[int]]:
    """Send the requests from CLIENTS concurrent clients; returns wall time, latencies and status codes."""
    queue: asyncio.Queue = asyncio.Queue()
    for request in requests:
        queue.put_nowait(request)
    latencies, statuses = [], []
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", limits=limits, timeout=60) as client:

        async def run():
            while not queue.empty():
                method, url, headers = queue.get_nowait()
                start = time.perf_counter()
                try:
                    response = await client.request(method, url, headers=headers)
                    statuses.append(response.status_code)
                except httpx.HTTPError:
                    statuses.append(0)
                latencies.append(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*(run() for _ in range(CLIENTS)))
        return time.perf_counter() - start, latencies, statuses


GROUPS = ("gunicorn", "postgres", "celery", "outbox_relay", "redis-server")


def cpu_seconds() -> dict[str, float]:
    """Processor time used so far by the web server, PostgreSQL, the worker, the relay, Redis and this load client."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = dict.fromkeys((*GROUPS, "load client"), 0.0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # with the children it has reaped (a database connection closed, a pool process replaced)
        seconds = sum(int(value) for value in fields[11:15]) / ticks
        if int(stat.parent.name) == os.getpid():
            used["load client"] += seconds
            continue
        for group in GROUPS:
            if group in command:
                used[group] += seconds
                break
    return used


def cpu_report(name: str, before: dict, after: dict, requests: int) -> None:
    parts = [f"{group} {(after[group] - before[group]) * 1000 / requests:.1f}" for group in before]
    print(f"  processor time per {name} request (ms): " + " · ".join(parts))


def _submits(clients: list[tuple[str, int]]) -> list[tuple[str, str, dict]]:
    return [
        (
            "POST",
            f"/api/v1/bids/{bid_id}/submit/",
            {"Authorization": f"Token {token}", "Idempotency-Key": f"rush-{bid_id}"},
        )
        for token, bid_id in clients
    ]


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(name: str, wall: float, latencies: list[float], statuses: list[int], ok: set[int]) -> float:
    errors = sum(1 for s in statuses if s not in ok)
    throughput = len(statuses) / wall
    print(
        f"  {name:<28} {len(statuses):>5} requests in {wall:6.2f} s = {throughput:7.1f}/s · "
        f"p50 {statistics.median(latencies) * 1000:6.0f} ms · p95 {_percentile(latencies, 95) * 1000:6.0f} ms · "
        f"p99 {_percentile(latencies, 99) * 1000:6.0f} ms · errors {errors}"
    )
    return throughput


def _receipts(bid_ids: list[int]) -> tuple[int, int]:
    """(receipts rendered, versions) of these bids."""
    from bids.models import BidVersion
    from documents.models import DocumentStatus, GeneratedDocument

    versions = BidVersion.objects.filter(bid_id__in=bid_ids).values_list("pk", flat=True)
    subjects = [f"bid-version:{pk}" for pk in versions]
    ready = GeneratedDocument.objects.filter(kind="receipt", subject__in=subjects, status=DocumentStatus.READY)
    return ready.count(), len(subjects)


def wait_for_receipts(bid_ids: list[int], seconds: float = 600) -> int:
    """Wait until the receipts of these bids' submissions are rendered; answers how many are."""
    deadline = time.monotonic() + seconds
    while True:
        ready, expected = _receipts(bid_ids)
        if ready == expected or time.monotonic() > deadline:
            return ready
        time.sleep(0.5)


def wait_until_quiet(bid_ids: list[int]) -> None:
    """Before a measurement: the receipts of the submissions so far rendered, and the worker and the relay done
    with what follows them (e-mails), so that they take nothing from the processor while it is measured."""
    wait_for_receipts(bid_ids)
    deadline, last = time.monotonic() + 300, None
    while time.monotonic() < deadline:
        used = cpu_seconds()
        busy = used["celery"] + used["outbox_relay"]
        if last is not None and busy - last < 0.02:
            return
        last = busy
        time.sleep(1.0)


def check_outcome(bid_ids: list[int], accepted: int) -> None:
    from bids.models import Bid, BidStatus, BidVersion

    per_bid = {}
    for bid_id in BidVersion.objects.filter(bid_id__in=bid_ids).values_list("bid_id", flat=True):
        per_bid[bid_id] = per_bid.get(bid_id, 0) + 1
    doubled = [b for b, n in per_bid.items() if n > 1]
    submitted = Bid.objects.filter(pk__in=bid_ids, status=BidStatus.SUBMITTED).count()
    ready = wait_for_receipts(bid_ids)
    print(
        f"  outcome: {accepted} accepted, {submitted} bids submitted, {len(per_bid)} with a version, "
        f"{len(doubled)} doubled, {accepted - len(per_bid)} lost; receipts rendered {ready}/{len(per_bid)}"
    )


def main() -> None:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{test_name}"
    processes = []
    try:
        from config.celery_app import app

        app.conf.broker_url = BROKER
        app.control.purge()
        clients = populate()
        connection.close()
        processes = start_servers(database_url)
        print(
            f"Deadline rush: {PROVIDERS} bids × 3 lots + 1 attachment, {CLIENTS} concurrent clients, "
            f"gunicorn {GUNICORN_WORKERS} workers, {os.cpu_count()} cores, DEBUG off; {RUNS} runs:"
        )
        warmup, clients = clients[:WARMUP], clients[WARMUP:]
        asyncio.run(_load(_submits(warmup)))
        runs, accepted, done = [], 0, [bid_id for _token, bid_id in warmup]
        for run in range(RUNS):
            # The worker is done with the submissions so far before the floor is measured: it would otherwise take
            # some of the processor from it.
            wait_until_quiet(done)
            batch = clients[run * PROVIDERS : (run + 1) * PROVIDERS]
            done += [bid_id for _token, bid_id in batch]
            floor = [
                ("GET", "/api/v1/me/", {"Authorization": f"Token {batch[i % len(batch)][0]}"})
                for i in range(FLOOR_REQUESTS)
            ]
            submits = _submits(batch)
            asyncio.run(_load(floor[:200]))  # warm up the workers
            cpu_start = cpu_seconds()
            floor_wall, floor_lat, floor_status = asyncio.run(_load(floor))
            cpu_floor = cpu_seconds()
            rush_wall, rush_lat, rush_status = asyncio.run(_load(submits))
            cpu_rush = cpu_seconds()
            print(f" run {run + 1}:")
            floor_tp = report("floor (GET /api/v1/me/)", floor_wall, floor_lat, floor_status, {200})
            rush_tp = report("submit", rush_wall, rush_lat, rush_status, {200})
            print(f"  submit throughput / floor throughput: {rush_tp / floor_tp:.2f}")
            cpu_report("floor", cpu_start, cpu_floor, len(floor))
            cpu_report("submit", cpu_floor, cpu_rush, len(submits))
            runs.append((rush_tp / floor_tp, _percentile(rush_lat, 99) * 1000, rush_tp, floor_tp))
            accepted += sum(1 for status in rush_status if status == 200)
        ratios, p99s, submit_tps, floor_tps = zip(*runs, strict=True)
        print(
            f" over {RUNS} runs (median, min–max): ratio {statistics.median(ratios):.2f} "
            f"({min(ratios):.2f}–{max(ratios):.2f}) · submit p99 {statistics.median(p99s):.0f} ms "
            f"({min(p99s):.0f}–{max(p99s):.0f}) · submit {statistics.median(submit_tps):.1f}/s "
            f"({min(submit_tps):.1f}–{max(submit_tps):.1f}) · floor {statistics.median(floor_tps):.1f}/s "
            f"({min(floor_tps):.1f}–{max(floor_tps):.1f})"
        )
        check_outcome([bid_id for _token, bid_id in clients], accepted)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
