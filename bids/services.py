"""Preparing, submitting, reopening and withdrawing bids; the server's receipt time decides."""

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from procurement.access import roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.fsm import transition_run
from procurement.periods import HELSINKI
from tenders.models import LotStatus, Tender
from tenders.selectors import tender_get, tender_lock_shared

from .models import Bid, BidStatus, LotOffer


def _fmt(moment: datetime) -> str:
    return moment.astimezone(HELSINKI).strftime("%d.%m.%Y %H:%M:%S %Z")


def _ensure_box_open(tender: Tender, received_at: datetime) -> None:
    if not tender.accepts_bids_at(received_at):
        if received_at >= tender.submission_deadline:
            raise Conflict(
                _("The tender deadline %(deadline)s has passed; your request was received at %(received)s.")
                % {"deadline": _fmt(tender.submission_deadline), "received": _fmt(received_at)},
                code="deadline_passed",
                deadline=tender.submission_deadline.isoformat(),
                received_at=received_at.isoformat(),
            )
        raise Conflict(_("This call does not accept bids now."), code="tender_not_open", status=tender.status)


def _provider_for(actor, provider_id: int | None) -> int:
    providers = roles_of(actor).provider_of
    if not providers:
        raise Forbidden(_("Only members of a training provider can prepare bids."))
    if provider_id is None:
        if len(providers) > 1:
            raise ValidationFailed(
                errors={"provider": [{"code": "required", "message": _("Choose the organisation you bid for.")}]}
            )
        return next(iter(providers))
    if provider_id not in providers:
        raise Forbidden(_("You can bid only for your own organisation."))
    return provider_id


def _offer_errors(tender: Tender, lot_ids: list[int]) -> list[dict]:
    """What is wrong with offering these lots of the call as it stands now."""
    lots = {lot.pk: lot for lot in tender.lots.all()}
    errors = []
    seen = set()
    for lot_id in lot_ids:
        if lot_id not in lots:
            errors.append(
                {"code": "unknown_lot", "message": _("Lot %(lot)s is not part of this call.") % {"lot": lot_id}}
            )
        elif lot_id in seen:
            errors.append({"code": "duplicate_lot", "message": _("Each lot can be offered only once.")})
        seen.add(lot_id)
    limit = tender.max_lots_per_provider
    if limit and len(seen) > limit:
        errors.append(
            {"code": "too_many_lots", "message": _("This call allows offers for at most %(n)s lots.") % {"n": limit}}
        )
    closed = [lots[lot_id].number for lot_id in seen if lot_id in lots and lots[lot_id].status != LotStatus.OPEN]
    if closed:
        errors.append({"code": "lot_closed", "message": _("A cancelled lot cannot be offered.")})
    return errors


def _write_offers(bid: Bid, offers: list[dict]) -> None:
    errors = _offer_errors(bid.tender, [o["lot"] for o in offers])
    if errors:
        raise ValidationFailed(errors={"lot_offers": errors})
    lots = {lot.pk: lot for lot in bid.tender.lots.all()}
    bid.lot_offers.all().delete()
    LotOffer.objects.bulk_create(
        LotOffer(
            bid=bid,
            lot=lots[o["lot"]],
            unit_price=o["unit_price"],
            comparison_price=(Decimal(o["unit_price"]) * lots[o["lot"]].volume).quantize(Decimal("0.01")),
        )
        for o in offers
    )


def _snapshot(bid: Bid) -> dict:
    return {"status": bid.status, "lots": sorted(bid.lot_offers.values_list("lot_id", flat=True))}


