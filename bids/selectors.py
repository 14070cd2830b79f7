"""Reading bids: providers read their own; the authority reads them only after the opening, on the record."""

from functools import lru_cache

from django.db import connection
from django.db.models import BinaryField, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.access import memberships_sql, provider_of_sql, roles_of, roles_remember
from procurement.audit import audit_record
from procurement.errors import Forbidden, NotFound
from procurement.fastpath import (
    attach_prefetched,
    column,
    columns_sql,
    fetch_together,
    from_json,
    from_row,
    json_column,
    table,
)
from tenders.models import Lot, Tender, TenderStatus
from tenders.selectors import (
    tender_from_rules_row,
    tender_get,
    tender_lock_shared_with_rules,
    tender_rules_statement,
)

from . import asks
from .content import draft_content, version_manifest
from .models import Bid, BidAttachment, BidStatus, BidVersion
from .secrecy import bid_withheld, redact_text


def submitted_bids(tender: Tender) -> QuerySet[Bid]:
    """The call's submitted bids (for `tenders`, which may not import bids: `tenders.asks.submitted_bids`)."""
    return tender.bids.filter(status=BidStatus.SUBMITTED)


def _with_relations(queryset: QuerySet[Bid]) -> QuerySet[Bid]:
    return queryset.select_related("provider", "tender").prefetch_related(
        Prefetch("tender__lots", queryset=Lot.objects.order_by("number"))
    )


def _latest_version(bid: Bid) -> BidVersion | None:
    return bid.versions.order_by("-number").first()


def _as_owner(bid: Bid) -> Bid:
    bid.content = draft_content(bid)
    return bid


def _as_authority(bid: Bid) -> Bid:
    """The submitted version as the authority reads it after the opening, with the ids of the unsealed offers."""
    version = _latest_version(bid)
    content = version_manifest(version)["content"]
    rows = {offer.lot_id: offer.pk for offer in bid.lot_offers.all()}
    content["lot_offers"] = [{**offer, "lot_offer": rows.get(offer["lot"])} for offer in content["lot_offers"]]
    bid.content = content
    bid.manifest_sha256 = version.manifest_sha256
    return bid


def _as_competitor(bid: Bid) -> Bid:
    """The submitted version with every part the bidder marked as a business secret removed (never the prices), and
    without its exclusion-grounds declaration: the bidder's statement about itself (convictions, taxes, insolvency)
    is for the authority that assesses it; the others learn the outcome from the decision."""
    _as_authority(bid)
    content = dict(bid.content)
    content.pop("exclusion_declaration", None)
    # What is withheld is the authority's decision on the markings (`bids.secrecy`), the same everywhere: a part
    # withheld in part shows its text without the secret passages; an attachment withheld in part is left out here
    # (its redacted copy is a disclosed copy's business).
    withheld = {w.part: w for w in bid_withheld(bid)}

    def shown(part: str, entry: dict) -> dict | None:
        kept = withheld.get(part)
        if kept is None:
            return entry
        if not kept.passages:
            return None
        return {**entry, "text": redact_text(entry.get("text", ""), kept.passages)}

    answers = [shown(f"quality:{a['criterion']}", a) for a in content["quality_answers"]]
    content["quality_answers"] = [a for a in answers if a is not None]
    evidence = [shown(f"evidence:{e['requirement']}", e) for e in content["suitability_evidence"]]
    content["suitability_evidence"] = [e for e in evidence if e is not None]
    contact = withheld.get("contact")
    if contact is not None:
        content["contact"] = (
            {k: redact_text(str(v), contact.passages) for k, v in content["contact"].items()}
            if contact.passages
            else {}
        )
    content["lot_offers"] = [{k: v for k, v in o.items() if k != "lot_offer"} for o in content["lot_offers"]]
    content["business_secrets"] = sorted(withheld)
    bid.content = content
    bid.hidden_attachments = {key.split(":", 1)[1] for key in withheld if key.startswith("attachment:")}
    return bid


def bids_of_provider(*, user) -> list[Bid]:
    bids = _with_relations(Bid.objects.filter(provider_id__in=roles_of(user).provider_of)).order_by(
        "-created_at", "-id"
    )
    return [_as_owner(bid) for bid in bids]


