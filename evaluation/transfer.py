"""The archive transfer package of a procedure that is over: its records (the stored PDF/A files byte for byte) and
the call's own files, a SÄHKE2-style description of the procedure and of each record with the metadata of the
authority's information management plan (documents.records), the call's audit events with the chain's verification
and anchor, packed as a BagIt bag (RFC 8493) with SHA-256 and SHA-512 manifests, validated, and zipped.

SÄHKE2 (the National Archives' metadata model for transfers, 2011/12/20 schema) is followed as far as it fits:
Transfer → TransferInformation, ContactInformation, CaseFile (the procedure) → Action (a stage of it) → Record →
Document → File. What SÄHKE2 has no element for (the procedure's CPV codes, lots and outcome, the record's party,
where its retention period starts) is in the `urn:hankinta:archive:1` namespace beside it. The XML is not checked
against the National Archives' XSD, which is not shipped here: check it with their validator before a real transfer."""

import hashlib
import json
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import bagit
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from lxml import etree

from documents.evidence import tender_audit_events_json
from documents.models import (
    DocumentKind,
    DocumentStatus,
    GeneratedDocument,
    PersonalData,
    Publicity,
    SignatureStatus,
)
from documents.records import FUNCTION_CODE, FUNCTION_TITLE, RecordMetadata, records_metadata
from documents.services import documents_visible_to
from documents.verification import document_validation_report
from procurement.access import AnyUser, roles_of
from procurement.audit import audit_record
from procurement.auditchain import anchors_read, chain_head, chain_link, verify_chain
from procurement.errors import Conflict, Forbidden
from procurement.periods import local_date
from tenders.models import Tender, TenderDocument, TenderStatus, lots_unfinished
from tenders.selectors import tender_get

from .archive import _safe
from .models import LotAward
from .panel import panel_access_check

S2 = "http://www.arkisto.fi/skeemat/Sahke2/2011/12/20"
HK = "urn:hankinta:archive:1"
NSMAP = {None: S2, "hk": HK}
SOFTWARE = f"Hankinta archive_export (bagit.py {bagit.VERSION})"

# SÄHKE2's words for the publicity class and personal data.
PUBLICITY_CLASS = {
    Publicity.PUBLIC: "Julkinen",
    Publicity.SECRET_IN_PART: "Osittain salassapidettävä",
    Publicity.SECRET: "Salassa pidettävä",
}
PERSONAL_DATA = {
    PersonalData.NONE: "ei sisällä henkilötietoja",
    PersonalData.CONTAINS: "sisältää henkilötietoja",
    PersonalData.SENSITIVE: "sisältää arkaluonteisia henkilötietoja",
}
# The stages of the procedure (SÄHKE2's actions) and the records of each.
ACTIONS: list[tuple[str, str, tuple[str, ...]]] = [
    ("call", "Tarjouspyyntö", (DocumentKind.CALL,)),
    ("bids", "Tarjousten vastaanotto", (DocumentKind.RECEIPT,)),
    ("opening", "Tarjousten avaaminen", (DocumentKind.OPENING_RECORD,)),
    (
        "decision",
        "Tarjousten vertailu ja hankintapäätös",
        (DocumentKind.COMPARISON, DocumentKind.DECISION, DocumentKind.LETTER, DocumentKind.PROCEDURE_REPORT),
    ),
    ("interruption", "Hankinnan keskeyttäminen", (DocumentKind.INTERRUPTION,)),
    (
        "after_decision",
        "Oikaisut, salassapito ja tietopyynnöt",
        (
            DocumentKind.CLAIM_DECISION,
            DocumentKind.SECRECY_DECISION,
            DocumentKind.ACCESS_DECISION,
            DocumentKind.DISCLOSED_COPY,
        ),
    ),
    ("call_offs", "Puitejärjestelyn hankinnat", (DocumentKind.CALL_OFF_ORDER, DocumentKind.CALL_OFF_CONFIRMATION)),
]


