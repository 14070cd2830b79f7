"""What each kind of document shows, gathered from the records in a fixed number of queries."""

from collections import defaultdict
from datetime import UTC
from decimal import Decimal

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bids.models import BidStatus
from evaluation.models import AwardDecision, LotResult
from procurement.models import Language
from procurement.periods import HELSINKI, at_local_time
from procurement.redress import redress_for
from procurement.rules import Regime, rules_for_tender, rules_on, tender_classification
from tenders.cpv import cpv_name
from tenders.models import PricingUnit, StudyPath, SuitabilityKind, TenderVersion

from .models import DocumentKind, GeneratedDocument

TIMELINE = ("planned_publication", "questions_deadline", "answers_by", "submission_deadline", "opening_at")

TEMPLATE_VERSION = "decision-2"


def document_languages(document: GeneratedDocument) -> list[str]:
    """The document's own language first; a bilingual authority's documents carry the other one as well."""
    languages = document.tender.document_languages
    if document.language not in languages:
        return [document.language]
    return [document.language] + [lang for lang in languages if lang != document.language]


def _person(user) -> str:
    return user.get_full_name() or user.username


def lot_draws(lot_ids) -> dict[int, list[dict]]:
    """The confirmed draws of lots, as a decision and a comparison report show them: the tied bidders, the order
    drawn, the seed with its commitment and algorithm (to recompute the order), the two officers and the times."""
    from bids.models import Bid
    from evaluation.draws import confirmed_draws

    draws = confirmed_draws(lot_ids)
    bid_ids = {b for found in draws.values() for draw in found for b in draw.tied_bids}
    names = dict(Bid.objects.filter(pk__in=bid_ids).values_list("pk", "provider__name"))
    return {
        lot_id: [
            {
                "rank": draw.rank,
                "lot_id": draw.lot_id,
                "tied": [names[b] for b in draw.tied_bids],
                "tied_bids": draw.tied_bids,
                "order": [{"bid": b, "provider": names[b], "rank": draw.rank + i} for i, b in enumerate(draw.order)],
                "algorithm": draw.algorithm,
                "seed": draw.seed,
                "commitment": draw.commitment,
                "started_by": _person(draw.started_by),
                "started_at": draw.started_at,
                "confirmed_by": _person(draw.confirmed_by),
                "confirmed_at": draw.confirmed_at,
            }
            for draw in found
        ]
        for lot_id, found in draws.items()
    }


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
    awards: dict[int, list] = {}
    for award in decision.lot_awards.all():
        awards.setdefault(award.lot_id, []).append(award)
    draws = lot_draws(awards)
    for lot_awards in awards.values():
        lot = lot_awards[0].lot
        winners = [a.winner for a in lot_awards if a.winner is not None]
        lots.append(
            {"lot": lot, "winners": winners, "results": results.get(lot.pk, []), "draws": draws.get(lot.pk, [])}
        )
    from bids.models import Bid
    from evaluation.qualification import qualification_state

    _qualified, failed, _missing = qualification_state(tender)
    rejected = [
        {"provider": bid.provider, "reasons": failed[bid.pk]}
        for bid in Bid.objects.filter(pk__in=failed).select_related("provider").order_by("provider__name")
    ]
    from evaluation.models import PriceRejection

    # A price rejection states its lot, its legal ground (§96), what became of the request and the officer's reasons.
    rejected += [
        {"provider": r.lot_offer.bid.provider, "reasons": [r.statement()]}
        for r in PriceRejection.objects.filter(lot_offer__bid__tender=tender).select_related(
            "lot_offer__bid__provider", "lot_offer__lot"
        )
    ]
    from evaluation.periods import expected_periods

    # The periods run from the notification: the sending that counts, or today's if the decision is still unsent.
    periods = expected_periods(decision)
    # The rule set of the call's publication, and the remedy its regime and the authority's kind give.
    redress = redress_for(tender=tender, regime=decision.regime)
    rules = redress.rules
    source_data = {
        "tender": {"id": tender.pk, "reference": tender.reference, "title": tender.title},
        "decided_at": decision.decided_at,
        "regime": decision.regime,
        "redress": redress.as_dict(),
        "periods": periods.as_dict(),
        "lots": [
            {
                "number": item["lot"].number,
                "winners": [w.bid.provider.business_id for w in item["winners"]],
                "results": [
                    {
                        "rank": r.rank,
                        "provider": r.lot_offer.bid.provider.business_id,
                        "comparison_price": r.lot_offer.comparison_price,
                        "price_points": r.price_points,
                        "quality_points": r.quality_points,
                        "total_points": r.total_points,
                        "calculation": r.calculation,
                    }
                    for r in item["results"]
                ],
                "draws": item["draws"],
            }
            for item in lots
        ],
        "rejected": [
            {"provider": r["provider"].business_id, "reasons": [str(x) for x in r["reasons"]]} for r in rejected
        ],
    }
    return {
        "source_data": source_data,
        # Decisions bind in Finnish or Swedish: a bilingual authority's decision has both, one after the other.
        "languages": tender.document_languages,
        "tender": tender,
        "authority": tender.authority,
        "decision": decision,
        "lots": lots,
        "rejected": rejected,
        "criteria": list(tender.criteria.all()),
        "bid_count": tender.bids.filter(status=BidStatus.SUBMITTED).count(),
        "under_act": decision.regime != Regime.SMALL,
        "eu": decision.regime == Regime.EU,
        "rules": rules,
        "redress": redress,
        "periods": periods,
        "appeal_deadline": periods.appeal_deadline,
        "generated_at": timezone.now(),
        "document": document,
    }


