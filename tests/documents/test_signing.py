"""PAdES signatures against a real test PKI (tests/fixtures/pki.py): signed, verified offline, tampered, revoked,
expired, and a time-stamping service that is down."""

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from io import BytesIO, StringIO
from pathlib import Path

import pytest
import weasyprint
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader

from documents.models import DocumentKind, DocumentStatus, GeneratedDocument, SignatureStatus
from documents.services import document_render, document_retry, documents_rescue_stuck
from documents.signing import SigningError, pdf_sign, signer_load, signing_setup
from documents.verification import document_validation_report, pdf_validation_report
from procurement.models import AuditEvent, OutboxMessage
from tenders.models import TenderStatus
from tenders.services import tender_cancel, tender_publish
from tests.fixtures import factories
from tests.fixtures.pki import EXPIRED

pytestmark = pytest.mark.django_db


def _pdf_a() -> bytes:
    return weasyprint.HTML(string="<h1>Päätös</h1><p>Hankinta keskeytetään.</p>").write_pdf(pdf_variant="pdf/a-3b")


def _sign(signer: str) -> bytes:
    setup = signing_setup()
    assert setup is not None
    return pdf_sign(_pdf_a(), key=signer_load(setup, signer), setup=setup).pdf


@pytest.fixture
def interruption(authority, officer):
    """A published call cancelled: its decision to interrupt (signed by the authority) waits for rendering."""
    tender = factories.TenderFactory(authority=authority, created_by=officer, status=TenderStatus.APPROVED)
    tender_publish(actor=officer, tender_id=tender.pk)
    tender_cancel(actor=officer, tender_id=tender.pk, reason="Määrärahat eivät riitä hankintaan.")
    return GeneratedDocument.objects.get(tender=tender, kind=DocumentKind.INTERRUPTION)


def test_a_signed_pdf_verifies_offline_with_its_time_stamp_and_revocation_data(signing_pki):
    signing_pki.enable()

    report = pdf_validation_report(_sign("system"))

    assert report["valid"] is True and report["signed"] is True and report["long_term"] is True
    (signature,) = report["signatures"]
    assert "Hankinta" in signature["signer"] and signature["intact"] and signature["trusted"]
    assert signature["timestamp"]["trusted"] and "Time-Stamping" in signature["timestamp"]["authority"]
    assert signature["revocation_at_signing"]["status"] == "good"
    # B-LT: the DSS with the revocation data is an update after the signature, of a kind PAdES allows.
    assert signature["coverage"] == "ENTIRE_REVISION" and signature["modifications"] == "LTA_UPDATES"


def test_the_signed_file_still_claims_pdf_a_3b_with_matching_producers(signing_pki):
    signing_pki.enable()

    reader = PdfFileReader(BytesIO(_sign("system")))

    xmp = reader.root["/Metadata"].get_object().data.decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    producer = xmp.split('pdf:Producer="')[1].split('"')[0]
    assert reader.trailer["/Info"]["/Producer"] == producer  # PDF/A: the info dictionary agrees with the XMP
    assert reader.root["/AcroForm"]["/Fields"][0]["/F"] & 4  # the widget prints


def test_a_pdf_with_one_byte_changed_no_longer_verifies(signing_pki):
    signing_pki.enable()
    signed = bytearray(_sign("system"))
    # a byte of the binary comment under the header, inside the signed range: the file still reads, but the digest
    # no longer matches
    at = signed.index(b"\n%") + 2
    signed[at] ^= 0x01

    report = pdf_validation_report(bytes(signed))

    assert report["valid"] is False and report["signatures"][0]["intact"] is False


def test_a_certificate_revoked_after_signing_leaves_the_signature_valid(signing_pki):
    signing_pki.enable()
    signed = _sign("system")

    signing_pki.revoke("system", at=datetime.now(UTC) + timedelta(seconds=1))

    # the PKI now says revoked (a new signature is refused) ...
    with pytest.raises(SigningError) as refused:
        _wait_then_sign()
    assert refused.value.code == "certificate_revoked" and "revoked" in str(refused.value).lower()
    # ... and the earlier one holds by its time stamp and the revocation data embedded when it was made
    report = pdf_validation_report(signed)
    assert report["valid"] is True and report["signatures"][0]["revocation_at_signing"]["status"] == "good"


