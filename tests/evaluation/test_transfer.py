"""The archive transfer package of a procedure (evaluation/transfer.py): a valid BagIt bag with the records byte for
byte, the SÄHKE2-style description read back with the plan's metadata, the audit extract with its anchor; refused
before the procedure is over and to those outside the authority."""

import hashlib
import json
import zipfile
from io import BytesIO
from pathlib import Path

import bagit
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from bids.models import BidVersion
from bids.services import submission_receipt
from documents.models import DocumentStatus, GeneratedDocument
from documents.services import document_render
from evaluation import transfer
from evaluation.transfer import archive_package_build, archive_package_download
from procurement.errors import Conflict, Forbidden, NotFound
from procurement.models import AuditEvent
from tenders.models import Tender
from tests.fixtures import factories
from tests.fixtures.access import decided_with_attachments, sign_contracts

NS = {"s2": transfer.S2, "hk": transfer.HK}


def _render_all(tender) -> None:
    for document in GeneratedDocument.objects.filter(tender=tender).exclude(status=DocumentStatus.READY):
        document_render(document_id=document.pk)


@pytest.fixture
def finished(officer, member_a, member_b):
    """A decided call whose contracts are signed, B's attachment marked as a business secret, every record ready."""
    tender, bid_b, _attachment = decided_with_attachments(
        officer=officer, member_a=member_a, member_b=member_b, secrets_b=["attachment"]
    )
    for version in BidVersion.objects.filter(bid__tender=tender):
        submission_receipt(version_id=version.pk)  # what the worker does after each submission
    sign_contracts(tender)
    Tender.objects.filter(pk=tender.pk).update(reference="HANK-2026-0042")
    _render_all(tender)
    return Tender.objects.get(pk=tender.pk), bid_b


def _records(root) -> dict[str, etree._Element]:
    return {r.findtext("s2:NativeId", namespaces=NS): r for r in root.iterfind(".//s2:Action/s2:Record", NS)}


def test_the_package_is_a_valid_bag_with_every_record_and_its_metadata(finished, tmp_path):
    # given
    tender, _bid = finished
    documents = list(GeneratedDocument.objects.filter(tender=tender, status=DocumentStatus.READY))
    assert {d.kind for d in documents} >= {"receipt", "opening_record", "decision", "letter"}

    # when
    package = archive_package_build(tender=tender, actor=None, directory=tmp_path)

    # then the bag validates, with SHA-256 and SHA-512 manifests and the authority's bag-info
    bag = bagit.Bag(str(package.bag))
    bag.validate()
    assert set(bag.algorithms) == {"sha256", "sha512"}
    assert bag.info["Source-Organization"] == tender.authority.name_fi
    assert bag.info["External-Identifier"] == tender.reference
    assert "Bagging-Date" in bag.info and "Internal-Sender-Description" in bag.info
    # every record is there byte for byte, and described with the plan's metadata and its hash
    root = etree.fromstring((package.bag / "data/metadata/sahke2.xml").read_bytes())
    assert root.tag == f"{{{transfer.S2}}}Transfer"
    described = _records(root)
    for document in documents:
        record = described[f"document-{document.pk}"]
        path = record.findtext("s2:Document/s2:File/s2:Path", namespaces=NS)
        stored = (package.bag / path).read_bytes()
        with document.file.open("rb") as handle:
            assert stored == handle.read()
        assert record.findtext("s2:Document/s2:File/s2:Checksum", namespaces=NS) == document.sha256
        assert hashlib.sha256(stored).hexdigest() == document.sha256
        assert record.findtext("s2:Type", namespaces=NS) == document.kind
        assert record.findtext("s2:Function", namespaces=NS)
        assert record.findtext("s2:Restriction/s2:PublicityClass", namespaces=NS)
        assert record.findtext("s2:Restriction/s2:PersonalData", namespaces=NS)
        assert int(record.findtext("s2:RetentionPeriod", namespaces=NS)) > 0
        assert record.findtext("s2:RetentionReason", namespaces=NS)
    # the case is the procedure, with its lots and their winners
    case = root.find("s2:CaseFile", NS)
    assert case.findtext("s2:NativeId", namespaces=NS) == tender.reference
    assert case.findtext("hk:Procedure/hk:MainCpv", namespaces=NS) == tender.cpv_main
    lots = case.findall("hk:Procedure/hk:Lots/hk:Lot", NS)
    assert len(lots) == tender.lots.count()
    assert all(lot.find("hk:Winner", NS) is not None for lot in lots)
    assert all(lot.find("hk:Contract", NS).get("status") == "signed" for lot in lots)