def _moment(value):
    return parse_datetime(value) if isinstance(value, str) else value


def _call_lot(lot: dict) -> dict:
    """A lot of the snapshot with what a bidder reads: labels in the section's language, dates and numbers parsed."""
    start = lot.get("planned_start")
    return {
        **lot,
        "pricing_unit_label": PricingUnit(lot["pricing_unit"]).label,
        "language_label": Language(lot["language_of_instruction"]).label if lot.get("language_of_instruction") else "",
        "study_path_label": StudyPath(lot["study_path"]).label if lot.get("study_path") else "",
        "planned_start": parse_date(start) if isinstance(start, str) else start,
        "credits": Decimal(str(lot["credits"])) if lot.get("credits") not in (None, "") else None,
        "volume": Decimal(str(lot["volume"])) if lot.get("volume") not in (None, "") else None,
    }


def call_context(document: GeneratedDocument) -> dict:
    """The call as it stood in the version this document records, from the stored snapshot."""
    tender = document.tender
    version = TenderVersion.objects.select_related("created_by").get(tender=tender, number=document.version)
    snapshot = version.snapshot
    timeline = {name: _moment(snapshot.get(name)) for name in TIMELINE}
    sections = [
        {
            "language": lang,
            "title": snapshot.get(f"title_{lang}") or snapshot.get("title_fi") or snapshot.get("title_sv"),
            "description": snapshot.get(f"description_{lang}") or "",
            "cpv_main_name": cpv_name(snapshot["cpv_main"], lang),
            "cpv_additional": [(code, cpv_name(code, lang)) for code in snapshot.get("cpv_additional") or []],
        }
        for lang in tender.document_languages
    ]
    rules = rules_for_tender(tender)
    return {
        "source_data": {"version": version.number, "reason": version.reason, "call": snapshot},
        "tender": tender,
        "authority": tender.authority,
        "co_purchasers": list(tender.co_purchasers.all()),
        "version": version,
        "snapshot": snapshot,
        "timeline": timeline,
        "sections": sections,
        "lots": [_call_lot(lot) for lot in snapshot["lots"]],
        "requirements": [
            {**r, "kind_label": SuitabilityKind(r["kind"]).label} for r in snapshot.get("requirements") or []
        ],
        "estimated_value": Decimal(str(snapshot["estimated_value"])),
        "criteria": snapshot["criteria"],
        "regime": rules.regime_for(
            Decimal(str(snapshot["estimated_value"])),
            snapshot["cpv_main"],
            snapshot.get("cpv_additional") or (),
            central_government=tender.authority.kind == "state_authority",
        ),
        "generated_at": timezone.now(),
        "document": document,
    }


