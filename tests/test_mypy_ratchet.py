"""The mypy ratchet (scripts/mypy_ratchet.py, run by `make lint`): what passes, what fails, what counts as strict."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("mypy_ratchet", ROOT / "scripts" / "mypy_ratchet.py")
assert _spec and _spec.loader
ratchet = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ratchet)


def test_the_fast_path_and_the_script_are_strict():
    strict = ratchet.strict_modules()
    assert ratchet.is_strict("procurement/fastpath.py", strict)
    assert ratchet.is_strict("scripts/mypy_ratchet.py", strict)  # a script is its bare module name
    assert not ratchet.is_strict("procurement/audit.py", strict)


def test_a_package_pattern_covers_its_modules_and_nothing_beside_it():
    assert ratchet.is_strict("bids/api/views.py", ["bids.api.*"])
    assert ratchet.is_strict("bids/api/__init__.py", ["bids.api.*"])
    assert not ratchet.is_strict("bids/apis.py", ["bids.api.*"])
    assert not ratchet.is_strict("tenders/fastpath.py", ["procurement.fastpath"])


def test_only_more_errors_than_the_baseline_fail_and_fewer_are_reported():
    baseline = {"bids/a.py": 3, "bids/gone.py": 2}
    failures, better = ratchet.compare({"bids/a.py": 2, "bids/new.py": 1}, baseline, [])
    assert failures == ["bids/new.py: 1 errors, it is not in the baseline"]
    assert better == ["bids/a.py: 3 -> 2", "bids/gone.py: 2 -> 0"]
    failures, _ = ratchet.compare({"bids/a.py": 4}, baseline, [])
    assert failures == ["bids/a.py: 4 errors, the baseline allows 3"]


def test_a_strict_module_fails_on_any_error_whatever_the_baseline():
    failures, _ = ratchet.compare(
        {"procurement/fastpath.py": 1}, {"procurement/fastpath.py": 5}, ["procurement.fastpath"]
    )
    assert failures and "strict module" in failures[0]