def _wait_then_sign() -> bytes:
    import time

    time.sleep(1.2)
    return _sign("system")


def test_an_expired_certificate_is_refused_at_signing(signing_pki):
    signing_pki.enable("1234567-8", signer=EXPIRED)

    with pytest.raises(SigningError) as refused:
        _sign("1234567-8")

    assert refused.value.code == "certificate_expired" and "Vanhentunut" in str(refused.value)


def test_a_decision_rendered_end_to_end_is_signed_by_its_authority(signing_pki, interruption, authority):
    signing_pki.enable(authority.business_id)

    document = document_render(document_id=interruption.pk)

    assert document.status == DocumentStatus.READY and document.signature_status == SignatureStatus.SIGNED
    assert document.signed_by == authority.business_id and "Testikunta" in document.signer_subject
    report = document_validation_report(document)
    assert report["valid"] is True and report["document"]["sha256"] == document.sha256
    signed = AuditEvent.objects.get(action="document.signed", object_id=str(document.pk))
    assert signed.detail["sha256"] == document.sha256 and signed.detail["signer"] == authority.business_id


def test_an_unsigned_kind_and_signing_off_leave_the_document_unsigned(interruption, settings):
    settings.HANKINTA_SIGNING_KEYS = ""

    document = document_render(document_id=interruption.pk)

    assert document.status == DocumentStatus.READY and document.signature_status == SignatureStatus.NONE
    assert pdf_validation_report(document.file.read())["signed"] is False


def test_an_authority_without_a_key_gets_no_unsigned_document(signing_pki, interruption):
    signing_pki.enable()  # the system's key only

    with pytest.raises(SigningError):
        document_render(document_id=interruption.pk)

    interruption.refresh_from_db()
    assert interruption.status == DocumentStatus.FAILED and interruption.signature_status == SignatureStatus.FAILED
    assert "no_key" in interruption.error and not interruption.file


def test_with_the_time_stamping_service_down_the_document_waits_unsigned_and_signs_on_retry(
    signing_pki, interruption, authority, officer, settings
):
    signing_pki.enable(authority.business_id)
    signing_pki.tsa_down()

    with pytest.raises(SigningError):
        document_render(document_id=interruption.pk)

    interruption.refresh_from_db()
    assert interruption.status == DocumentStatus.FAILED and not interruption.file and interruption.sha256 == ""
    assert interruption.signature_status == SignatureStatus.FAILED and "Signing failed" in interruption.error
    assert AuditEvent.objects.filter(action="document.signing_failed", object_id=str(interruption.pk)).exists()

    # the rescue tries it again once it has waited as long as a stuck document
    later = timezone.now() + timedelta(minutes=settings.DOCUMENT_STUCK_MINUTES + 1)
    documents_rescue_stuck(now=later)
    interruption.refresh_from_db()
    assert interruption.status == DocumentStatus.QUEUED
    assert OutboxMessage.objects.filter(task="documents.render", args=[interruption.pk]).count() == 2
    signing_pki.tsa_up()
    document = document_render(document_id=interruption.pk)

    assert document.status == DocumentStatus.READY and document.signature_status == SignatureStatus.SIGNED
    assert document.signature_attempts == 2 and pdf_validation_report(document.file.read())["valid"] is True


def test_an_officer_queues_again_a_document_whose_signing_failed(signing_pki, interruption, authority, officer):
    signing_pki.enable(authority.business_id)
    signing_pki.tsa_down()
    with pytest.raises(SigningError):
        document_render(document_id=interruption.pk)

    document = document_retry(actor=officer, document_id=interruption.pk)

    assert document.status == DocumentStatus.QUEUED
    signing_pki.tsa_up()
    assert document_render(document_id=interruption.pk).signature_status == SignatureStatus.SIGNED


