"""PAdES signatures on the documents the system issues: who signs which kind, the keys, and signing a PDF.

HANKINTA_SIGNING_KEYS names a JSON file outside the repository:
    {"tsa_url": "https://tsa.example/", "trust_roots": "/etc/hankinta/trust-roots.pem",
     "signers": {"0245437-2": {"pkcs12": "/etc/hankinta/keys/kuopio.p12", "passphrase_file": "/run/secrets/kuopio"},
                 "system": {"pkcs12": "...", "passphrase_env": "HANKINTA_SYSTEM_KEY_PASSPHRASE"}}}
A signer is keyed by the authority's business ID, and "system" signs the receipts given to providers. HANKINTA_TSA_URL
and HANKINTA_TRUST_ROOTS, when set, override the file's. A signer description with "pkcs11" instead of "pkcs12" is
where an HSM would come in: `signer_load` is the one place that turns a description into a pyHanko signer.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol, cast

from asn1crypto import pem, x509
from django.conf import settings
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.sign import fields, signers, timestamps
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import RevokedError

from .models import DocumentKind, GeneratedDocument

SYSTEM = "system"
FIELD_NAME = "HankintaSignature"

# Who signs what. The authority signs what it decides or records and sends in its own name: every decision, the
# letters to the bidders, the opening record, the procedure report and the call-off order and its confirmation (the
# contract a framework's order makes). The system signs the receipt, which only it can give (it vouches for the time
# and the content of a sealed bid, which the authority cannot see). Unsigned: the call document (published in Hilma,
# replaced by each corrigendum; its record is the notice), the comparison reports (the decision, which is signed,
# carries them) and a copy disclosed on request (a copy of documents that are on record elsewhere, not a decision).
AUTHORITY_SIGNED = frozenset(
    {
        DocumentKind.DECISION,
        DocumentKind.INTERRUPTION,
        DocumentKind.CLAIM_DECISION,
        DocumentKind.SECRECY_DECISION,
        DocumentKind.ACCESS_DECISION,
        DocumentKind.LETTER,
        DocumentKind.OPENING_RECORD,
        DocumentKind.PROCEDURE_REPORT,
        DocumentKind.CALL_OFF_ORDER,
        DocumentKind.CALL_OFF_CONFIRMATION,
    }
)
SYSTEM_SIGNED = frozenset({DocumentKind.RECEIPT})


class SigningError(Exception):
    """Signing refused or failed; `code` is stable, the message says why for an officer."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SigningSetup:
    """HANKINTA_SIGNING_KEYS read: the time-stamping service, the trust roots and the signers' descriptions."""

    tsa_url: str
    trust_roots: tuple[x509.Certificate, ...]
    signers: dict[str, dict[str, Any]]


class KeySource(Protocol):
    """What signs: a PKCS#12 file now, a PKCS#11 token (an HSM) later; both give pyHanko a `signers.Signer`."""

    def pyhanko_signer(self) -> signers.Signer: ...


@dataclass(frozen=True)
class Pkcs12Key:
    path: Path
    passphrase: bytes

    def pyhanko_signer(self) -> signers.Signer:
        try:
            signer = signers.SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call]
                str(self.path), passphrase=self.passphrase
            )
        except Exception as exc:
            raise SigningError(f"The PKCS#12 file {self.path} could not be read: {exc}", code="key_unreadable") from exc
        if signer is None:
            raise SigningError(f"The PKCS#12 file {self.path} could not be read.", code="key_unreadable")
        return cast(signers.Signer, signer)


def _load_certificates(path: str) -> tuple[x509.Certificate, ...]:
    data = Path(path).read_bytes()
    if pem.detect(data):
        return tuple(x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True))
    return (x509.Certificate.load(data),)


@lru_cache(maxsize=8)
def _setup_from(path: str, tsa_url: str, trust_roots: str) -> SigningSetup:
    try:
        config = json.loads(Path(path).read_text())
        tsa = tsa_url or config.get("tsa_url", "")
        roots = trust_roots or config.get("trust_roots", "")
        if not tsa or not roots:
            raise SigningError(
                "The signing configuration names no time-stamping service or trust roots.", code="config"
            )
        return SigningSetup(tsa_url=tsa, trust_roots=_load_certificates(roots), signers=dict(config.get("signers", {})))
    except (OSError, ValueError, AttributeError) as exc:
        raise SigningError(f"The signing configuration {path} cannot be read: {exc}", code="config") from exc


def signing_configured() -> bool:
    """Whether documents are signed here: then a document of a signed kind is never issued unsigned."""
    return bool(settings.HANKINTA_SIGNING_KEYS)