def receipt_context(document: GeneratedDocument) -> dict:
    """The receipt as it is stored (and e-mailed): what the database shows of the submission anyway (who, when, the
    manifest's SHA-256, each attachment's SHA-256 and size), never what the bid keeps sealed until the opening (the
    lots it offers, its attachments' names and purposes). The manifest, which the provider alone can download before
    the opening, has the rest, and the hash on the receipt identifies it."""
    from bids.content import version_manifest
    from bids.models import BidVersion

    version_id = int(document.subject.split(":")[1])
    version = BidVersion.objects.select_related("bid__provider", "bid__tender__authority", "submitted_by").get(
        pk=version_id
    )
    manifest = version_manifest(version)
    attachments = [{"sha256": a["sha256"], "size": a["size"]} for a in manifest["attachments"]]
    return {
        "source_data": {
            "bid": version.bid_id,
            "version": version.number,
            "received_at": version.received_at,
            "manifest_sha256": version.manifest_sha256,
            "provider": version.bid.provider.business_id,
            "attachments": attachments,
        },
        "tender": version.bid.tender,
        "authority": version.bid.tender.authority,
        "provider": version.bid.provider,
        "version": version,
        "received_local": version.received_at.astimezone(HELSINKI),
        "received_utc": version.received_at.astimezone(UTC),
        "attachments": attachments,
        "call_version": manifest["call_version"],  # the version submitted against, not the one of today
        "generated_at": timezone.now(),
        "document": document,
    }


def opening_record_context(document: GeneratedDocument) -> dict:
    from bids.models import Bid, BidStatus, LotOffer
    from evaluation.models import OpeningRequest
    from procurement.models import AuditEvent

    tender = document.tender
    opening = (
        OpeningRequest.objects.select_related("requested_by", "confirmed_by")
        .filter(tender=tender, confirmed_at__isnull=False)
        .latest("confirmed_at")
    )
    offers = defaultdict(list)
    for offer in LotOffer.objects.filter(bid__tender=tender).select_related("lot").order_by("lot__number"):
        offers[offer.bid_id].append(offer)
    submitted = []
    for bid in Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).select_related("provider"):
        version = bid.versions.order_by("-number").first()
        submitted.append({"bid": bid, "version": version, "offers": offers[bid.pk]})
    submitted.sort(key=lambda item: item["version"].received_at)
    withdrawn = list(Bid.objects.filter(tender=tender, status=BidStatus.WITHDRAWN).select_related("provider"))
    late = [
        {"provider": e.actor_name, "at": parse_datetime(e.detail["received_at"])}
        for e in AuditEvent.objects.filter(tender_id=tender.pk, action="bid.late_refused").order_by("at")
    ]
    source_data = {
        "requested": {"by": opening.requested_by.username, "at": opening.requested_at},
        "confirmed": {"by": opening.confirmed_by.username, "at": opening.confirmed_at},
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


def letter_context(document: GeneratedDocument) -> dict:
    from bids.models import Bid
    from evaluation.models import PriceRejection
    from evaluation.qualification import qualification_state

    context = decision_context(document)
    bid = Bid.objects.select_related("provider").get(pk=int(document.subject.split(":")[1]))
    _qualified, failed, _missing = qualification_state(context["tender"])
    own = []
    for item in context["lots"]:
        mine = [r for r in item["results"] if r.lot_offer.bid_id == bid.pk]
        if mine or any(o.lot_id == item["lot"].pk for o in bid.lot_offers.all()):
            own.append(
                {
                    "lot": item["lot"],
                    "result": mine[0] if mine else None,
                    "offers": len(item["results"]),
                    "won": any(w.bid_id == bid.pk for w in item["winners"]),
                    "winners": item["winners"],
                    # A draw of lots the bid took part in: how its place was settled.
                    "draws": [d for d in item["draws"] if bid.pk in d["tied_bids"]],
                }
            )
    price_rejections = [
        r.statement() for r in PriceRejection.objects.filter(lot_offer__bid=bid).select_related("lot_offer__lot")
    ]
    decision_document = (
        GeneratedDocument.objects.filter(tender=context["tender"], kind=DocumentKind.DECISION)
        .order_by("version")
        .first()
    )
    from evaluation.periods import expected_periods

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
            "rejection_reasons": failed.get(bid.pk, []) + price_rejections,
            "decision_document": decision_document,
            "source_data": {
                "bid": bid.pk,
                "provider": bid.provider.business_id,
                "lots": [
                    {
                        "number": o["lot"].number,
                        "won": o["won"],
                        "rank": o["result"].rank if o["result"] else None,
                        "total_points": o["result"].total_points if o["result"] else None,
                    }
                    for o in own
                ],
                "rejection_reasons": [str(x) for x in failed.get(bid.pk, []) + price_rejections],
                "decision": context["source_data"],
            },
        }
    )
    return context


