"""Questions to bidders after the opening, abnormally low prices (§96), rejections for price and rejections of
offers that do not conform to the call."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bids.models import Bid, BidStatus, LotOffer
from procurement.access import AnyUser, officers_of, roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, NotFound, ValidationFailed
from procurement.models import User
from procurement.notifications import notify, notify_providers
from tenders.models import LotStatus, Tender

from .models import ConformityRejection, PriceRejection, ProviderRequest, RejectionGround
from .panel import evaluating_tender
from .reopening import not_reopened, reopened


def abnormally_low_offers(tender: Tender) -> dict[int, dict[str, int | str]]:
    """Offers priced more than the configured percentage below the mean of the other offers of their lot: a prompt
    to the officer to ask for an explanation (§96), assessed per lot; never a condition for asking or rejecting."""
    percent = Decimal(settings.HANKINTA["ABNORMALLY_LOW_PERCENT"])
    by_lot: dict[int, list[LotOffer]] = {}
    for offer in LotOffer.objects.filter(bid__tender=tender, bid__status=BidStatus.SUBMITTED):
        by_lot.setdefault(offer.lot_id, []).append(offer)
    flagged: dict[int, dict[str, int | str]] = {}
    for offers in by_lot.values():
        for offer in offers:
            others = [o.comparison_price for o in offers if o.pk != offer.pk]
            if not others:
                continue
            mean = sum(others, Decimal("0")) / len(others)
            if offer.comparison_price < mean * (1 - percent / 100):
                flagged[offer.pk] = {
                    "lot": offer.lot_id,
                    "threshold_percent": str(percent),
                    "mean_of_others": str(mean.quantize(Decimal("0.01"))),
                    "below_percent": str(((mean - offer.comparison_price) / mean * 100).quantize(Decimal("0.1"))),
                }
    return flagged


def _panel_tender(actor: User, tender_id: int, *, for_update: bool = True) -> Tender:
    return evaluating_tender(
        actor=actor,
        tender_id=tender_id,
        message=_("This is done after the opening and before the evaluation is finished."),
        code="not_evaluating",
        for_update=for_update,
    )


def panel_work_check(*, actor: User, tender_id: int) -> None:
    """Who may ask a bidder or reject an offer now (evaluating_tender's 404, 403 and 409); the API asks before it
    reads the body, whose bid and offer ids could otherwise be probed."""
    _panel_tender(actor, tender_id, for_update=False)


def provider_request_create(
    *,
    actor: User,
    tender_id: int,
    bid_id: int,
    kind: str,
    message: str,
    deadline: datetime,
    lot_offer_id: int | None = None,
) -> ProviderRequest:
    """Ask a bidder: a clarification of its bid, or (§96) an explanation of the price of one of its offers, which
    any offer may get, flagged or not; the deadline is the time set for the answer."""
    if deadline <= timezone.now():
        raise ValidationFailed(
            errors={"deadline": [{"code": "deadline_in_past", "message": str(_("Give a deadline in the future."))}]}
        )
    if kind == ProviderRequest.Kind.PRICE_EXPLANATION and lot_offer_id is None:
        raise ValidationFailed(
            errors={
                "lot_offer": [{"code": "required", "message": str(_("Name the offer whose price is to be explained."))}]
            }
        )
    with transaction.atomic():
        tender = _panel_tender(actor, tender_id)
        bid = Bid.objects.filter(pk=bid_id, tender=tender, status=BidStatus.SUBMITTED).first()
        if bid is None:
            raise NotFound()
        offer = None
        if lot_offer_id is not None:
            offer = LotOffer.objects.filter(pk=lot_offer_id, bid=bid).select_related("lot").first()
            if offer is None:
                raise ValidationFailed(
                    errors={"lot_offer": [{"code": "unknown_offer", "message": str(_("No such offer in this bid."))}]}
                )
            if (
                kind == ProviderRequest.Kind.PRICE_EXPLANATION
                and PriceRejection.objects.filter(lot_offer=offer).exists()
            ):
                raise Conflict(_("This offer is already rejected."), code="already_rejected")
        request = ProviderRequest.objects.create(
            bid=bid, lot_offer=offer, kind=kind, message=message.strip(), deadline=deadline, requested_by=actor
        )
        audit_record(
            action=f"request.{kind}",
            actor=actor,
            obj=bid,
            after={
                "request": request.pk,
                "lot_offer": offer.pk if offer else None,
                "lot": offer.lot.number if offer else None,
                "deadline": deadline,
            },
        )
        notify_providers(
            kind=f"request.{kind}",
            key=f"request:{request.pk}",
            provider_ids=[bid.provider_id],
            tender_id=tender.pk,
            payload={"request": request.pk, "deadline": deadline, "message": request.message},
        )
    return request


def _own_request(actor: AnyUser, bid_id: int, request_id: int) -> QuerySet[ProviderRequest]:
    providers = roles_of(actor).provider_of
    return ProviderRequest.objects.filter(pk=request_id, bid_id=bid_id, bid__provider_id__in=providers)


def provider_request_answer_check(*, actor: AnyUser, bid_id: int, request_id: int) -> None:
    """An answer to a request: 404 for anyone but the members of the bidder it was sent to."""
    if not _own_request(actor, bid_id, request_id).exists():
        raise NotFound()


def provider_request_answer(
    *, actor: User, bid_id: int, request_id: int, answer: str, received_at: datetime
) -> ProviderRequest:
    """The bidder's answer, kept on record; it completes or explains the bid but does not change it."""
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed(errors={"answer": [{"code": "required", "message": str(_("Write the answer."))}]})
    with transaction.atomic():
        request = _own_request(actor, bid_id, request_id).select_for_update().select_related("bid").first()
        if request is None:
            raise NotFound()
        if request.answered_at is not None:
            raise Conflict(_("This request is already answered."), code="already_answered")
        if received_at > request.deadline:
            raise Conflict(_("The deadline of this request has passed."), code="deadline_passed")
        request.answer, request.answered_by, request.answered_at = answer, actor, received_at
        request.save(update_fields=["answer", "answered_by", "answered_at"])
        audit_record(
            action="request.answer",
            actor=actor,
            obj=request.bid,
            after={"request": request.pk, "kind": request.kind, "lot_offer": request.lot_offer_id},
        )
        tender = request.bid.tender
        notify(
            kind="request.answered",
            key=f"request:{request.pk}:answer",
            tender_id=tender.pk,
            users=officers_of(tender.authority_id) | {request.requested_by_id},
            payload={
                "request": request.pk,
                "provider": request.bid.provider.name,
                "requested": request.requested_at,
            },
        )
    return request


def provider_requests_of_bid(*, user: AnyUser, bid_id: int) -> list[ProviderRequest]:
    """The requests to a bid with their answers, which are between the authority and that bidder: the bidder reads
    them, and the authority as it reads the bid itself (after the opening, the panel without a conflict of interest
    and the auditors, `bid_get`). The other bidders never do, not even after the decision when they may read the bid
    (less its business secrets): to them these do not exist (404), as the bid's own portal pages answer."""
    from bids.selectors import bid_get

    try:
        owner_id, authority_id = Bid.objects.values_list("provider_id", "tender__authority_id").get(pk=bid_id)
    except (Bid.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    roles = roles_of(user)
    if owner_id not in roles.provider_of and not roles.reads_authority(authority_id):
        raise NotFound()
    bid = bid_get(user=user, bid_id=bid_id)  # the owner's, or the authority's behind the seal and the panel's gate
    return list(ProviderRequest.objects.filter(bid=bid).order_by("requested_at", "pk"))


def price_explanation_state(offer: LotOffer, *, now: datetime) -> dict[str, Any]:
    """Where an offer stands under §96, whatever the flag says: "not_requested" (no price explanation was asked
    for this offer), "pending" (a request is unanswered and its time has not run out), "answered" (the bidder
    explained: a rejection needs the officer's assessment of it) or "unanswered" (every request's time ran out
    with no answer: the offer may be rejected for its price)."""
    requests = list(
        ProviderRequest.objects.filter(
            lot_offer=offer, kind=ProviderRequest.Kind.PRICE_EXPLANATION, requested_at__lte=now
        ).order_by("requested_at", "pk")
    )
    if not requests:
        return {"state": "not_requested", "request": None}
    pending = [r for r in requests if r.answered_at is None and now <= r.deadline]
    if pending:
        return {"state": "pending", "request": pending[-1]}
    answered = [r for r in requests if r.answered_at is not None]
    if answered:
        return {"state": "answered", "request": answered[-1]}
    return {"state": "unanswered", "request": requests[-1]}


def offer_reject_for_price(
    *,
    actor: User,
    tender_id: int,
    lot_offer_id: int,
    reason: str,
    assessment: str = "",
    reason_sv: str = "",
    assessment_sv: str = "",
) -> PriceRejection:
    """Reject an offer for its price (§96), flagged or not: only once its bidder was asked to explain that offer's
    price, and then either let the time set pass without an answer or answered with an explanation that the officer
    assesses, with reasons, as not accounting for the price."""
    reason = (reason or "").strip()
    assessment = (assessment or "").strip()
    if not reason:
        raise ValidationFailed(errors={"reason": [{"code": "required", "message": str(_("Give the reason."))}]})
    with transaction.atomic():
        tender = _panel_tender(actor, tender_id)
        offer = _offer_to_reject(tender, lot_offer_id, lock=False)
        if _rejected(offer):
            raise Conflict(_("This offer is already rejected."), code="already_rejected")
        now = timezone.now()
        state = price_explanation_state(offer, now=now)
        request = state["request"]
        if state["state"] == "not_requested":
            raise Conflict(
                _(
                    "An offer may be rejected for its price only after its bidder was asked to explain the price "
                    "(section 96), whether or not the price was flagged."
                ),
                code="explanation_not_requested",
            )
        if state["state"] == "pending":
            raise Conflict(
                _(
                    "The bidder may still explain its price: the offer can be rejected for it once the explanation "
                    "has come in, or once the time set for it has passed without one."
                ),
                code="explanation_pending",
                deadline=request.deadline.isoformat(),
            )
        if state["state"] == "answered":
            if not assessment:
                raise ValidationFailed(
                    errors={
                        "assessment": [
                            {
                                "code": "assessment_required",
                                "message": str(
                                    _(
                                        "The bidder explained its price: say why the explanation does not account "
                                        "for the low price."
                                    )
                                ),
                            }
                        ]
                    }
                )
            basis = PriceRejection.Basis.EXPLANATION_NOT_ACCEPTED
        else:
            basis = PriceRejection.Basis.NO_EXPLANATION
        rejection = PriceRejection.objects.create(
            lot_offer=offer,
            ground=RejectionGround.ABNORMALLY_LOW,
            explanation_request=request,
            basis=basis,
            reason=reason,
            reason_sv=(reason_sv or "").strip(),
            assessment=assessment,
            assessment_sv=(assessment_sv or "").strip(),
            rejected_by=actor,
        )
        _rejection_audit(
            "evaluation.reject_for_price",
            offer,
            rejection,
            actor=actor,
            basis=basis,
            request=request.pk,
            deadline=request.deadline,
            flagged=offer.pk in abnormally_low_offers(tender),
            reason=reason,
            assessment=assessment,
            reason_sv=rejection.reason_sv,
            assessment_sv=rejection.assessment_sv,
        )
    return rejection


def _rejection_audit(
    action: str, offer: LotOffer, rejection: PriceRejection | ConformityRejection, *, actor: User, **detail: Any
) -> None:
    """The audit event of an offer's rejection: the offer, its lot, the ground and the rejection's `detail`."""
    audit_record(
        action=action,
        actor=actor,
        obj=offer.bid,
        detail={"lot_offer": offer.pk, "lot": offer.lot.number, "ground": rejection.ground, **detail},
    )


def _offer_to_reject(tender: Tender, lot_offer_id: int, *, lock: bool) -> LotOffer:
    """A submitted offer of the call (404 for any other), within the scope of a correction that reopens the call
    (`_correction_scope_check`); locked for the rejection when `lock`."""
    offers = LotOffer.objects.select_for_update() if lock else LotOffer.objects
    offer: LotOffer | None = (
        offers.filter(pk=lot_offer_id, bid__tender=tender, bid__status=BidStatus.SUBMITTED)
        .select_related("lot", "bid")
        .first()
    )
    if offer is None:
        raise NotFound()
    _correction_scope_check(tender, offer)
    return offer


def _correction_scope_check(tender: Tender, offer: LotOffer) -> None:
    """While a correction reopens the decided call, only the offers of the bids it examines again, in its lots, may
    be rejected (409 for the others)."""
    scope = reopened(tender)
    if scope is not None and (offer.lot_id not in scope.lots or offer.bid_id not in scope.bids):
        raise not_reopened([{"lot_offer": offer.pk}])


def _rejected(offer: LotOffer) -> bool:
    return (
        PriceRejection.objects.filter(lot_offer=offer).exists()
        or ConformityRejection.objects.filter(lot_offer=offer).exists()
    )


def offer_reject_nonconforming(
    *, actor: User, tender_id: int, lot_offer_id: int, reason: str, reason_sv: str = ""
) -> ConformityRejection:
    """Reject an offer that does not conform to the call for tenders, with the officer's specific reason (what the
    offer lacks or does differently from what the call requires), before the evaluation is finished. The offer is
    then left out of the scoring and the ranking; the decision and the bidder's letter state the ground and the
    reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            errors={
                "reason": [
                    {
                        "code": "required",
                        "message": str(_("Say specifically in what the offer does not conform to the call.")),
                    }
                ]
            }
        )
    with transaction.atomic():
        tender = _panel_tender(actor, tender_id)
        offer = _offer_to_reject(tender, lot_offer_id, lock=True)
        if offer.lot.status != LotStatus.OPEN:
            raise Conflict(_("The lot of this offer is no longer being evaluated."), code="lot_not_open")
        if _rejected(offer):
            raise Conflict(_("This offer is already rejected."), code="already_rejected")
        return conformity_rejection_record(offer, actor=actor, reason=reason, reason_sv=(reason_sv or "").strip())


def conformity_rejection_record(
    offer: LotOffer, *, actor: User, reason: str, reason_sv: str, **detail: Any
) -> ConformityRejection:
    """The offer's rejection for not conforming to the call, and its audit event (with the `detail` the caller
    adds)."""
    rejection: ConformityRejection = ConformityRejection.objects.create(
        lot_offer=offer,
        ground=RejectionGround.NON_CONFORMING,
        reason=reason,
        reason_sv=reason_sv,
        rejected_by=actor,
    )
    _rejection_audit(
        "evaluation.reject_nonconforming", offer, rejection, actor=actor, **detail, reason=reason, reason_sv=reason_sv
    )
    return rejection
