"""Validation reports of signed documents, offline: the trust roots configured, the revocation data in the file."""

from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO
from typing import Any

from asn1crypto import ocsp, x509
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext

from procurement.audit import audit_record
from procurement.errors import Conflict

from .models import DocumentStatus, GeneratedDocument, SignatureStatus
from .services import document_get
from .signing import signing_setup

_PDFA_CLAIM = re.compile(r'pdfaid:part(?:="|>)3.*?pdfaid:conformance(?:="|>)B', re.DOTALL)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _pdfa_claimed(reader: PdfFileReader) -> bool:
    """The newest revision's XMP still claims PDF/A-3b (pyHanko rewrites the XMP in each incremental update)."""
    try:
        metadata = reader.root["/Metadata"].get_object()
        return bool(_PDFA_CLAIM.search(metadata.data.decode("utf-8", "replace")))
    except (KeyError, AttributeError):
        return False


def _revocation_at_signing(dss: DocumentSecurityStore | None, signer: x509.Certificate) -> dict[str, Any]:
    """The signer certificate's status in the OCSP responses embedded at signing (what the auditor relies on)."""
    if dss is None:
        return {"source": None, "status": "unknown"}
    for reference in dss.ocsps:
        response = ocsp.OCSPResponse.load(reference.get_object().data)
        if response["response_status"].native != "successful":
            continue
        data = response.response_data
        for single in data["responses"]:
            if single["cert_id"]["serial_number"].native == signer.serial_number:
                return {
                    "source": "ocsp",
                    "status": single["cert_status"].name,
                    "produced_at": _iso(data["produced_at"].native),
                }
    if dss.crls:
        return {"source": "crl", "status": "embedded"}
    return {"source": None, "status": "unknown"}


def _stamped_at(signature: EmbeddedPdfSignature) -> datetime | None:
    """The time in the signature's RFC 3161 time stamp token (an unsigned attribute of the CMS signer info)."""
    try:
        for attribute in signature.signer_info["unsigned_attrs"]:
            if attribute["type"].native == "signature_time_stamp_token":
                token = attribute["values"][0]["content"]
                moment: datetime = token["encap_content_info"]["content"].parsed["gen_time"].native
                return moment
    except (TypeError, KeyError, ValueError):
        return None
    return None


def _signature_report(
    signature: EmbeddedPdfSignature, *, dss: DocumentSecurityStore | None, roots: list[x509.Certificate]
) -> dict[str, Any]:
    def context(moment: datetime | None) -> ValidationContext:
        kwargs: dict[str, Any] = {
            "trust_roots": roots,
            "allow_fetching": False,
            "revocation_mode": "hard-fail",
            "retroactive_revinfo": True,
        }
        if moment is not None:
            kwargs["moment"] = moment
        return dss.as_validation_context(kwargs) if dss is not None else ValidationContext(**kwargs)

    # The signer's and the time-stamping authority's certificates are validated at the time stamp's time, with the
    # revocation data embedded then: that is what makes a signature verify years later, after its certificates
    # expired or were revoked. (The document time stamp, B-LTA, vouches for that data; renewing it before the hash
    # algorithms age is not done yet.) A signature without a time stamp is validated now.
    stamped = _stamped_at(signature)
    status = validate_pdf_signature(
        signature, signer_validation_context=context(stamped), ts_validation_context=context(stamped)
    )
    timestamp = status.timestamp_validity
    return {
        "field": signature.field_name,
        "signer": status.signing_cert.subject.human_friendly,
        "signer_serial": str(status.signing_cert.serial_number),
        "signing_time": _iso(status.signer_reported_dt),
        "timestamp": (
            {
                "time": _iso(timestamp.timestamp),
                "authority": timestamp.signing_cert.subject.human_friendly,
                "intact": timestamp.intact,
                "valid": timestamp.valid,
                "trusted": timestamp.trusted,
            }
            if timestamp is not None
            else None
        ),
        "intact": status.intact,
        "valid": status.valid,
        "trusted": status.trusted,
        "revocation_at_signing": _revocation_at_signing(dss, status.signing_cert),
        "coverage": status.coverage.name if status.coverage is not None else None,
        "modifications": status.modification_level.name if status.modification_level is not None else None,
        "bottom_line": status.bottom_line,
        "summary": status.summary(),
    }