def interruption_context(document: GeneratedDocument) -> dict:
    from procurement.periods import local_date, period_end

    tender = document.tender
    day = local_date(tender.cancelled_at)
    rules = rules_on(day)
    regime = rules.regime_for(tender.estimated_value)
    under_act = regime != Regime.SMALL
    appeal_ends_on = period_end(day, rules.appeal_days) if under_act else None
    return {
        "source_data": {
            "tender": tender.pk,
            "cancelled_at": tender.cancelled_at,
            "reason": tender.cancel_reason,
            "regime": regime,
        },
        "languages": tender.document_languages,
        "tender": tender,
        "authority": tender.authority,
        "rules": rules,
        "under_act": under_act,
        "self_correction_ends_on": period_end(day, rules.self_correction_days),
        "appeal_deadline": at_local_time(appeal_ends_on, rules.appeal_last_time) if appeal_ends_on else None,
        "generated_at": timezone.now(),
        "document": document,
    }


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
    "tender.cancel": _("The procurement was interrupted on {date} at {time}."),
    "tender.declare_unsuccessful": _("The call for tenders was declared unsuccessful on {date} at {time}."),
    "tender.complete": _("The procedure was completed on {date} at {time}."),
    "bid.seal_broken": _("A breach of a bid's seal was detected on {date} at {time}."),
}

PROCEDURE_ACTIONS = tuple(COURSE_SENTENCES)


def course_in_words(events, *, opened: bool = True) -> list[dict]:
    """Each event as its sentence (lazy: each language section renders its own), with who did it; before the
    opening a bid's event does not say who acted, which would name its bidder."""
    course = []
    for event in events:
        sentence = COURSE_SENTENCES.get(event.action)
        if sentence is None:
            continue
        local = event.at.astimezone(HELSINKI)
        text = format_lazy(sentence, date=f"{local:%-d.%-m.%Y}", time=f"{local:%H.%M}")
        actor = event.actor_name if opened or not event.action.startswith("bid.") else ""
        course.append({"sequence": event.sequence, "text": text, "actor": actor})
    return course


def _qualification_ground(subject: str, requirements: dict):
    """The legal ground of a failed qualification check, lazy."""
    if subject == "exclusion":
        return _("Grounds for exclusion (sections 80 and 81 of the Act on Public Procurement)")
    requirement = requirements.get(int(subject.split(":")[1])) if subject.startswith("requirement:") else None
    if requirement is None:
        return _("Suitability requirement")
    return format_lazy(
        _("Suitability requirement {number}: {title}"), number=requirement.number, title=requirement.text
    )


def _price_explanation_status(request) -> object:
    if request.answered_at is not None:
        return _("answered")
    if request.deadline < timezone.now():
        return _("no answer by the time set")
    return _("awaiting an answer")


