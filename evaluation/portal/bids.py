"""Portal pages of the bids after the opening: the bids of a lot with their answers beside the attachments they refer
to (for those who may read bids), one attachment opened in the browser, and every bid in one ZIP (for officers)."""

import itertools

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import render

from bids.api.attachments import OCTET_STREAM, content_disposition
from bids.attachments import attachment_chunks_for_read, attachments_of_read_bids
from bids.models import AttachmentStatus, Bid, LotOffer
from bids.secrecy import secrecy_withheld, withheld_parts
from bids.selectors import tender_bids
from procurement.errors import NotFound
from procurement.exclusion import EXCLUSION_GROUNDS
from tenders.portal.officer_common import may_act_as_officer, our_tender, tender_nav

from ..archive import tender_bids_archive
from .assessment import _panel_read

PDF = "application/pdf"
# Anything but a PDF is downloaded and may not run as a page; a PDF is shown by the browser's own viewer, which a
# `sandbox` directive would block (Chromium treats its viewer as a plugin), so it gets no sandbox, and nothing else.
DOWNLOAD_CSP = "default-src 'none'; sandbox"
PDF_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def _purpose_index(files) -> dict[str, list]:
    by_purpose: dict[str, list] = {}
    for attachment in files:
        by_purpose.setdefault(attachment.purpose, []).append(attachment)
    return by_purpose


def _entry(tender, bid, lot, offer, files, criteria, requirements, secrets: set[str]) -> dict:
    """One bid as the lot's page shows it: its price, each answer and piece of evidence with the files given for it,
    the declaration, and the rest of its files; `secrets` flags what the others do not see of it (`bids.secrecy`: the
    authority's decision on the markings), while the panel reads it all."""
    content = bid.content
    by_purpose = _purpose_index(files)
    answers = {a["criterion"]: a.get("text", "") for a in content.get("quality_answers", [])}
    evidence = {e["requirement"]: e.get("text", "") for e in content.get("suitability_evidence", [])}
    declaration = content.get("exclusion_declaration", {})
    shown = {f"criterion:{c.pk}" for c in criteria} | {f"requirement:{r.pk}" for r in requirements}
    return {
        "bid": bid,
        "offer": offer,
        "answers": [
            {
                "criterion": c,
                "text": answers.get(c.pk, ""),
                "files": by_purpose.get(f"criterion:{c.pk}", []),
                "secret": f"quality:{c.pk}" in secrets,
            }
            for c in criteria
        ],
        "evidence": [
            {
                "requirement": r,
                "text": evidence.get(r.pk, ""),
                "files": by_purpose.get(f"requirement:{r.pk}", []),
                "secret": f"evidence:{r.pk}" in secrets,
            }
            for r in requirements
        ],
        "declaration": [
            {"ground": g, "applies": bool(declaration.get(g.code))}
            for g in EXCLUSION_GROUNDS
            if g.code in tender.exclusion_grounds
        ],
        # Files for a criterion of another lot are that lot's business; the general ones are shown on every lot.
        "other_files": [
            a for a in files if a.purpose not in shown and not a.purpose.startswith(("criterion:", "requirement:"))
        ],
        "secret_files": {a.pk for a in files if f"attachment:{a.pk}" in secrets},
        "contact": content.get("contact", {}),
        "contact_secret": "contact" in secrets,
    }


@login_required
def bids(request, pk: int, lot_number: int | None = None):
    tender = our_tender(request, pk)
    read = _panel_read(request, tender, "evaluation:bids", lambda: tender_bids(user=request.user, tender_id=tender.pk))
    lots = list(tender.lots.order_by("number"))
    lot = next((x for x in lots if lot_number in (None, x.number)), None)
    if lot is None:
        raise NotFound()
    files = attachments_of_read_bids(read)
    offers = {o.bid_id: o for o in LotOffer.objects.filter(bid__in=read, lot=lot)}
    criteria = [c for c in tender.criteria.order_by("number") if c.lot_id in (None, lot.pk)]
    requirements = list(tender.requirements.order_by("number"))
    withheld = secrecy_withheld(tender)
    entries = [
        _entry(
            tender,
            bid,
            lot,
            offers[bid.pk],
            files[bid.pk],
            criteria,
            requirements,
            withheld_parts(withheld.get(bid.pk, [])),
        )
        for bid in read
        if bid.pk in offers
    ]
    context = {
        "tender": tender,
        "call_nav": tender_nav(request, tender, "evaluation:bids"),
        "lots": lots,
        "lot": lot,
        "entries": entries,
        "may_download_all": may_act_as_officer(request, tender) and bool(read),
        "may_review_secrets": may_act_as_officer(request, tender),
    }
    return render(request, "evaluation/portal/bids.html", context)


@login_required
def bid_attachment(request, pk: int, bid_id: int, attachment_id):
    """One file of a bid, read as the API's download reads it (the same rules and the same audit event): a PDF is
    shown in the browser, any other type is downloaded."""
    tender = our_tender(request, pk)
    if not Bid.objects.filter(pk=bid_id, tender=tender).exists():
        raise NotFound()
    attachment, chunks = attachment_chunks_for_read(user=request.user, bid_id=bid_id, attachment_id=attachment_id)
    # The first chunk is opened before answering, so that a damaged file gets an error page, not a cut-off body.
    first = next(chunks, b"")
    content_type = attachment.content_type or OCTET_STREAM
    response = StreamingHttpResponse(itertools.chain([first], chunks), content_type=content_type)
    ready = attachment.status == AttachmentStatus.READY
    response["Content-Length"] = str(attachment.size if ready else attachment.received_bytes)
    disposition = content_disposition(attachment.filename)
    if content_type == PDF:
        response["Content-Disposition"] = "inline" + disposition.removeprefix("attachment")
        response["Content-Security-Policy"] = PDF_CSP
    else:
        response["Content-Disposition"] = disposition
        response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def bids_zip(request, pk: int):
    """Every submitted bid of the call with its attachments, in one ZIP, for the authority's officers."""
    tender = our_tender(request, pk)
    filename, archive = tender_bids_archive(actor=request.user, tender_id=tender.pk)
    response = FileResponse(archive, as_attachment=True, filename=filename, content_type="application/zip")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
