"""What each kind of document shows, gathered from the records in a fixed number of queries."""

from collections import defaultdict
from datetime import UTC
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bids.models import BidStatus
from evaluation.models import AwardDecision, LotResult, in_section_language
from procurement.exclusion import EXCLUSION_GROUNDS
from procurement.models import Language
from procurement.periods import HELSINKI
from procurement.redress import redress_for
from procurement.rules import Regime, rules_for_tender, tender_classification
from tenders.cpv import cpv_name
from tenders.models import LotStatus, PricingUnit, StudyPath, SuitabilityKind, TenderVersion

from .models import DocumentKind, GeneratedDocument

TIMELINE = ("planned_publication", "questions_deadline", "answers_by", "submission_deadline", "opening_at")

TEMPLATE_VERSION = "decision-4"
EXCLUSION_BY_CODE = {g.code: g for g in EXCLUSION_GROUNDS}


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


def _business_secrets(tender) -> dict[int, set[str]]:
    """The parts each bidder marked as business secrets in the version that stands (read from its sealed manifest,
    which the authority opened at the opening): "quality:<criterion id>", "evidence:<requirement id>", … An
    attachment marked secret that answers a criterion or gives evidence for a requirement makes that answer or
    evidence secret too."""
    from bids.content import version_context
    from bids.models import BidVersion
    from bids.sealing import unseal_json_many

    versions = list(
        BidVersion.objects.filter(bid__tender=tender, bid__status=BidStatus.SUBMITTED, number=F("bid__version")).only(
            "bid_id", "number", "sealed_manifest"
        )
    )
    sealed = [(v.sealed_manifest, version_context(v.bid_id, v.number)) for v in versions]
    manifests = unseal_json_many(tender.pk, sealed)
    secrets = {}
    for version, manifest in zip(versions, manifests, strict=True):
        marked = set(manifest.get("content", {}).get("business_secrets", []))
        for attachment in manifest.get("attachments", []):
            purpose = str(attachment.get("purpose", ""))
            if f"attachment:{attachment.get('id')}" in marked and ":" in purpose:
                kind, _colon, key = purpose.partition(":")
                marked.add({"criterion": "quality", "requirement": "evidence"}.get(kind, kind) + ":" + key)
        secrets[version.bid_id] = marked
    return secrets


def _exclusion_ground(code: str) -> dict:
    ground = EXCLUSION_BY_CODE.get(code)
    return {
        "code": code,
        "section": ground.section.split()[0] if ground else "",
        "mandatory": ground.mandatory if ground else None,
        "label": ground.label if ground else code,
    }


