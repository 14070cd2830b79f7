"""The documents of a request for documents (`evaluation.access_requests`): the authority's decision on it, with the
redress an access decision has, and the disclosed copy of a bid's answers with what the authority withholds
replaced by the legal ground."""

import re
from typing import Any

from django.utils import timezone

from bids import secrecy
from bids.content import version_manifest
from bids.models import Bid, BidVersion
from bids.secrecy import Withheld
from documents.models import GeneratedDocument
from procurement.models import ContractingAuthority
from tenders.models import QualityCriterion, SuitabilityRequirement

from ..models import AccessGround, AccessRequest

# A municipal authority's access decision is first challenged by a claim for rectification (Local Government Act
# 410/2015, section 134), any other's by an appeal to the administrative court (JulkL 33 §, Act 808/2019).
MUNICIPAL = {
    ContractingAuthority.Kind.MUNICIPALITY,
    ContractingAuthority.Kind.EMPLOYMENT_AREA,
    ContractingAuthority.Kind.JOINT_MUNICIPAL_AUTHORITY,
}


def _request_of(document: GeneratedDocument) -> AccessRequest:
    number = int(document.subject.split(":")[1])
    request: AccessRequest = (
        AccessRequest.objects.select_related("tender__authority", "provider", "decided_by")
        .prefetch_related("bids__provider")
        .get(pk=number, tender_id=document.tender_id)
    )
    return request


def _grounds(request: AccessRequest) -> list[dict[str, Any]]:
    from ..access_requests import GROUND_LAW

    return [
        {
            "code": code,
            "label": AccessGround(code).label,
            "law_fi": GROUND_LAW["fi"][code],
            "law_sv": GROUND_LAW["sv"][code],
        }
        for code in request.grounds
        if code in AccessGround.values
    ]


def access_decision_context(document: GeneratedDocument) -> dict[str, Any]:
    """The decision on a request: who asked what and when, the decision (granted, in part, refused), what is
    disclosed and what is withheld with the legal grounds and reasons, and the redress of an access decision."""
    request = _request_of(document)
    tender = request.tender
    granted_bids = set(request.granted.get("bids", []))
    bids = sorted(request.bids.all(), key=lambda b: b.provider.name)
    withheld = secrecy.secrecy_withheld(tender) if granted_bids else {}
    rows = [
        {
            "bid": bid,
            "provider": bid.provider,
            "granted": bid.pk in granted_bids,
            "withheld": [w.part for w in withheld.get(bid.pk, [])] if bid.pk in granted_bids else [],
        }
        for bid in bids
    ]
    return {
        "source_data": {
            "request": request.pk,
            "number": request.number,
            "status": request.status,
            "grounds": request.grounds,
            "granted": {k: v for k, v in request.granted.items() if k != "files"},
            "requested_at": request.requested_at,
            "decided_at": request.decided_at,
        },
        "document": document,
        "tender": tender,
        "authority": tender.authority,
        "request": request,
        "requester": request.requester,
        "bids": rows,
        "grounds": _grounds(request),
        "granted": request.granted,
        "municipal": tender.authority.kind in MUNICIPAL,
        "generated_at": timezone.now(),
    }


def _replace(text: str, withheld: Withheld, language: str) -> str:
    """The text with the withheld passages (all of it, when none is named) replaced by the mark."""
    from ..access_requests import withheld_mark

    mark = withheld_mark(withheld.ground, language)
    if not withheld.passages:
        return mark
    for passage in withheld.passages:
        words = [re.escape(word) for word in passage.split()]
        if words:
            text = re.sub(r"\s+".join(words), mark, text, flags=re.IGNORECASE)
    return text


