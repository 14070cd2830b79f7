"""Checking notices against the SDK's XSD and Schematron and Hilma's rules: every notice a published call makes
passes with no finding, and broken data is caught with its rule and field. The Schematron of a subtype loads once per
process (a few seconds), so the checks that need it are gathered here."""

import hashlib
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone, translation

from tenders.eforms import schematron
from tenders.eforms.build import contract_notice_xml
from tenders.eforms.validate import notice_findings, notice_passes
from tenders.models import QualityCriterion
from tenders.services import tender_amend
from tests.fixtures.notices import notice_authority, notice_ready_tender

REVIEW_BODY_ID = "2296962-1"  # a stand-in: a valid business ID, not the Market Court's


@pytest.fixture(autouse=True)
def review_body_id(settings):
    settings.EFORMS_REVIEW_BODY_BUSINESS_ID = REVIEW_BODY_ID


def notice(tender, subtype="E3", *, snapshot=None, change=None) -> bytes:
    snapshot = snapshot or tender.versions.order_by("-number").first().snapshot
    return contract_notice_xml(
        tender,
        snapshot,
        subtype=subtype,
        notice_uuid=str(uuid.uuid4()),
        version=1,
        issued_at=timezone.now(),
        change=change,
    )


def rules(findings) -> set[tuple[str, str, str]]:
    return {(f["source"], f["rule"], f["field"]) for f in findings}


def test_national_contract_notice_passes_every_check(db):
    tender = notice_ready_tender()

    findings = notice_findings(notice(tender, "E3"), subtype="E3")

    assert findings == []


def test_eu_light_regime_notice_of_a_bilingual_authority_passes_every_check(db):
    tender = notice_ready_tender(authority=notice_authority(bilingual=True), estimated_value="800000")

    findings = notice_findings(notice(tender, "20"), subtype="20")

    assert findings == []


def test_change_notice_after_a_corrigendum_passes_every_check(db):
    # given a published call corrected by a corrigendum that moves the deadline
    tender = notice_ready_tender(estimated_value="800000")
    tender_amend(
        actor=tender.created_by,
        tender_id=tender.pk,
        reason="Tarjousten määräaikaa jatketaan viikolla.",
        fields={"submission_deadline": tender.submission_deadline + timezone.timedelta(days=7)},
        children={},
    )
    from tenders.eforms.build import ChangeInfo, Texts

    change = ChangeInfo(
        changed_notice=f"{uuid.uuid4()}-01",
        sections=["PROCEDURE", "LOT-0001", "LOT-0002"],
        reason=Texts({"fi": tender.versions.get(number=2).reason}),
    )

    # when its change notice is built from version 2 and checked
    findings = notice_findings(notice(tender, "20", change=change), subtype="20")

    # then nothing fails
    assert findings == []


def test_missing_lot_title_is_caught_with_its_rule_and_field(db):
    tender = notice_ready_tender()
    snapshot = tender.versions.get().snapshot
    snapshot["lots"][0]["title"] = ""

    findings = notice_findings(notice(tender, snapshot=snapshot), subtype="E3")

    assert not notice_passes(findings)
    title = [f for f in findings if f["field"] == "BT-21"]
    assert title and title[0]["source"] == "schematron" and title[0]["rule"].startswith("BR-BT-00021-")
    assert "ProcurementProjectLot[1]" in title[0]["path"]


def test_wrong_nuts_code_is_caught_with_its_rule_and_field(db):
    tender = notice_ready_tender()
    snapshot = tender.versions.get().snapshot
    snapshot["lots"][1]["nuts"] = "FI999"

    findings = notice_findings(notice(tender, snapshot=snapshot), subtype="E3")

    nuts = [f for f in findings if f["field"] == "BT-5071"]
    assert nuts and {f["source"] for f in nuts} == {"schematron"}
    assert all("ProcurementProjectLot[2]" in f["path"] for f in nuts)


def test_weights_that_do_not_make_100_are_caught(db):
    tender = notice_ready_tender()
    QualityCriterion.objects.filter(tender=tender, number=2).update(weight=Decimal("10"))
    snapshot = tender.versions.get().snapshot
    snapshot["criteria"][1]["weight"] = "10"

    findings = notice_findings(notice(tender, snapshot=snapshot), subtype="E3")

    # then Hankinta's own rule says so with the total, and the SDK's rule on the criteria agrees
    assert ("hilma", "HK-BT-541-SUM", "BT-541") in rules(findings)
    assert {f["field"] for f in findings} <= {"BT-539", "BT-541", "BT-543"}
    assert any("95" in f["message"] for f in findings if f["rule"] == "HK-BT-541-SUM")


def test_bad_business_id_is_caught(db):
    tender = notice_ready_tender()
    type(tender.authority).objects.filter(pk=tender.authority_id).update(business_id="1234567-8")
    tender.authority.refresh_from_db()

    findings = notice_findings(notice(tender), subtype="E3")

    assert ("hilma", "HILMA-BT-501-ID", "BT-501") in rules(findings)


def test_statistics_answers_missing_for_a_lot_are_caught(db):
    tender = notice_ready_tender()
    xml = notice(tender)

    findings = notice_findings(xml, subtype="E3", statistics={"LOT-0001": {"innovationConsidered": True}})

    assert {f["path"] for f in findings} == {"LOT-0001", "LOT-0002"}
    assert {f["rule"] for f in findings} == {"HILMA-STATISTICS"}


def test_field_label_is_in_the_users_language(db):
    tender = notice_ready_tender()
    snapshot = tender.versions.get().snapshot
    snapshot["lots"][0]["title"] = ""
    xml = notice(tender, snapshot=snapshot)

    with translation.override("sv"):
        findings = notice_findings(xml, subtype="E3")

    assert {f["field_label"] for f in findings if f["field"] == "BT-21"} == {"Titel"}


def test_without_the_schematron_the_notice_cannot_pass(db, settings, tmp_path):
    # given a deployment whose SDK directory has no Schematron
    tender = notice_ready_tender()
    settings.EFORMS_SDK_DIR = tmp_path

    findings = notice_findings(notice(tender), subtype="E3")

    # then the XSD and Hilma's rules ran, and the missing check is a finding of its own
    assert rules(findings) == {("schematron", "SCHEMATRON-MISSING", "")}
    assert not notice_passes(findings)


def test_compiled_rules_are_cached_on_disk_by_the_sdk_files(db, settings, tmp_path):
    settings.EFORMS_CACHE_DIR = tmp_path / "eforms"

    first = schematron.compiled_xslt("E4")
    modified = first.stat().st_mtime_ns
    again = schematron.compiled_xslt("E4")

    assert first == again and again.stat().st_mtime_ns == modified and first.stat().st_size > 1_000_000
    assert [p.name for p in (tmp_path / "eforms").iterdir()] == [first.name]  # no temporary file left behind


def test_vendored_rules_are_the_sdks_own_files():
    """Every vendored rule and schema file is the SDK 1.13.3's own, byte for byte: SHA256SUMS holds the digests of the
    SDK's files (taken from the SDK when they were vendored), and each file is listed there."""
    vendored = Path(schematron.PACKAGE_DIR) / "sdk"
    digests = dict(
        reversed(line.split("  ", 1)) for line in (vendored / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    )
    files = sorted(p for p in vendored.rglob("*") if p.suffix in (".sch", ".xsd"))
    assert len(files) > 20 and {str(p.relative_to(vendored)) for p in files} == set(digests)
    for path in files:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digests[str(path.relative_to(vendored))], path