def test_a_bidders_records_with_its_business_secret_are_secret_in_part(finished, tmp_path):
    tender, bid_b = finished
    package = archive_package_build(tender=tender, actor=None, directory=tmp_path)
    described = _records(etree.fromstring((package.bag / "data/metadata/sahke2.xml").read_bytes()))

    receipts = GeneratedDocument.objects.filter(tender=tender, kind="receipt", status=DocumentStatus.READY)
    by_provider = {d.provider_id: described[f"document-{d.pk}"] for d in receipts}
    secret = by_provider[bid_b.provider_id]
    public = next(r for p, r in by_provider.items() if p != bid_b.provider_id)
    assert secret.findtext("s2:Restriction/s2:PublicityClass", namespaces=NS) == "Osittain salassapidettävä"
    assert secret.findtext("s2:Restriction/s2:SecurityReason", namespaces=NS) == "JulkL 621/1999 24 § 1 mom. 20 k"
    assert secret.findtext("s2:Restriction/s2:SecurityPeriod", namespaces=NS) == "25"
    assert secret.findtext("s2:Restriction/s2:PersonalData", namespaces=NS) == "sisältää henkilötietoja"
    assert public.findtext("s2:Restriction/s2:PublicityClass", namespaces=NS) == "Julkinen"
    assert public.find("s2:Restriction/s2:SecurityReason", NS) is None
    decision = next(r for r in described.values() if r.findtext("s2:Type", namespaces=NS) == "decision")
    assert decision.findtext("s2:Restriction/s2:PublicityClass", namespaces=NS) == "Julkinen"


def test_the_package_holds_the_calls_audit_events_and_the_chains_anchor(finished, tmp_path):
    tender, _bid = finished
    package = archive_package_build(tender=tender, actor=None, directory=tmp_path)

    events = json.loads((package.bag / "data/audit/audit-events.json").read_text())
    assert events and all(e["tender_id"] == tender.pk for e in events)
    assert {"tender.decide", "tender.open"} & {e["action"] for e in events}
    chain = json.loads((package.bag / "data/audit/chain.json").read_text())
    assert chain["verification"]["intact"] is True
    assert chain["latest_anchor"]["signature"]
    assert chain["head"]["sequence"] >= max(e["sequence"] for e in events)
    # one audit event records the export with the zip's SHA-256
    event = AuditEvent.objects.get(action="archive.export", tender_id=tender.pk)
    assert event.detail["sha256"] == hashlib.sha256(package.zip.read_bytes()).hexdigest() == package.sha256
    with zipfile.ZipFile(package.zip) as zipped:
        assert f"{package.bag.name}/bagit.txt" in zipped.namelist()


def test_a_record_changed_in_storage_stops_the_package(finished, tmp_path):
    tender, _bid = finished
    document = GeneratedDocument.objects.filter(tender=tender, kind="decision").first()
    with document.file.open("wb") as handle:
        handle.write(b"%PDF-1.7 not the decision")

    with pytest.raises(Conflict) as refused:
        archive_package_build(tender=tender, actor=None, directory=tmp_path)
    assert refused.value.code == "record_damaged"
    assert not AuditEvent.objects.filter(action="archive.export").exists()


def test_a_signed_record_carries_its_validation_report(signing_pki, officer, member_a, member_b, tmp_path):
    """With the authority's key configured, the records are signed as they are rendered; the package holds each
    signed record's validation report, checked offline, and the description points at it."""
    tender, _bid, _attachment = decided_with_attachments(officer=officer, member_a=member_a, member_b=member_b)
    signing_pki.enable(tender.authority.business_id)
    sign_contracts(tender)
    _render_all(tender)
    decision = GeneratedDocument.objects.get(tender=tender, kind="decision")
    assert decision.signature_status == "signed"
    unsigned = GeneratedDocument.objects.filter(tender=tender, kind="comparison").first()

    package = archive_package_build(tender=tender, actor=None, directory=tmp_path)

    report = json.loads((package.bag / f"data/validation/{decision.pk:06d}.json").read_text())
    assert report["document"]["sha256"] == decision.sha256
    assert report["signatures"] and all(signature["intact"] for signature in report["signatures"])
    root = etree.fromstring((package.bag / "data/metadata/sahke2.xml").read_bytes())
    records = _records(root)
    reported = records[f"document-{decision.pk}"].findtext("s2:Document/hk:ValidationReport", namespaces=NS)
    assert reported == f"data/validation/{decision.pk:06d}.json"
    if unsigned is not None:
        assert records[f"document-{unsigned.pk}"].findtext("s2:Document/hk:ValidationReport", namespaces=NS) is None
    bagit.Bag(str(package.bag)).validate()


