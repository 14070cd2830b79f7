"""mypy as a ratchet (`make lint`): the modules listed as strict in pyproject.toml have no error at all; every other
file may have no more errors than mypy-baseline.json allows it, and a file that is not in the baseline none.

    .venv/bin/python scripts/mypy_ratchet.py                            # check (what `make lint` runs)
    .venv/bin/python scripts/mypy_ratchet.py --update                   # write the lower counts into the baseline
    .venv/bin/python scripts/mypy_ratchet.py --update --allow-increase  # rewrite it as it is (after a merge that
                                                                        # moved modules; say why in the commit)

What mypy checks (the apps, the settings, the strict modules' flags) is configured in pyproject.toml's [tool.mypy].
"""

import argparse
import json
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "mypy-baseline.json"
ERROR = re.compile(r"^(?P<path>[^:\s][^:]*\.pyi?):\d+(?::\d+)?: error: ")


def strict_modules() -> list[str]:
    """The modules under strict flags in pyproject.toml's [[tool.mypy.overrides]] (`package.*` for a package)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    modules: list[str] = []
    for override in config["tool"]["mypy"].get("overrides", []):
        if override.get("disallow_untyped_defs"):
            listed = override["module"]
            modules += [listed] if isinstance(listed, str) else listed
    return modules


def is_strict(path: str, modules: list[str]) -> bool:
    """Whether the file is one of those modules (a file outside a package, like a script, is its bare name)."""
    dotted = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    if not (ROOT / path).parent.joinpath("__init__.py").exists():
        dotted = dotted.rsplit(".", 1)[-1]
    return any(
        module == dotted or (module.endswith(".*") and f"{dotted}.".startswith(module[:-1])) for module in modules
    )


def run_mypy() -> tuple[dict[str, int], float]:
    """Errors per file (paths relative to the repository), and the seconds mypy took."""
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--no-pretty", "--show-absolute-path"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - start
    if result.returncode not in (0, 1):  # 2: mypy itself failed (a bad configuration, a crash)
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"mypy failed (exit code {result.returncode})")
    counts: dict[str, int] = {}
    for line in result.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            path = Path(match["path"]).resolve()
            name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
            counts[name] = counts.get(name, 0) + 1
    if result.returncode == 1 and not counts:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit("mypy reported a failure this script could not read")
    return counts, seconds


def load_baseline() -> dict[str, int]:
    if not BASELINE.exists():
        return {}
    return dict(json.loads(BASELINE.read_text())["errors"])


def write_baseline(counts: dict[str, int]) -> None:
    errors = {name: count for name, count in sorted(counts.items()) if count}
    document = {
        "about": "mypy errors allowed per file; only ever lowered (scripts/mypy_ratchet.py --update)",
        "total": sum(errors.values()),
        "errors": errors,
    }
    BASELINE.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def compare(counts: dict[str, int], baseline: dict[str, int], strict: list[str]) -> tuple[list[str], list[str]]:
    """What is worse than the baseline (or any error in a strict module), and what is better."""
    failures, better = [], []
    for name in sorted(set(counts) | set(baseline)):
        now, allowed = counts.get(name, 0), baseline.get(name, 0)
        if is_strict(name, strict) and now:
            failures.append(f"{name}: {now} errors in a strict module (none allowed; run mypy on it to see them)")
        elif now > allowed:
            where = f"the baseline allows {allowed}" if name in baseline else "it is not in the baseline"
            failures.append(f"{name}: {now} errors, {where}")
        elif now < allowed:
            better.append(f"{name}: {allowed} -> {now}")
    return failures, better


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update", action="store_true", help="write the current counts into the baseline")
    parser.add_argument("--allow-increase", action="store_true", help="with --update: also raise counts and add files")
    args = parser.parse_args(argv)

    counts, seconds = run_mypy()
    baseline = load_baseline()
    failures, better = compare(counts, baseline, strict_modules())
    total, allowed_total = sum(counts.values()), sum(baseline.values())
    print(f"mypy: {total} errors in {len(counts)} files ({seconds:.1f} s); the baseline allows {allowed_total}")
    if better:
        print("Better than the baseline" + ("" if args.update else " (lock it in with --update)") + ":")
        print("\n".join(f"  {line}" for line in better))

    if args.update:
        strict_errors = [line for line in failures if "strict module" in line]
        increases = [line for line in failures if "strict module" not in line]
        if strict_errors:
            print("Not written: strict modules have errors, which no baseline allows:", file=sys.stderr)
            print("\n".join(f"  {line}" for line in strict_errors), file=sys.stderr)
            return 1
        if increases and not args.allow_increase:
            print("Not written: the baseline may only be lowered; these files got worse", file=sys.stderr)
            print("(fix them, or --allow-increase after a merge that moved modules):", file=sys.stderr)
            print("\n".join(f"  {line}" for line in increases), file=sys.stderr)
            return 1
        write_baseline(counts)
        print(f"Wrote {BASELINE.name}: {total} errors allowed.")
        return 0
    if failures:
        print("More mypy errors than mypy-baseline.json allows:", file=sys.stderr)
        print("\n".join(f"  {line}" for line in failures), file=sys.stderr)
        print("Fix them (`.venv/bin/mypy FILE` shows them).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
