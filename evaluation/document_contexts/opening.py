"""The opening record: who opened the bids, when, and what each bid offered."""

from collections import defaultdict
from typing import Any, cast

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from bids.models import Bid, BidStatus, LotOffer
from documents.models import GeneratedDocument
from procurement.models import AuditEvent, User

from ..models import OpeningRequest


def opening_record_context(document: GeneratedDocument) -> dict[str, Any]:
    tender = document.tender
    opening = (
        OpeningRequest.objects.select_related("requested_by", "confirmed_by")
        .filter(tender=tender, confirmed_at__isnull=False)
        .latest("confirmed_at")
    )
    offers: defaultdict[int, list[LotOffer]] = defaultdict(list)
    for offer in LotOffer.objects.filter(bid__tender=tender).select_related("lot").order_by("lot__number"):
        offers[offer.bid_id].append(offer)
    submitted: list[dict[str, Any]] = []
    for bid in Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).select_related("provider"):
        version = bid.versions.order_by("-number").first()
        submitted.append({"bid": bid, "version": version, "offers": offers[bid.pk]})
    submitted.sort(key=lambda item: item["version"].received_at)
    withdrawn = list(Bid.objects.filter(tender=tender, status=BidStatus.WITHDRAWN).select_related("provider"))
    late = [
        {"provider": e.actor_name, "at": parse_datetime(e.detail["received_at"])}
        for e in AuditEvent.objects.filter(tender_id=tender.pk, action="bid.late_refused").order_by("at")
    ]
    # Confirmed (confirmed_at is set), so by someone: confirmed_by is set with it.
    source_data = {
        "requested": {"by": opening.requested_by.username, "at": opening.requested_at},
        "confirmed": {"by": cast(User, opening.confirmed_by).username, "at": opening.confirmed_at},
        "bids": [
            {
                "provider": item["bid"].provider.business_id,
                "received_at": item["version"].received_at,
                "manifest_sha256": item["version"].manifest_sha256,
                "offers": [
                    {"lot": o.lot.number, "unit_price": o.unit_price, "comparison_price": o.comparison_price}
                    for o in item["offers"]
                ],
            }
            for item in submitted
        ],
        "withdrawn": [b.provider.business_id for b in withdrawn],
        "late": late,
    }
    return {
        "source_data": source_data,
        "tender": tender,
        "authority": tender.authority,
        "opening": opening,
        "submitted": submitted,
        "withdrawn": withdrawn,
        "late": late,
        "generated_at": timezone.now(),
        "document": document,
    }
