"""Claims for rectification of the decision (hankintaoikaisuvaatimus, or below the threshold the claim for
rectification that the decision's redress gives): filed by a bidder within its period, or registered by an officer
when it came by e-mail, post or by hand; decided by the authority (rejected, not examined, or the decision corrected
by evaluation.corrections) with a decision PDF that says what redress follows. An open claim suspends contracting of
its lots (evaluation.appeals)."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bids.models import Bid, BidStatus
from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_request
from procurement.access import AnyUser, officers_of, roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.fsm import transition_run
from procurement.models import DeliveryStatus, Notification, ProviderOrganisation, User
from procurement.notifications import notify
from procurement.periods import local_date
from procurement.redress import Remedy, redress_for
from tenders.models import Lot, Tender

from .appeals import decision_lots, lot_bidders, lot_suspension_sync, officer_tender, tender_decision
from .models import AwardDecision, Claim
from .periods import decision_periods_from

# The kind of claim that each remedy of the decision's redress gives (procurement.redress).
KIND_OF_REMEDY = {
    Remedy.PROCUREMENT_ACT: Claim.Kind.PROCUREMENT_ACT,
    Remedy.LOCAL_GOVERNMENT: Claim.Kind.LOCAL_GOVERNMENT,
    Remedy.ADMINISTRATIVE: Claim.Kind.ADMINISTRATIVE,
}
BIDDER_CHANNELS = (Claim.Channel.PORTAL, Claim.Channel.API)
REGISTERED_CHANNELS = (Claim.Channel.EMAIL, Claim.Channel.POST, Claim.Channel.BY_HAND)
DECIDED = (Claim.Status.REJECTED, Claim.Status.INADMISSIBLE, Claim.Status.CORRECTED)
DECIDE_ACTIONS = {Claim.Status.REJECTED: "reject", Claim.Status.INADMISSIBLE: "dismiss"}
KEY_PREFIX = "claim:"


def _error(field: str, code: str, message: Any) -> ValidationFailed:
    return ValidationFailed(errors={field: [{"code": code, "message": str(message)}]})


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def claim_kind(decision: AwardDecision) -> str:
    """The claim the decision's redress gives; 409 when it gives none (a state authority below the threshold)."""
    redress = redress_for(tender=decision.tender, regime=decision.regime)
    kind = KIND_OF_REMEDY.get(redress.remedy)
    if kind is None:
        raise Conflict(_("The decision cannot be claimed for rectification: it has no such remedy."), code="no_claim")
    return kind


