"""The decision to interrupt the call or a lot (`tenders.interruption`), with the offers it concerns."""

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from bids.models import BidStatus, LotOffer
from documents.models import GeneratedDocument
from procurement.redress import redress_for
from procurement.rules import Regime, rules_for_tender
from tenders.interruption import KEY_PREFIX, expected_interruption_periods
from tenders.models import InterruptionDecision, Tender

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from ..models import ConformityRejection, PriceRejection, QualificationCheck, in_section_language


def _interruption_decision(document: GeneratedDocument) -> InterruptionDecision:
    """The decision the document records (its subject), or the call's own for an edition requested before the
    decisions were recorded."""
    decisions = InterruptionDecision.objects.select_related("lot", "decided_by").filter(tender=document.tender)
    if document.subject.startswith(KEY_PREFIX):
        return decisions.get(pk=int(document.subject.removeprefix(KEY_PREFIX)))
    return decisions.get(lot__isnull=True)


def _concerned_offers(tender: Tender, decision: InterruptionDecision) -> list[dict[str, Any]]:
    """The offers the decision concerns (the lot's, or the call's), each with the grounds it was rejected on."""
    rows = LotOffer.objects.filter(bid__tender=tender, bid__status=BidStatus.SUBMITTED).select_related(
        "bid__provider", "lot"
    )
    if decision.lot_id is not None:
        rows = rows.filter(lot_id=decision.lot_id)
    # Each failed qualification check's reason, in the section's language (lazy).
    failed_checks: defaultdict[int, list[StrOrPromise]] = defaultdict(list)
    for check in QualificationCheck.objects.filter(bid__tender=tender, passed=False).order_by("subject"):
        failed_checks[check.bid_id].append(in_section_language(check.reason, check.reason_sv))
    rejections = {
        r.lot_offer_id: r for r in PriceRejection.objects.filter(lot_offer__in=rows).select_related("lot_offer__lot")
    }
    nonconforming = {
        r.lot_offer_id: r
        for r in ConformityRejection.objects.filter(lot_offer__in=rows).select_related("lot_offer__lot")
    }
    offers: list[dict[str, Any]] = []
    for offer in rows.order_by("lot__number", "bid__provider__name", "pk"):
        grounds = list(failed_checks.get(offer.bid_id, []))
        for rejection in (rejections.get(offer.pk), nonconforming.get(offer.pk)):
            if rejection is not None:
                grounds.append(rejection.statement())
        offers.append({"offer": offer, "provider": offer.bid.provider, "lot": offer.lot, "grounds": grounds})
    return offers


def interruption_context(document: GeneratedDocument) -> dict[str, Any]:
    """A decision to interrupt the call or a lot (`tenders.interruption`): the authority, the call, the lot, what is
    decided and why, the bidders and offers it concerns (after the opening only: before it the bids stay sealed), and
    the redress with its periods, counted from the sending (today's while it is unsent).

    The redress section is the award decision's partial (documents/redress_*.html) with `redress`, `periods` (an
    `evaluation.periods.Periods`, no standstill) and `authority`."""
    tender = document.tender
    decision = _interruption_decision(document)
    periods = expected_interruption_periods(decision)
    rules = rules_for_tender(tender)
    # The bids were opened before the decision: it names the bidders and the offers it concerns.
    opened = tender.opened_at is not None and tender.opened_at <= decision.decided_at
    offers = _concerned_offers(tender, decision) if opened else []
    return {
        "source_data": {
            "decision": decision.pk,
            "kind": decision.kind,
            "tender": tender.pk,
            "lot": decision.lot.number if decision.lot else None,
            "reason": decision.reason,
            "reason_sv": decision.reason_sv,
            "decided_at": decision.decided_at,
            "regime": decision.regime,
            "award_withdrawn": decision.award_withdrawn,
            "periods": periods.as_dict(),
            "offers": [
                {
                    "lot": item["lot"].number,
                    "provider": item["provider"].business_id,
                    "comparison_price": item["offer"].comparison_price,
                }
                for item in offers
            ],
        },
        # Decisions bind in Finnish or Swedish: a bilingual authority's has both, one after the other.
        "languages": tender.document_languages,
        "tender": tender,
        "authority": tender.authority,
        "decision": decision,
        "lot": decision.lot,
        "opened": opened,
        "offers": offers,
        "under_act": decision.regime != Regime.SMALL,
        "eu": decision.regime == Regime.EU,
        "rules": rules,
        # The redress of the authority's kind in the decision's regime, as the award decision gives it.
        "redress": redress_for(tender=tender, regime=decision.regime),
        "periods": periods,
        "appeal_deadline": periods.appeal_deadline,
        "generated_at": timezone.now(),
        "document": document,
    }