def signing_setup() -> SigningSetup | None:
    """The configuration, or None where signing is not configured (development without the demo PKI, the tests)."""
    path = settings.HANKINTA_SIGNING_KEYS
    if not path:
        return None
    return _setup_from(str(path), settings.HANKINTA_TSA_URL, settings.HANKINTA_TRUST_ROOTS)


def signer_id_for(document: GeneratedDocument) -> str | None:
    """Who signs the document: the authority's business ID, "system", or None for a kind that is not signed."""
    if document.kind in SYSTEM_SIGNED:
        return SYSTEM
    if document.kind in AUTHORITY_SIGNED:
        return str(document.tender.authority.business_id)
    return None


def signer_load(setup: SigningSetup, signer_id: str) -> KeySource:
    description = setup.signers.get(signer_id)
    if description is None:
        raise SigningError(f"No signing key is configured for {signer_id}.", code="no_key")
    if "pkcs12" not in description:
        raise SigningError(f"The signing key of {signer_id} names no PKCS#12 file.", code="config")
    if "passphrase_file" in description:
        passphrase = Path(description["passphrase_file"]).read_bytes().strip()
    else:
        passphrase = os.environ.get(description.get("passphrase_env", ""), "").encode()
    return Pkcs12Key(path=Path(description["pkcs12"]), passphrase=passphrase)


def certificate_check(certificate: x509.Certificate, *, now: datetime) -> None:
    """Refuse a signer certificate outside its validity: a signature made with it would never verify."""
    validity = certificate["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    subject = certificate.subject.human_friendly
    if now > not_after:
        raise SigningError(
            f"The signer's certificate ({subject}) expired on {not_after.isoformat()}.", code="certificate_expired"
        )
    if now < not_before:
        raise SigningError(
            f"The signer's certificate ({subject}) is valid only from {not_before.isoformat()}.",
            code="certificate_not_yet_valid",
        )


@dataclass(frozen=True)
class SignedPdf:
    pdf: bytes
    signer_subject: str
    signed_at: datetime


def _producer_for_pdfa(writer: IncrementalPdfFileWriter) -> None:
    """PDF/A wants the info dictionary's Producer equal to the XMP's pdf:Producer. pyHanko writes its own name into
    the XMP and appends it to the info's Producer; naming pyHanko alone in both keeps them equal (the renderer is on
    the record and in the attached source.json)."""
    info_ref = writer.trailer.raw_get("/Info") if "/Info" in writer.trailer else None
    if isinstance(info_ref, generic.IndirectObject):
        info = info_ref.get_object()  # type: ignore[no-untyped-call]
        info["/Producer"] = generic.TextStringObject(VENDOR)
        writer.update_container(info)


def pdf_sign(pdf: bytes, *, key: KeySource, setup: SigningSetup, reason: str = "") -> SignedPdf:
    """Sign a PDF as PAdES B-LTA: a CAdES detached signature (ETSI.CAdES.detached) with an RFC 3161 time stamp from
    the configured service, the chain's certificates, OCSP responses and CRLs in the document's DSS, so that it
    verifies offline, and a document time stamp over all of it. Each is an incremental update: the PDF/A-3b file
    before them stays as it was."""
    signer = key.pyhanko_signer()
    certificate = signer.signing_cert
    if certificate is None:
        raise SigningError("The signing key comes with no certificate.", code="key_unreadable")
    now = datetime.now(UTC)
    certificate_check(certificate, now=now)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        reason=reason or None,
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=True,
        use_pades_lta=True,
        validation_context=ValidationContext(trust_roots=list(setup.trust_roots), allow_fetching=True),
        md_algorithm="sha256",
    )
    # Invisible, printable and locked: PDF/A-3b allows a zero-size widget without an appearance.
    field_spec = fields.SigFieldSpec(FIELD_NAME, invis_sig_settings=fields.InvisSigSettings(set_print_flag=True))
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        _producer_for_pdfa(writer)
        output = signers.sign_pdf(
            writer,
            metadata,
            signer=signer,
            timestamper=timestamps.HTTPTimeStamper(setup.tsa_url, timeout=30),
            new_field_spec=field_spec,
        )
    except SigningError:
        raise
    except Exception as exc:
        cause = exc.__cause__
        message = f"{type(exc).__name__}: {exc}" + (f" ({type(cause).__name__}: {cause})" if cause else "")
        code = "certificate_revoked" if isinstance(cause, RevokedError) else "signing_failed"
        raise SigningError(message, code=code) from exc
    return SignedPdf(pdf=output.getvalue(), signer_subject=certificate.subject.human_friendly, signed_at=now)
