"""The shipped CPV code list (division 80, education and training, and related codes) with the official names.

The names in English, Finnish and Swedish come from the eForms SDK 1.13.3 (CC BY 4.0, see data/NOTICE-cpv.md),
written into data/cpv_codes.csv by scripts/vendor_cpv_names.py; nothing outside the repository is read at run time.
"""

import csv
from functools import lru_cache
from pathlib import Path

from django.utils.translation import get_language

CPV_FILE = Path(__file__).resolve().parent / "data" / "cpv_codes.csv"


@lru_cache(maxsize=1)
def cpv_codes() -> dict[str, dict[str, str]]:
    with CPV_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def cpv_name(code: str, language: str | None = None) -> str:
    """The official name in the given (default: the active) language; English where a name is missing."""
    row = cpv_codes().get(code)
    if row is None:
        return ""
    lang = (language or get_language() or "fi")[:2]
    return row.get(f"name_{lang}") or row.get("name_en") or ""


def cpv_prefix_name(prefix: str, language: str | None = None) -> str:
    """The name of the group a CPV prefix stands for: “8058” is 80580000-3, the provision of language courses.
    Empty when no listed code is that group (a prefix that is no group's own, or outside the list)."""
    digits = str(prefix or "")
    if not digits.isdigit() or len(digits) > 8:
        return ""
    group = digits.ljust(8, "0")
    code = next((code for code in cpv_codes() if code.partition("-")[0] == group), None)
    return cpv_name(code, language) if code else ""


def is_known_cpv(code: str) -> bool:
    return code in cpv_codes()