def lot_reasons(tender, decision) -> dict:
    """Per lot, what the decision states as its reasons: each ranked offer's points per criterion (price and each
    quality criterion, with the panel's reason for each quality score), total and rank; each rejected offer with its
    legal ground and the officer's specific reason; a cancelled or unsuccessful lot with its reason; and the bids
    refused at the box for arriving after the deadline. A reason concerning a part its bidder marked as a business
    secret is flagged `secret`: the decision shows the panel's public summary (or that it is withheld), the bidder's
    own letter the whole reason. Prices and points are never secret."""
    from bids.models import Bid, LotOffer
    from evaluation.models import ConformityRejection, PriceRejection, QualificationCheck, QualityScore
    from evaluation.qualification import required_subjects
    from procurement.models import AuditEvent

    lots = list(tender.lots.order_by("number"))
    criteria = list(tender.criteria.order_by("number"))
    requirements = {r.pk: r for r in tender.requirements.order_by("number")}
    secrets = _business_secrets(tender)
    awards: dict[int, list] = defaultdict(list)
    if decision is not None:
        for award in decision.lot_awards.all():
            awards[award.lot_id].append(award)
    results = defaultdict(list)
    for result in LotResult.objects.filter(lot__tender=tender).select_related("lot_offer__bid__provider"):
        results[result.lot_id].append(result)
    scores = defaultdict(dict)
    for score in QualityScore.objects.filter(lot_offer__bid__tender=tender):
        scores[score.lot_offer_id][score.criterion_id] = score
    # Qualification: a bid that failed a check is rejected in every lot it offered, with each failed check.
    subjects = required_subjects(tender)
    failed_checks = defaultdict(list)
    for check in QualificationCheck.objects.filter(
        bid__tender=tender, bid__status=BidStatus.SUBMITTED, passed=False
    ).order_by("subject"):
        if check.subject in subjects:
            failed_checks[check.bid_id].append(check)
    price_rejections = {
        r.lot_offer_id: r
        for r in PriceRejection.objects.filter(lot_offer__bid__tender=tender).select_related("explanation_request")
    }
    conformity_rejections = {
        r.lot_offer_id: r for r in ConformityRejection.objects.filter(lot_offer__bid__tender=tender)
    }
    offers = defaultdict(list)
    for offer in (
        LotOffer.objects.filter(bid__tender=tender, bid__status=BidStatus.SUBMITTED)
        .select_related("bid__provider")
        .order_by("bid__provider__name", "pk")
    ):
        offers[offer.lot_id].append(offer)
    lot_ids = [lot.pk for lot in lots]
    draws = lot_draws(lot_ids)

    def quality_rows(offer, lot, calculation) -> list[dict]:
        parts = calculation.get("quality", {})
        rows = []
        for criterion in criteria:
            if criterion.lot_id not in (None, lot.pk):
                continue
            score = scores[offer.pk].get(criterion.pk)
            part = parts.get(str(criterion.pk), {})
            rows.append(
                {
                    "criterion": criterion,
                    "score": score,
                    "points": score.points if score else None,
                    "weighted": Decimal(part["weighted"]) if part.get("weighted") else None,
                    "secret": f"quality:{criterion.pk}" in secrets.get(offer.bid_id, set()),
                }
            )
        return rows

    def grounds_of(offer) -> list[dict]:
        grounds = []
        for check in failed_checks.get(offer.bid_id, []):
            if check.subject == "exclusion":
                grounds.append({"kind": "exclusion", "check": check, "exclusion": _exclusion_ground(check.ground)})
            else:
                requirement_id = int(check.subject.split(":")[1])
                grounds.append(
                    {
                        "kind": "requirement",
                        "check": check,
                        "requirement": requirements.get(requirement_id),
                        "secret": f"evidence:{requirement_id}" in secrets.get(offer.bid_id, set()),
                    }
                )
        if offer.pk in conformity_rejections:
            grounds.append({"kind": "nonconforming", "rejection": conformity_rejections[offer.pk]})
        if offer.pk in price_rejections:
            grounds.append({"kind": "abnormally_low", "rejection": price_rejections[offer.pk]})
        return grounds

    items = []
    for lot in lots:
        lot_awards = awards.get(lot.pk, [])
        ranked = []
        for result in sorted(results.get(lot.pk, []), key=lambda r: (r.rank, r.lot_offer_id)):
            ranked.append(
                {
                    "result": result,
                    "offer": result.lot_offer,
                    "provider": result.lot_offer.bid.provider,
                    "rank": result.rank,
                    "quality": quality_rows(result.lot_offer, lot, result.calculation),
                }
            )
        rejected = [
            {"offer": offer, "provider": offer.bid.provider, "grounds": grounds}
            for offer in offers.get(lot.pk, [])
            for grounds in [grounds_of(offer)]
            if grounds
        ]
        if not lot_awards and lot.status == LotStatus.OPEN:
            continue  # not decided (yet): a lot still being evaluated is no part of this decision
        items.append(
            {
                "lot": lot,
                "status": lot.status,
                "interrupted": lot.status in (LotStatus.CANCELLED, LotStatus.UNSUCCESSFUL),
                "cancelled": lot.status == LotStatus.CANCELLED,
                "status_reason": lot.status_reason,
                "winners": [a.winner for a in lot_awards if a.winner is not None],
                "results": [r["result"] for r in ranked],
                "ranked": ranked,
                "rejected": rejected,
                "criteria": [c for c in criteria if c.lot_id in (None, lot.pk)],
                "draws": draws.get(lot.pk, []),
            }
        )
    # Bids refused at the box for arriving after the deadline: never opened, so only who and when.
    late_at: dict[int, object] = {}
    for event in AuditEvent.objects.filter(tender_id=tender.pk, action="bid.late_refused").order_by("at"):
        if event.object_id.isdigit():
            received = event.detail.get("received_at") if isinstance(event.detail, dict) else None
            late_at.setdefault(int(event.object_id), parse_datetime(received) if received else event.at)
    # (The call's bids not in the evaluation, one query whether or not any was late.)
    late = [
        {"provider": bid.provider, "received_at": late_at[bid.pk]}
        for bid in Bid.objects.filter(tender=tender).exclude(status=BidStatus.SUBMITTED).select_related("provider")
        if bid.pk in late_at
    ]
    late.sort(key=lambda item: item["received_at"])
    return {"lots": items, "late": late, "secrets": secrets}


