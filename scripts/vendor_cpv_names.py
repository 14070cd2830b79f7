"""Refresh the official CPV names in tenders/data/cpv_codes.csv from the eForms SDK's translations (development only).

The project's list of codes (with their check digits) stays as it is in the CSV: the SDK keys its CPV names by the
eight digits alone (eForms notices carry no check digit), and the check digits of Regulation (EC) 213/2008 cannot be
recomputed reliably, so a code is added to the list by hand, with its check digit, and this script then fills in its
names. Every code of division 80 (education and training) in the SDK must be on the list.

Usage, from the repository root:
    .venv/bin/python scripts/vendor_cpv_names.py [--sdk ../shared/eforms/sdk-1.13.3]
Nothing reads the SDK at run time or in CI: the rewritten CSV is committed.
"""

import argparse
import csv
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CSV_FILE = ROOT / "tenders" / "data" / "cpv_codes.csv"
DEFAULT_SDK = ROOT.parent / "shared" / "eforms" / "sdk-1.13.3"
LANGUAGES = ("en", "fi", "sv")
DIVISION = "80"
PREFIX = "code|name|cpv."


def sdk_names(sdk: Path, language: str) -> dict[str, str]:
    """The eight-digit CPV code → its official name in one language."""
    # The SDK is trusted reference material, read by a developer, never user input.
    tree = ET.parse(sdk / "translations" / f"code_{language}.xml")  # noqa: S314
    return {
        entry.get("key")[len(PREFIX) :]: (entry.text or "").strip()
        for entry in tree.getroot().iter("entry")
        if entry.get("key", "").startswith(PREFIX)
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdk", type=Path, default=DEFAULT_SDK, help="the eForms SDK folder (default: %(default)s)")
    args = parser.parse_args()
    names = {lang: sdk_names(args.sdk, lang) for lang in LANGUAGES}

    with CSV_FILE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    listed = {row["code"][:8] for row in rows}
    missing_from_list = sorted(code for code in names["en"] if code.startswith(DIVISION) and code not in listed)
    if missing_from_list:
        print(f"Add these codes of division {DIVISION}, with check digits: {', '.join(missing_from_list)}")
        return 1
    unknown = []
    for row in rows:
        digits = row["code"][:8]
        if digits not in names["en"]:
            unknown.append(row["code"])
            continue
        for lang in LANGUAGES:
            row[f"name_{lang}"] = names[lang].get(digits, "")
    if unknown:
        print(f"Not in the SDK's CPV list: {', '.join(unknown)}")
        return 1
    for lang in LANGUAGES:
        if f"name_{lang}" not in columns:
            columns.append(f"name_{lang}")
    with CSV_FILE.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda row: row["code"]))
    print(f"{len(rows)} codes written to {CSV_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
