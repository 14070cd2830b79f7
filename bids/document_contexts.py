"""The documents of a bid: the receipt of a submission; who reads a document as a bidder (registered in
`apps.py`); and what the documents of the evaluation read from the bids' sealed manifests (the business secrets)."""

from datetime import UTC
from typing import Any

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from documents.context import register_context
from documents.models import DocumentKind, GeneratedDocument
from documents.readers import BIDDER, INTERESTED, PROVIDER_BID_SUBMITTED, register_reader_condition
from procurement.access import AnyUser, Roles
from procurement.periods import HELSINKI
from tenders.models import Tender

from .content import version_context, version_manifest
from .models import Bid, BidStatus, BidVersion
from .sealing import unseal_json_many


def business_secrets(tender: Tender, *, bid_ids: list[int] | None = None) -> dict[int, set[str]]:
    """The parts each bidder marked as business secrets in the version that stands (read from its sealed manifest,
    which the authority opened at the opening): "quality:<criterion id>", "evidence:<requirement id>", … An
    attachment marked secret that answers a criterion or gives evidence for a requirement makes that answer or
    evidence secret too. Only the bids named in `bid_ids`, when given."""
    standing = BidVersion.objects.filter(bid__tender=tender, bid__status=BidStatus.SUBMITTED, number=F("bid__version"))
    if bid_ids is not None:
        standing = standing.filter(bid_id__in=bid_ids)
    versions = list(standing.only("bid_id", "number", "sealed_manifest"))
    sealed = [(v.sealed_manifest, version_context(v.bid_id, v.number)) for v in versions]
    manifests = unseal_json_many(tender.pk, sealed)
    secrets = {}
    for version, manifest in zip(versions, manifests, strict=True):
        marked = set(manifest.get("content", {}).get("business_secrets", []))
        for attachment in manifest.get("attachments", []):
            purpose = str(attachment.get("purpose", ""))
            if f"attachment:{attachment.get('id')}" in marked and ":" in purpose:
                kind, _colon, key = purpose.partition(":")
                marked.add({"criterion": "quality", "requirement": "evidence"}.get(kind, kind) + ":" + key)
        secrets[version.bid_id] = marked
    return secrets


def secrecy_part_facts(tender: Tender, manifest: dict[str, Any], part: str) -> dict[str, Any]:
    """What a part of a bid is, for a reader: its kind ("contact", "quality", "evidence", "attachment") with the
    criterion's or requirement's number and name in Finnish and Swedish, or the attachment's file name."""
    kind, _colon, ident = part.partition(":")
    facts: dict[str, Any] = {
        "part": part,
        "kind": kind,
        "ident": ident,
        "number": None,
        "name": "",
        "name_sv": "",
        "filename": "",
    }
    if kind == "quality" and ident.isdigit():
        criterion = tender.criteria.filter(pk=int(ident)).first()
        if criterion is not None:
            facts.update(number=criterion.number, name=criterion.name, name_sv=criterion.name_sv or criterion.name)
    elif kind == "evidence" and ident.isdigit():
        requirement = tender.requirements.filter(pk=int(ident)).first()
        if requirement is not None:
            facts.update(
                number=requirement.number, name=requirement.text, name_sv=requirement.text_sv or requirement.text
            )
    elif kind == "attachment":
        attachment = next((a for a in manifest.get("attachments", []) if str(a.get("id")) == ident), None)
        facts["filename"] = str(attachment.get("filename", "")) if attachment else ident
    return facts


