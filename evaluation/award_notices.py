"""The award notice of a decided call (eForms E4 national, 33 EU light regime): per lot its winners with their
tenders' values, the number of tenders received, and for a lot not awarded the reason (no tenders, all rejected,
interrupted)."""

import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bids.models import BidStatus, LotOffer
from procurement.access import AnyUser
from procurement.errors import Conflict
from procurement.models import ProviderOrganisation
from procurement.nuts import nuts3_for_municipality
from procurement.periods import local_date
from tenders.eforms.build import LotOutcome, Winner, award_notice_xml
from tenders.models import InterruptionDecision, InterruptionKind, Notice, NoticeKind, Tender
from tenders.notices import ensure_officer, not_announced_check, notice_check, notice_store, notice_subtype
from tenders.selectors import tender_get

from .models import AwardDecision, LotContract

# "Street 1, 00100 Helsinki" (the provider's address as one line: the street, the postal code and the town last).
POSTAL_ADDRESS = re.compile(r"^(?P<street>.*?)[,\s]*(?P<code>\d{5})\s+(?P<town>[^\d,]+?)\s*$")


def winner_of(provider: ProviderOrganisation, *, amount: Decimal, rank: int) -> Winner:
    """A winning provider as the notice names it, its postal address read from its one-line address."""
    match = POSTAL_ADDRESS.match(provider.address or "")
    town = match.group("town") if match else ""
    return Winner(
        name=provider.name,
        business_id=provider.business_id,
        amount=amount,
        rank=rank,
        email=provider.email or "",
        street=match.group("street").strip(" ,") if match else "",
        postal_code=match.group("code") if match else "",
        town=town,
        nuts=nuts3_for_municipality(town),
        size=provider.company_size,
    )


def _received(tender: Tender) -> dict[int, int]:
    counts: dict[int, int] = {}
    offers = LotOffer.objects.filter(bid__tender=tender, bid__status=BidStatus.SUBMITTED).values_list(
        "lot__number", flat=True
    )
    for number in offers:
        counts[number] = counts.get(number, 0) + 1
    return counts


def lot_outcomes(tender: Tender, decision: AwardDecision | None) -> list[LotOutcome]:
    """Each decided lot's result in the order of the lots: winners from the award decision, the lots the
    decision left without a winner, and the lots interrupted by a decision of their own."""
    received = _received(tender)
    interruptions = {
        (item.lot.number if item.lot is not None else None): item
        for item in InterruptionDecision.objects.filter(tender=tender).select_related("lot")
    }
    # The day each lot's contract was signed: the award notice announces concluded contracts (BT-145).
    signed = dict(
        LotContract.objects.filter(lot__tender=tender, signed_on__isnull=False).values_list("lot__number", "signed_on")
    )
    awards: dict[int, list[Any]] = {}
    if decision is not None:
        for award in decision.lot_awards.select_related("lot", "winner__bid__provider").order_by("lot__number", "rank"):
            awards.setdefault(award.lot.number, []).append(award)
    outcomes = []
    for lot in tender.lots.order_by("number"):
        count = received.get(lot.number, 0)
        interruption = interruptions.get(lot.number) or interruptions.get(None)
        rows = awards.get(lot.number)
        if interruption is not None and not (
            rows and any(row.winner_id for row in rows) and not interruption.award_withdrawn
        ):
            reason = (
                "other"
                if interruption.kind in (InterruptionKind.LOT_CANCELLED, InterruptionKind.CALL_CANCELLED)
                else ("all-rej" if count else "no-rece")
            )
            outcomes.append(
                LotOutcome(lot_number=lot.number, tenders_received=count, winners=[], non_award_reason=reason)
            )
            continue
        if rows is None:
            continue
        winners = [
            winner_of(row.winner.bid.provider, amount=row.winner.comparison_price, rank=row.rank)
            for row in rows
            if row.winner_id
        ]
        outcomes.append(
            LotOutcome(
                lot_number=lot.number,
                tenders_received=count,
                winners=winners,
                non_award_reason="" if winners else ("all-rej" if count else "no-rece"),
                contract_date=signed.get(lot.number),
            )
        )
    return outcomes


def award_notice_generate(*, actor: AnyUser, tender_id: int) -> Notice:
    """The call's award notice from its decision (and its lots' interruptions), from the call's latest version;
    an unsent one is made anew in place, a rejected one gets its next version."""
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id, for_update=True)
        ensure_officer(actor, tender)
        not_announced_check(tender)
        decision = AwardDecision.objects.filter(tender=tender).first()
        outcomes = lot_outcomes(tender, decision)
        if decision is None and not outcomes:
            raise Conflict(
                _("The call has no award decision or interruption yet: there is nothing to announce."),
                code="not_decided",
            )
        unsigned = [str(o.lot_number) for o in outcomes if o.winners and o.contract_date is None]
        if unsigned:
            raise Conflict(
                _(
                    "The award notice announces concluded contracts: the contract of lot %(lots)s is not signed yet. "
                    "Make the notice once it is."
                )
                % {"lots": ", ".join(unsigned)},
                code="contract_not_signed",
            )
        subtype = notice_subtype(tender, award=True)
        version = tender.versions.order_by("-number").first()
        if version is None:
            raise Conflict(
                _("The call has not been published: there is no version to make a notice of."), code="not_published"
            )
        award_date = local_date(decision.decided_at if decision is not None else timezone.now())
        return notice_store(
            actor=actor,
            tender=tender,
            kind=NoticeKind.AWARD,
            subtype=subtype,
            version=version,
            changes=None,
            make_xml=award_notice_xml,
            outcomes=outcomes,
            award_date=award_date,
        )


def award_notice_prepare(*, actor: AnyUser, tender_id: int) -> Notice:
    """The officer's "make the award notice and check it": kept whatever the check finds, to be read and sent."""
    with transaction.atomic():
        notice = award_notice_generate(actor=actor, tender_id=tender_id)
        return notice_check(actor=actor, notice_id=notice.pk)
