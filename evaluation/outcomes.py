"""Where a provider's own bids stand, lot by lot, as the provider may know it: the award decision's outcome only once
the decision was sent to it (won, not chosen with its rank, rejected with the legal ground), a lot or call
interrupted by a decision sent to it, a bid refused as late; otherwise pending. Never another provider's data and
nothing from the evaluation before the sending. The facts are the decision's own
(`evaluation.document_contexts.reasons.lot_reasons`), so that the portal says what the decision and the letter say."""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from bids.models import Bid, BidStatus
from procurement.models import AuditEvent, DeliveryStatus, Notification
from tenders.models import InterruptionDecision, Lot, TenderStatus

from .models import AwardDecision, DecisionEdition, RejectionGround, in_section_language
from .periods import decision_key


class State:
    WON = "won"
    NOT_CHOSEN = "not_chosen"
    REJECTED = "rejected"
    INTERRUPTED = "interrupted"
    PENDING = "pending"


@dataclass
class LotOutcome:
    lot: Lot
    state: str = State.PENDING
    rank: int | None = None
    ranked: int = 0  # how many offers the lot's ranking has
    framework: bool = False
    grounds: list = field(default_factory=list)  # a rejection's legal grounds, in words
    reason: object = ""  # an interruption's reason


@dataclass
class BidOutcome:
    bid: Bid
    decided: bool = False  # the award decision was sent to the bidder
    interrupted: bool = False  # the whole call was interrupted by a decision sent to the bidder
    late: bool = False  # the bid was refused at the box for arriving after the deadline
    tender_reason: object = ""
    lots: list[LotOutcome] = field(default_factory=list)
    # The PDFs the bidder may read about it: its own letter, the decision, the interruption decisions sent to it.
    letter: object = None
    decision_document: object = None
    interruption_documents: list = field(default_factory=list)
    # The editions of the decision sent to the bidder when a correction made more than one (`_sent_editions`).
    editions: list = field(default_factory=list)

    @property
    def final(self) -> bool:
        """The bid has an outcome: the call no longer offers to continue it."""
        return self.decided or self.interrupted or self.late


def _sent(queryset):
    """Notifications that reached their provider: e-mailed, or (with no e-mail address) in the inbox only."""
    return queryset.filter(Q(sent_at__isnull=False) | Q(status=DeliveryStatus.INBOX_ONLY))


def decision_sent_to(*, tender, provider_ids) -> bool:
    """Whether the award decision of the call was sent to one of the providers."""
    decision = AwardDecision.objects.filter(tender=tender).first()
    if decision is None or not provider_ids:
        return False
    return _sent(
        Notification.objects.filter(kind="decision", key=decision_key(decision), provider_id__in=provider_ids)
    ).exists()


def _ground_words(ground: dict):
    kind = ground["kind"]
    if kind == "exclusion":
        exclusion = ground["exclusion"]
        return format_lazy(
            _("Exclusion ground under section {section} of the Act on Public Procurement: {ground}"),
            section=exclusion["section"],
            ground=exclusion["label"],
        )
    if kind == "requirement":
        requirement = ground["requirement"]
        if requirement is None:
            return _("Suitability requirement")
        return format_lazy(_("A suitability requirement was not met: requirement {number}"), number=requirement.number)
    if kind == "nonconforming":
        return RejectionGround.NON_CONFORMING.label
    return RejectionGround.ABNORMALLY_LOW.label


def _offered_lots(bid: Bid) -> list[int]:
    """The lots of the bid, from its own content (`bids_of_provider` gives the owner's)."""
    content = getattr(bid, "content", None) or {}
    return [int(o["lot"]) for o in content.get("lot_offers", []) if str(o.get("lot", "")).isdigit()]


