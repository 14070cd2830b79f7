"""The authority's archive of a call's bids after the opening: one ZIP with a folder per bid (its submitted content
as JSON and its attachments), built in a temporary file and recorded as one audit event."""

import json
import re
import tempfile
import zipfile
from typing import IO

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext_lazy as _

from bids.attachments import attachment_plain_chunks, attachments_of_read_bids
from bids.content import version_manifest
from bids.models import Bid, BidStatus
from procurement.access import roles_of
from procurement.audit import audit_record
from procurement.errors import Forbidden
from tenders.models import Tender
from tenders.selectors import tender_get

from .panel import panel_access_check

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def _safe(name: str, fallback: str) -> str:
    """A name for a folder or a file inside the archive: no path, no control characters."""
    cleaned = _UNSAFE.sub("_", name).strip(" .")
    return cleaned[:120] or fallback


def tender_bids_archive_check(*, actor, tender_id: int) -> Tender:
    """Who may take the bids away in one file: the authority's officers (403 for anyone else who sees the call), only
    after the opening (403 bids_sealed, on record, as for reading the bids) and only as declared panel members
    without a conflict of interest, as for reading a bid (`panel_access_check`)."""
    tender = tender_get(user=actor, tender_id=tender_id)
    if not roles_of(actor).is_officer(tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers download every bid."), code="officers_only")
    if tender.bids_are_sealed:
        audit_record(action="bid.read_sealed", actor=actor, obj=tender, denied=True)
        raise Forbidden(_("Bids are sealed until they are opened after the tender deadline."), code="bids_sealed")
    panel_access_check(user=actor, tender=tender)
    return tender


def _summary(tender: Tender, bid: Bid, manifest: dict, attachments: list) -> dict:
    """The submitted content with the call's own numbers and names beside its ids, for a reader of the file."""
    lots = {lot.pk: lot for lot in tender.lots.all()}
    criteria = {c.pk: c for c in tender.criteria.all()}
    requirements = {r.pk: r for r in tender.requirements.all()}
    content = dict(manifest["content"])
    content["lot_offers"] = [
        {**offer, "lot_number": lots[offer["lot"]].number, "lot_title": lots[offer["lot"]].title}
        if offer.get("lot") in lots
        else offer
        for offer in content.get("lot_offers", [])
    ]
    content["quality_answers"] = [
        {**a, "criterion_number": criteria[a["criterion"]].number, "criterion_name": criteria[a["criterion"]].name}
        if a.get("criterion") in criteria
        else a
        for a in content.get("quality_answers", [])
    ]
    content["suitability_evidence"] = [
        {
            **e,
            "requirement_number": requirements[e["requirement"]].number,
            "requirement_text": requirements[e["requirement"]].text,
        }
        if e.get("requirement") in requirements
        else e
        for e in content.get("suitability_evidence", [])
    ]
    return {
        "call": {"id": tender.pk, "title": tender.title},
        "bid": bid.pk,
        "provider": {"name": bid.provider.name, "business_id": bid.provider.business_id},
        "version": manifest.get("version"),
        "received_at": manifest.get("received_at"),
        "manifest_sha256": bid.manifest_sha256,
        "content": content,
        "attachments": [
            {"file": f"attachments/{name}", "purpose": a.purpose, "size": a.size, "sha256": a.sha256}
            for a, name in attachments
        ],
    }


def _unique(names: set[str], name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    candidate, n = name, 2
    while candidate.lower() in names:
        candidate = f"{stem} ({n}).{ext}" if dot else f"{name} ({n})"
        n += 1
    names.add(candidate.lower())
    return candidate


def tender_bids_archive(*, actor, tender_id: int) -> tuple[str, IO[bytes]]:
    """Every submitted bid of the call in one ZIP (a temporary file, at its start): per bid a folder with `bid.json`
    (the content as submitted, with the call's names beside its ids) and its attachments, decrypted. One audit event
    names the bids and the files included; a damaged file stops the archive (AttachmentDamaged) before it."""
    tender = tender_bids_archive_check(actor=actor, tender_id=tender_id)
    bids = list(
        tender.bids.filter(status=BidStatus.SUBMITTED)
        .select_related("provider", "tender")
        .order_by("submitted_at", "pk")
    )
    files = attachments_of_read_bids(bids)
    archive = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the response, which closes it)
    included = []
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for number, bid in enumerate(bids, 1):
            version = bid.versions.order_by("-number").first()
            manifest = version_manifest(version)
            bid.manifest_sha256 = version.manifest_sha256
            folder = f"{number:02d} {_safe(bid.provider.name, f'bid-{bid.pk}')} ({bid.pk})"
            taken: set[str] = set()
            named = [(a, _unique(taken, _safe(a.filename, f"file-{a.pk}"))) for a in files[bid.pk]]
            summary = _summary(tender, bid, manifest, named)
            zipped.writestr(
                f"{folder}/bid.json", json.dumps(summary, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
            )
            for attachment, name in named:
                with zipped.open(f"{folder}/attachments/{name}", "w", force_zip64=True) as out:
                    for chunk in attachment_plain_chunks(attachment):
                        out.write(chunk)
            included.append({"bid": bid.pk, "version": version.number, "attachments": [str(a.pk) for a, _n in named]})
    archive.seek(0)
    audit_record(action="bid.export_all", actor=actor, obj=tender, detail={"bids": included})
    return f"bids-{tender.pk}.zip", archive