def secrecy_decision_context(document: GeneratedDocument) -> dict[str, Any]:
    """The authority's decision on the business secrets (and personal data) of one bid, as told to its bidder: each
    part with the outcome, the passages that stay secret, the ground and the reason; and the day from which what is
    not kept secret may be disclosed."""
    from .models import SecrecyReview

    review = SecrecyReview.objects.select_related(
        "bid__provider", "bid__tender__authority", "notified_by", "started_by"
    ).get(pk=int(document.subject.split(":")[1]))
    bid = review.bid
    tender = bid.tender
    version = BidVersion.objects.select_related("bid").get(bid=bid, number=bid.version)
    manifest = version_manifest(version)
    decisions = list(review.decisions.select_related("decided_by").order_by("part"))
    parts = [{**secrecy_part_facts(tender, manifest, d.part), "decision": d} for d in decisions]
    notified_at = review.notified_at or timezone.now()
    return {
        "source_data": {
            "bid": bid.pk,
            "provider": bid.provider.business_id,
            "notified_at": notified_at.isoformat(),
            "effective_from": review.effective_from.isoformat() if review.effective_from else None,
            "decisions": [
                {
                    "part": d.part,
                    "outcome": d.outcome,
                    "passages": list(d.passages),
                    "ground": d.ground,
                    "reason": d.reason,
                    "reason_sv": d.reason_sv,
                    "marked": d.marked,
                }
                for d in decisions
            ],
        },
        "review": review,
        "bid": bid,
        "tender": tender,
        "authority": tender.authority,
        "provider": bid.provider,
        "parts": parts,
        "notified_at": notified_at,
        "effective_from": review.effective_from,
        "overrides": any(d.outcome != "upheld" and d.marked for d in decisions),
        "decided_by": review.notified_by or review.started_by,
        "generated_at": timezone.now(),
        "document": document,
    }


def receipt_context(document: GeneratedDocument) -> dict[str, Any]:
    """The receipt as it is stored (and e-mailed): what the database shows of the submission anyway (who, when, the
    manifest's SHA-256, each attachment's SHA-256 and size), never what the bid keeps sealed until the opening (the
    lots it offers, its attachments' names and purposes). The manifest, which the provider alone can download before
    the opening, has the rest, and the hash on the receipt identifies it."""
    version_id = int(document.subject.split(":")[1])
    version = BidVersion.objects.select_related("bid__provider", "bid__tender__authority", "submitted_by").get(
        pk=version_id
    )
    manifest = version_manifest(version)
    attachments = [{"sha256": a["sha256"], "size": a["size"]} for a in manifest["attachments"]]
    return {
        "source_data": {
            "bid": version.bid_id,
            "version": version.number,
            "received_at": version.received_at,
            "manifest_sha256": version.manifest_sha256,
            "provider": version.bid.provider.business_id,
            "attachments": attachments,
        },
        "tender": version.bid.tender,
        "authority": version.bid.tender.authority,
        "provider": version.bid.provider,
        "version": version,
        "received_local": version.received_at.astimezone(HELSINKI),
        "received_utc": version.received_at.astimezone(UTC),
        "attachments": attachments,
        "call_version": manifest["call_version"],  # the version submitted against, not the one of today
        "generated_at": timezone.now(),
        "document": document,
    }


def receipt_filename(document: GeneratedDocument) -> tuple[list[str], int]:
    """A receipt's version is its submission's."""
    version = document.version
    if document.subject.startswith("bid-version:"):
        number = BidVersion.objects.filter(pk=document.subject.split(":")[1]).values_list("number", flat=True).first()
        version = number or version
    return [], version


def bidder_in_tender(*, user: AnyUser, roles: Roles) -> Q:
    """One of the user's providers has a submitted bid in the document's call."""
    return Q(
        Exists(
            Bid.objects.filter(
                tender_id=OuterRef("tender_id"), provider_id__in=roles.provider_of, status=BidStatus.SUBMITTED
            )
        )
    )


def has_bid_in_tender(*, user: AnyUser, roles: Roles) -> Q:
    """One of the user's providers has a bid in the document's call, submitted, withdrawn or a draft."""
    return Q(Exists(Bid.objects.filter(tender_id=OuterRef("tender_id"), provider_id__in=roles.provider_of)))


def provider_bid_submitted(*, user: AnyUser, roles: Roles) -> Q:
    """The document's own provider has a submitted bid in its call (a receipt of a bid that stands)."""
    return Q(
        Exists(
            Bid.objects.filter(
                tender_id=OuterRef("tender_id"), provider_id=OuterRef("provider_id"), status=BidStatus.SUBMITTED
            )
        )
    )


def register() -> None:
    register_reader_condition(BIDDER, bidder_in_tender)
    register_reader_condition(INTERESTED, has_bid_in_tender)
    register_reader_condition(PROVIDER_BID_SUBMITTED, provider_bid_submitted)
    register_context(
        DocumentKind.RECEIPT,
        template="documents/receipt.html",
        builder=receipt_context,
        version="receipt-3",
        filename=receipt_filename,
    )
    register_context(
        DocumentKind.SECRECY_DECISION,
        template="documents/secrecy_decision.html",
        builder=secrecy_decision_context,
        version="secrecy-1",
    )
