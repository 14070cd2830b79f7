"""`make bench`: run every benchmark and write docs/benchmarks.md with the machine, the versions, the date and the
figures as each script printed them (medians and spreads; ratios measured in the same run)."""

import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = [
    ("Ranking (evaluation)", "bench_ranking.py"),
    ("Decision PDF against WeasyPrint alone (documents)", "bench_decision_pdf.py"),
    ("Notification letters with one and two worker processes (documents, scaling)", "bench_letters.py"),
    ("Periodic scan with 1 000 and 100 000 calls (notifications)", "bench_scan.py"),
    ("Deadline rush under gunicorn (tender box)", "bench_rush.py"),
]


def _version(module: str) -> str:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:
        return "?"


def _postgres_version() -> str:
    try:
        import psycopg

        url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception:
        return "?"


def main() -> int:
    only = set(sys.argv[1:])
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "## Machine and versions",
        "",
        f"- {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        f"- PostgreSQL {_postgres_version()}, Django {_version('django')}, Celery {_version('celery')}, "
        f"WeasyPrint {_version('weasyprint')}, gunicorn {_version('gunicorn')}",
        "",
        "These machines are noisy: compare the ratios measured within one run rather than absolute times.",
        "",
    ]
    failed = 0
    for title, script in BENCHMARKS:
        if only and script not in only:
            continue
        print(f"== {title} ({script})", flush=True)
        start = time.monotonic()
        result = subprocess.run(  # noqa: S603
            [sys.executable, str(ROOT / "tests" / "benchmarks" / script)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        elapsed = time.monotonic() - start
        figures = [line for line in result.stdout.splitlines() if line.strip()]
        print("\n".join(figures), flush=True)
        lines += [f"## {title}", "", f"`tests/benchmarks/{script}`, {elapsed:.0f} s.", "", "```", *figures, "```", ""]
        if result.returncode != 0:
            failed += 1
            lines += ["The script failed:", "", "```", *result.stderr.splitlines()[-15:], "```", ""]
            print(result.stderr[-3000:], file=sys.stderr)
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "benchmarks.md").write_text("\n".join(lines))
    print("Wrote docs/benchmarks.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