def _reason_data(text: str, public: str, secret: bool, *, full: bool) -> dict:
    """The reason as a document records it: the whole text, or for a secret part the public summary only."""
    if secret and not full:
        return {"reason": public or None, "withheld": not public}
    return {"reason": text}


def lot_source_data(item: dict, *, full_for_bid: int | None = None) -> dict:
    """A lot's reasons as the document's recorded data: what its text says, no more (a business secret stays out of
    the decision's source.json as it stays out of its text)."""

    def full(offer) -> bool:
        return full_for_bid is not None and offer.bid_id == full_for_bid

    def ground_data(ground, offer) -> dict:
        kind = ground["kind"]
        if kind == "exclusion":
            return {
                "kind": kind,
                "ground": ground["exclusion"]["code"],
                "section": ground["exclusion"]["section"],
                "reason": ground["check"].reason,
            }
        if kind == "requirement":
            check = ground["check"]
            return {
                "kind": kind,
                "requirement": ground["requirement"].number if ground["requirement"] else None,
                **_reason_data(check.reason, check.public_reason, ground["secret"], full=full(offer)),
            }
        rejection = ground["rejection"]
        data = {"kind": kind, "reason": rejection.reason}
        if kind == "abnormally_low":
            data.update({"basis": rejection.basis, "assessment": rejection.assessment})
        return data

    return {
        "number": item["lot"].number,
        "status": item["status"],
        "status_reason": item["status_reason"],
        "winners": [w.bid.provider.business_id for w in item["winners"]],
        "results": [
            {
                "rank": row["rank"],
                "provider": row["provider"].business_id,
                "comparison_price": row["offer"].comparison_price,
                "price_points": row["result"].price_points,
                "quality_points": row["result"].quality_points,
                "total_points": row["result"].total_points,
                "criteria": [
                    {
                        "criterion": q["criterion"].number,
                        "weight": q["criterion"].weight,
                        "points": q["points"],
                        "weighted": q["weighted"],
                        **_reason_data(
                            q["score"].reason if q["score"] else "",
                            q["score"].public_reason if q["score"] else "",
                            q["secret"],
                            full=full(row["offer"]),
                        ),
                    }
                    for q in row["quality"]
                ],
                "calculation": row["result"].calculation,
            }
            for row in item["ranked"]
        ],
        "rejected": [
            {
                "provider": r["provider"].business_id,
                "comparison_price": r["offer"].comparison_price,
                "grounds": [ground_data(g, r["offer"]) for g in r["grounds"]],
            }
            for r in item["rejected"]
        ],
        "draws": item["draws"],
    }