def bid_outcomes(*, user, bids: list[Bid]) -> dict[int, BidOutcome]:
    """The outcome of each of the user's own bids (from `bids.selectors.bids_of_provider`), with the documents about
    it that the user may read (`documents.services.documents_visible_to`)."""
    from documents.models import DocumentKind, DocumentStatus
    from documents.services import documents_visible_to

    from .document_contexts.reasons import lot_reasons

    outcomes: dict[int, BidOutcome] = {}
    if not bids:
        return outcomes
    tender_ids = {b.tender_id for b in bids}
    providers = {b.provider_id for b in bids}
    decisions = {d.tender_id: d for d in AwardDecision.objects.filter(tender_id__in=tender_ids)}
    sent_decisions = set(
        _sent(
            Notification.objects.filter(
                kind="decision", key__in=[decision_key(d) for d in decisions.values()], provider_id__in=providers
            )
        ).values_list("key", "provider_id")
    )
    interruptions = list(
        InterruptionDecision.objects.filter(tender_id__in=tender_ids).select_related("lot").order_by("decided_at")
    )
    sent_interruptions = set(
        _sent(
            Notification.objects.filter(key__in=[i.key for i in interruptions], provider_id__in=providers)
        ).values_list("key", "provider_id")
    )
    late = {
        int(pk)
        for pk in AuditEvent.objects.filter(
            action="bid.late_refused", object_id__in=[str(b.pk) for b in bids]
        ).values_list("object_id", flat=True)
    }
    lots = Lot.objects.in_bulk({pk for b in bids for pk in _offered_lots(b)})
    reasons_cache: dict[int, dict] = {}
    for bid in bids:
        outcome = BidOutcome(bid=bid, late=bid.pk in late and bid.status != BidStatus.SUBMITTED)
        by_lot = {pk: LotOutcome(lot=lots[pk]) for pk in _offered_lots(bid) if pk in lots}
        for interruption in interruptions:
            if interruption.tender_id != bid.tender_id or (interruption.key, bid.provider_id) not in sent_interruptions:
                continue
            reason = in_section_language(interruption.reason, interruption.reason_sv)
            if interruption.lot_id is None:
                outcome.interrupted = bid.tender.status in (TenderStatus.CANCELLED, TenderStatus.UNSUCCESSFUL)
                outcome.tender_reason = format_lazy("{}: {}", interruption.get_kind_display(), reason)
                targets = list(by_lot.values())
            else:
                targets = [by_lot[interruption.lot_id]] if interruption.lot_id in by_lot else []
            for lot_outcome in targets:
                lot_outcome.state = State.INTERRUPTED
                lot_outcome.reason = format_lazy("{}: {}", interruption.get_kind_display(), reason)
        decision = decisions.get(bid.tender_id)
        if (
            decision is not None
            and bid.status == BidStatus.SUBMITTED
            and (decision_key(decision), bid.provider_id) in sent_decisions
        ):
            outcome.decided = True
            if bid.tender_id not in reasons_cache:
                reasons_cache[bid.tender_id] = lot_reasons(bid.tender, decision)
            for item in reasons_cache[bid.tender_id]["lots"]:
                lot_outcome = by_lot.get(item["lot"].pk)
                if lot_outcome is None or lot_outcome.state == State.INTERRUPTED:
                    continue
                lot_outcome.framework = bid.tender.is_framework
                lot_outcome.ranked = len(item["ranked"])
                own_rejected = [r for r in item["rejected"] if r["offer"].bid_id == bid.pk]
                own_ranked = [r for r in item["ranked"] if r["offer"].bid_id == bid.pk]
                if item["interrupted"]:
                    lot_outcome.state = State.INTERRUPTED
                    lot_outcome.reason = in_section_language(item["lot"].status_reason, item["lot"].status_reason_sv)
                elif own_rejected:
                    lot_outcome.state = State.REJECTED
                    lot_outcome.grounds = [_ground_words(g) for g in own_rejected[0]["grounds"]]
                elif own_ranked:
                    lot_outcome.rank = own_ranked[0]["rank"]
                    won = any(w.bid_id == bid.pk for w in item["winners"])
                    lot_outcome.state = State.WON if won else State.NOT_CHOSEN
        outcome.lots = sorted(by_lot.values(), key=lambda o: o.lot.number)
        outcomes[bid.pk] = outcome
    told = [o for o in outcomes.values() if o.decided or any(lot.state == State.INTERRUPTED for lot in o.lots)]
    if told:
        readable = documents_visible_to(user=user).filter(
            tender_id__in={o.bid.tender_id for o in told}, status=DocumentStatus.READY
        )
        letters = {d.subject: d for d in readable.filter(kind=DocumentKind.LETTER).order_by("version")}
        latest_decisions = {d.tender_id: d for d in readable.filter(kind=DocumentKind.DECISION).order_by("version")}
        sent_keys = {key for key, _provider in sent_interruptions}
        interruption_documents = list(
            readable.filter(kind=DocumentKind.INTERRUPTION, subject__in=sent_keys).order_by("version", "pk")
        )
        # The decisions a correction gave a later edition (one query): only their bidders are shown the editions.
        corrected = set(
            DecisionEdition.objects.filter(decision__in=list(decisions.values()), number__gt=1).values_list(
                "decision_id", flat=True
            )
        )
        for outcome in told:
            if outcome.decided:
                outcome.letter = letters.get(f"bid:{outcome.bid.pk}")
                outcome.decision_document = latest_decisions.get(outcome.bid.tender_id)
                decision = decisions[outcome.bid.tender_id]
                if decision.pk in corrected:
                    outcome.editions = _sent_editions(decision, outcome.bid.provider_id, readable)
            outcome.interruption_documents = [
                d
                for d in interruption_documents
                if d.tender_id == outcome.bid.tender_id and (d.subject, outcome.bid.provider_id) in sent_interruptions
            ]
    return outcomes


