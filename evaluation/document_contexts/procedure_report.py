"""The procedure report (section 124): the course of the procedure in words, with who did what."""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bids.models import Bid, BidStatus, LotOffer
from documents.models import GeneratedDocument
from procurement.models import AuditEvent
from procurement.periods import HELSINKI
from procurement.rules import tender_classification
from tenders.cpv import cpv_name
from tenders.models import InterruptionDecision, LotStatus, SuitabilityRequirement, Tender

from ..clarifications import abnormally_low_offers
from ..models import (
    AwardDecision,
    ConformityRejection,
    DecisionEdition,
    LotAward,
    LotResult,
    OpeningRequest,
    PanelMember,
    PriceRejection,
    ProviderRequest,
    QualificationCheck,
    in_section_language,
)
from .claim_decision import claims_and_appeals
from .reasons import EXCLUSION_BY_CODE, lot_draws

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The course of the procedure in words: each action the report tells, as a sentence with its local date and time.
# The only place that maps an audit action to words; an action not here is left out of the report.
COURSE_SENTENCES = {
    "tender.create": _("The call for tenders was drafted on {date} at {time}."),
    "tender.submit_for_approval": _("The call for tenders was submitted for approval on {date} at {time}."),
    "tender.approve": _("The call for tenders was approved on {date} at {time}."),
    "tender.return_to_draft": _("The call for tenders was returned for editing on {date} at {time}."),
    "tender.publish": _("The call for tenders was published on {date} at {time}."),
    "tender.amend": _("The call for tenders was amended on {date} at {time}."),
    "tender.timeline_changed": _("The timetable of the call was changed on {date} at {time}."),
    "answers.publish": _("Answers to questions were published on {date} at {time}."),
    "tender.deadline_extended": _("The tender deadline was extended on {date} at {time}."),
    "bid.submit": _("A bid was received on {date} at {time}."),
    "bid.withdraw": _("A bid was withdrawn on {date} at {time}."),
    "bid.late_refused": _("A bid that arrived late was refused on {date} at {time}."),
    "tender.close": _("The time for tenders ended and the call was closed on {date} at {time}."),
    "tender.open_requested": _("The opening of the bids was requested on {date} at {time}."),
    "tender.open": _("The bids were opened on {date} at {time}."),
    "tender.bids_unsealed": _("The bids were unsealed on {date} at {time}."),
    "panel.add": _("A member was named to the evaluation panel on {date} at {time}."),
    "panel.declare": _("A panel member declared on conflicts of interest on {date} at {time}."),
    "evaluation.qualify": _("The qualification of the bidders was recorded on {date} at {time}."),
    "request.clarification": _("A bidder was asked to clarify its bid on {date} at {time}."),
    "request.price_explanation": _("A bidder was asked to explain its price on {date} at {time}."),
    "request.answer": _("A bidder answered a request on {date} at {time}."),
    "evaluation.reject_for_price": _("An offer was rejected for an abnormally low price on {date} at {time}."),
    "evaluation.draw_started": _("A draw of lots to settle a tie was started on {date} at {time}."),
    "evaluation.draw_confirmed": _("The draw of lots was confirmed by a second officer on {date} at {time}."),
    "tender.evaluate": _("The evaluation was completed on {date} at {time}."),
    "decision.propose": _("The award was proposed on {date} at {time}."),
    "tender.decide": _("The procurement decision was made on {date} at {time}."),
    "lot.cancel": _("A lot was cancelled on {date} at {time}."),
    "lot.declare_unsuccessful": _("A lot was found unsuccessful on {date} at {time}."),
    "tender.cancel": _("The procurement was interrupted on {date} at {time}."),
    "tender.declare_unsuccessful": _("The call for tenders was declared unsuccessful on {date} at {time}."),
    "tender.complete": _("The procedure was completed on {date} at {time}."),
    "bid.seal_broken": _("A breach of a bid's seal was detected on {date} at {time}."),
}

PROCEDURE_ACTIONS = tuple(COURSE_SENTENCES)


def course_in_words(events: Iterable[AuditEvent], *, opened: bool = True) -> list[dict[str, Any]]:
    """Each event as its sentence (lazy: each language section renders its own), with who did it; before the
    opening a bid's event does not say who acted, which would name its bidder."""
    course: list[dict[str, Any]] = []
    for event in events:
        sentence = COURSE_SENTENCES.get(event.action)
        if sentence is None:
            continue
        local = event.at.astimezone(HELSINKI)
        text = format_lazy(sentence, date=f"{local:%-d.%-m.%Y}", time=f"{local:%H.%M}")
        actor = event.actor_name if opened or not event.action.startswith("bid.") else ""
        course.append({"sequence": event.sequence, "text": text, "actor": actor})
    return course


