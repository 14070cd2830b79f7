"""Benchmark: the decision PDF of a call with 10 lots and 100 bidders, against WeasyPrint alone on the same HTML.

Prints both medians and their ratio (the project's own overhead: gathering the data and the template).
Run: `make bench` (a database of its own is created)."""

import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

LOTS, BIDDERS, RUNS = 10, 100, 3


def build(lots_count: int = LOTS, bidders: int = BIDDERS):
    from bids.models import LotOffer
    from documents.models import DocumentKind, GeneratedDocument
    from evaluation.models import AwardDecision, LotAward, LotResult
    from tenders.models import Lot, QualityCriterion, Tender, TenderStatus
    from tests.fixtures import factories
    from tests.fixtures.bulk import submitted_bids

    authority = factories.AuthorityFactory()
    officer = factories.officer_of(authority)
    tender = Tender.objects.create(
        authority=authority,
        created_by=officer,
        title_fi="Kotoutumiskoulutus, benchmark",
        estimated_value=Decimal("9000000"),
        price_weight=Decimal("60"),
        submission_deadline=timezone.now(),
        status=TenderStatus.DECIDED,
        opened_at=timezone.now(),
        decided_at=timezone.now(),
        bid_languages=["fi"],
    )
    lots = Lot.objects.bulk_create(
        Lot(tender=tender, number=n, title=f"Osa {n}", students=20, volume=Decimal(20))
        for n in range(1, lots_count + 1)
    )
    QualityCriterion.objects.bulk_create(
        QualityCriterion(tender=tender, number=n, name=f"Laatukriteeri {n}", weight=Decimal("10")) for n in range(1, 5)
    )
    bids, versions = submitted_bids(tender, [factories.ProviderFactory() for _ in range(bidders)], officer)
    offers = LotOffer.objects.bulk_create(
        LotOffer(bid=b, lot=lot, version=v, unit_price=Decimal(8000 + i), comparison_price=Decimal(8000 + i) * 20)
        for i, (b, v) in enumerate(zip(bids, versions, strict=True))
        for lot in lots
    )
    LotResult.objects.bulk_create(
        LotResult(
            lot_offer=o,
            lot=o.lot,
            price_points=Decimal("50"),
            quality_points=Decimal("30"),
            total_points=Decimal("80") - Decimal(index % bidders) / 100,
            rank=index % bidders + 1,
            calculation={},
        )
        for index, o in enumerate(sorted(offers, key=lambda o: (o.lot_id, o.pk)))
    )
    decision = AwardDecision.objects.create(
        tender=tender,
        decided_by=officer,
        regime="eu",
        standstill_ends_on=timezone.now().date(),
        appeal_ends_on=timezone.now().date(),
        self_correction_ends_on=timezone.now().date(),
    )
    LotAward.objects.bulk_create(
        LotAward(decision=decision, lot=lot, rank=1, winner=LotResult.objects.get(lot=lot, rank=1).lot_offer)
        for lot in lots
    )
    return GeneratedDocument.objects.create(kind=DocumentKind.DECISION, tender=tender, language="fi")


def main() -> None:
    import weasyprint

    from documents.context import BUILDERS
    from documents.renderer import inline_only_fetcher, render_pdf

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        with transaction.atomic():
            document = build()
            template, build_context, _version = BUILDERS[document.kind]
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