def _sent_editions(decision, provider_id: int, readable) -> list[dict]:
    """The editions of the decision sent to the provider, each in force or replaced (by which edition, when and
    why), with its PDF where readable; empty while the decision has its first edition only."""
    from .corrections import decision_editions_sent

    rows = decision_editions_sent(decision=decision, provider_ids={provider_id})
    if len(rows) < 2:
        return []
    documents = {
        d.pk: d for d in readable.filter(pk__in=[r.edition.document_id for r in rows if r.edition.document_id])
    }
    return [{"row": r, "edition": r.edition, "document": documents.get(r.edition.document_id)} for r in rows]


def _reason_shown(score, *, secret: bool, own: bool) -> dict:
    """A quality score's reason as a bidder reads it: whole for its own offer; for another's, the panel's public
    summary where the reason concerns a part marked as a business secret, or that it is withheld (as the decision)."""
    if score is None:
        return {"text": "", "withheld": False}
    if secret and not own:
        public = in_section_language(score.public_reason, score.public_reason_sv) if score.public_reason else ""
        return {"text": public, "withheld": not score.public_reason}
    return {"text": in_section_language(score.reason, score.reason_sv), "withheld": False}


def comparison_for_bidder(*, user, tender_id) -> dict:
    """The comparison of each decided lot of a call, for its bidders once the decision was sent to them: ranks,
    prices and points per criterion with the panel's reasons (a business secret withheld as in the decision and the
    comparison reports), and the offers rejected with their legal grounds. Not found for anyone else, and before the
    sending; every read is on record."""
    from procurement.access import roles_of
    from procurement.audit import audit_record
    from procurement.errors import NotFound
    from tenders.selectors import tender_get

    from .document_contexts.reasons import lot_reasons

    tender = tender_get(user=user, tender_id=tender_id)
    own = list(
        Bid.objects.filter(
            tender=tender, provider_id__in=roles_of(user).provider_of, status=BidStatus.SUBMITTED
        ).values_list("pk", "provider_id")
    )
    if not own or not decision_sent_to(tender=tender, provider_ids={p for _b, p in own}):
        raise NotFound()
    own_bids = {b for b, _p in own}
    decision = AwardDecision.objects.get(tender=tender)
    reasons = lot_reasons(tender, decision)
    lots = []
    for item in reasons["lots"]:
        winners = {w.pk for w in item["winners"]}
        rows = []
        for row in item["ranked"]:
            offer = row["offer"]
            mine = offer.bid_id in own_bids
            rows.append(
                {
                    "rank": row["rank"],
                    "provider": row["provider"].name,
                    "own": mine,
                    "won": offer.pk in winners,
                    "comparison_price": offer.comparison_price,
                    "price_points": row["result"].price_points,
                    "quality_points": row["result"].quality_points,
                    "total_points": row["result"].total_points,
                    "criteria": [
                        {
                            "criterion": q["criterion"],
                            "points": q["points"],
                            **_reason_shown(q["score"], secret=q["secret"], own=mine),
                        }
                        for q in row["quality"]
                    ],
                }
            )
        lots.append(
            {
                "lot": item["lot"],
                "interrupted": item["interrupted"],
                "reason": in_section_language(item["lot"].status_reason, item["lot"].status_reason_sv),
                "criteria": item["criteria"],
                "rows": rows,
                "rejected": [
                    {
                        "provider": r["provider"].name,
                        "own": r["offer"].bid_id in own_bids,
                        "grounds": [_ground_words(g) for g in r["grounds"]],
                    }
                    for r in item["rejected"]
                ],
            }
        )
    audit_record(
        action="comparison.read_by_bidder",
        actor=user,
        obj=tender,
        detail={"bids": sorted(own_bids), "lots": [item["lot"].number for item in reasons["lots"]]},
    )
    return {"tender": tender, "decision": decision, "lots": lots}
