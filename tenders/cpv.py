"""The shipped CPV code list (the 80000000 education and training family and related codes)."""

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
    row = cpv_codes().get(code)
    if row is None:
        return ""
    lang = (language or get_language() or "fi")[:2]
    return row.get(f"name_{lang}") or row.get("name_en") or ""


def is_known_cpv(code: str) -> bool:
    return code in cpv_codes()
