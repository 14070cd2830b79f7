"""Driving a call through the services to a given stage, as the users would."""

import time
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from bids.models import LotOffer
from bids.services import bid_create, bid_submit, submission_receipt
from evaluation.services import (
    quality_scores_record,
    tender_decide,
    tender_evaluate,
    tender_open,
    tender_propose,
)
from tenders.models import Tender, TenderStatus
from tenders.services import tender_close
from tests import factories


def full_content(tender: Tender, price="9000", lots=None) -> dict:
    """A complete bid for the call: offers, an answer per criterion, the declaration, evidence, a contact."""
    lots = list(tender.lots.all()) if lots is None else lots
    return {
        "lot_offers": [{"lot": lot.pk, "unit_price": str(price), "vat_rate": "0"} for lot in lots],
        "quality_answers": [
            {"criterion": c.pk, "text": f"Vastaus kriteeriin {c.number}."} for c in tender.criteria.all()
        ],
        "exclusion_declaration": dict.fromkeys(tender.exclusion_grounds, False),
        "suitability_evidence": [{"requirement": r.pk, "text": "Liitteenä."} for r in tender.requirements.all()],
        "contact": {"name": "Pekka Tarjoaja", "email": "pekka@provider.example", "phone": ""},
        "business_secrets": [],
    }


def submit_bid(member, tender, price="9000", lots=None):
    bid = bid_create(
        actor=member, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender, price, lots)
    )
    version = bid_submit(actor=member, bid_id=bid.pk, received_at=timezone.now())
    # What the worker does after the commit (bids.after_submit): the receipt and its e-mail.
    submission_receipt(version_id=version.pk)
    return bid


def run_outbox(*tasks: str) -> int:
    """Run in this process, as a worker would, the outbox messages of the given tasks that are still waiting.

    In a test inside a transaction, nothing is dispatched after a commit, so the messages wait here."""
    from config.celery_app import app
    from procurement.models import OutboxMessage

    app.loader.import_default_modules()  # the apps' tasks modules, as a worker imports them at start
    messages = list(OutboxMessage.objects.filter(task__in=tasks, dispatched_at__isnull=True).order_by("pk"))
    for message in messages:
        app.tasks[message.task].apply(args=message.args, throw=True)
        OutboxMessage.objects.filter(pk=message.pk).update(dispatched_at=timezone.now())
    return len(messages)


def submitted_call(*, bidders: list[tuple], **tender_fields) -> Tender:
    """A published call with a submitted bid per (member, unit price), its deadline just passed."""
    tender = factories.TenderFactory(status=TenderStatus.PUBLISHED, published_at=timezone.now(), **tender_fields)
    for member, price in bidders:
        submit_bid(member, tender, price)
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(
        submission_deadline=now - timedelta(seconds=1), next_check=now - timedelta(seconds=1)
    )
    return tender


def decided_call(
    *, officer, bidders: list[tuple], quality: dict | None = None, decider=None, **tender_fields
) -> Tender:
    """Run a call through closing, opening, scoring, evaluation and decision (by `decider`, else the officer)."""
    tender = submitted_call(bidders=bidders, **tender_fields)
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    qualify_all(tender, officer)
    quality = quality or {}
    scores = [
        {
            "lot_offer": offer.pk,
            "criterion": criterion.pk,
            "reason": "Perusteltu.",
            "reason_sv": "Motiverat.",
            "points": Decimal(quality.get(offer.bid.provider_id, 5)),
        }
        for bid in tender.bids.prefetch_related("lot_offers__bid")
        for offer in bid.lot_offers.all()
        for criterion in tender.criteria.all()
    ]
    quality_scores_record(actor=officer, tender_id=tender.pk, scores=scores)
    tender_evaluate(actor=officer, tender_id=tender.pk)
    tender_propose(actor=officer, tender_id=tender.pk)
    tender_decide(actor=decider or officer, tender_id=tender.pk)
    return Tender.objects.get(pk=tender.pk)


def open_bids(tender: Tender, officer, second_officer=None) -> None:
    """Two officers open the bids: one asks, the other confirms."""
    second_officer = second_officer or factories.officer_of(tender.authority)
    tender_open(actor=officer, tender_id=tender.pk)
    tender_open(actor=second_officer, tender_id=tender.pk)


def seat_panel(tender: Tender, officer, *others) -> None:
    """Name the officer (and others) to the call's panel; each declares no conflict of interest."""
    from evaluation.panel import panel_add, panel_declare

    for user in (officer, *others):
        panel_add(actor=officer, tender_id=tender.pk, user_id=user.pk)
        panel_declare(actor=user, tender_id=tender.pk, has_conflict=False)


def score_all(tender: Tender, officer, *, points=5, offers=None) -> None:
    """The panel's consensus: the same points, with a reason, for every offer of the call (or `offers`) on every
    quality criterion."""
    offers = LotOffer.objects.filter(bid__tender=tender) if offers is None else offers
    quality_scores_record(
        actor=officer,
        tender_id=tender.pk,
        scores=[
            {
                "lot_offer": offer.pk,
                "criterion": criterion.pk,
                "points": Decimal(points),
                "reason": "Perusteltu.",
                "reason_sv": "Motiverat.",
            }
            for offer in offers
            for criterion in tender.criteria.all()
        ],
    )


def qualify_all(tender: Tender, officer, failing: set[int] | None = None) -> None:
    """Record the qualification of every submitted bid: passed, except the bids in `failing`."""
    from bids.models import BidStatus
    from evaluation.qualification import qualification_record, required_subjects

    failing = failing or set()
    checks = [
        {
            "bid": bid.pk,
            "subject": subject,
            "passed": bid.pk not in failing,
            "reason": "Selvitys puuttuu." if bid.pk in failing else "Täyttää vaatimuksen.",
            "reason_sv": "Utredning saknas." if bid.pk in failing else "Uppfyller kravet.",
            # A failed exclusion check names its ground (one the call asks to declare).
            "ground": tender.exclusion_grounds[0] if bid.pk in failing and subject == "exclusion" else "",
        }
        for bid in tender.bids.filter(status=BidStatus.SUBMITTED)
        for subject in required_subjects(tender)
    ]
    qualification_record(actor=officer, tender_id=tender.pk, checks=checks)


def wait_for(predicate, seconds: float = 30.0) -> bool:
    """Whether `predicate()` comes true within `seconds` (for work done by another process or thread)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())