def _validation_report(document: GeneratedDocument, copy: Path) -> dict[str, Any] | None:
    """A signed record's signature validation report (written to data/validation/), checked offline now against the
    trust roots and the revocation data embedded in the file (its copy in the bag, already checked against its
    SHA-256); an unsigned record has none."""
    if document.signature_status != SignatureStatus.SIGNED:
        return None
    return document_validation_report(document, pdf=copy.read_bytes())


@dataclass(frozen=True)
class ArchivePackage:
    bag: Path  # the bag's directory
    zip: Path  # the bag zipped, its directory at the top
    sha256: str  # of the zip
    records: int
    call_files: int


def procedure_over(tender: Tender) -> bool:
    """A procedure is over when the call is completed, interrupted (cancelled) or unsuccessful, or decided with every
    lot finished (its contract signed or cancelled, or the lot interrupted)."""
    if tender.status in (TenderStatus.COMPLETED, TenderStatus.CANCELLED, TenderStatus.UNSUCCESSFUL):
        return True
    return tender.status == TenderStatus.DECIDED and not lots_unfinished(tender)


def archive_package_check(*, actor: AnyUser, tender_id: int) -> Tender:
    """Who makes a call's archive package: the authority's officers and auditors (404 for whoever does not see the
    call, 403 for the others who do); an officer only as a declared panel member without a conflict of interest
    once the bids are opened, as for reading them; and only when the procedure is over (409 procedure_not_over)."""
    tender = tender_get(user=actor, tender_id=tender_id)
    roles = roles_of(actor)
    if not (roles.is_officer(tender.authority_id) or roles.audits(tender.authority_id)):
        raise Forbidden(
            _("The archive package is made by the authority's officers and auditors."), code="archive_for_authority"
        )
    if not procedure_over(tender):
        raise Conflict(
            _("The archive package is made once the procedure is over: completed, interrupted or unsuccessful."),
            code="procedure_not_over",
            status=tender.status,
        )
    if not tender.bids_are_sealed:
        panel_access_check(user=actor, tender=tender)
    return tender


# What a call never opened keeps sealed for good (Annex IV of Directive 2014/24): the records that name its bidders
# or show their bids' content. They stay out of its package, which says how many were left out.
SEALED_KINDS = (
    DocumentKind.RECEIPT,
    DocumentKind.OPENING_RECORD,
    DocumentKind.COMPARISON,
    DocumentKind.LETTER,
    DocumentKind.DECISION,
    DocumentKind.PROCEDURE_REPORT,
)


def _records(tender: Tender, actor: AnyUser | None) -> tuple[list[GeneratedDocument], int]:
    """Every ready record of the call (but those a call never opened keeps sealed), and how many were left out
    sealed; a user must be able to read each of them (documents_visible_to)."""
    ready = GeneratedDocument.objects.select_related("tender", "provider").filter(
        tender=tender, status=DocumentStatus.READY
    )
    included = ready.exclude(kind__in=SEALED_KINDS) if tender.bids_are_sealed else ready
    sealed = ready.count() - included.count()
    if actor is not None:
        readable = documents_visible_to(user=actor).filter(pk__in=included.values("pk"))
        if readable.count() != included.count():
            raise Forbidden(_("Some of the call's records are not yours to read."), code="records_not_readable")
    return list(included.order_by("kind", "version", "pk")), sealed


