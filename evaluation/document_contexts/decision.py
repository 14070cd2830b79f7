"""The award decision and the letter that tells it to each bidder."""

from typing import Any

from django.utils import timezone

from bids.models import Bid, BidStatus
from documents.context import document_languages
from documents.models import DocumentKind, GeneratedDocument
from procurement.redress import Periods, Redress, redress_for
from procurement.rules import Regime
from tenders.models import Tender

from ..mini_competitions import framework_of
from ..models import AwardDecision, DecisionEdition
from ..periods import expected_periods
from .reasons import lot_reasons, lot_source_data

TEMPLATE_VERSION = "decision-6"


def _decided_award(tender: Tender) -> AwardDecision:
    """The call's award decision, with each lot's award and winner."""
    return (
        AwardDecision.objects.select_related("tender__authority", "decided_by")
        .prefetch_related("lot_awards__lot", "lot_awards__winner__bid__provider")
        .get(tender=tender)
    )


def _decision_source_data(
    tender: Tender, decision: AwardDecision, reasons: dict[str, Any], redress: Redress, periods: Periods
) -> dict[str, Any]:
    """What the decision records as its source.json: the reasons as its text states them, no business secret."""
    return {
        "tender": {"id": tender.pk, "reference": tender.reference, "title": tender.title},
        "decided_at": decision.decided_at,
        "regime": decision.regime,
        "redress": redress.as_dict(),
        "periods": periods.as_dict(),
        "lots": [lot_source_data(item) for item in reasons["lots"]],
        "late": [{"provider": x["provider"].business_id, "received_at": x["received_at"]} for x in reasons["late"]],
    }


def _decision_redress(decision: AwardDecision, redress: Redress, periods: Periods) -> dict[str, Any]:
    """The law the decision is made under and the remedy it gives, with the periods it counts."""
    return {
        "under_act": decision.regime != Regime.SMALL,
        "eu": decision.regime == Regime.EU,
        "rules": redress.rules,
        "redress": redress,
        "periods": periods,
        "appeal_deadline": periods.appeal_deadline,
    }


def _framework_named(tender: Tender) -> dict[str, Any] | None:
    """What the decision and letters of a mini-competition say of its framework: the framework call (its title),
    the agreement's reference and its lot; None for any other call."""
    framework = framework_of(tender)
    if framework is None:
        return None
    return {
        "call": framework.tender,
        "reference": framework.tender.reference,
        "agreement": framework.reference,
        "lot": framework.lot,
        "standstill_chosen": tender.standstill_chosen,
    }


def edition_header(document: GeneratedDocument) -> dict[str, Any] | None:
    """A corrected decision's header: its edition, the edition(s) it replaces and the date of those, the lots it
    decides again and the reason of the correction; None for the decision as first made."""
    edition = (
        DecisionEdition.objects.select_related("correction", "decided_by")
        .prefetch_related("lots", "replaces")
        .filter(document=document)
    ).first()
    if edition is None or edition.number <= 1:
        return None
    lot_ids = {lot.pk for lot in edition.lots.all()}
    replaced = list(
        DecisionEdition.objects.filter(decision_id=edition.decision_id, number__lt=edition.number, lots__in=lot_ids)
        .distinct()
        .order_by("number")
    )
    # The edition that was in force for these lots: the latest of the earlier ones that decided them.
    previous = replaced[-1] if replaced else None
    correction = edition.correction
    return {
        "edition": edition,
        "number": edition.number,
        "previous": previous,
        "lots": sorted(lot.number for lot in edition.lots.all()),
        "lot_ids": lot_ids,
        "reason": correction.reason if correction else "",
        "reason_sv": (correction.reason_sv or correction.reason) if correction else "",
        "cause": correction.cause if correction else "",
    }


def decision_context(document: GeneratedDocument) -> dict[str, Any]:
    """The award decision: per lot its reasons (`lot_reasons`), the bids refused as late, and the redress. A
    corrected edition decides only its lots again, under a header naming the edition it replaces and why."""
    tender = document.tender
    decision = _decided_award(tender)
    reasons = lot_reasons(tender, decision)
    edition = edition_header(document)
    if edition is not None:
        reasons["lots"] = [item for item in reasons["lots"] if item["lot"].pk in edition["lot_ids"]]
    # The periods run from the notification: the sending that counts, or today's if the decision is still unsent.
    periods = expected_periods(decision, lot_ids=edition["lot_ids"] if edition is not None else None)
    # The rule set of the call's publication, and the remedy its regime and the authority's kind give.
    redress = redress_for(tender=tender, regime=decision.regime)
    return {
        "source_data": _decision_source_data(tender, decision, reasons, redress, periods),
        # Decisions bind in Finnish or Swedish: a bilingual authority's decision has both, one after the other.
        "languages": tender.document_languages,
        "tender": tender,
        "authority": tender.authority,
        "decision": decision,
        "edition": edition,
        "lots": reasons["lots"],
        "late": reasons["late"],
        "secrets": reasons["secrets"],
        "criteria": list(tender.criteria.all()),
        # A mini-competition names its framework, and its redress states the standstill that applies to a call-off.
        "framework": _framework_named(tender),
        "bid_count": tender.bids.filter(status=BidStatus.SUBMITTED).count(),
        **_decision_redress(decision, redress, periods),
        "generated_at": timezone.now(),
        "document": document,
    }