def decision_context(document: GeneratedDocument) -> dict:
    tender = document.tender
    decision = (
        AwardDecision.objects.select_related("tender__authority", "decided_by")
        .prefetch_related("lot_awards__lot", "lot_awards__winner__bid__provider")
        .get(tender=tender)
    )
    reasons = lot_reasons(tender, decision)
    lots = reasons["lots"]
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
        "lots": [lot_source_data(item) for item in lots],
        "late": [{"provider": x["provider"].business_id, "received_at": x["received_at"]} for x in reasons["late"]],
    }
    return {
        "source_data": source_data,
        # Decisions bind in Finnish or Swedish: a bilingual authority's decision has both, one after the other.
        "languages": tender.document_languages,
        "tender": tender,
        "authority": tender.authority,
        "decision": decision,
        "lots": lots,
        "late": reasons["late"],
        "secrets": reasons["secrets"],
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
    """The decision as one bidder is told it: for each lot it offered, its own points per criterion with the panel's
    whole reasons (a part it marked as a business secret included: the reasons are its own), or why its offer was
    rejected; the winner's points per criterion for comparison; the draws it took part in."""
    from bids.models import Bid

    context = decision_context(document)
    bid = Bid.objects.select_related("provider").get(pk=int(document.subject.split(":")[1]))
    offered = set(bid.lot_offers.values_list("lot_id", flat=True))
    own = []
    for item in context["lots"]:
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
    decision_document = (
        GeneratedDocument.objects.filter(tender=context["tender"], kind=DocumentKind.DECISION)
        .order_by("version")
        .first()
    )
    from evaluation.periods import expected_periods

    periods = expected_periods(context["decision"], lot_ids={item["lot"].pk for item in own})
    own_data = []
    for o in own:
        data = lot_source_data(o["item"], full_for_bid=bid.pk)
        shown = {bid.provider.business_id} | {w.bid.provider.business_id for w in o["winners"]}
        data["results"] = [r for r in data["results"] if r["provider"] in shown]
        data["rejected"] = [r for r in data["rejected"] if r["provider"] == bid.provider.business_id]
        own_data.append({**data, "won": o["won"], "rank": o["result"].rank if o["result"] else None})
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
                "lots": own_data,
                "decision": context["source_data"],
            },
        }
    )
    return context


def interruption_context(document: GeneratedDocument) -> dict:
    """A decision to interrupt the call or a lot (`tenders.interruption`): the authority, the call, the lot, what is
    decided and why, the bidders and offers it concerns (after the opening only: before it the bids stay sealed), and
    the redress with its periods, counted from the sending (today's while it is unsent).

    The redress section is the award decision's partial (documents/redress_*.html) with `redress`, `periods` (an
    `evaluation.periods.Periods`, no standstill) and `authority`."""
    from bids.models import LotOffer
    from evaluation.models import ConformityRejection, PriceRejection, QualificationCheck
    from tenders.interruption import KEY_PREFIX, expected_interruption_periods
    from tenders.models import InterruptionDecision

    tender = document.tender
    decisions = InterruptionDecision.objects.select_related("lot", "decided_by").filter(tender=tender)
    if document.subject.startswith(KEY_PREFIX):
        decision = decisions.get(pk=int(document.subject.removeprefix(KEY_PREFIX)))
    else:  # an edition requested before the decisions were recorded: the call's own
        decision = decisions.get(lot__isnull=True)
    periods = expected_interruption_periods(decision)
    rules = rules_for_tender(tender)
    # The bids were opened before the decision: it names the bidders and the offers it concerns.
    opened = tender.opened_at is not None and tender.opened_at <= decision.decided_at
    offers = []
    if opened:
        rows = LotOffer.objects.filter(bid__tender=tender, bid__status=BidStatus.SUBMITTED).select_related(
            "bid__provider", "lot"
        )
        if decision.lot_id is not None:
            rows = rows.filter(lot_id=decision.lot_id)
        # Each failed qualification check's reason, in the section's language (lazy).
        failed_checks = defaultdict(list)
        for check in QualificationCheck.objects.filter(bid__tender=tender, passed=False).order_by("subject"):
            failed_checks[check.bid_id].append(in_section_language(check.reason, check.reason_sv))
        rejections = {
            r.lot_offer_id: r
            for r in PriceRejection.objects.filter(lot_offer__in=rows).select_related("lot_offer__lot")
        }
        nonconforming = {
            r.lot_offer_id: r
            for r in ConformityRejection.objects.filter(lot_offer__in=rows).select_related("lot_offer__lot")
        }
        for offer in rows.order_by("lot__number", "bid__provider__name", "pk"):
            grounds = list(failed_checks.get(offer.bid_id, []))
            for rejection in (rejections.get(offer.pk), nonconforming.get(offer.pk)):
                if rejection is not None:
                    grounds.append(rejection.statement())
            offers.append({"offer": offer, "provider": offer.bid.provider, "lot": offer.lot, "grounds": grounds})
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