def _sub(parent: etree._Element, name: str, text: object = None, ns: str = S2, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{name}", **attrs)
    if text is not None:
        element.text = text.isoformat() if isinstance(text, date | datetime) else str(text)
    return element


def _day(moment: datetime | None) -> date | None:
    return local_date(moment) if moment is not None else None


def _restriction(parent: etree._Element, meta: RecordMetadata) -> None:
    restriction = _sub(parent, "Restriction")
    _sub(restriction, "PublicityClass", PUBLICITY_CLASS[Publicity(meta.publicity)])
    if meta.publicity != Publicity.PUBLIC:
        _sub(restriction, "SecurityPeriod", meta.secrecy_years)
        if meta.secrecy_ends_on is not None:
            _sub(restriction, "SecurityPeriodEnd", meta.secrecy_ends_on)
        for reason in meta.secrecy_reasons:
            _sub(restriction, "SecurityReason", reason)
    _sub(restriction, "PersonalData", PERSONAL_DATA[PersonalData(meta.personal_data)])


def _retention(parent: etree._Element, meta: RecordMetadata) -> None:
    _sub(parent, "RetentionPeriod", -1 if meta.permanent else meta.retention_years)  # SÄHKE2: -1 is permanent
    _sub(parent, "RetentionReason", meta.plan.retention_reason)
    if meta.retention_ends_on is not None:
        _sub(parent, "RetentionPeriodEnd", meta.retention_ends_on)
    _sub(parent, "RetentionFrom", meta.retention_from, ns=HK)


def _procedure(case: etree._Element, tender: Tender) -> None:
    procedure = _sub(case, "Procedure", ns=HK)
    _sub(procedure, "Reference", tender.reference, ns=HK)
    _sub(procedure, "ProcedureIdentifier", tender.procedure_uuid, ns=HK)
    _sub(procedure, "Authority", tender.authority.name_fi, ns=HK, businessId=tender.authority.business_id)
    _sub(procedure, "ProcedureKind", tender.procedure, ns=HK)
    _sub(procedure, "FrameworkAgreement", "true" if tender.is_framework else "false", ns=HK)
    _sub(procedure, "MainCpv", tender.cpv_main, ns=HK)
    for code in tender.cpv_additional or []:
        _sub(procedure, "AdditionalCpv", code, ns=HK)
    if tender.estimated_value is not None:
        _sub(procedure, "EstimatedValue", tender.estimated_value, ns=HK, currency="EUR")
    dates = _sub(procedure, "Dates", ns=HK)
    for name in ("published_at", "submission_deadline", "opened_at", "decided_at", "completed_at", "cancelled_at"):
        value = getattr(tender, name)
        if value is not None:
            _sub(dates, "Date", value.isoformat(), ns=HK, event=name.removesuffix("_at"))
    _sub(procedure, "Outcome", tender.status, ns=HK)
    reason = tender.cancel_reason or tender.unsuccessful_reason
    if reason:
        _sub(procedure, "OutcomeReason", reason, ns=HK)
    winners: dict[int, list[LotAward]] = {}
    for award in LotAward.objects.filter(decision__tender=tender, winner__isnull=False).select_related(
        "winner__bid__provider"
    ):
        if award.winner is not None:
            winners.setdefault(award.lot_id, []).append(award)
    lots = _sub(procedure, "Lots", ns=HK)
    for lot in tender.lots.select_related("contract").order_by("number"):
        element = _sub(lots, "Lot", ns=HK, number=str(lot.number), status=lot.status)
        _sub(element, "Title", lot.title, ns=HK)
        for award in winners.get(lot.pk, []):
            provider = award.winner.bid.provider  # type: ignore[union-attr]  # winners only, above
            _sub(element, "Winner", provider.name, ns=HK, rank=str(award.rank), businessId=provider.business_id)
        contract = getattr(lot, "contract", None)
        if contract is not None:
            attrs = {"status": contract.status}
            if contract.signed_on is not None:
                attrs["signedOn"] = contract.signed_on.isoformat()
            _sub(element, "Contract", contract.contract_reference or None, ns=HK, **attrs)


def _stored_file(
    record: etree._Element, *, native_id: str, path: str, sha256: str, size: int | None, mime_type: str
) -> etree._Element:
    """SÄHKE2's Document of a record: the file in the bag (its path and SHA-256) and its format."""
    stored = _sub(record, "Document")
    _sub(stored, "NativeId", native_id)
    _sub(stored, "UseType", "Arkistokappale")
    file = _sub(stored, "File")
    _sub(file, "Name", path.rsplit("/", 1)[-1])
    _sub(file, "Path", path)
    _sub(file, "Checksum", sha256, algorithm="SHA-256")
    _sub(file, "Size", size, ns=HK)
    _sub(_sub(stored, "Format"), "MimeType", mime_type)
    return stored


def _record_title(document: GeneratedDocument) -> str:
    with translation.override("fi"):
        title = str(DocumentKind(document.kind).label)
    if document.provider is not None:
        title += f": {document.provider.name}"
    return f"{title} (v{document.version})"


def sahke2_xml(
    *,
    tender: Tender,
    records: list[tuple[GeneratedDocument, str, str | None]],
    metadata: dict[int, RecordMetadata],
    call_files: list[tuple[TenderDocument, str]],
    package_id: str,
    sealed: int = 0,
) -> bytes:
    """The SÄHKE2-style description: `records` are (document, its path in the bag, its validation report's path)."""
    root = etree.Element(f"{{{S2}}}Transfer", nsmap=NSMAP)
    info = _sub(root, "TransferInformation")
    _sub(info, "NativeId", package_id)
    _sub(info, "Title", f"{tender.reference or tender.pk}: {tender.title_fi or tender.title_sv}")
    _sub(info, "Created", timezone.now().isoformat(timespec="seconds"))
    _sub(info, "MetadataSchema", "SÄHKE2 2011/12/20 (sovellettu, laajennukset nimiavaruudessa urn:hankinta:archive:1)")
    contact = _sub(root, "ContactInformation")
    organisation = _sub(contact, "Organisation")
    _sub(organisation, "Name", tender.authority.name_fi)
    _sub(organisation, "BusinessId", tender.authority.business_id, ns=HK)
    if tender.authority.email:
        _sub(organisation, "Email", tender.authority.email, ns=HK)

    case = _sub(root, "CaseFile")
    _sub(case, "NativeId", tender.reference or f"call-{tender.pk}")
    _sub(case, "Title", tender.title_fi or tender.title_sv)
    if tender.title_sv:
        _sub(case, "AlternativeTitle", tender.title_sv, ns=HK, lang="sv")
    _sub(case, "Created", _day(tender.created_at))
    _sub(case, "Language", tender.language)
    _sub(case, "Function", FUNCTION_CODE)
    _sub(case, "FunctionTitle", FUNCTION_TITLE, ns=HK)
    all_meta = [metadata[d.pk] for d, _p, _v in records]
    publicity_order: list[str] = list(PUBLICITY_CLASS)
    personal_order: list[str] = list(PERSONAL_DATA)
    worst = max((m.publicity for m in all_meta), key=publicity_order.index, default=Publicity.PUBLIC)
    personal = max((m.personal_data for m in all_meta), key=personal_order.index, default=PersonalData.NONE)
    restriction = _sub(case, "Restriction")
    _sub(restriction, "PublicityClass", PUBLICITY_CLASS[Publicity(worst)])
    _sub(restriction, "PersonalData", PERSONAL_DATA[PersonalData(personal)])
    permanent = any(m.permanent for m in all_meta)
    ends = [m.retention_ends_on for m in all_meta if m.retention_ends_on is not None]
    _sub(case, "RetentionPeriod", -1 if permanent else max((m.retention_years or 0 for m in all_meta), default=0))
    if ends and not permanent:
        _sub(case, "RetentionPeriodEnd", max(ends))
    _sub(case, "Status", "valmis")
    _procedure(case, tender)
    if sealed:
        _sub(
            case,
            "SealedRecords",
            "Tarjouksia ei avattu: tarjoajat nimeävät asiakirjat pysyvät sinetöityinä eivätkä ole paketissa.",
            ns=HK,
            count=str(sealed),
        )

    by_kind: dict[str, list[tuple[GeneratedDocument, str, str | None]]] = {}
    for entry in records:
        by_kind.setdefault(entry[0].kind, []).append(entry)
    for code, title, kinds in ACTIONS:
        entries = [entry for kind in kinds for entry in by_kind.get(kind, [])]
        if not entries:
            continue
        action = _sub(case, "Action")
        _sub(action, "Title", title)
        _sub(action, "Type", code)
        _sub(action, "Created", min(local_date(d.rendered_at or d.created_at) for d, _p, _v in entries))
        for document, path, validation in entries:
            meta = metadata[document.pk]
            record = _sub(action, "Record")
            _sub(record, "NativeId", f"document-{document.pk}")
            _sub(record, "Title", _record_title(document))
            _sub(record, "Type", document.kind)
            _sub(record, "Created", _day(document.rendered_at or document.created_at))
            _sub(record, "Language", document.language)
            _sub(record, "Version", document.version)
            _sub(record, "Function", meta.plan.function_code)
            _restriction(record, meta)
            _retention(record, meta)
            if document.provider is not None:
                _sub(record, "Party", document.provider.name, ns=HK, businessId=document.provider.business_id)
            stored = _stored_file(
                record,
                native_id=document.filename or f"document-{document.pk}.pdf",
                path=path,
                sha256=document.sha256,
                size=document.size,
                mime_type="application/pdf",
            )
            _sub(stored.find(f"{{{S2}}}Format"), "Version", "PDF/A-3b")
            if validation is not None:
                _sub(stored, "ValidationReport", validation, ns=HK)
    if call_files:
        action = _sub(case, "Action")
        _sub(action, "Title", "Tarjouspyynnön liitteet")
        _sub(action, "Type", "call_files")
        _sub(action, "Created", min(local_date(f.added_at) for f, _p in call_files))
        for call_file, path in call_files:
            record = _sub(action, "Record")
            _sub(record, "NativeId", f"call-file-{call_file.pk}")
            _sub(record, "Title", call_file.title_fi or call_file.filename)
            _sub(record, "Type", call_file.kind)
            _sub(record, "Created", _day(call_file.added_at))
            _sub(record, "Version", call_file.number)
            _stored_file(
                record,
                native_id=call_file.filename,
                path=path,
                sha256=call_file.sha256,
                size=call_file.size,
                mime_type=call_file.content_type,
            )
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml


def _copy(field_file: Any, target: Path) -> str:
    digest = hashlib.sha256()
    with field_file.open("rb") as source, target.open("wb") as out:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _chain_extract() -> dict[str, Any]:
    """The chain's verification and the latest signed anchor line (its HMAC checkable with the authority's key)."""
    chain_link()
    report = verify_chain()
    anchors = anchors_read()
    return {
        "verified_at": timezone.now(),
        "verification": report.as_dict(),
        "head": chain_head(),
        "latest_anchor": anchors.valid[-1] if anchors.valid else None,
        "anchor_file_missing": anchors.missing,
    }


def _zip(bag: Path, target: Path) -> str:
    import zipfile

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(p for p in bag.rglob("*") if p.is_file()):
            zipped.write(path, f"{bag.name}/{path.relative_to(bag).as_posix()}")
    digest = hashlib.sha256()
    with target.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1), encoding="utf-8")


