"""Drawing lots between offers still tied after the call's criteria: two officers, a committed seed, a fixed order."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_request
from procurement.access import roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, NotFound
from tenders.models import Lot, LotStatus, Tender, TenderStatus
from tenders.selectors import tender_get

from .models import LotResult, TieDraw
from .selectors import evaluation_read_check

ALGORITHM = "hmac-sha256-sort-v1"


def draw_order(*, seed: bytes, lot_id: int, bid_ids) -> list[int]:
    """The order a seed gives the tied bids of a lot: ascending HMAC-SHA256(seed, "<lot id>:<bid id>") in hex.

    Anyone can recompute it from the draw's record (seed, lot, tied bids) with the standard library alone."""

    def mark(bid_id: int) -> str:
        return hmac.new(seed, f"{lot_id}:{bid_id}".encode(), hashlib.sha256).hexdigest()

    return sorted((int(b) for b in bid_ids), key=lambda b: (mark(b), b))


def tie_draw_verify(draw: TieDraw) -> bool:
    """Recompute a confirmed draw from its record: the seed matches the commitment and gives the order recorded."""
    if draw.confirmed_at is None or draw.algorithm != ALGORITHM:
        return False
    seed = bytes.fromhex(draw.seed)
    return hmac.compare_digest(hashlib.sha256(seed).hexdigest(), draw.commitment) and draw.order == draw_order(
        seed=seed, lot_id=draw.lot_id, bid_ids=draw.tied_bids
    )


def award_places(tender: Tender) -> int:
    """How many offers of a lot the award takes: the N of a framework agreement, otherwise one."""
    return tender.framework_providers_per_lot if tender.is_framework else 1


def lot_ties(lot: Lot, places: int) -> list[list[LotResult]]:
    """The groups of a lot's results that share a rank within the places the award takes (the winner, a framework's
    N and their order): those the ranking cannot settle without drawing lots."""
    groups: dict[int, list[LotResult]] = {}
    for result in LotResult.objects.filter(lot=lot, rank__lte=places).select_related("lot_offer__bid__provider"):
        groups.setdefault(result.rank, []).append(result)
    return [group for _rank, group in sorted(groups.items()) if len(group) > 1]


def ties_needing_draw(tender: Tender) -> list[dict]:
    """Every tie of the call's open lots that a draw must settle before the award, with the lot and the bidders."""
    places = award_places(tender)
    found = []
    for lot in tender.lots.filter(status=LotStatus.OPEN).order_by("number"):
        for group in lot_ties(lot, places):
            found.append(
                {
                    "lot": lot.pk,
                    "lot_number": lot.number,
                    "rank": group[0].rank,
                    "bids": sorted(r.lot_offer.bid_id for r in group),
                    "providers": sorted(r.lot_offer.bid.provider.name for r in group),
                }
            )
    return found


def ties_check(tender: Tender) -> None:
    """The ranking is not final while a tie at a place the award takes is not settled by a draw (409)."""
    ties = ties_needing_draw(tender)
    if ties:
        raise Conflict(
            _(
                "Offers are tied on lot %(lot)s after the call's tie-break criteria (%(providers)s): two officers must "
                "draw lots first."
            )
            % {"lot": ties[0]["lot_number"], "providers": ", ".join(ties[0]["providers"])},
            code="tie_needs_draw",
            ties=ties,
        )