def procedure_report_context(document: GeneratedDocument) -> dict:
    from bids.models import Bid, BidStatus, LotOffer
    from evaluation.models import (
        AwardDecision,
        LotAward,
        OpeningRequest,
        PanelMember,
        PriceRejection,
        ProviderRequest,
        QualificationCheck,
    )
    from evaluation.requests import abnormally_low_offers
    from procurement.models import AuditEvent
    from tenders.models import LotStatus

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
    rejected, abnormal, winners, draws = [], [], {}, {}
    if opened:
        requirements = {r.pk: r for r in tender.requirements.all()}
        for check in (
            QualificationCheck.objects.filter(bid__tender=tender, passed=False, bid__status=BidStatus.SUBMITTED)
            .select_related("bid__provider")
            .order_by("bid__provider__name", "subject")
        ):
            rejected.append(
                {
                    "provider": check.bid.provider,
                    "ground": _qualification_ground(check.subject, requirements),
                    "reason": check.reason,
                }
            )
        rejections = {
            r.lot_offer_id: r
            for r in PriceRejection.objects.filter(lot_offer__bid__tender=tender).select_related(
                "lot_offer__bid__provider", "lot_offer__lot"
            )
        }
        rejected += [
            {"provider": r.lot_offer.bid.provider, "ground": r.statement(), "reason": ""} for r in rejections.values()
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
        flagged = abnormally_low_offers(tender)
        asked = {}
        for request in ProviderRequest.objects.filter(
            bid__tender=tender, kind=ProviderRequest.Kind.PRICE_EXPLANATION, lot_offer__isnull=False
        ).order_by("requested_at", "pk"):
            asked[request.lot_offer_id] = request  # the latest request of each offer
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
        if decision is not None:
            results = {r.lot_offer_id: r for r in LotResult.objects.filter(lot__tender=tender)}
            for award in LotAward.objects.filter(decision=decision).select_related("winner__bid__provider"):
                if award.winner is not None:
                    winners.setdefault(award.lot_id, []).append(
                        {"rank": award.rank, "offer": award.winner, "result": results.get(award.winner_id)}
                    )
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
        "source_data": {
            "tender": tender.pk,
            "status": tender.status,
            "opened": opened,
            "bids": len(bids),
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
        },
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
        "decision": decision,
        "regime": tender_classification(tender).regime,
        "course": course_in_words(events, opened=opened),
        # Lazy: each language section names the code in its own language.
        "cpv_main_name": lazy(lambda: cpv_name(tender.cpv_main, (get_language() or "fi")[:2]), str)(),
        "generated_at": timezone.now(),
        "document": document,
    }


def comparison_context(document: GeneratedDocument) -> dict:
    from tenders.models import Lot

    lot = Lot.objects.select_related("tender__authority").get(pk=int(document.subject.split(":")[1]))
    results = list(LotResult.objects.filter(lot=lot).select_related("lot_offer__bid__provider").order_by("rank"))
    criteria = [c for c in lot.tender.criteria.all() if c.lot_id in (None, lot.pk)]
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
                }
                for r in results
            ],
        },
        "tender": lot.tender,
        "authority": lot.tender.authority,
        "lot": lot,
        "criteria": criteria,
        "results": results,
        "draws": draws,
        "generated_at": timezone.now(),
        "document": document,
    }


BUILDERS = {
    DocumentKind.COMPARISON: ("documents/comparison.html", comparison_context, "comparison-2"),
    DocumentKind.PROCEDURE_REPORT: ("documents/procedure_report.html", procedure_report_context, "procedure-3"),
    DocumentKind.INTERRUPTION: ("documents/interruption.html", interruption_context, "interruption-1"),
    DocumentKind.LETTER: ("documents/letter.html", letter_context, "letter-3"),
    DocumentKind.OPENING_RECORD: ("documents/opening_record.html", opening_record_context, "opening-2"),
    DocumentKind.RECEIPT: ("documents/receipt.html", receipt_context, "receipt-3"),
    DocumentKind.CALL: ("documents/call.html", call_context, "call-1"),
    DocumentKind.DECISION: ("documents/decision.html", decision_context, TEMPLATE_VERSION),
}