def archive_package_build(*, tender: Tender, actor: AnyUser | None, directory: Path) -> ArchivePackage:
    """Build the call's package in `directory` (a bag directory and its zip), validate the bag and record one
    `archive.export` event with the zip's SHA-256. `actor` None is the operator's command; a user must be checked by
    `archive_package_check` first. A stored file that no longer matches its recorded SHA-256 stops the package
    (409 record_damaged)."""
    if not procedure_over(tender):
        raise Conflict(
            _("The archive package is made once the procedure is over: completed, interrupted or unsuccessful."),
            code="procedure_not_over",
            status=tender.status,
        )
    documents, sealed = _records(tender, actor)
    name = _safe(f"{tender.reference or f'call-{tender.pk}'}-archive-{timezone.now():%Y%m%d-%H%M%S}", "archive")
    bag = Path(directory) / name
    for folder in ("records", "call-files", "metadata", "audit"):
        (bag / folder).mkdir(parents=True)
    records = []
    for document in documents:
        filename = _safe(document.filename or f"{document.kind}-v{document.version}.pdf", "record.pdf")
        path = f"records/{document.pk:06d}_{filename}"
        if _copy(document.file, bag / path) != document.sha256:
            shutil.rmtree(bag)
            raise Conflict(
                _("A stored record does not match its recorded SHA-256."), code="record_damaged", document=document.pk
            )
        validation = None
        report = _validation_report(document, bag / path)
        if report is not None:
            (bag / "validation").mkdir(exist_ok=True)
            validation = f"validation/{document.pk:06d}.json"
            _write_json(bag / validation, report)
        records.append((document, f"data/{path}", f"data/{validation}" if validation else None))
    call_files = []
    for call_file in TenderDocument.objects.filter(tender=tender).order_by("pk"):
        path = f"call-files/{call_file.pk:06d}_{_safe(call_file.filename, 'file')}"
        if _copy(call_file.file, bag / path) != call_file.sha256:
            shutil.rmtree(bag)
            raise Conflict(_("A call's file does not match its recorded SHA-256."), code="record_damaged")
        call_files.append((call_file, f"data/{path}"))
    package_id = str(uuid.uuid4())
    metadata = records_metadata(documents)
    (bag / "metadata" / "sahke2.xml").write_bytes(
        sahke2_xml(
            tender=tender,
            records=records,
            metadata=metadata,
            call_files=call_files,
            package_id=package_id,
            sealed=sealed,
        )
    )
    chain = _chain_extract()  # links what waits first, so that every event of the call has its place in the chain
    (bag / "audit" / "audit-events.json").write_bytes(tender_audit_events_json(tender.pk))
    _write_json(bag / "audit" / "chain.json", chain)
    authority = tender.authority
    made = bagit.make_bag(
        str(bag),
        bag_info={
            "Source-Organization": authority.name_fi,
            "Organization-Address": authority.address or authority.street or "",
            "Contact-Email": authority.email or "",
            "External-Identifier": tender.reference or f"call-{tender.pk}",
            "External-Description": tender.title_fi or tender.title_sv,
            "Internal-Sender-Identifier": f"{package_id} (call {tender.pk})",
            "Internal-Sender-Description": (
                "Hankintamenettelyn arkistosiirtopaketti: asiakirjat (PDF/A), SÄHKE2-kuvailu "
                "(data/metadata/sahke2.xml), lokiote ja ketjun ankkuri (data/audit/)."
            ),
            "Bag-Software-Agent": SOFTWARE,
            "Bag-Group-Identifier": authority.business_id,
        },
        checksums=["sha256", "sha512"],
    )
    made.validate()
    target = Path(directory) / f"{name}.zip"
    digest = _zip(bag, target)
    tagmanifest = hashlib.sha256((bag / "tagmanifest-sha256.txt").read_bytes()).hexdigest()
    audit_record(
        action="archive.export",
        actor=actor,
        obj=tender,
        detail={
            "sha256": digest,
            "package": package_id,
            "bag": name,
            "tagmanifest_sha256": tagmanifest,
            "records": [d.pk for d in documents],
            "sealed_left_out": sealed,
            "call_files": len(call_files),
            "chain_intact": chain["verification"]["intact"],
            "by": "user" if actor is not None else "command",
        },
    )
    return ArchivePackage(bag=bag, zip=target, sha256=digest, records=len(documents), call_files=len(call_files))


def archive_package_download(*, actor: AnyUser, tender_id: int) -> tuple[str, str, IO[bytes]]:
    """An officer's or auditor's package of a call, zipped: (its file name, its SHA-256, the file at its start)."""
    tender = archive_package_check(actor=actor, tender_id=tender_id)
    with tempfile.TemporaryDirectory(prefix="archive-") as directory:
        package = archive_package_build(tender=tender, actor=actor, directory=Path(directory))
        out = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the response, which closes it)
        with package.zip.open("rb") as source:
            shutil.copyfileobj(source, out)
    out.seek(0)
    return package.zip.name, package.sha256, out
