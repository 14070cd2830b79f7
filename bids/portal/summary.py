"""The bidder's summary of a draft before the final submit: every part of the bid as it would be submitted, its
problems (the submission's own checks), and the fingerprint that ties a confirmation to what was shown."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from procurement.exclusion import EXCLUSION_GROUNDS
from procurement.labels import attachment_purpose_label
from procurement.money import format_money
from tenders.languages import in_language

from ..content import comparison_price, draft_fingerprint, ready_attachments, submission_errors
from ..models import AttachmentStatus, Bid

SECTION_TITLES = {
    "lot_offers": _("Prices"),
    "quality_answers": _("Quality"),
    "exclusion_declaration": _("Exclusion grounds"),
    "suitability_evidence": _("Suitability"),
    "contact": _("Contact person"),
    "business_secrets": _("Business secrets"),
    "attachments": _("Attachments"),
}


def _messages(problems) -> list[str]:
    problems = problems if isinstance(problems, list) else [problems]
    return [str(p.get("message")) if isinstance(p, dict) else str(p) for p in problems]


def bid_summary(bid: Bid, attachments) -> dict:
    """The summary's context for the owner's bid (`bid.content` is its draft) and its attachments (metadata
    opened)."""
    tender = bid.tender
    content = bid.content
    entries = ready_attachments(bid, attachments)
    purposes = {entry["purpose"] for entry in entries}
    secrets = set(content.get("business_secrets", []))
    files_for: dict[str, list[dict]] = {}
    files = []
    for entry in entries:
        row = {
            **entry,
            "purpose_label": attachment_purpose_label(entry["purpose"], tender),
            "secret": f"attachment:{entry['id']}" in secrets,
        }
        files.append(row)
        files_for.setdefault(entry["purpose"], []).append(row)

    problems = {key: _messages(value) for key, value in submission_errors(tender, content, purposes).items()}
    uploading = [a.filename for a in attachments if a.status == AttachmentStatus.UPLOADING]
    if uploading:
        waiting = _("An attachment is still uploading: finish or delete it before submitting.")
        problems["attachments"] = [f"{waiting} ({', '.join(uploading)})"]

    lots = {lot.pk: lot for lot in tender.lots.all()}
    offers = []
    for offer in content["lot_offers"]:
        lot = lots.get(offer["lot"])
        rate = Decimal(offer.get("vat_rate", "0"))
        offers.append(
            {
                "lot": lot,
                "title": in_language(lot, "title") if lot else str(offer["lot"]),
                "unit_price": format_money(offer["unit_price"]),
                "vat_rate": f"{rate.normalize():f} %",
                "comparison_price": format_money(comparison_price(offer["unit_price"], lot.volume)) if lot else "",
            }
        )
    offered = {offer["lot"] for offer in content["lot_offers"]}
    answers = {a["criterion"]: a["text"] for a in content["quality_answers"]}
    criteria = [
        {
            "criterion": c,
            "name": in_language(c, "name"),
            "text": answers.get(c.pk, ""),
            "files": files_for.get(f"criterion:{c.pk}", []),
            "secret": f"quality:{c.pk}" in secrets,
            "needed": c.lot_id is None or c.lot_id in offered,
        }
        for c in tender.criteria.select_related("lot").order_by("number")
    ]
    evidence = {e["requirement"]: e["text"] for e in content["suitability_evidence"]}
    requirements = [
        {
            "requirement": r,
            "text": in_language(r, "text"),
            "evidence": evidence.get(r.pk, ""),
            "files": files_for.get(f"requirement:{r.pk}", []),
            "secret": f"evidence:{r.pk}" in secrets,
        }
        for r in tender.requirements.order_by("number")
    ]
    declared = content["exclusion_declaration"]
    grounds = [
        {"ground": g, "answer": declared.get(g.code)} for g in EXCLUSION_GROUNDS if g.code in tender.exclusion_grounds
    ]
    none_applies = bool(grounds) and all(row["answer"] is False for row in grounds)
    return {
        "offers": offers,
        "criteria": criteria,
        "requirements": requirements,
        "grounds": grounds,
        "none_applies": none_applies,
        "contact": content.get("contact") or {},
        "contact_secret": "contact" in secrets,
        "files": files,
        "problems": [(SECTION_TITLES.get(key, key), messages) for key, messages in problems.items()],
        "draft_sha256": draft_fingerprint(content, entries),
    }