def test_no_package_while_the_procedure_is_not_over(officer, member_a, member_b, tmp_path):
    tender, _bid, _attachment = decided_with_attachments(officer=officer, member_a=member_a, member_b=member_b)
    with pytest.raises(Conflict) as refused:
        archive_package_download(actor=officer, tender_id=tender.pk)
    assert refused.value.code == "procedure_not_over"
    with pytest.raises(CommandError, match="procedure_not_over"):
        call_command("archive_export", tender.reference, out=str(tmp_path))


def test_the_command_writes_the_bag_and_its_zip(finished, tmp_path):
    tender, _bid = finished
    out = tmp_path / "out"
    call_command("archive_export", str(tender.pk), out=str(out))

    bags = [p for p in out.iterdir() if p.is_dir()]
    assert len(bags) == 1
    bagit.Bag(str(bags[0])).validate()
    assert Path(f"{bags[0]}.zip").exists()
    with pytest.raises(CommandError, match="No call"):
        call_command("archive_export", "NO-SUCH-CALL", out=str(tmp_path))


def test_officers_and_auditors_download_it_and_providers_cannot(finished, officer, member_b, client_for):
    tender, _bid = finished
    url = f"/api/v1/tenders/{tender.pk}/archive-package/"

    response = client_for(officer).post(url)
    assert response.status_code == 200, response.content
    data = b"".join(response.streaming_content)
    assert response["X-Content-SHA256"] == hashlib.sha256(data).hexdigest()
    names = zipfile.ZipFile(BytesIO(data)).namelist()
    assert any(name.endswith("data/metadata/sahke2.xml") for name in names)

    auditor = factories.auditor(tender.authority)
    assert client_for(auditor).post(url).status_code == 200

    # the call is public, so they see it exists: 403 with the code
    refused = client_for(member_b).post(url)
    assert (refused.status_code, refused.json()["code"]) == (403, "archive_for_authority")
    other_officer = factories.officer_of(factories.AuthorityFactory())
    assert client_for(other_officer).post(url).status_code == 403


def test_an_officer_off_the_panel_is_refused(finished, authority):
    tender, _bid = finished
    with pytest.raises(Forbidden) as refused:
        archive_package_download(actor=factories.officer_of(authority), tender_id=tender.pk)
    assert refused.value.code == "not_on_panel"
    assert not AuditEvent.objects.filter(action="archive.export").exists()


def test_a_call_not_published_is_not_found_outside_the_authority(authority, member_a):
    draft = factories.TenderFactory(authority=authority, status="draft")
    with pytest.raises(NotFound):
        archive_package_download(actor=member_a, tender_id=draft.pk)


def test_a_call_never_opened_keeps_its_receipts_sealed_out_of_the_package(authority, officer, member_a, tmp_path):
    # given: a call cancelled after a bid was submitted, before the opening
    from django.utils import timezone

    from tests.fixtures.stages import submitted_tender

    tender = submitted_tender(bidders=[(member_a, "9000")], authority=authority)
    Tender.objects.filter(pk=tender.pk).update(status="cancelled", cancelled_at=timezone.now())
    tender = Tender.objects.get(pk=tender.pk)
    _render_all(tender)
    receipt = GeneratedDocument.objects.get(tender=tender, kind="receipt")
    assert receipt.status == DocumentStatus.READY

    # when the officer (not on any panel: nothing was opened) makes the package
    _name, _digest, archive = archive_package_download(actor=officer, tender_id=tender.pk)

    # then the receipt, which names the bidder, is not in it, and the description says one record stays sealed
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        xml = zipped.read(next(n for n in names if n.endswith("data/metadata/sahke2.xml")))
    assert not any(receipt.filename in n or "receipt" in n for n in names)
    sealed = etree.fromstring(xml).find("s2:CaseFile/hk:SealedRecords", NS)
    assert sealed is not None and sealed.get("count") == "1"
    assert f"document-{receipt.pk}" not in xml.decode()
