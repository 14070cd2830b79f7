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


def is_known_cpv(code: str) -> bool:
    return code in cpv_codes()