def _qualification_ground(
    subject: str, requirements: dict[int, SuitabilityRequirement], code: str = ""
) -> "StrOrPromise":
    """The legal ground of a failed qualification check, lazy."""
    if subject == "exclusion":
        ground = EXCLUSION_BY_CODE.get(code)
        if ground is not None:
            return format_lazy(
                _("Exclusion ground under section {section} of the Act on Public Procurement: {ground}"),
                section=ground.section.split()[0],
                ground=ground.label,
            )
        return _("Grounds for exclusion (sections 80 and 81 of the Act on Public Procurement)")
    requirement = requirements.get(int(subject.split(":")[1])) if subject.startswith("requirement:") else None
    if requirement is None:
        return _("Suitability requirement")
    return format_lazy(
        _("Suitability requirement {number}: {title}"), number=requirement.number, title=requirement.text
    )


def _price_explanation_status(request: ProviderRequest) -> "StrOrPromise":
    if request.answered_at is not None:
        return _("answered")
    if request.deadline < timezone.now():
        return _("no answer by the time set")
    return _("awaiting an answer")


def _rejected(tender: Tender) -> tuple[list[dict[str, Any]], dict[int, PriceRejection]]:
    """Each rejection with its legal ground: failed qualification checks, abnormally low prices, non-conformities and
    the bids refused as late (named only after the opening); and the price rejections by offer."""
    requirements = {r.pk: r for r in tender.requirements.all()}
    rejected = [
        {
            "provider": check.bid.provider,
            "ground": _qualification_ground(check.subject, requirements, check.ground),
            # Lazy: the Swedish section states the reason's Swedish text.
            "reason": in_section_language(check.reason, check.reason_sv),
        }
        for check in (
            QualificationCheck.objects.filter(bid__tender=tender, passed=False, bid__status=BidStatus.SUBMITTED)
            .select_related("bid__provider")
            .order_by("bid__provider__name", "subject")
        )
    ]
    rejections = {
        r.lot_offer_id: r
        for r in PriceRejection.objects.filter(lot_offer__bid__tender=tender).select_related(
            "lot_offer__bid__provider", "lot_offer__lot"
        )
    }
    rejected += [
        {"provider": r.lot_offer.bid.provider, "ground": r.statement(), "reason": ""} for r in rejections.values()
    ]
    rejected += [
        {"provider": r.lot_offer.bid.provider, "ground": r.statement(), "reason": ""}
        for r in ConformityRejection.objects.filter(lot_offer__bid__tender=tender).select_related(
            "lot_offer__bid__provider", "lot_offer__lot"
        )
    ]
    # A bid refused at the box for arriving late (the event's object is the bid); named only after the opening.
    late_at = {
        int(e.object_id): e.at
        for e in AuditEvent.objects.filter(tender_id=tender.pk, action="bid.late_refused").order_by("at")
        if e.object_id.isdigit()
    }
    for bid in Bid.objects.filter(pk__in=late_at).select_related("provider").order_by("provider__name"):
        local = late_at[bid.pk].astimezone(HELSINKI)
        rejected.append(
            {
                "provider": bid.provider,
                "ground": format_lazy(
                    _("The bid arrived after the tender deadline, on {date} at {time}, and was not accepted."),
                    date=f"{local:%-d.%-m.%Y}",
                    time=f"{local:%H.%M.%S}",
                ),
                "reason": "",
            }
        )
    return rejected, rejections


def _abnormal(tender: Tender, rejections: dict[int, PriceRejection]) -> list[dict[str, Any]]:
    """The offers flagged as abnormally low, asked to explain their price or rejected for it, with the outcome."""
    flagged = abnormally_low_offers(tender)
    asked: dict[int | None, ProviderRequest] = {}
    for provider_request in ProviderRequest.objects.filter(
        bid__tender=tender, kind=ProviderRequest.Kind.PRICE_EXPLANATION, lot_offer__isnull=False
    ).order_by("requested_at", "pk"):
        asked[provider_request.lot_offer_id] = provider_request  # the latest request of each offer
    abnormal: list[dict[str, Any]] = []
    for offer in (
        LotOffer.objects.filter(pk__in=set(flagged) | set(asked) | set(rejections))
        .select_related("bid__provider", "lot")
        .order_by("lot__number", "bid__provider__name")
    ):
        request = asked.get(offer.pk)
        if offer.pk in rejections:
            outcome = _("The offer was rejected for its price (section 96).")
        elif request is not None:
            outcome = _("The offer was kept in the evaluation.")
        else:
            outcome = _("No explanation was asked for; the offer was kept in the evaluation.")
        abnormal.append(
            {
                "lot": offer.lot,
                "provider": offer.bid.provider,
                "comparison_price": offer.comparison_price,
                "flagged": offer.pk in flagged,
                "request": request,
                "status": _price_explanation_status(request) if request else None,
                "outcome": outcome,
            }
        )
    return abnormal