def test_signing_gives_up_to_the_officers_after_its_attempts(signing_pki, interruption, settings):
    GeneratedDocument.objects.filter(pk=interruption.pk).update(
        status=DocumentStatus.FAILED,
        signature_status=SignatureStatus.FAILED,
        signature_attempts=settings.DOCUMENT_SIGN_MAX_ATTEMPTS,
        status_changed_at=timezone.now() - timedelta(days=1),
    )

    assert documents_rescue_stuck() == {"requeued": 0, "failed": 0}


def test_a_providers_receipt_is_signed_by_the_systems_key(signing_pki, open_tender, member_a):
    from tests.fixtures.stages import submit_bid

    signing_pki.enable()  # the system's key only: a receipt needs no authority's
    submit_bid(member_a, open_tender)
    receipt = GeneratedDocument.objects.get(tender=open_tender, kind=DocumentKind.RECEIPT)

    document = document_render(document_id=receipt.pk)

    assert document.signature_status == SignatureStatus.SIGNED and document.signed_by == "system"
    report = document_validation_report(document)
    assert report["valid"] is True and "Hankinta" in report["signatures"][0]["signer"]


def test_the_call_document_and_the_comparison_are_not_signed():
    from documents.signing import signer_id_for

    assert signer_id_for(GeneratedDocument(kind=DocumentKind.CALL)) is None
    assert signer_id_for(GeneratedDocument(kind=DocumentKind.COMPARISON)) is None
    assert signer_id_for(GeneratedDocument(kind=DocumentKind.RECEIPT)) == "system"


def test_the_api_shows_the_signature_and_its_validation_report(
    signing_pki, interruption, authority, officer, client_for
):
    signing_pki.enable(authority.business_id)
    document = document_render(document_id=interruption.pk)

    shown = client_for(officer).get(f"/api/v1/documents/{document.pk}/").json()
    response = client_for(officer).get(f"/api/v1/documents/{document.pk}/validation/")

    assert shown["signature_status"] == "signed" and shown["signed_by"] == authority.business_id
    assert response.status_code == 200 and response.json()["valid"] is True
    assert response.json()["signatures"][0]["timestamp"]["trusted"] is True
    assert AuditEvent.objects.filter(action="document.validation", object_id=str(document.pk)).exists()


def test_an_unsigned_document_has_no_validation_report(interruption, officer, client_for):
    document = document_render(document_id=interruption.pk)

    response = client_for(officer).get(f"/api/v1/documents/{document.pk}/validation/")

    assert response.status_code == 409 and response.json()["code"] == "document_not_signed"


def test_a_failed_signing_is_shown_to_the_officer_with_its_reason(
    signing_pki, interruption, authority, officer, client_for, browser_for
):
    signing_pki.enable(authority.business_id)
    signing_pki.tsa_down()
    with pytest.raises(SigningError):
        document_render(document_id=interruption.pk)

    shown = client_for(officer).get(f"/api/v1/documents/{interruption.pk}/").json()
    page = browser_for(officer).get(f"/records/calls/{interruption.tender_id}/").content.decode()

    assert shown["signature_status"] == "failed" and "time" in shown["signature_error"].lower()
    assert shown["download_url"] is None and "Signing failed" in page and "Render again" in page


def test_the_evidence_bundle_and_the_auditors_page_carry_the_validation_report(
    signing_pki, interruption, authority, auditor_user, client_for, browser_for
):
    import json
    import zipfile

    signing_pki.enable(authority.business_id)
    document = document_render(document_id=interruption.pk)

    response = client_for(auditor_user).get(f"/api/v1/tenders/{interruption.tender_id}/evidence/")
    page = browser_for(auditor_user).get(f"/records/calls/{interruption.tender_id}/").content.decode()

    archive = zipfile.ZipFile(BytesIO(response.content))
    report = json.loads(archive.read(f"validation/interruption-{document.pk}-v{document.version}.json"))
    assert report["valid"] is True and report["signatures"][0]["revocation_at_signing"]["status"] == "good"
    manifest = json.loads(archive.read("manifest.json"))
    assert f"validation/interruption-{document.pk}-v{document.version}.json" in {f["name"] for f in manifest["files"]}
    assert f"/api/v1/documents/{document.pk}/validation/" in page and "Testikunta" in page