def _qualification_ground(subject: str, requirements: dict, code: str = ""):
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


def _price_explanation_status(request) -> object:
    if request.answered_at is not None:
        return _("answered")
    if request.deadline < timezone.now():
        return _("no answer by the time set")
    return _("awaiting an answer")


def procedure_report_context(document: GeneratedDocument) -> dict:
    from bids.models import Bid, BidStatus, LotOffer
    from evaluation.clarifications import abnormally_low_offers
    from evaluation.models import (
        AwardDecision,
        ConformityRejection,
        LotAward,
        OpeningRequest,
        PanelMember,
        PriceRejection,
        ProviderRequest,
        QualificationCheck,
    )
    from procurement.models import AuditEvent
    from tenders.models import InterruptionDecision, LotStatus

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
                    "ground": _qualification_ground(check.subject, requirements, check.ground),
                    # Lazy: the Swedish section states the reason's Swedish text.
                    "reason": in_section_language(check.reason, check.reason_sv),
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
        # The interruption decisions, each with its kind, lot, reason, maker and the notification that counts.
        "interruptions": list(
            InterruptionDecision.objects.filter(tender=tender)
            .select_related("lot", "decided_by")
            .order_by("decided_at", "pk")
        ),
        "decision": decision,
        "regime": tender_classification(tender).regime,
        "course": course_in_words(events, opened=opened),
        # Lazy: each language section names the code in its own language.
        "cpv_main_name": lazy(lambda: cpv_name(tender.cpv_main, (get_language() or "fi")[:2]), str)(),
        "generated_at": timezone.now(),
        "document": document,
    }


def comparison_context(document: GeneratedDocument) -> dict:
    """A lot's ranking with each offer's points and the panel's reason for each quality score. A bilingual
    authority's report has a Swedish section with the Swedish texts: the evaluation that requests the report is
    refused while one is missing (tenders.languages), so the report never shows a gap."""
    from evaluation.models import QualityScore
    from tenders.models import Lot

    lot = Lot.objects.select_related("tender__authority").get(pk=int(document.subject.split(":")[1]))
    results = list(LotResult.objects.filter(lot=lot).select_related("lot_offer__bid__provider").order_by("rank"))
    criteria = [c for c in lot.tender.criteria.all() if c.lot_id in (None, lot.pk)]
    scores = defaultdict(list)
    for score in (
        QualityScore.objects.filter(lot_offer__in=[r.lot_offer_id for r in results])
        .select_related("criterion")
        .order_by("criterion__number")
    ):
        scores[score.lot_offer_id].append(score)
    # The bidders read the report after the decision: a reason about an answer its bidder marked as a business secret
    # is shown as the panel's public summary, or as withheld, as in the decision (points are never secret).
    secrets = _business_secrets(lot.tender)
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
                            **_reason_data(s.reason, s.public_reason, s.secret, full=False),
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


BUILDERS = {
    DocumentKind.COMPARISON: ("documents/comparison.html", comparison_context, "comparison-4"),
    DocumentKind.PROCEDURE_REPORT: ("documents/procedure_report.html", procedure_report_context, "procedure-5"),
    DocumentKind.INTERRUPTION: ("documents/interruption.html", interruption_context, "interruption-3"),
    DocumentKind.LETTER: ("documents/letter.html", letter_context, "letter-5"),
    DocumentKind.OPENING_RECORD: ("documents/opening_record.html", opening_record_context, "opening-2"),
    DocumentKind.RECEIPT: ("documents/receipt.html", receipt_context, "receipt-3"),
    DocumentKind.CALL: ("documents/call.html", call_context, "call-2"),
    DocumentKind.DECISION: ("documents/decision.html", decision_context, TEMPLATE_VERSION),
}