def _document_timestamp_report(
    stamp: EmbeddedPdfSignature, *, dss: DocumentSecurityStore | None, roots: list[x509.Certificate]
) -> dict[str, Any]:
    """A document time stamp (PAdES B-LTA): it vouches for the signature and its validation data at its time."""
    try:
        kwargs: dict[str, Any] = {"trust_roots": roots, "allow_fetching": False, "retroactive_revinfo": True}
        context = dss.as_validation_context(kwargs) if dss is not None else ValidationContext(**kwargs)
        status = validate_pdf_timestamp(stamp, validation_context=context)
    except Exception as exc:
        return {"valid": False, "error": f"{type(exc).__name__}: {exc}"}
    return {
        "time": _iso(status.timestamp),
        "authority": status.signing_cert.subject.human_friendly,
        "intact": status.intact,
        "trusted": status.trusted,
        "valid": bool(status.intact and status.valid and status.trusted),
    }


def pdf_validation_report(pdf: bytes) -> dict[str, Any]:
    """What an auditor needs of each signature in the PDF; `valid` is true when every signature holds, none is
    missing, and the file still claims PDF/A-3b."""
    setup = signing_setup()
    roots = list(setup.trust_roots) if setup is not None else []
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_regular_signatures)
        dss = DocumentSecurityStore.read_dss(reader) if "/DSS" in reader.root else None
    except Exception as exc:
        return {"signed": False, "valid": False, "error": f"{type(exc).__name__}: {exc}", "signatures": []}
    reports = []
    for signature in signatures:
        try:
            reports.append(_signature_report(signature, dss=dss, roots=roots))
        except Exception as exc:
            reports.append(
                {"field": signature.field_name, "bottom_line": False, "error": f"{type(exc).__name__}: {exc}"}
            )
    stamps = [_document_timestamp_report(stamp, dss=dss, roots=roots) for stamp in reader.embedded_timestamp_signatures]
    pdfa = _pdfa_claimed(reader)
    return {
        "signed": bool(signatures),
        "valid": bool(reports)
        and all(report["bottom_line"] for report in reports)
        and all(stamp["valid"] for stamp in stamps)
        and pdfa,
        "pdfa_claimed": pdfa,
        "long_term": dss is not None,
        "signatures": reports,
        "document_timestamps": stamps,
    }


def document_validation_report(document: GeneratedDocument, *, pdf: bytes | None = None) -> dict[str, Any]:
    """The validation report of a stored document; `pdf`: its bytes where the caller has read them already (an
    archive package its copy), so that the storage is not read twice."""
    if pdf is None:
        with document.file.open("rb") as stored:
            pdf = stored.read()
    report = pdf_validation_report(pdf)
    report["document"] = {
        "id": document.pk,
        "kind": document.kind,
        "filename": document.filename,
        "sha256": document.sha256,
    }
    return report


def document_validation(*, user: Any, document_id: Any) -> dict[str, Any]:
    """The validation report of a document, for those who may read the document; the read is recorded."""
    document = document_get(user=user, document_id=document_id)
    if document.status != DocumentStatus.READY or document.signature_status != SignatureStatus.SIGNED:
        raise Conflict(
            _("The document has no signature to validate."), code="document_not_signed", status=document.status
        )
    report = document_validation_report(document)
    audit_record(
        action="document.validation",
        actor=user,
        obj=document,
        tender_id=document.tender_id,
        detail={"sha256": document.sha256, "valid": report["valid"]},
    )
    return report
