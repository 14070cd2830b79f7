"""What a bid keeps from the others: the parts its bidder marked as business secrets (or personal data of its staff),
as far as the authority upholds the marking. The access requests, the disclosed copies, the comparison and the
competitors' view of a bid all read it here, so that one decision counts everywhere.

A part is named as in the bid's `business_secrets`: "contact", "quality:<criterion id>", "evidence:<requirement
id>", "attachment:<attachment id>". Prices are never withheld.

The authority decides (JulkL 621/1999 24 § 1 mom. 20 k for business secrets, 32 k for personal data): an officer
reviews the markings of a bid part by part (`secrecy_decide_part`), and tells the bidder (`secrecy_review_notify`)
before anything it marked is disclosed. A decision that keeps a marked part secret counts at once; one that
discloses what was marked (overridden, or upheld only in part) counts only once the bidder was told and the notice
period has run."""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentKind
from documents.services import document_request
from procurement.access import AnyUser, roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.models import User
from procurement.notifications import notify
from procurement.periods import at_local_time, local_date, period_end
from tenders.models import Tender

from . import asks
from .content import SECRET_KEY_PATTERN, version_manifest
from .document_contexts import business_secrets, secrecy_part_facts
from .models import (
    Bid,
    BidStatus,
    SecrecyDecision,
    SecrecyGround,
    SecrecyOutcome,
    SecrecyReview,
    SecrecyReviewStatus,
)

# How long after the bidder is told of the decision its overridden markings stay secret: the authority's choice (no
# statute fixes it), so that the bidder can answer, or seek redress, before anything it marked is disclosed.
SECRECY_NOTICE_DAYS = 7

# What names a price: a total or unit price is never secret, so it can be neither marked nor upheld.
PRICE_PART = re.compile(r"^(price|prices|total_price|unit_price|lot_offers?|offer|lot)(:.*)?$")


@dataclass(frozen=True)
class Withheld:
    """A part of a bid that a disclosed copy leaves out: all of it (`passages` empty), or only the passages of its
    text that are listed; with the legal ground (a code of `procurement.labels`)."""

    part: str
    passages: tuple[str, ...] = ()
    ground: str = "business_secret"


def _withheld_of(
    marked: set[str], review: SecrecyReview | None, decisions: list[SecrecyDecision], now: datetime
) -> list[Withheld]:
    effective = review is not None and review.is_effective(now)
    by_part = {d.part: d for d in decisions}
    withheld = []
    for part in sorted(marked | set(by_part)):
        decision = by_part.get(part)
        if decision is None:
            withheld.append(Withheld(part=part))  # not reviewed: the marking holds whole
        elif decision.outcome == SecrecyOutcome.UPHELD:
            withheld.append(Withheld(part=part, ground=decision.ground))
        elif part in marked and not effective:
            # It discloses (in whole or in part) what the bidder marked: not before the bidder was told and the period
            # ran.
            withheld.append(Withheld(part=part, ground=decision.ground))
        elif decision.outcome == SecrecyOutcome.UPHELD_IN_PART:
            withheld.append(Withheld(part=part, passages=tuple(decision.passages), ground=decision.ground))
    return withheld


def secrecy_withheld(tender: Tender) -> dict[int, list[Withheld]]:
    """Per submitted bid (by id), what is withheld from anyone but its bidder and the authority. Until the authority
    has reviewed a bid's markings, every part the bidder marked is withheld whole; an upheld marking stays whole, one
    upheld in part keeps its passages, and an overridden one is no longer withheld once the bidder was told and the
    notice period ran."""
    return _withheld(tender)


def bid_withheld(bid: Bid) -> list[Withheld]:
    """`secrecy_withheld` of one bid."""
    return _withheld(bid.tender, bid_ids=[bid.pk]).get(bid.pk, [])


def _withheld(tender: Tender, bid_ids: list[int] | None = None) -> dict[int, list[Withheld]]:
    marked = business_secrets(tender, bid_ids=bid_ids)
    reviews = SecrecyReview.objects.filter(bid_id__in=list(marked)).prefetch_related("decisions")
    by_bid = {review.bid_id: review for review in reviews}
    now = timezone.now()
    result = {}
    for bid_id, parts in marked.items():
        review = by_bid.get(bid_id)
        decisions = list(review.decisions.all()) if review is not None else []
        result[bid_id] = _withheld_of(parts, review, decisions, now)
    return result


def withheld_parts(withheld: list[Withheld]) -> set[str]:
    """The names of the parts withheld, whole or in part."""
    return {w.part for w in withheld}


def redact_text(text: str, passages: tuple[str, ...] | list[str]) -> str:
    """The text with each secret passage replaced by an ellipsis in brackets."""
    for passage in passages:
        if passage:
            text = text.replace(passage, "[…]")
    return text