def _own_lots(lots: list[dict[str, Any]], bid: Bid) -> list[dict[str, Any]]:
    """The decided lots the bid offered, each with its own row or rejection, the winners' rows and its draws."""
    offered = set(bid.lot_offers.values_list("lot_id", flat=True))
    own: list[dict[str, Any]] = []
    for item in lots:
        mine = [row for row in item["ranked"] if row["offer"].bid_id == bid.pk]
        rejected = [row for row in item["rejected"] if row["offer"].bid_id == bid.pk]
        if not (mine or rejected or item["lot"].pk in offered):
            continue
        winner_ids = {w.pk for w in item["winners"]}
        own.append(
            {
                "lot": item["lot"],
                "item": item,
                "row": mine[0] if mine else None,
                "rows": mine[:1],
                "result": mine[0]["result"] if mine else None,
                "rejected": rejected[0] if rejected else None,
                "offers": len(item["ranked"]),
                "won": any(w.bid_id == bid.pk for w in item["winners"]),
                "winners": item["winners"],
                # The winners' points per criterion, to compare with its own (prices and points are never secret).
                "winner_rows": [
                    row for row in item["ranked"] if row["offer"].pk in winner_ids and row["offer"].bid_id != bid.pk
                ],
                # A draw of lots the bid took part in: how its place was settled.
                "draws": [d for d in item["draws"] if bid.pk in d["tied_bids"]],
            }
        )
    return own


def _own_source_data(own: list[dict[str, Any]], bid: Bid) -> list[dict[str, Any]]:
    """The letter's recorded data of each lot: its own reasons whole, the winners' results, no one else's."""
    own_data: list[dict[str, Any]] = []
    for o in own:
        data = lot_source_data(o["item"], full_for_bid=bid.pk)
        shown = {bid.provider.business_id} | {w.bid.provider.business_id for w in o["winners"]}
        data["results"] = [r for r in data["results"] if r["provider"] in shown]
        data["rejected"] = [r for r in data["rejected"] if r["provider"] == bid.provider.business_id]
        own_data.append({**data, "won": o["won"], "rank": o["result"].rank if o["result"] else None})
    return own_data


def letter_context(document: GeneratedDocument) -> dict[str, Any]:
    """The decision as one bidder is told it: for each lot it offered, its own points per criterion with the panel's
    whole reasons (a part it marked as a business secret included: the reasons are its own), or why its offer was
    rejected; the winner's points per criterion for comparison; the draws it took part in."""
    context = decision_context(document)
    bid = Bid.objects.select_related("provider").get(pk=int(document.subject.split(":")[1]))
    own = _own_lots(context["lots"], bid)
    # The edition of the decision the letter goes with: the latest edition when it was asked for.
    latest = (
        DecisionEdition.objects.filter(decision=context["decision"], decided_at__lte=document.created_at)
        .exclude(document=None)
        .order_by("-number")
        .first()
    )
    decision_document = (
        latest.document
        if latest is not None and latest.number > 1
        else GeneratedDocument.objects.filter(tender=context["tender"], kind=DocumentKind.DECISION)
        .order_by("version")
        .first()
    )
    periods = expected_periods(context["decision"], lot_ids={item["lot"].pk for item in own})
    context.update(
        {
            # The bidder's own language first (the decision's order is the authority's).
            "languages": document_languages(document),
            "periods": periods,
            "appeal_deadline": periods.appeal_deadline,
            "bid": bid,
            "provider": bid.provider,
            "own": own,
            "rejected_anywhere": any(o["rejected"] for o in own),
            "decision_document": decision_document,
            "source_data": {
                "bid": bid.pk,
                "provider": bid.provider.business_id,
                "lots": _own_source_data(own, bid),
                "decision": context["source_data"],
            },
        }
    )
    return context