def test_verify_documents_finds_a_changed_file(signing_pki, interruption, authority):
    from django.core.management import CommandError, call_command

    signing_pki.enable(authority.business_id)
    document = document_render(document_id=interruption.pk)
    out = StringIO()
    call_command("verify_documents", stdout=out)
    assert "0 with problems" in out.getvalue() and "1 signed" in out.getvalue()

    path = Path(document.file.path)
    data = bytearray(path.read_bytes())
    data[data.index(b"\n%") + 2] ^= 0x01
    path.write_bytes(bytes(data))
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_documents", stdout=out)

    assert failed.value.returncode == 1
    assert f"Document {document.pk}" in out.getvalue() and "is not the recorded" in out.getvalue()
    assert "the signature does not validate" in out.getvalue()


@pytest.mark.worker
def test_a_real_worker_retries_the_signing_until_the_time_stamping_service_answers(
    celery_worker_redis, signing_pki, settings, tmp_path
):
    from tests.fixtures.stages import wait_for

    # given a call whose interruption the worker renders while the time-stamping service is down
    settings.MEDIA_ROOT = tmp_path / "media"
    authority = factories.AuthorityFactory()
    officer = factories.officer_of(authority)
    signing_pki.enable(authority.business_id)
    signing_pki.tsa_down()
    tender = factories.TenderFactory(authority=authority, created_by=officer, status=TenderStatus.APPROVED)
    tender_publish(actor=officer, tender_id=tender.pk)
    tender_cancel(actor=officer, tender_id=tender.pk, reason="Määrärahat eivät riitä hankintaan.")
    document = GeneratedDocument.objects.get(tender=tender, kind=DocumentKind.INTERRUPTION)

    def signature() -> str:
        return GeneratedDocument.objects.values_list("signature_status", flat=True).get(pk=document.pk)

    # when the first attempt fails, and the service comes back
    assert wait_for(lambda: signature() == SignatureStatus.FAILED, seconds=60)
    assert not GeneratedDocument.objects.get(pk=document.pk).file  # nothing issued unsigned
    signing_pki.tsa_up()

    # then Celery's retry signs it
    assert wait_for(lambda: signature() == SignatureStatus.SIGNED, seconds=90)
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY and document.signature_attempts >= 2


def _pdfsig_first_signature(path: Path) -> str:
    """What Poppler's pdfsig says of the file's first signature (its report of the document time stamp that follows
    is "not yet verified": Poppler 22 does not validate that type)."""
    pdfsig = shutil.which("pdfsig")  # poppler-utils, which scripts/system-deps.sh installs
    assert pdfsig is not None
    shown = subprocess.run([pdfsig, str(path)], capture_output=True, text=True, check=False).stdout  # noqa: S603
    return shown.split("Signature #2")[0]


def test_a_pdf_reader_outside_python_sees_a_valid_signature_field(signing_pki, tmp_path):
    """Poppler's pdfsig (the signature panel of the PDF readers built on Poppler) reads the signed file on its own:
    the signature field, the signer, the signature valid (the test root is not in its trust store, so the issuer is
    "not trusted" there); one byte changed in the signed range and it is no longer valid."""
    signing_pki.enable()
    path = tmp_path / "signed.pdf"
    signed = _sign("system")
    path.write_bytes(signed)

    first = _pdfsig_first_signature(path)

    assert "Signature Field Name: HankintaSignature" in first and "Common Name: Hankinta" in first
    assert "Signature Type: ETSI.CAdES.detached" in first
    assert "Signature Validation: Signature is Valid." in first

    tampered = bytearray(signed)
    tampered[200] ^= 0x01  # inside the first signed range, which starts at the file's first byte
    path.write_bytes(bytes(tampered))
    assert "Signature Validation: Signature is Valid." not in _pdfsig_first_signature(path)