# --- the authority's review --------------------------------------------------------------------------------------


def _bid_or_404(bid_id: int) -> Bid:
    """The bid with its call's authority and its provider; 404 for an id that no bid has."""
    bid: Bid
    try:
        bid = Bid.objects.select_related("tender__authority", "provider").get(pk=bid_id)
    except (Bid.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    return bid


def _officer_bid(actor: AnyUser, bid_id: int, *, for_update: bool = False) -> Bid:
    """A submitted, opened bid whose markings the actor reviews as an officer of its authority: 404 where even its
    existence is not the actor's business (another authority, another provider, a sealed box), 403 for the bid's
    own bidder and for the authority's users who are not officers."""
    bid = _bid_or_404(bid_id)
    roles = roles_of(actor)
    if bid.provider_id in roles.provider_of:
        raise Forbidden(_("The authority decides on the business secrets of a bid."), code="not_an_officer")
    if not roles.reads_authority(bid.tender.authority_id) or bid.tender.bids_are_sealed:
        raise NotFound()
    if bid.status != BidStatus.SUBMITTED:
        raise NotFound()
    if not roles.is_officer(bid.tender.authority_id):
        raise Forbidden(_("Only an officer of the authority decides on business secrets."), code="not_an_officer")
    asks.panel_access_check(user=actor, tender=bid.tender)  # the decision reads the bid's content
    if for_update:
        bid = Bid.objects.select_for_update().select_related("tender__authority", "provider").get(pk=bid.pk)
    return bid


def secrecy_review_check(*, actor: AnyUser, bid_id: int) -> None:
    """Whether the actor may review the bid's markings now (404, 403): the API asks before it reads the body."""
    _officer_bid(actor, bid_id)


def secrecy_review_start(*, actor: User, bid: Bid) -> SecrecyReview:
    """Open the review of a bid's markings (once; a second call answers the review already open)."""
    with transaction.atomic():
        bid = _officer_bid(actor, bid.pk, for_update=True)
        review: SecrecyReview
        review, created = SecrecyReview.objects.get_or_create(bid=bid, defaults={"started_by": actor})
        if created:
            audit_record(action="secrecy.start", actor=actor, obj=bid, after={"review": review.pk})
    return review


def _bid_content(bid: Bid) -> dict[str, Any]:
    version = bid.versions.filter(number=bid.version).select_related("bid").get()
    return version_manifest(version)


def _part_text(content: dict[str, Any], part: str) -> str | None:
    """The text of a part as the bid gives it (None for an attachment, whose text is in its file)."""
    kind, _colon, ident = part.partition(":")
    if kind == "contact":
        return "\n".join(str(v) for v in content.get("content", {}).get("contact", {}).values())
    if kind == "quality":
        answers = content.get("content", {}).get("quality_answers", [])
        return next((a.get("text", "") for a in answers if str(a.get("criterion")) == ident), "")
    if kind == "evidence":
        evidence = content.get("content", {}).get("suitability_evidence", [])
        return next((e.get("text", "") for e in evidence if str(e.get("requirement")) == ident), "")
    return None


def _bid_parts(manifest: dict[str, Any]) -> set[str]:
    """Every part of a bid that can be kept secret: its contact, answers, evidence and attachments."""
    known = {"contact"}
    known |= {f"quality:{a.get('criterion')}" for a in manifest.get("content", {}).get("quality_answers", [])}
    known |= {f"evidence:{e.get('requirement')}" for e in manifest.get("content", {}).get("suitability_evidence", [])}
    known |= {f"attachment:{a.get('id')}" for a in manifest.get("attachments", [])}
    return known


def _part_errors(bid: Bid, manifest: dict[str, Any], part: str) -> dict[str, list[dict[str, str]]] | None:
    if PRICE_PART.match(part):
        message = _("Prices are never secret: the total price of a bid is always disclosed.")
        return {"part": [{"code": "price_never_secret", "message": str(message)}]}
    if not SECRET_KEY_PATTERN.match(part) or part not in _bid_parts(manifest):
        message = _("No such part in this bid: name its contact, an answer, a piece of evidence or an attachment.")
        return {"part": [{"code": "not_a_secret_part", "message": str(message)}]}
    return None


def secrecy_decide_part(
    *,
    actor: User,
    bid: Bid,
    part: str,
    outcome: str,
    reason: str,
    reason_sv: str = "",
    ground: str = SecrecyGround.BUSINESS_SECRET,
    passages: list[str] | None = None,
) -> SecrecyDecision:
    """The authority's decision on one part of a bid: kept secret, secret in part (the passages of the part's text
    that stay secret) or not secret, with the ground and the reason. Also a part the bidder did not mark may be kept
    secret (the personal data of its staff). Prices never: refused (400). Once the bidder was told, the decisions
    stand (409)."""
    part = (part or "").strip()
    reason, reason_sv = (reason or "").strip(), (reason_sv or "").strip()
    passages = [p.strip() for p in (passages or []) if p and p.strip()]
    errors: dict[str, list[dict[str, str]]] = {}
    if outcome not in SecrecyOutcome.values:
        errors["outcome"] = [{"code": "invalid_choice", "message": str(_("Choose secret, secret in part or not."))}]
    if ground not in SecrecyGround.values:
        errors["ground"] = [{"code": "invalid_choice", "message": str(_("Choose the legal ground."))}]
    if not reason:
        errors["reason"] = [{"code": "required", "message": str(_("Give the reason for the decision."))}]
    if outcome == SecrecyOutcome.UPHELD_IN_PART and not passages:
        message = _("List the passages of the text that stay secret.")
        errors["passages"] = [{"code": "passages_required", "message": str(message)}]
    if outcome != SecrecyOutcome.UPHELD_IN_PART:
        passages = []
    with transaction.atomic():
        bid = _officer_bid(actor, bid.pk, for_update=True)
        manifest = _bid_content(bid)
        part_errors = _part_errors(bid, manifest, part)
        if part_errors:
            errors = {**part_errors, **errors}
        tender = bid.tender
        if not errors.get("reason") and "sv" in tender.document_languages and not reason_sv:
            message = _("The authority is bilingual: give the reason in Swedish too.")
            errors["reason_sv"] = [{"code": "required", "message": str(message)}]
        text = _part_text(manifest, part) if not part_errors else None
        missing = [p for p in passages if text is not None and p not in text]
        if missing:
            message = _("Each passage must be quoted exactly from the part's text: %(passages)s")
            errors["passages"] = [
                {"code": "passage_not_found", "message": str(message % {"passages": "; ".join(missing)})}
            ]
        if errors:
            raise ValidationFailed(errors=errors)
        marked = part in business_secrets(tender, bid_ids=[bid.pk]).get(bid.pk, set())
        if not marked and outcome == SecrecyOutcome.OVERRIDDEN:
            message = _("The bidder did not mark this part: there is no marking to override.")
            raise ValidationFailed(errors={"outcome": [{"code": "not_marked", "message": str(message)}]})
        review, created = SecrecyReview.objects.select_for_update().get_or_create(
            bid=bid, defaults={"started_by": actor}
        )
        if created:
            audit_record(action="secrecy.start", actor=actor, obj=bid, after={"review": review.pk})
        if review.status == SecrecyReviewStatus.NOTIFIED:
            raise Conflict(
                _("The bidder has been told of the decision on its business secrets; it can no longer be changed."),
                code="secrecy_notified",
            )
        previous = SecrecyDecision.objects.filter(review=review, part=part).first()
        values = {
            "outcome": outcome,
            "passages": passages,
            "ground": ground,
            "reason": reason,
            "reason_sv": reason_sv,
            "marked": marked,
            "decided_by": actor,
            "decided_at": timezone.now(),
        }
        decision, _created = SecrecyDecision.objects.update_or_create(review=review, part=part, defaults=values)
        undecided = _undecided(bid, review)
        if not undecided:
            review.decide()
            review.save()
        audit_record(
            action="secrecy.decide",
            actor=actor,
            obj=bid,
            before=_decision_data(previous) if previous else None,
            after={**_decision_data(decision), "review": review.pk, "status": review.status},
        )
    return decision


def _decision_data(decision: SecrecyDecision) -> dict[str, Any]:
    return {
        "part": decision.part,
        "outcome": decision.outcome,
        "passages": list(decision.passages),
        "ground": decision.ground,
        "reason": decision.reason,
        "reason_sv": decision.reason_sv,
    }


def _undecided(bid: Bid, review: SecrecyReview) -> list[str]:
    marked = business_secrets(bid.tender, bid_ids=[bid.pk]).get(bid.pk, set())
    decided = set(review.decisions.values_list("part", flat=True))
    return sorted(marked - decided)


def secrecy_disclosable_from(notified_at: datetime) -> datetime:
    """When the decisions told to the bidder at `notified_at` take effect: the day after the notice period's last
    day (the day of notification not counted; a last day off moves to the next working day), at midnight in
    Helsinki."""
    last_day = period_end(local_date(notified_at), SECRECY_NOTICE_DAYS)
    return at_local_time(last_day + timedelta(days=1), "00:00")


def secrecy_review_notify(*, actor: User, bid: Bid) -> SecrecyReview:
    """Tell the bidder the decision on its markings (a SECRECY_DECISION PDF and a notification) and start the notice
    period, after which what it marked and the authority did not keep secret may be disclosed. Every marked part must
    be decided first (409)."""
    with transaction.atomic():
        bid = _officer_bid(actor, bid.pk, for_update=True)
        review: SecrecyReview | None = SecrecyReview.objects.select_for_update().filter(bid=bid).first()
        undecided = (
            _undecided(bid, review)
            if review is not None
            else sorted(business_secrets(bid.tender, bid_ids=[bid.pk]).get(bid.pk, set()))
        )
        if review is None or undecided or review.status == SecrecyReviewStatus.DRAFT:
            raise Conflict(
                _("Decide on every part the bidder marked before telling the bidder."),
                code="parts_undecided",
                undecided=undecided,
            )
        if review.status == SecrecyReviewStatus.NOTIFIED:
            raise Conflict(_("The bidder has already been told of this decision."), code="secrecy_notified")
        now = timezone.now()
        effective_from = secrecy_disclosable_from(now)
        review.notify(by=actor, at=now, effective_from=effective_from)
        tender = bid.tender
        provider = bid.provider
        language = provider.preferred_language if provider.preferred_language in ("fi", "sv") else None
        document = document_request(
            kind=DocumentKind.SECRECY_DECISION,
            tender=tender,
            actor=actor,
            subject=review.key,
            provider=provider,
            language=language or tender.document_languages[0],
        )
        review.document = document
        review.save()
        audit_record(
            action="secrecy.notify",
            actor=actor,
            obj=bid,
            after={
                "review": review.pk,
                "document": document.pk,
                "effective_from": review.effective_from,
                "decisions": [_decision_data(d) for d in review.decisions.all()],
            },
        )
        notify(
            kind="secrecy.decision",
            key=review.key,
            tender_id=tender.pk,
            providers=[provider],
            documents=[document.pk],
            payload={"bid": bid.pk, "effective_from": effective_from.isoformat()},
        )
    return review


# --- reading the review ------------------------------------------------------------------------------------------


@dataclass
class SecrecyPart:
    """A part of a bid in the review: its name, whether the bidder marked it, its text (for the authority), the
    decision on it and what is withheld of it today."""

    part: str
    marked: bool
    decision: SecrecyDecision | None
    withheld: Withheld | None
    text: str | None = None
    # What the part is, for a reader (`document_contexts.secrecy_part_facts`): kind, number, name, file name.
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class SecrecyView:
    bid: Bid
    review: SecrecyReview | None
    parts: list[SecrecyPart]
    as_authority: bool
    # For the authority: the bid's other parts, which it may keep secret of its own motion (its staff's personal
    # data), as (part, facts).
    other_parts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def secrecy_review_get(*, user: AnyUser, bid_id: int) -> SecrecyView:
    """The markings of a bid and the authority's decisions on them: for the authority's officers and auditors after
    the opening (with each part's text: a read of sealed content, audited); for the bid's own provider, the decisions
    once it was told of them (before, its markings only). Anyone else: 404."""
    bid = _bid_or_404(bid_id)
    roles = roles_of(user)
    tender = bid.tender
    own = bid.provider_id in roles.provider_of
    authority = not own and roles.reads_authority(tender.authority_id)
    if not (own or authority) or bid.status != BidStatus.SUBMITTED or tender.bids_are_sealed:
        raise NotFound()
    if authority:
        if not (roles.is_officer(tender.authority_id) or roles.audits(tender.authority_id)):
            raise Forbidden(_("The review of business secrets is for the authority's officers and auditors."))
        asks.panel_access_check(user=user, tender=tender)  # the parts' texts are the bid's content
    review = SecrecyReview.objects.filter(bid=bid).first()
    told = review is not None and review.status == SecrecyReviewStatus.NOTIFIED
    decisions = {d.part: d for d in review.decisions.all()} if review is not None and (authority or told) else {}
    marked = business_secrets(tender, bid_ids=[bid.pk]).get(bid.pk, set())
    withheld = {w.part: w for w in bid_withheld(bid)}
    manifest = _bid_content(bid)
    parts = [
        SecrecyPart(
            part=part,
            marked=part in marked,
            decision=decisions.get(part),
            withheld=withheld.get(part),
            text=_part_text(manifest, part) if authority else None,
            facts=secrecy_part_facts(tender, manifest, part),
        )
        for part in sorted(marked | set(decisions))
    ]
    other_parts = []
    if authority:
        shown = {p.part for p in parts}
        other_parts = [
            (part, secrecy_part_facts(tender, manifest, part)) for part in sorted(_bid_parts(manifest) - shown)
        ]
        audit_record(action="secrecy.read", actor=user, obj=bid, detail={"parts": [p.part for p in parts]})
    return SecrecyView(bid=bid, review=review, parts=parts, as_authority=authority, other_parts=other_parts)
