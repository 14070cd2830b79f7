"""Reading bids: providers read their own; the authority reads them only after the opening, on the record."""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from procurement.access import roles_of
from procurement.audit import audit_record
from procurement.errors import Forbidden, NotFound
from tenders.models import Tender
from tenders.selectors import tender_get

from .models import Bid, BidStatus, LotOffer


def _with_offers(queryset: QuerySet[Bid]) -> QuerySet[Bid]:
    return queryset.select_related("provider", "tender").prefetch_related(
        Prefetch("lot_offers", queryset=LotOffer.objects.select_related("lot").order_by("lot__number"))
    )


def bids_of_provider(*, user) -> QuerySet[Bid]:
    return _with_offers(Bid.objects.filter(provider_id__in=roles_of(user).provider_of)).order_by("-created_at", "-id")


def _authority_may_read(user, tender: Tender) -> bool:
    return roles_of(user).reads_authority(tender.authority_id)


def _refuse_sealed(user, tender: Tender, obj=None):
    audit_record(action="bid.read_sealed", actor=user, obj=obj or tender, tender_id=tender.pk, denied=True)
    raise Forbidden(_("Bids are sealed until they are opened after the tender deadline."), code="bids_sealed")


def bid_get(*, user, bid_id) -> Bid:
    """A bid for its own provider; for the authority, only after the opening, and every read is logged."""
    try:
        bid = _with_offers(Bid.objects.all()).get(pk=bid_id)
    except (Bid.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    roles = roles_of(user)
    if bid.provider_id in roles.provider_of:
        return bid
    # The authority reads what was submitted, and only after the opening; drafts and withdrawals stay private.
    if _authority_may_read(user, bid.tender) and bid.status == BidStatus.SUBMITTED:
        if bid.tender.bids_are_sealed:
            _refuse_sealed(user, bid.tender, bid)
        audit_record(action="bid.read", actor=user, obj=bid)
        return bid
    raise NotFound()


def tender_bids(*, user, tender_id) -> list[Bid]:
    """Every submitted bid of a call, for the authority after the opening."""
    tender = tender_get(user=user, tender_id=tender_id)
    if not _authority_may_read(user, tender):
        raise Forbidden()
    if tender.bids_are_sealed:
        _refuse_sealed(user, tender)
    bids = list(_with_offers(tender.bids.filter(status=BidStatus.SUBMITTED)).order_by("submitted_at", "id"))
    audit_record(action="bid.read_all", actor=user, obj=tender, detail={"bids": [b.pk for b in bids]})
    return bids