def _winners(tender: Tender, decision: AwardDecision) -> dict[int, list[dict[str, Any]]]:
    """Each lot's winners with their rank and result."""
    winners: dict[int, list[dict[str, Any]]] = {}
    results = {r.lot_offer_id: r for r in LotResult.objects.filter(lot__tender=tender)}
    for award in LotAward.objects.filter(decision=decision).select_related("winner__bid__provider"):
        if award.winner is not None:
            winners.setdefault(award.lot_id, []).append(
                {"rank": award.rank, "offer": award.winner, "result": results.get(award.winner.pk)}
            )
    return winners


def _source_data(tender: Tender, events: list[AuditEvent], *, opened: bool, bid_count: int) -> dict[str, Any]:
    return {
        "tender": tender.pk,
        "status": tender.status,
        "opened": opened,
        "bids": bid_count,
        "events": [
            {
                "sequence": e.sequence,
                "at": e.at,
                "action": e.action,
                # The PDF carries this as source.json: a sealed bid's submitter stays unnamed there too.
                "actor": e.actor_name if opened or not e.action.startswith("bid.") else "",
                "hash": e.hash,
            }
            for e in events
        ],
    }


def procedure_report_context(document: GeneratedDocument) -> dict[str, Any]:
    tender = document.tender
    events = list(
        AuditEvent.objects.filter(tender_id=tender.pk, action__in=PROCEDURE_ACTIONS).order_by("sequence", "id")
    )
    decision = AwardDecision.objects.filter(tender=tender).select_related("decided_by").first()
    opening = (
        OpeningRequest.objects.filter(tender=tender, confirmed_at__isnull=False)
        .select_related("requested_by", "confirmed_by")
        .first()
    )
    # Before the opening the bids stay sealed (issue 17): the report says how many arrived, never from whom.
    opened = opening is not None
    bids = list(Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).select_related("provider").order_by("pk"))
    late = AuditEvent.objects.filter(tender_id=tender.pk, action="bid.late_refused").count()
    lots = list(tender.lots.order_by("number"))
    rejected: list[dict[str, Any]] = []
    abnormal: list[dict[str, Any]] = []
    winners: dict[int, list[dict[str, Any]]] = {}
    draws: dict[int, list[dict[str, Any]]] = {}
    if opened:
        rejected, rejections = _rejected(tender)
        abnormal = _abnormal(tender, rejections)
        if decision is not None:
            winners = _winners(tender, decision)
            draws = lot_draws([lot.pk for lot in lots])
    panel = list(PanelMember.objects.filter(tender=tender).select_related("user"))
    lot_rows = [
        {
            "lot": lot,
            "winners": winners.get(lot.pk, []),
            "draws": draws.get(lot.pk, []),
            "cancelled": lot.status in (LotStatus.CANCELLED, LotStatus.UNSUCCESSFUL),
        }
        for lot in lots
    ]
    return {
        "source_data": _source_data(tender, events, opened=opened, bid_count=len(bids)),
        "tender": tender,
        "authority": tender.authority,
        "versions": list(tender.versions.order_by("number")),
        "bulletins": list(tender.bulletins.order_by("number")),
        "opened": opened,
        "bids": bids if opened else [],
        "bid_count": len(bids),
        "late": late,
        "withdrawn": Bid.objects.filter(tender=tender, status=BidStatus.WITHDRAWN).count(),
        "opening": opening,
        "lots": lot_rows,
        "rejected": rejected,
        "abnormal": abnormal,
        "panel": panel,
        "conflicts": [m for m in panel if m.has_conflict],
        # The interruption decisions, each with its kind, lot, reason, maker and the notification that counts.
        "interruptions": list(
            InterruptionDecision.objects.filter(tender=tender)
            .select_related("lot", "decided_by")
            .order_by("decided_at", "pk")
        ),
        "decision": decision,
        # The decision's later editions (corrections): each with its lots, cause, reason and what it replaced.
        "editions": _corrected_editions(decision),
        "regime": tender_classification(tender).regime,
        "course": course_in_words(events, opened=opened),
        # The claims for rectification and the Market Court appeals, with their course ("claims", "appeals").
        **claims_and_appeals(tender),
        # Lazy: each language section names the code in its own language.
        "cpv_main_name": lazy(lambda: cpv_name(tender.cpv_main, (get_language() or "fi")[:2]), str)(),
        "generated_at": timezone.now(),
        "document": document,
    }


def _corrected_editions(decision: Any) -> list[dict[str, Any]]:
    if decision is None:
        return []
    editions = (
        DecisionEdition.objects.filter(decision=decision, number__gt=1)
        .select_related("correction", "decided_by")
        .prefetch_related("lots")
        .order_by("number")
    )
    return [
        {
            "edition": e,
            "lots": ", ".join(str(lot.number) for lot in sorted(e.lots.all(), key=lambda lot: lot.number)),
        }
        for e in editions
    ]
