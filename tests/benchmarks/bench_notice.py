"""Benchmark: the eForms contract notice (E3) of a published call with 100 lots, generated and validated.

Prints the time to build the XML from the call's published version, the one-time costs of the Schematron (compiling
the subtype's rules into XSLT, with an empty cache; loading the compiled XSLT), and then the time of each check of
the notice (XSD, Schematron, Hilma's rules; median of several runs), with the number of findings (0 expected).
Run: `make bench BENCH=bench_notice.py` (a database of its own is created)."""

import os
import statistics
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

LOTS, RUNS = 100, 5


def published_call():
    from tenders.models import Lot, QualityCriterion, TenderStatus
    from tenders.services import tender_publish
    from tests.fixtures import factories
    from tests.fixtures.notices import STATISTICS, notice_authority

    authority = notice_authority()
    officer = factories.officer_of(authority)
    tender = factories.TenderFactory(
        authority=authority,
        created_by=officer,
        status=TenderStatus.APPROVED,
        estimated_value=Decimal("5000000"),
        is_framework=True,
        framework_providers_per_lot=3,
        contract_months=24,
        option_months=12,
        hilma_statistics=dict(STATISTICS),
        with_structure=False,
    )
    Lot.objects.bulk_create(
        Lot(
            tender=tender,
            number=n,
            title=f"Kotoutumiskoulutus, osa {n}",
            municipality="Kuopio",
            nuts="FI1D2",
            students=20,
            training_days=200,
            volume=Decimal(20),
        )
        for n in range(1, LOTS + 1)
    )
    QualityCriterion.objects.bulk_create(
        QualityCriterion(tender=tender, number=n, name=f"Laatukriteeri {n}", weight=Decimal("10")) for n in (1, 2, 3, 4)
    )
    factories.suitability_requirement(tender)
    return tender_publish(actor=officer, tender_id=tender.pk)


def median_of(function, runs: int = RUNS) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    from lxml import etree

    from tenders.eforms import schematron
    from tenders.eforms.build import contract_notice_xml
    from tenders.eforms.validate import hilma_findings, notice_findings, xsd_findings

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    settings.EFORMS_REVIEW_BODY_BUSINESS_ID = "2296962-1"  # a stand-in business ID for the review body
    try:
        with transaction.atomic(), tempfile.TemporaryDirectory() as cache:
            tender = published_call()
            snapshot = tender.versions.get().snapshot

            def build() -> bytes:
                return contract_notice_xml(
                    tender, snapshot, subtype="E3", notice_uuid=str(uuid.uuid4()), version=1, issued_at=timezone.now()
                )

            generate, xml = median_of(build)
            assert isinstance(xml, bytes)
            document = etree.fromstring(xml)
            print(f"E3 contract notice, {LOTS} lots ({len(xml) // 1024} KiB of XML); median of {RUNS} runs")
            print(f"  generate from the published version: {generate * 1000:8.1f} ms")

            settings.EFORMS_CACHE_DIR = Path(cache)
            start = time.perf_counter()
            schematron.compiled_xslt("E3")
            compile_time = time.perf_counter() - start
            start = time.perf_counter()
            schematron.schematron_failures(xml, subtype="E3")
            first = time.perf_counter() - start
            print(f"  Schematron, once: compile {compile_time:6.1f} s (empty cache), load and first run {first:6.1f} s")

            xsd, _ = median_of(lambda: xsd_findings(document))
            rules, failures = median_of(lambda: schematron.schematron_failures(xml, subtype="E3"))
            hilma, _ = median_of(lambda: hilma_findings(document, subtype="E3", statistics=None))
            total, findings = median_of(lambda: notice_findings(xml, subtype="E3"))
            print(f"  check, XSD:                           {xsd * 1000:8.1f} ms")
            print(f"  check, Schematron (loaded):           {rules * 1000:8.1f} ms ({len(failures)} failed asserts)")
            print(f"  check, Hilma's rules:                 {hilma * 1000:8.1f} ms")
            every = (generate + total) * 1000
            print(f"  generate + every check:               {every:8.1f} ms ({len(findings)} findings)")
            for finding in findings:
                print(f"    {finding['source']} {finding['rule']} {finding['field']}: {finding['message']}")
            transaction.set_rollback(True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