def _authority_may_read(user, tender: Tender) -> bool:
    return roles_of(user).reads_authority(tender.authority_id)


def _refuse_sealed(user, tender: Tender, obj=None):
    audit_record(action="bid.read_sealed", actor=user, obj=obj or tender, tender_id=tender.pk, denied=True)
    raise Forbidden(_("Bids are sealed until they are opened after the tender deadline."), code="bids_sealed")


def bid_get(*, user, bid_id) -> Bid:
    """A bid for its own provider; for the authority, only after the opening, and every read is logged."""
    try:
        bid = _with_relations(Bid.objects.all()).get(pk=bid_id)
    except (Bid.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    roles = roles_of(user)
    if bid.provider_id in roles.provider_of:
        return _as_owner(bid)
    # After the decision the other bidders of the call read a submitted bid, without its business secrets.
    if (
        bid.status == BidStatus.SUBMITTED
        and bid.tender.decided_at is not None
        and Bid.objects.filter(
            tender=bid.tender, provider_id__in=roles.provider_of, status=BidStatus.SUBMITTED
        ).exists()
    ):
        audit_record(action="bid.read_by_bidder", actor=user, obj=bid)
        return _as_competitor(bid)
    # The authority reads what was submitted, and only after the opening; drafts and withdrawals stay private.
    if _authority_may_read(user, bid.tender) and bid.tender.bids_are_sealed:
        # Before the opening every bid id answers alike (404): its existence and state are sealed too, in the audit
        # log as well. The attempt is on record as every refusal is (`refusal_record`: the path, tied to no call), the
        # same for an id that no bid has; an event of the call here would tell its readers that the id exists.
        raise NotFound()
    if _authority_may_read(user, bid.tender) and bid.status == BidStatus.SUBMITTED:
        asks.panel_access_check(user=user, tender=bid.tender)
        audit_record(action="bid.read", actor=user, obj=bid)
        return _as_authority(bid)
    raise NotFound()


def tender_bids(*, user, tender_id) -> list[Bid]:
    """Every submitted bid of a call, for the authority after the opening."""
    tender = tender_get(user=user, tender_id=tender_id)
    if not _authority_may_read(user, tender):
        raise Forbidden()
    if tender.bids_are_sealed:
        _refuse_sealed(user, tender)
    asks.panel_access_check(user=user, tender=tender)
    bids = list(_with_relations(tender.bids.filter(status=BidStatus.SUBMITTED)).order_by("submitted_at", "id"))
    audit_record(action="bid.read_all", actor=user, obj=tender, detail={"bids": [b.pk for b in bids]})
    return [_as_authority(bid) for bid in bids]


def bid_versions(*, user, bid_id) -> list[BidVersion]:
    bid = bid_get(user=user, bid_id=bid_id)
    return list(bid.versions.order_by("number"))


def own_bid_get(*, user, bid_id) -> Bid:
    """The user's own bid (`bid_get` decides what it shows), never another provider's: that is 404."""
    # Checked before `bid_get`, which would let another bidder read the bid after the decision.
    if not Bid.objects.filter(pk=bid_id, provider_id__in=roles_of(user).provider_of).exists():
        raise NotFound()
    return bid_get(user=user, bid_id=bid_id)


def own_bid_in(*, user, tender: Tender) -> Bid | None:
    """The user's own bid in the call, if its provider has one."""
    return next((bid for bid in bids_of_provider(user=user) if bid.tender_id == tender.pk), None)


def tender_bid_count(*, user, tender_id) -> int:
    """How many bids were submitted: all the authority may know of a sealed box, and only after the deadline."""
    tender = tender_get(user=user, tender_id=tender_id)
    if not _authority_may_read(user, tender):
        raise Forbidden()
    if tender.status in (TenderStatus.DRAFT, TenderStatus.PENDING_APPROVAL, TenderStatus.APPROVED) or (
        tender.submission_deadline > timezone.now()
    ):
        _refuse_sealed(user, tender)
    return tender.bids.filter(status=BidStatus.SUBMITTED).count()


def own_version_manifest(*, user, bid_id, number) -> bytes:
    """The exact manifest of one of the provider's own submissions, so that it can check the hash on its receipt."""
    from .sealing import unseal

    bid = (
        Bid.objects.filter(pk=bid_id, provider_id__in=roles_of(user).provider_of).first()
        if str(bid_id).isdigit()
        else None
    )
    version = bid.versions.filter(number=number).first() if bid else None
    if version is None:
        raise NotFound()
    return unseal(bid.tender_id, version.sealed_manifest, f"bid-version:{bid.pk}:{version.number}")


@lru_cache(maxsize=1)
def _tender_of_bid_sql() -> str:
    """The id of the call of a bid that is one of the user's (parameters: the bid's id, the user's id)."""
    return (
        f"SELECT b.{column(Bid, 'tender')} FROM {table(Bid)} b "  # noqa: S608
        f"WHERE b.{column(Bid, 'id')} = %s AND b.{column(Bid, 'provider')} IN ({provider_of_sql()})"
    )


@lru_cache(maxsize=1)
def _bid_lock_sql() -> str:
    """Built once from the models' own metadata (no input reaches it; the ids are parameters). The bid's own
    columns by name (not `b.*`): the prepared statement stays valid when a column is added."""
    # A bytea column (the sealed name and purpose) goes into JSON as base64, which its field reads back as bytes.
    attachment = "to_jsonb(a)" + "".join(
        f""" || jsonb_build_object('{f.column}', encode(a."{f.column}", 'base64'))"""
        for f in BidAttachment._meta.concrete_fields
        if isinstance(f, BinaryField)
    )
    oldest_first = f"a.{column(BidAttachment, 'created_at')}, a.{column(BidAttachment, 'id')}"
    return (
        f"SELECT {columns_sql(Bid, 'b')}, (SELECT coalesce(json_agg({attachment} ORDER BY {oldest_first}), '[]') "  # noqa: S608
        f"FROM {table(BidAttachment)} a WHERE a.{column(BidAttachment, 'bid')} = b.{column(Bid, 'id')}) "
        f'AS "attachments_json", ({memberships_sql()}) AS "memberships_json" '
        f"FROM {table(Bid)} b WHERE b.{column(Bid, 'id')} = %s "
        f"AND b.{column(Bid, 'provider')} IN ({provider_of_sql()}) FOR UPDATE OF b"
    )


def _tender_of_bid_lock_shared_with_rules(*, bid_id: int, user) -> Tender:
    """`tender_lock_shared_with_rules` for the call of one of the user's bids, through the ORM."""
    tender_id = Bid.objects.filter(pk=bid_id, provider_id__in=roles_of(user).provider_of).values_list(
        "tender_id", flat=True
    )
    if not tender_id:
        raise Bid.DoesNotExist(bid_id)
    return tender_lock_shared_with_rules(tender_id=tender_id[0])


def bid_lock_with_tender(*, bid_id: int, user) -> tuple[Tender, Bid]:
    """For the deadline rush's submission: the call of one of the user's bids locked FOR SHARE with its rules
    (`tender_lock_shared_with_rules`), then the bid locked FOR UPDATE with its attachments (oldest first) as its
    prefetched `attachments`. The call is locked before the bid, as everywhere; on PostgreSQL both statements go
    in one round trip, and neither finds (nor locks) a bid that is not the user's: Bid.DoesNotExist. The user's
    roles are read with the bid and kept for the request (`roles_of`)."""
    if connection.vendor != "postgresql":
        tender = _tender_of_bid_lock_shared_with_rules(bid_id=bid_id, user=user)
        oldest_first = BidAttachment.objects.order_by("created_at", "id")
        bids = Bid.objects.select_for_update().prefetch_related(Prefetch("attachments", queryset=oldest_first))
        bid = bids.get(pk=bid_id)
        bid.tender = tender
        return tender, bid
    (tender_columns, tender_row), (columns, row) = fetch_together(
        (tender_rules_statement(_tender_of_bid_sql()), [bid_id, user.pk]), (_bid_lock_sql(), [user.pk, bid_id, user.pk])
    )
    if tender_row is None or row is None:
        raise Bid.DoesNotExist(bid_id)
    roles_remember(user, json_column(row[columns.index("memberships_json")]))
    bid = from_row(Bid, columns, row)
    attach_prefetched(bid, "attachments", from_json(BidAttachment, row[columns.index("attachments_json")]))
    bid.tender = tender_from_rules_row(tender_columns, tender_row)
    return bid.tender, bid
