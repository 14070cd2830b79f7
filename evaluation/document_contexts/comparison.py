"""The comparison report of a lot: its ranking with each offer's points and the panel's reasons."""

from collections import defaultdict
from typing import Any

from django.utils import timezone

from bids.secrecy import secrecy_withheld, withheld_parts
from documents.models import GeneratedDocument
from tenders.models import Lot

from ..models import LotResult, QualityScore
from .reasons import lot_draws, reason_data


def comparison_context(document: GeneratedDocument) -> dict[str, Any]:
    """A lot's ranking with each offer's points and the panel's reason for each quality score. A bilingual
    authority's report has a Swedish section with the Swedish texts: the evaluation that requests the report is
    refused while one is missing (tenders.languages), so the report never shows a gap."""
    lot = Lot.objects.select_related("tender__authority").get(pk=int(document.subject.split(":")[1]))
    results = list(LotResult.objects.filter(lot=lot).select_related("lot_offer__bid__provider").order_by("rank"))
    criteria = [c for c in lot.tender.criteria.all() if c.lot_id in (None, lot.pk)]
    scores: defaultdict[int, list[QualityScore]] = defaultdict(list)
    for score in (
        QualityScore.objects.filter(lot_offer__in=[r.lot_offer_id for r in results])
        .select_related("criterion")
        .order_by("criterion__number")
    ):
        scores[score.lot_offer_id].append(score)
    # The bidders read the report after the decision: a reason about an answer its bidder marked as a business secret
    # is shown as the panel's public summary, or as withheld, as in the decision (points are never secret).
    secrets = {bid_id: withheld_parts(parts) for bid_id, parts in secrecy_withheld(lot.tender).items()}
    bids = {r.lot_offer_id: r.lot_offer.bid_id for r in results}
    for offer_id, offer_scores in scores.items():
        for score in offer_scores:
            score.secret = f"quality:{score.criterion_id}" in secrets.get(bids[offer_id], set())
    draws = lot_draws([lot.pk]).get(lot.pk, [])
    return {
        "source_data": {
            "lot": lot.number,
            "draws": draws,
            "results": [
                {
                    "rank": r.rank,
                    "provider": r.lot_offer.bid.provider.business_id,
                    "calculation": r.calculation,
                    "total_points": r.total_points,
                    "scores": [
                        {
                            "criterion": s.criterion.number,
                            "points": s.points,
                            **reason_data(s.reason, s.public_reason, s.secret, full=False),
                            "reason_sv": (s.public_reason_sv or None) if s.secret else s.reason_sv,
                        }
                        for s in scores[r.lot_offer_id]
                    ],
                }
                for r in results
            ],
        },
        "rows": [{"result": r, "scores": scores[r.lot_offer_id]} for r in results],
        "tender": lot.tender,
        "authority": lot.tender.authority,
        "lot": lot,
        "criteria": criteria,
        "results": results,
        "draws": draws,
        "generated_at": timezone.now(),
        "document": document,
    }
