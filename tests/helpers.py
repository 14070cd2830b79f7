"""Driving a call through the services to a given stage, as the users would."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from bids.services import bid_create, bid_submit
from evaluation.services import quality_scores_record, tender_decide, tender_evaluate, tender_open
from tenders.models import Tender, TenderStatus
from tenders.services import tender_close
from tests import factories


def submitted_call(*, bidders: list[tuple], **tender_fields) -> Tender:
    """A published call with a submitted bid per (member, unit price), its deadline just passed."""
    tender = factories.TenderFactory(status=TenderStatus.PUBLISHED, published_at=timezone.now(), **tender_fields)
    now = timezone.now()
    for member, price in bidders:
        bid = bid_create(
            actor=member,
            tender_id=tender.pk,
            received_at=now,
            lot_offers=[{"lot": lot.pk, "unit_price": Decimal(price)} for lot in tender.lots.all()],
        )
        bid_submit(actor=member, bid_id=bid.pk, received_at=now)
    Tender.objects.filter(pk=tender.pk).update(
        submission_deadline=now - timedelta(seconds=1), next_check=now - timedelta(seconds=1)
    )
    return tender


def decided_call(*, officer, bidders: list[tuple], quality: dict | None = None, **tender_fields) -> Tender:
    """Run a call through closing, opening, scoring, evaluation and decision."""
    tender = submitted_call(bidders=bidders, **tender_fields)
    tender_close(actor=officer, tender_id=tender.pk)
    tender_open(actor=officer, tender_id=tender.pk)
    quality = quality or {}
    scores = [
        {
            "lot_offer": offer.pk,
            "criterion": criterion.pk,
            "reason": "Perusteltu.",
            "points": Decimal(quality.get(offer.bid.provider_id, 5)),
        }
        for bid in tender.bids.prefetch_related("lot_offers__bid")
        for offer in bid.lot_offers.all()
        for criterion in tender.criteria.all()
    ]
    quality_scores_record(actor=officer, tender_id=tender.pk, scores=scores)
    tender_evaluate(actor=officer, tender_id=tender.pk)
    tender_decide(actor=officer, tender_id=tender.pk)
    return Tender.objects.get(pk=tender.pk)