def bid_create(
    *, actor, tender_id: int, lot_offers: list[dict], received_at: datetime, provider_id: int | None = None
) -> Bid:
    provider_id = _provider_for(actor, provider_id)
    with transaction.atomic():
        tender = tender_lock_shared(tender_id=tender_get(user=actor, tender_id=tender_id).pk)
        _ensure_box_open(tender, received_at)
        try:
            with transaction.atomic():
                bid = Bid.objects.create(tender=tender, provider_id=provider_id, created_by=actor)
        except IntegrityError as exc:
            existing = Bid.objects.filter(tender=tender, provider_id=provider_id).values_list("pk", flat=True).first()
            raise Conflict(
                _("Your organisation already has a bid for this call; change that one."),
                code="bid_exists",
                bid=existing,
            ) from exc
        _write_offers(bid, lot_offers)
        # The content of a bid is sealed: the log records that it changed, not what it says.
        audit_record(action="bid.create", actor=actor, obj=bid, after=_snapshot(bid))
    return bid


def _locked_own_bid(actor, bid_id) -> Bid:
    """The actor's own bid, locked, with its call held still (FOR SHARE) for the rest of the transaction."""
    own = Bid.objects.filter(provider_id__in=roles_of(actor).provider_of)
    try:
        tender_id = own.values_list("tender_id", flat=True).get(pk=bid_id)
    except (Bid.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    tender = tender_lock_shared(tender_id=tender_id)
    bid = own.select_for_update().get(pk=bid_id)
    bid.tender = tender
    return bid


def own_bid_for_change(*, actor, bid_id, received_at: datetime) -> Bid:
    """The actor's own draft bid, locked, while its call accepts bids at the request's receipt time.

    404 if it is not the actor's; 409 after the deadline or when the bid is not a draft."""
    bid = _locked_own_bid(actor, bid_id)
    _ensure_box_open(bid.tender, received_at)
    if bid.status != BidStatus.DRAFT:
        raise Conflict(
            _("A submitted bid cannot be edited; reopen it as a draft first."),
            code="not_editable",
            status=bid.status,
            allowed_actions=["reopen", "withdraw"],
        )
    return bid


def bid_update(*, actor, bid_id: int, lot_offers: list[dict], received_at: datetime) -> Bid:
    with transaction.atomic():
        bid = _locked_own_bid(actor, bid_id)
        _ensure_box_open(bid.tender, received_at)
        if bid.status != BidStatus.DRAFT:
            raise Conflict(
                _("A submitted bid cannot be edited; reopen it as a draft first."),
                code="not_editable",
                status=bid.status,
                allowed_actions=["reopen", "withdraw"],
            )
        before = _snapshot(bid)
        _write_offers(bid, lot_offers)
        bid.save(update_fields=["updated_at"])
        audit_record(action="bid.update", actor=actor, obj=bid, before=before, after=_snapshot(bid))
    return bid


def bid_submit(*, actor, bid_id: int, received_at: datetime) -> Bid:
    with transaction.atomic():
        bid = _locked_own_bid(actor, bid_id)
        _ensure_box_open(bid.tender, received_at)
        if bid.status == BidStatus.DRAFT:
            offered = list(bid.lot_offers.values_list("lot_id", flat=True))
            # The call may have changed since the offers were written (a corrigendum): check them again.
            errors = (
                _offer_errors(bid.tender, offered)
                if offered
                else [{"code": "no_offers", "message": _("Offer at least one lot before submitting.")}]
            )
            if errors:
                raise ValidationFailed(errors={"lot_offers": errors})
        return transition_run(
            obj=bid,
            action="submit",
            actor=actor,
            audit_action="bid.submit",
            detail={"received_at": received_at.isoformat()},
            by=actor,
            received_at=received_at,
        )


def bid_reopen(*, actor, bid_id: int, received_at: datetime) -> Bid:
    with transaction.atomic():
        bid = _locked_own_bid(actor, bid_id)
        _ensure_box_open(bid.tender, received_at)
        return transition_run(obj=bid, action="reopen", actor=actor, audit_action="bid.reopen")


def bid_withdraw(*, actor, bid_id: int, received_at: datetime) -> Bid:
    with transaction.atomic():
        bid = _locked_own_bid(actor, bid_id)
        _ensure_box_open(bid.tender, received_at)
        return transition_run(
            obj=bid,
            action="withdraw",
            actor=actor,
            audit_action="bid.withdraw",
            detail={"received_at": received_at.isoformat()},
            received_at=received_at,
        )
