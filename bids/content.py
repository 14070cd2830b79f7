"""The content of a bid (offers, answers, declarations, evidence, contact, business secrets): its checks against
the call, and its sealed storage. Before the opening it exists only as ciphertext."""

import hashlib
import re
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.money import format_money
from procurement.rules import vat_rates_on
from tenders.models import LotStatus, Tender

from .models import MAX_UNIT_PRICE, MIN_UNIT_PRICE, AttachmentStatus, Bid, BidAttachment, BidVersion
from .sealing import canonical_json, seal_json, unseal_json, unseal_json_many

EMPTY_CONTENT: dict = {
    "lot_offers": [],
    "quality_answers": [],
    "exclusion_declaration": {},
    "suitability_evidence": [],
    "contact": {},
    "business_secrets": [],
}
SECRET_KEY_PATTERN = re.compile(r"^(quality:\d+|evidence:\d+|attachment:[0-9a-f-]{36}|contact)$")
# A unit price's bounds and the sentences that refuse one beyond them, for the API's serializer and the portal's
# form alike (the sentence is interpolated by the validator, in either: "at most 1000000.00").
UNIT_PRICE_BOUNDS = {"max_digits": 12, "decimal_places": 2, "min_value": MIN_UNIT_PRICE, "max_value": MAX_UNIT_PRICE}
UNIT_PRICE_ERRORS = {
    "min_value": _("The price must be greater than zero."),
    "max_value": _("The price is larger than any plausible price (at most %(limit_value)s)."),
}


def unit_price_field(field_class, **kwargs):
    """A unit price without VAT, as a field of `field_class` (a form's or a serializer's DecimalField)."""
    return field_class(**UNIT_PRICE_BOUNDS, error_messages=UNIT_PRICE_ERRORS, **kwargs)


def draft_context(bid: Bid) -> str:
    return f"bid-draft:{bid.pk}"


def version_context(bid_id: int, number: int) -> str:
    return f"bid-version:{bid_id}:{number}"


def draft_content(bid: Bid) -> dict:
    if not bid.sealed_draft:
        return {key: type(value)() for key, value in EMPTY_CONTENT.items()}
    return {**EMPTY_CONTENT, **unseal_json(bid.tender_id, bid.sealed_draft, draft_context(bid))}


def store_draft(bid: Bid, content: dict) -> None:
    bid.sealed_draft = seal_json(bid.tender_id, content, draft_context(bid))


def attachment_meta_context(attachment: BidAttachment) -> str:
    return f"attachment-meta:{attachment.bid_id}:{attachment.pk}"


def attachment_meta_seal(attachment: BidAttachment, tender_id: int, *, filename: str, purpose: str) -> None:
    """Seal the name and purpose of a new attachment (its bid and id set) into its row."""
    meta = {"filename": filename, "purpose": purpose}
    attachment.sealed_meta = seal_json(tender_id, meta, attachment_meta_context(attachment))
    attachment.unsealed_meta = meta


def attachments_unseal(tender_id: int, attachments):
    """Open the names and purposes of attachments of the call's bids, for a reader whom the bid's own rules let in
    (its provider; the authority, or another bidder, when the selectors allow). Raises SealBroken for a row whose
    metadata was changed or moved. Answers the attachments."""
    pending = [a for a in attachments if "unsealed_meta" not in a.__dict__]
    opened = unseal_json_many(tender_id, [(a.sealed_meta, attachment_meta_context(a)) for a in pending])
    for attachment, meta in zip(pending, opened, strict=True):
        attachment.unsealed_meta = meta
    return attachments


def version_manifest(version: BidVersion) -> dict:
    return unseal_json(version.bid.tender_id, version.sealed_manifest, version_context(version.bid_id, version.number))


def _err(code: str, message) -> dict:
    return {"code": code, "message": str(message)}