def decision_sent_on(decision: AwardDecision, provider_id: int) -> date | None:
    """The day the decision was last sent to this bidder (its notice), or None while it has not been."""
    sent_at = (
        Notification.objects.filter(
            kind="decision", tender_id=decision.tender_id, provider_id=provider_id, status=DeliveryStatus.SENT
        )
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    return local_date(sent_at) if sent_at else None


def claim_period_end(decision: AwardDecision, provider_id: int | None) -> date | None:
    """The last day a claim can be made: 14 days (the redress's) from the bidder's own notice of the decision; for a
    claimant who is not a bidder, the decision's own (the latest of its lots)."""
    if provider_id is not None:
        sent_on = decision_sent_on(decision, provider_id)
        if sent_on is not None:
            periods = decision_periods_from(sent_on, decision.regime, tender=decision.tender)
            return periods.self_correction_ends_on
    return decision.self_correction_ends_on


def claim_is_late(claim: Claim) -> bool:
    """It arrived after its period: the officer then decides it is not examined (inadmissible)."""
    ends_on = claim_period_end(claim.decision, claim.provider_id)
    return ends_on is not None and claim.arrived_on > ends_on


def _bid_of(actor: AnyUser, tender: Tender) -> Bid:
    """The actor's organisation's submitted bid in the call (404 to anyone without one)."""
    bid: Bid | None = (
        Bid.objects.filter(tender=tender, provider_id__in=roles_of(actor).provider_of, status=BidStatus.SUBMITTED)
        .select_related("provider")
        .order_by("pk")
        .first()
    )
    if bid is None:
        raise NotFound()
    return bid


def _next_number(decision: AwardDecision) -> int:
    return (Claim.objects.filter(decision=decision).aggregate(n=Max("number"))["n"] or 0) + 1


def _locked_decision(tender: Tender) -> AwardDecision:
    decision = tender_decision(tender)
    return AwardDecision.objects.select_for_update().select_related("tender__authority").get(pk=decision.pk)


def _grounds(grounds: str) -> str:
    grounds = (grounds or "").strip()
    if not grounds:
        raise _error("grounds", "required", _("Give the grounds of the claim and what you demand."))
    return grounds[:20000]


def _after_create(*, actor: User, claim: Claim, lots: list[Lot], late: bool) -> None:
    audit_record(
        action="claim.file" if claim.channel in BIDDER_CHANNELS else "claim.register",
        actor=actor,
        obj=claim,
        tender_id=claim.decision.tender_id,
        after={
            "number": claim.number,
            "kind": claim.kind,
            "channel": claim.channel,
            "provider": claim.provider_id,
            "claimant_name": claim.claimant_name,
            "lots": [lot.number for lot in lots],
            "arrived_on": claim.arrived_on,
            "late": late,
        },
    )
    lot_suspension_sync(actor=actor, lot_ids=[lot.pk for lot in lots], cause={"claim": claim.pk})


def claim_file_check(*, actor: AnyUser, tender_id: int) -> None:
    """Who may file a claim on the call (404 to anyone without a submitted bid in a decided call), as the API checks
    it before it reads the body."""
    tender = Tender.objects.filter(pk=tender_id).first()
    if tender is None:
        raise NotFound()
    _bid_of(actor, tender)
    if not AwardDecision.objects.filter(tender=tender).exists():
        raise NotFound()


def claim_file(
    *, actor: User, tender_id: int, lot_ids: Iterable[int], grounds: str, channel: str = Claim.Channel.PORTAL
) -> Claim:
    """A bidder claims the rectification of the decision about lots it bid in, within its period: 14 days (the
    redress's) from its notice of the decision. Refused (409 claim_period_over, naming the last day) after it, and
    before the decision has been sent to the bidder (409 decision_not_notified)."""
    if channel not in BIDDER_CHANNELS:
        raise _error("channel", "invalid_choice", _("A bidder files a claim through the portal or the API."))
    grounds = _grounds(grounds)
    with transaction.atomic():
        tender = Tender.objects.filter(pk=tender_id).select_related("authority").first()
        if tender is None:
            raise NotFound()
        bid = _bid_of(actor, tender)
        if not AwardDecision.objects.filter(tender=tender).exists():
            raise NotFound()
        decision = _locked_decision(tender)
        sent_on = decision_sent_on(decision, bid.provider_id)
        if sent_on is None:
            raise Conflict(
                _("The decision has not yet been sent to you: a claim can be made once it has."),
                code="decision_not_notified",
            )
        kind = claim_kind(decision)
        ends_on = claim_period_end(decision, bid.provider_id)
        today = timezone.localdate()
        if ends_on is not None and today > ends_on:
            raise Conflict(
                _("The period for a claim for rectification ended on %(date)s.") % {"date": _day(ends_on)},
                code="claim_period_over",
                last_day=ends_on.isoformat(),
            )
        lots = decision_lots(decision, lot_ids)
        if not all(bid.provider_id in lot_bidders(decision, [lot.pk]) for lot in lots):
            raise _error("lots", "not_bid", _("Name only lots you bid in."))
        claim: Claim = Claim.objects.create(
            decision=decision,
            number=_next_number(decision),
            kind=kind,
            channel=channel,
            provider=bid.provider,
            claimant_name=bid.provider.name,
            arrived_on=today,
            grounds=grounds,
            filed_by=actor,
        )
        claim.lots.set(lots)
        _after_create(actor=actor, claim=claim, lots=lots, late=False)
        notify(
            kind="claim.filed",
            key=f"{KEY_PREFIX}{claim.pk}",
            tender_id=tender.pk,
            users=officers_of(tender.authority_id),
            payload={"number": claim.number, "provider": bid.provider.name, "lots": _numbers(lots)},
        )
    return claim


def _numbers(lots: Iterable[Lot]) -> str:
    return ", ".join(str(lot.number) for lot in lots)


def claim_officer_check(*, actor: User, tender_id: int) -> None:
    """Who may register a claim on the call (404, 403), as the API checks it before it reads the body."""
    officer_tender(actor, tender_id, lock=False)


def claim_register(
    *,
    actor: User,
    tender_id: int,
    lot_ids: Iterable[int],
    grounds: str,
    arrived_on: date,
    channel: str,
    provider_id: int | None = None,
    claimant_name: str = "",
) -> Claim:
    """An officer registers a claim that came by e-mail, post or by hand, with the day it arrived and the claimant
    (a bidder, or a name). A late one is registered all the same, flagged late: the officer then decides that it is
    not examined."""
    if channel not in REGISTERED_CHANNELS:
        raise _error("channel", "invalid_choice", _("Choose how the claim arrived."))
    grounds = _grounds(grounds)
    claimant_name = (claimant_name or "").strip()[:200]
    if arrived_on > timezone.localdate():
        raise _error("arrived_on", "in_future", _("A claim cannot arrive in the future."))
    with transaction.atomic():
        tender = officer_tender(actor, tender_id, lock=False)
        decision = _locked_decision(tender)
        if arrived_on < timezone.localdate(decision.decided_at):
            raise _error("arrived_on", "before_decision", _("A claim cannot arrive before the decision."))
        kind = claim_kind(decision)
        lots = decision_lots(decision, lot_ids)
        provider = None
        if provider_id is not None:
            bid = Bid.objects.filter(tender=tender, provider_id=provider_id, status=BidStatus.SUBMITTED).first()
            if bid is None:
                raise _error("provider", "not_a_bidder", _("The claimant must be a bidder of the call."))
            provider = bid.provider
            claimant_name = claimant_name or provider.name
        elif not claimant_name:
            raise _error("claimant_name", "required", _("Name the claimant."))
        claim: Claim = Claim.objects.create(
            decision=decision,
            number=_next_number(decision),
            kind=kind,
            channel=channel,
            provider=provider,
            claimant_name=claimant_name,
            arrived_on=arrived_on,
            grounds=grounds,
            filed_by=actor,
        )
        claim.lots.set(lots)
        _after_create(actor=actor, claim=claim, lots=lots, late=claim_is_late(claim))
    return claim


def _claim_for_update(actor: User, claim_id: int) -> Claim:
    claim: Claim | None = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("decision__tender__authority", "provider")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise NotFound()
    roles = roles_of(actor)
    if not roles.reads_authority(claim.decision.tender.authority_id) and claim.provider_id not in roles.provider_of:
        raise NotFound()
    return claim


def claim_decide_check(*, actor: AnyUser, claim_id: int) -> None:
    """Who may decide the claim (404 to those who do not see it, 403 to its other readers: the claimant, the
    authority's readers who are not officers), as the API checks it before it reads the body."""
    claim = claim_get(user=actor, claim_id=claim_id)
    if not roles_of(actor).is_officer(claim.decision.tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers can record claims and appeals."))


def claim_decide(*, actor: User, claim_id: int, outcome: str, reason: str, reason_sv: str = "") -> Claim:
    """The authority decides an open claim: rejected (the decision stands) or not examined (e.g. late), with its
    reasons (in Swedish as well for a bilingual authority). Releases the lots (once nothing else holds them) and
    issues the decision on the claim (`claim_decision_issue`). The decision corrected is evaluation.corrections'."""
    if outcome not in DECIDE_ACTIONS:
        raise _error("outcome", "invalid_choice", _("Choose whether the claim is rejected or not examined."))
    reason, reason_sv = (reason or "").strip(), (reason_sv or "").strip()
    with transaction.atomic():
        claim = _claim_for_update(actor, claim_id)
        tender = claim.decision.tender
        if not roles_of(actor).is_officer(tender.authority_id):
            raise Forbidden(_("Only the authority's procurement officers can record claims and appeals."))
        if not reason:
            raise _error("reason", "required", _("Give the reasons of the decision on the claim."))
        if len(tender.document_languages) > 1 and not reason_sv:
            raise _error("reason_sv", "required", _("Give the reasons in Swedish as well."))
        before = claim.status
        claim.reason, claim.reason_sv = reason, reason_sv
        claim.decided_by, claim.decided_at = actor, timezone.now()
        transition_run(
            obj=claim,
            action=DECIDE_ACTIONS[Claim.Status(outcome)],
            actor=actor,
            audit_action=f"claim.{outcome}",
            detail={"reason": reason, "reason_sv": reason_sv, "late": claim_is_late(claim), "from": before},
        )
        lot_suspension_sync(
            actor=actor, lot_ids=list(claim.lots.values_list("pk", flat=True)), cause={"claim": claim.pk}
        )
        claim_decision_issue(actor=actor, claim=claim)
    return claim


def claim_withdraw(*, actor: User, claim_id: int) -> Claim:
    """The claimant withdraws its open claim (or an officer records a withdrawal that came by e-mail or post):
    the lots are released once nothing else holds them."""
    with transaction.atomic():
        claim = _claim_for_update(actor, claim_id)
        tender = claim.decision.tender
        roles = roles_of(actor)
        if not roles.is_officer(tender.authority_id) and claim.provider_id not in roles.provider_of:
            raise Forbidden(_("Only the claimant or the authority's officers can withdraw a claim."))
        transition_run(obj=claim, action="withdraw", actor=actor, audit_action="claim.withdraw")
        lot_suspension_sync(
            actor=actor, lot_ids=list(claim.lots.values_list("pk", flat=True)), cause={"claim": claim.pk}
        )
        if not roles.is_officer(tender.authority_id):
            notify(
                kind="claim.withdrawn",
                key=f"{KEY_PREFIX}{claim.pk}:withdrawn",
                tender_id=tender.pk,
                users=officers_of(tender.authority_id),
                payload={"number": claim.number, "provider": claim.claimant_name},
            )
    return claim


def claim_document_subject(claim: Claim, provider_id: int | None = None) -> str:
    """The claimant's copy is `claim:<id>`; each other bidder concerned gets its own `claim:<id>:to:<provider>`."""
    base = f"{KEY_PREFIX}{claim.pk}"
    return base if provider_id is None else f"{base}:to:{provider_id}"


def claim_decision_issue(*, actor: User, claim: Claim) -> GeneratedDocument:
    """Render the decision on a decided claim (rejected, not examined or corrected): the CLAIM_DECISION PDF with its
    reasons and the redress that follows, in the decision's languages; notify the claimant and every other bidder of
    the lots concerned, each with its own copy. Called inside the deciding service's transaction (the rendering and
    the e-mails go after the commit). Returns the claimant's copy."""
    if claim.status not in DECIDED:
        raise Conflict(_("The claim has not been decided."), code="claim_not_decided", status=claim.status)
    tender = claim.decision.tender
    version = GeneratedDocument.objects.filter(
        kind=DocumentKind.CLAIM_DECISION, tender=tender, subject=claim_document_subject(claim)
    ).count()
    lot_ids = list(claim.lots.values_list("pk", flat=True))
    key = f"{KEY_PREFIX}{claim.pk}:decided:{version + 1}"
    payload = {"number": claim.number, "lots": _numbers(claim.lots.order_by("number")), "status": claim.status}

    def copy_for(provider: ProviderOrganisation | None, subject: str) -> GeneratedDocument:
        """The decision's copy for a bidder (none for a claimant without an account), and the bidder told of it."""
        copy: GeneratedDocument = document_request(
            kind=DocumentKind.CLAIM_DECISION,
            tender=tender,
            actor=actor,
            version=version + 1,
            subject=subject,
            provider=provider,
        )
        if provider is not None:
            notify(
                kind=f"claim.{claim.status}",
                key=key,
                tender_id=tender.pk,
                providers=[provider.pk],
                documents=[copy.pk],
                payload=payload,
            )
        return copy

    document = copy_for(claim.provider, claim_document_subject(claim))
    others = ProviderOrganisation.objects.filter(pk__in=lot_bidders(claim.decision, lot_ids) - {claim.provider_id})
    for provider in others.order_by("pk"):
        copy_for(provider, claim_document_subject(claim, provider.pk))
    audit_record(
        action="claim.decision_issue",
        actor=actor,
        obj=claim,
        tender_id=tender.pk,
        after={"document": document.pk, "version": version + 1, "status": claim.status},
    )
    return document


# --- reading -------------------------------------------------------------------------------------------------------


def _claims() -> QuerySet[Claim]:
    claims: QuerySet[Claim] = Claim.objects.select_related(
        "decision__tender__authority", "provider", "filed_by", "decided_by"
    ).prefetch_related("lots")
    return claims


def claims_of_tender(*, user: AnyUser, tender_id: int) -> QuerySet[Claim]:
    """The call's claims: every one to the authority's readers, its own to a bidder (404 to anyone else)."""
    tender = Tender.objects.filter(pk=tender_id).only("authority_id").first()
    if tender is None:
        raise NotFound()
    roles = roles_of(user)
    claims = _claims().filter(decision__tender_id=tender_id).order_by("number")
    if roles.reads_authority(tender.authority_id):
        return claims
    if roles.provider_of and Bid.objects.filter(tender_id=tender_id, provider_id__in=roles.provider_of).exists():
        return claims.filter(provider_id__in=roles.provider_of)
    raise NotFound()


def claim_get(*, user: AnyUser, claim_id: int) -> Claim:
    """One claim: the authority's readers, and the claimant's own users (404 to anyone else)."""
    claim = _claims().filter(pk=claim_id).first()
    if claim is None:
        raise NotFound()
    roles = roles_of(user)
    if not roles.reads_authority(claim.decision.tender.authority_id) and claim.provider_id not in roles.provider_of:
        raise NotFound()
    return claim


def claim_documents(claim: Claim, *, user: AnyUser) -> list[GeneratedDocument]:
    """The decision on the claim (its claimant's copy, each version), as far as the user may read it."""
    from documents.services import documents_visible_to

    return list(
        documents_visible_to(user=user)
        .filter(kind=DocumentKind.CLAIM_DECISION, tender_id=claim.decision.tender_id)
        .filter(subject__in=[claim_document_subject(claim)])
        .order_by("version")
    )


def bidder_claim_status(*, user: AnyUser, tender_id: int) -> dict[str, Any]:
    """What the bidder's "ask for a correction" form shows: the lots it may name, the last day of its period, whether
    the decision has been sent to it and whether the period is over (404 to anyone who is not a bidder of a decided
    call)."""
    tender = Tender.objects.filter(pk=tender_id).select_related("authority").first()
    if tender is None:
        raise NotFound()
    bid = _bid_of(user, tender)
    decision = AwardDecision.objects.filter(tender=tender).select_related("tender__authority").first()
    if decision is None:
        raise NotFound()
    sent_on = decision_sent_on(decision, bid.provider_id)
    ends_on = claim_period_end(decision, bid.provider_id) if sent_on else None
    lots = [
        lot
        for lot in Lot.objects.filter(awards__decision=decision).distinct().order_by("number")
        if bid.provider_id in lot_bidders(decision, [lot.pk])
    ]
    remedy = redress_for(tender=tender, regime=decision.regime).remedy
    return {
        "tender": tender,
        "bid": bid,
        "decision": decision,
        "sent_on": sent_on,
        "ends_on": ends_on,
        "open": bool(sent_on) and ends_on is not None and timezone.localdate() <= ends_on,
        "over": bool(sent_on) and ends_on is not None and timezone.localdate() > ends_on,
        "no_remedy": remedy == Remedy.NONE,
        "lots": lots,
    }