def disclosed_copy_context(document: GeneratedDocument) -> dict[str, Any]:
    """A bid's answers as disclosed to a requester: its offers (prices are never secret), its answers to the quality
    criteria and its evidence of suitability, its contact, each part the authority withholds replaced by
    “[Salassa pidettävä: JulkL 24 § 1 mom. 20 k]”, and what became of each attachment. The declaration on the
    exclusion grounds is the bidder's statement about itself, for the authority alone, and is left out."""
    request = _request_of(document)
    parts = document.subject.split(":")
    if len(parts) != 4 or parts[2] != "bid":
        raise ValueError(f"A disclosed copy of {document.subject!r} is made by the redaction, not rendered.")
    bid = Bid.objects.select_related("provider", "tender").get(pk=int(parts[3]), tender_id=document.tender_id)
    version = BidVersion.objects.select_related("bid").get(bid=bid, number=bid.version)
    content = version_manifest(version)["content"]
    withheld = {w.part: w for w in secrecy.secrecy_withheld(bid.tender).get(bid.pk, [])}
    lots = {lot.pk: lot for lot in bid.tender.lots.all()}
    criteria = {c.pk: c for c in QualityCriterion.objects.filter(tender=bid.tender)}
    requirements = {r.pk: r for r in SuitabilityRequirement.objects.filter(tender=bid.tender)}

    def shown(part: str, text: str) -> tuple[dict[str, str], bool]:
        """The text as each language's section shows it (the mark names the law in that language)."""
        if part in withheld:
            return {lang: _replace(text, withheld[part], lang) for lang in ("fi", "sv")}, True
        return {"fi": text, "sv": text}, False

    answers = []
    if request.granted.get("answers"):
        for answer in content.get("quality_answers", []):
            text, hidden = shown(f"quality:{answer.get('criterion')}", str(answer.get("text", "")))
            answers.append({"criterion": criteria.get(answer.get("criterion")), "text": text, "withheld": hidden})
    evidence = []
    if request.granted.get("answers"):
        for item in content.get("suitability_evidence", []):
            text, hidden = shown(f"evidence:{item.get('requirement')}", str(item.get("text", "")))
            evidence.append(
                {"requirement": requirements.get(item.get("requirement")), "text": text, "withheld": hidden}
            )
    contact = content.get("contact") or {}
    contact_line = ", ".join(str(v) for v in (contact.get("name"), contact.get("email"), contact.get("phone")) if v)
    contact_text, contact_hidden = shown("contact", contact_line)
    offers = [
        {"lot": lots.get(offer.get("lot")), "unit_price": offer.get("unit_price"), "vat_rate": offer.get("vat_rate")}
        for offer in content.get("lot_offers", [])
    ]
    files = [f for f in request.granted.get("files", {}).values() if f.get("bid") == bid.pk]
    return {
        "source_data": {
            "request": request.pk,
            "bid": bid.pk,
            "version": version.number,
            "withheld": sorted(withheld),
            "files": files,
        },
        "document": document,
        "tender": bid.tender,
        "authority": bid.tender.authority,
        "request": request,
        "bid": bid,
        "provider": bid.provider,
        "offers": offers,
        "answers": answers,
        "evidence": evidence,
        "contact": contact_text if request.granted.get("answers") and contact_line else {},
        "contact_withheld": contact_hidden,
        "files": files,
        "attachments_granted": bool(request.granted.get("attachments")),
        "withheld_mark": {lang: withheld_mark_for(lang) for lang in ("fi", "sv")},
        "generated_at": timezone.now(),
    }


def withheld_mark_for(language: str) -> str:
    from ..access_requests import withheld_mark

    return withheld_mark(AccessGround.BUSINESS_SECRET, language)


def access_filename(document: GeneratedDocument) -> tuple[list[str], int]:
    """A request's documents are named by its number (and a copy by its bid)."""
    parts = document.subject.split(":")
    extra = []
    if len(parts) >= 2 and parts[1].isdigit():
        number = AccessRequest.objects.filter(pk=int(parts[1])).values_list("number", flat=True).first()
        extra.append(f"request-{number}")
    if len(parts) == 4 and parts[2] == "bid":
        extra.append(f"bid-{parts[3]}")
    return extra, document.version