def content_errors(tender: Tender, content: dict) -> dict[str, list]:
    """What in the content does not fit the call as it stands; for drafts and submissions alike."""
    errors: dict[str, list] = {}
    lots = {lot.pk: lot for lot in tender.lots.all()}
    offered = [o["lot"] for o in content["lot_offers"]]
    offer_errors = []
    for lot_id in offered:
        if lot_id not in lots:
            offer_errors.append(_err("unknown_lot", _("Lot %(lot)s is not part of this call.") % {"lot": lot_id}))
        elif lots[lot_id].status != LotStatus.OPEN:
            offer_errors.append(_err("lot_closed", _("A cancelled lot cannot be offered.")))
    ceilings = settings.HANKINTA["PLAUSIBLE_UNIT_PRICE"]
    for offer in content["lot_offers"]:
        lot = lots.get(offer["lot"])
        ceiling = Decimal(ceilings.get(lot.pricing_unit, "Infinity")) if lot else None
        if ceiling is not None and Decimal(offer["unit_price"]) > ceiling:
            offer_errors.append(
                _err(
                    "price_implausible",
                    _("Lot %(lot)s: a unit price above %(ceiling)s € is not plausible for this pricing unit.")
                    % {"lot": lot.number, "ceiling": format_money(ceiling, currency=False)},
                )
            )
    if len(offered) != len(set(offered)):
        offer_errors.append(_err("duplicate_lot", _("Each lot can be offered only once.")))
    limit = tender.max_lots_per_provider
    if limit and len(set(offered)) > limit:
        offer_errors.append(_err("too_many_lots", _("This call allows offers for at most %(n)s lots.") % {"n": limit}))
    if offer_errors:
        errors["lot_offers"] = offer_errors

    rates = vat_rates_on(timezone.localdate())
    if any(Decimal(offer.get("vat_rate", "0")) not in rates for offer in content["lot_offers"]):
        errors.setdefault("lot_offers", []).append(
            _err(
                "invalid_vat_rate",
                _("The VAT rate must be one of %(rates)s %%.") % {"rates": ", ".join(map(str, rates))},
            )
        )
    criteria = {c.pk for c in tender.criteria.all()}
    answered = [a["criterion"] for a in content["quality_answers"]]
    if set(answered) - criteria:
        errors["quality_answers"] = [_err("unknown_criterion", _("No such criterion in this call."))]
    elif len(answered) != len(set(answered)):
        errors["quality_answers"] = [_err("duplicate_answer", _("Answer each criterion once."))]
    requirements = {r.pk for r in tender.requirements.all()}
    evidenced = [e["requirement"] for e in content["suitability_evidence"]]
    if set(evidenced) - requirements:
        errors["suitability_evidence"] = [_err("unknown_requirement", _("No such requirement in this call."))]
    elif len(evidenced) != len(set(evidenced)):
        errors["suitability_evidence"] = [_err("duplicate_evidence", _("Give evidence for each requirement once."))]
    if set(content["exclusion_declaration"]) - set(tender.exclusion_grounds):
        errors["exclusion_declaration"] = [_err("unknown_ground", _("Unknown exclusion ground."))]
    known_parts = {"contact"} | {f"quality:{pk}" for pk in criteria} | {f"evidence:{pk}" for pk in requirements}
    bad_secrets = [
        key
        for key in content["business_secrets"]
        if not SECRET_KEY_PATTERN.match(key) or (not key.startswith("attachment:") and key not in known_parts)
    ]
    if bad_secrets:
        errors["business_secrets"] = [
            _err(
                "not_a_secret_part",
                _(
                    "Only answers, evidence, attachments and the contact can be marked as business secrets; "
                    "prices never are."
                ),
            )
        ]
    return errors


def _numbered(code: str, message, numbers: list[int]) -> list[dict]:
    """The error of the rows still lacking, named by their numbers in the sentence (`%(numbers)s`)."""
    return [_err(code, message % {"numbers": ", ".join(map(str, numbers))})]


def completeness_errors(tender: Tender, content: dict, attachment_purposes: set[str]) -> dict[str, list]:
    """What a submission still lacks: an offer, an answer to each criterion of the offered lots, the whole
    exclusion declaration, evidence for each requirement, a contact person."""
    errors: dict[str, list] = {}
    if not content["lot_offers"]:
        errors["lot_offers"] = [_err("no_offers", _("Offer at least one lot before submitting."))]
    offered = {o["lot"] for o in content["lot_offers"]}
    answered = {a["criterion"] for a in content["quality_answers"] if a["text"].strip()}
    missing = [
        c.number
        for c in tender.criteria.all()
        if (c.lot_id is None or c.lot_id in offered)
        and c.pk not in answered
        and f"criterion:{c.pk}" not in attachment_purposes
    ]
    if missing:
        errors["quality_answers"] = _numbered("answer_missing", _("Answer the quality criteria %(numbers)s."), missing)
    declared = content["exclusion_declaration"]
    if set(tender.exclusion_grounds) - set(declared):
        errors["exclusion_declaration"] = [
            _err("declaration_incomplete", _("Declare for every exclusion ground whether it applies."))
        ]
    evidenced = {e["requirement"] for e in content["suitability_evidence"] if e["text"].strip()}
    lacking = [
        r.number
        for r in tender.requirements.all()
        if r.pk not in evidenced and f"requirement:{r.pk}" not in attachment_purposes
    ]
    if lacking:
        errors["suitability_evidence"] = _numbered(
            "evidence_missing", _("Give evidence for the requirements %(numbers)s."), lacking
        )
    contact = content["contact"]
    if not (contact.get("name") and contact.get("email")):
        errors["contact"] = [_err("required", _("Name the contact person and their e-mail."))]
    return errors


def submission_errors(tender: Tender, content: dict, attachment_purposes: set[str]) -> dict[str, list]:
    """Everything that keeps a draft from being submitted: what does not fit the call, and what is missing. The
    submission refuses on these, and the bidder's summary lists them beforehand."""
    errors = content_errors(tender, content)
    for field, problems in completeness_errors(tender, content, attachment_purposes).items():
        errors.setdefault(field, []).extend(problems)
    return errors


def draft_fingerprint(content: dict, attachments: list[dict]) -> str:
    """The SHA-256 of a draft as its summary shows it (content and finished attachments): a confirmation made
    from the summary submits only if the draft is still this one."""
    files = sorted(attachments, key=lambda entry: entry["id"])
    return hashlib.sha256(canonical_json({"content": content, "attachments": files})).hexdigest()


def ready_attachments(bid: Bid, attachments=None) -> list[dict]:
    """The manifest entries of the bid's finished attachments (from `attachments` when already loaded)."""
    if attachments is None:
        attachments = bid.attachments.filter(status=AttachmentStatus.READY).order_by("created_at")
    attachments = [a for a in attachments if a.status == AttachmentStatus.READY]
    attachments_unseal(bid.tender_id, attachments)
    return [
        {
            "id": str(a.pk),
            "filename": a.filename,
            "purpose": a.purpose,
            "size": a.size,
            "sha256": a.sha256,
            "content_type": a.content_type,
        }
        for a in attachments
    ]


def comparison_price(unit_price, volume) -> Decimal:
    return (Decimal(unit_price) * volume).quantize(Decimal("0.01"))
