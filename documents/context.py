"""What each kind of document shows, gathered from the records in a fixed number of queries."""

from collections import defaultdict

from django.utils import timezone

from bids.models import BidStatus
from evaluation.models import AwardDecision, LotResult
from procurement.periods import HELSINKI, at_local_time
from procurement.rules import Regime, rules_on

from .models import DocumentKind, GeneratedDocument

TEMPLATE_VERSION = "decision-1"


def decision_context(document: GeneratedDocument) -> dict:
    tender = document.tender
    decision = (
        AwardDecision.objects.select_related("tender__authority", "decided_by")
        .prefetch_related("lot_awards__lot", "lot_awards__winner__bid__provider")
        .get(tender=tender)
    )
    results = defaultdict(list)
    for result in (
        LotResult.objects.filter(lot__tender=tender).select_related("lot_offer__bid__provider").order_by("rank")
    ):
        results[result.lot_id].append(result)
    lots = []
    for award in decision.lot_awards.all():
        lots.append({"lot": award.lot, "winner": award.winner, "results": results.get(award.lot_id, [])})
    rules = rules_on(decision.decided_at.astimezone(HELSINKI).date())
    appeal_deadline = (
        at_local_time(decision.appeal_ends_on, rules.appeal_last_time) if decision.appeal_ends_on else None
    )
    return {
        "tender": tender,
        "authority": tender.authority,
        "decision": decision,
        "lots": lots,
        "criteria": list(tender.criteria.all()),
        "bid_count": tender.bids.filter(status=BidStatus.SUBMITTED).count(),
        "under_act": decision.regime != Regime.SMALL,
        "eu": decision.regime == Regime.EU,
        "rules": rules,
        "appeal_deadline": appeal_deadline,
        "generated_at": timezone.now(),
        "document": document,
    }


BUILDERS = {
    DocumentKind.DECISION: ("documents/decision.html", decision_context, TEMPLATE_VERSION),
}