def _lot_for_draw(*, actor, tender_id: int, lot_number: int) -> tuple[Tender, Lot]:
    """The call and lot of a draw, locked: 404 if not seen, 403 for anyone but its officers, 409 if not evaluated."""
    tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
    if not roles_of(actor).is_officer(tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers draw lots."))
    lot = tender.lots.filter(number=lot_number).first()
    if lot is None:
        raise NotFound()
    if tender.status != TenderStatus.EVALUATED or lot.status != LotStatus.OPEN:
        message = _("Lots are drawn after the evaluation and before the decision.")
        raise Conflict(message, code="not_evaluated", status=tender.status)
    return tender, lot


def tie_draw_start(*, actor, tender_id: int, lot_number: int) -> TieDraw:
    """The first officer starts the draw of the lot's first unsettled tie: the server draws the seed and records
    its commitment, which the start shows; the seed stays hidden until a second officer confirms."""
    with transaction.atomic():
        tender, lot = _lot_for_draw(actor=actor, tender_id=tender_id, lot_number=lot_number)
        now = timezone.now()
        pending = TieDraw.objects.filter(lot=lot, confirmed_at__isnull=True, expires_at__gt=now).first()
        if pending is not None:
            raise Conflict(
                _("A draw of lots is waiting for a second officer's confirmation."),
                code="draw_pending",
                expires_at=pending.expires_at.isoformat(),
            )
        ties = lot_ties(lot, award_places(tender))
        if not ties:
            raise Conflict(_("No offers of this lot are tied at a place the award takes."), code="no_tie")
        group = ties[0]
        seed = secrets.token_bytes(32)
        window = timedelta(minutes=settings.HANKINTA["OPENING_CONFIRMATION_MINUTES"])
        draw = TieDraw.objects.create(
            lot=lot,
            rank=group[0].rank,
            tied_bids=sorted(r.lot_offer.bid_id for r in group),
            algorithm=ALGORITHM,
            commitment=hashlib.sha256(seed).hexdigest(),
            seed=seed.hex(),
            started_by=actor,
            started_at=now,
            expires_at=now + window,
        )
        audit_record(
            action="evaluation.draw_started",
            actor=actor,
            obj=draw,
            tender_id=tender.pk,
            detail=_draw_detail(draw, algorithm=ALGORITHM, commitment=draw.commitment, expires_at=draw.expires_at),
        )
    return draw


def tie_draw_confirm(*, actor, tender_id: int, lot_number: int) -> TieDraw:
    """A second officer confirms the pending draw within its window: the seed is revealed, the order derived from
    it, and the tied offers take their places in the ranking in that order."""
    with transaction.atomic():
        tender, lot = _lot_for_draw(actor=actor, tender_id=tender_id, lot_number=lot_number)
        now = timezone.now()
        draw = TieDraw.objects.filter(lot=lot, confirmed_at__isnull=True, expires_at__gt=now).first()
        if draw is None:
            raise Conflict(_("No draw of lots is waiting for confirmation on this lot."), code="no_pending_draw")
        if draw.started_by_id == actor.pk:
            raise Conflict(
                _("Another officer of the authority must confirm the draw: two people draw lots together."),
                code="second_officer_required",
                expires_at=draw.expires_at.isoformat(),
            )
        draw.order = draw_order(seed=bytes.fromhex(draw.seed), lot_id=lot.pk, bid_ids=draw.tied_bids)
        draw.confirmed_by, draw.confirmed_at = actor, now
        draw.save(update_fields=["order", "confirmed_by", "confirmed_at"])
        results = {
            r.lot_offer.bid_id: r
            for r in LotResult.objects.filter(lot=lot, rank=draw.rank).select_related("lot_offer")
            if r.lot_offer.bid_id in draw.tied_bids
        }
        # As `rank_lot` records an order drawn: the lot offers in the order drawn, and the draw that gave it.
        drawn = [results[bid_id].lot_offer_id for bid_id in draw.order]
        for offset, bid_id in enumerate(draw.order):
            result = results[bid_id]
            result.rank = draw.rank + offset
            result.calculation = {
                **{k: v for k, v in result.calculation.items() if k != "tied_with"},
                "drawn": drawn,
                "draw": draw.pk,
            }
        LotResult.objects.bulk_update(results.values(), ["rank", "calculation"])
        # The lot's comparison report made at the evaluation showed the tie: a new version shows the draw.
        subject = f"lot:{lot.pk}"
        made = GeneratedDocument.objects.filter(kind=DocumentKind.COMPARISON, tender=tender, subject=subject)
        document_request(
            kind=DocumentKind.COMPARISON,
            tender=tender,
            actor=actor,
            subject=subject,
            version=(made.aggregate(latest=Max("version"))["latest"] or 0) + 1,
            language=tender.document_languages[0],
        )
        audit_record(
            action="evaluation.draw_confirmed",
            actor=actor,
            obj=draw,
            tender_id=tender.pk,
            detail=_draw_detail(
                draw,
                started_by=draw.started_by_id,
                confirmed_by=actor.pk,
                algorithm=draw.algorithm,
                commitment=draw.commitment,
                seed=draw.seed,
                order=draw.order,
            ),
        )
    return draw


def _draw_detail(draw: TieDraw, **more) -> dict:
    """What the audit records of a draw: the tie it settles, then what the step adds."""
    return {"lot": draw.lot_id, "rank": draw.rank, "tied_bids": draw.tied_bids, **more}


def tie_draws(*, user, tender_id: int, lot_number: int) -> list[TieDraw]:
    """The draws of a lot, read like the ranking; a seed is shown only once its draw is confirmed."""
    tender = tender_get(user=user, tender_id=tender_id)
    evaluation_read_check(user=user, tender=tender)
    lot = tender.lots.filter(number=lot_number).first()
    if lot is None:
        raise NotFound()
    return list(TieDraw.objects.filter(lot=lot).select_related("started_by", "confirmed_by"))


def confirmed_draws(lot_ids) -> dict[int, list[TieDraw]]:
    """The confirmed draws of the lots, by lot, for the documents."""
    found: dict[int, list[TieDraw]] = {}
    for draw in TieDraw.objects.filter(lot_id__in=lot_ids, confirmed_at__isnull=False).select_related(
        "started_by", "confirmed_by"
    ):
        found.setdefault(draw.lot_id, []).append(draw)
    return found
