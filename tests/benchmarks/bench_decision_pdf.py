"""Benchmark: the decision PDF of a call with 10 lots and 100 bidders, against WeasyPrint alone on the same HTML.

Prints both medians and their ratio (the project's own overhead: gathering the data and the template).
Run: `make bench` (a database of its own is created)."""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import translation  # noqa: E402

from tests.fixtures.bulk import decided_tender_in_bulk  # noqa: E402

LOTS, BIDDERS, RUNS = 10, 100, 3


def main() -> None:
    import weasyprint

    from documents.context import BUILDERS
    from documents.renderer import inline_only_fetcher, render_pdf

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        with transaction.atomic():
            document = decided_tender_in_bulk(LOTS, BIDDERS)
            template, build_context = BUILDERS[document.kind].template, BUILDERS[document.kind].build
            full, alone = [], []
            for _ in range(RUNS):
                start = time.perf_counter()
                context = build_context(document)
                pdf = render_pdf(template=template, context=context, language="fi")
                full.append(time.perf_counter() - start)
                with translation.override("fi"):
                    html = render_to_string(template, context)
                start = time.perf_counter()
                weasyprint.HTML(string=html, url_fetcher=inline_only_fetcher()).write_pdf(pdf_variant="pdf/a-3b")
                alone.append(time.perf_counter() - start)
            transaction.set_rollback(True)
        f, a = statistics.median(full), statistics.median(alone)
        print(f"Decision PDF, {LOTS} lots × {BIDDERS} bidders ({len(pdf) // 1024} KiB), median of {RUNS} runs:")
        print(
            f"  the project's rendering (data, template, WeasyPrint): {f * 1000:8.0f} ms"
            f" (spread {min(full) * 1000:.0f}–{max(full) * 1000:.0f})"
        )
        print(
            f"  WeasyPrint alone on the same HTML:                   {a * 1000:8.0f} ms"
            f" (spread {min(alone) * 1000:.0f}–{max(alone) * 1000:.0f})"
        )
        print(f"  ratio (the project's overhead): {f / a:.2f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
