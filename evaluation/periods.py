"""The statutory periods of a decision, run from the moment it was notified to each bidder.

An e-mailed decision counts as notified on the day it was sent (Procurement Act, section 127); below the threshold a
municipal authority's decision counts as received on the 3rd day after the sending, and what runs (standstill, claim,
appeal) follows the redress data (procurement.redress) of the call's rule set, the one of its publication.
For a lot, the latest sending to its bidders counts. Until every bidder of a lot has been sent the decision, the
documents show the dates the periods will have if it is sent on the day they are rendered; when a notification is
sent again (a corrected address), the lot's periods run anew from that sending and the decision gets a new edition."""

from dataclasses import replace
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from procurement.audit import audit_record
from procurement.fsm import transition_run
from procurement.models import DeliveryStatus, Notification, Timer
from procurement.periods import HELSINKI, local_date
from procurement.redress import Periods, periods_from, redress_for


def decision_notifications(decision, edition: int = 1) -> dict[int, Notification]:
    return {
        n.provider_id: n
        for n in Notification.objects.filter(
            kind="decision", key=decision_key(decision, edition), provider__isnull=False
        )
    }


def decision_key(decision, edition: int = 1) -> str:
    """The key of the decision's notifications: each edition after the first is notified (and counted) anew."""
    return f"decision:{decision.pk}" if edition <= 1 else f"decision:{decision.pk}:edition:{edition}"


def lot_editions(decision) -> dict[int, int]:
    """Each decided lot's current edition of the decision: the latest edition that decided it."""
    from .models import DecisionEdition

    current: dict[int, int] = {}
    for lot_id, number in DecisionEdition.lots.through.objects.filter(decisionedition__decision=decision).values_list(
        "lot_id", "decisionedition__number"
    ):
        current[lot_id] = max(number, current.get(lot_id, 0))
    return current


def lot_notifications(decision, editions: dict[int, int] | None = None) -> dict[int, dict[int, Notification]]:
    """Each lot's notifications by provider: those of the lot's current edition."""
    editions = lot_editions(decision) if editions is None else editions
    base = decision_key(decision)
    by_edition: dict[int, dict[int, Notification]] = {}
    for n in Notification.objects.filter(
        Q(key=base) | Q(key__startswith=f"{base}:edition:"), kind="decision", provider__isnull=False
    ):
        number = int(n.key.rsplit(":", 1)[1]) if n.key != base else 1
        if n.provider_id is not None:
            by_edition.setdefault(number, {})[n.provider_id] = n
    return {lot_id: by_edition.get(number, {}) for lot_id, number in editions.items()}


def _lot_bidders(decision) -> dict[int, set[int]]:
    from bids.models import BidStatus, LotOffer

    bidders: dict[int, set[int]] = {}
    for lot_id, provider_id in LotOffer.objects.filter(
        bid__tender_id=decision.tender_id, bid__status=BidStatus.SUBMITTED
    ).values_list("lot_id", "bid__provider_id"):
        bidders.setdefault(lot_id, set()).add(provider_id)
    return bidders


def expected_notified_on(
    decision, *, lot_ids=None, sending_on: date | None = None, notifications=None, bidders=None
) -> date:
    """The notification day that counts for these lots (all when None) if what is unsent goes out on `sending_on`.

    A caller that has already read the decision's notifications and the lots' bidders passes them in."""
    sending_on = sending_on or local_date(timezone.now())
    # Each lot counts the sending of its current edition (a corrected lot's new decision), unless given one set.
    per_lot = lot_notifications(decision) if notifications is None else None
    bidders = _lot_bidders(decision) if bidders is None else bidders
    latest = None
    for lot_id, providers in bidders.items():
        if lot_ids is not None and lot_id not in lot_ids:
            continue
        sendings = per_lot.get(lot_id, {}) if per_lot is not None else notifications
        for provider_id in providers:
            n = sendings.get(provider_id)
            day = local_date(n.sent_at) if n and n.status == DeliveryStatus.SENT and n.sent_at else sending_on
            latest = day if latest is None else max(latest, day)
    return latest or sending_on


def without_standstill(tender) -> bool:
    """A mini-competition under a framework agreement has no standstill (Procurement Act, section 129(2)(2)) unless
    the authority chose to observe one (`standstill_chosen`)."""
    return tender.framework_lot_id is not None and not tender.standstill_chosen


def decision_periods_from(notified_on: date, regime: str, *, tender, redress=None) -> Periods:
    """The periods of the call's decision notified on `notified_on` (procurement.redress.periods_from), without the
    standstill where none applies to it (`without_standstill`)."""
    periods = periods_from(notified_on, regime, tender=tender, redress=redress)
    return replace(periods, standstill_ends_on=None) if without_standstill(tender) else periods


def expected_periods(decision, *, lot_ids=None, sending_on: date | None = None, **loaded) -> Periods:
    return decision_periods_from(
        expected_notified_on(decision, lot_ids=lot_ids, sending_on=sending_on, **loaded),
        decision.regime,
        tender=decision.tender,
    )


def standstill_end_moment(contract) -> datetime:
    """The standstill's last day is whole: the contract can be signed from the start of the next day."""
    return datetime.combine(contract.standstill_ends_on + timedelta(days=1), time(0, 0), tzinfo=HELSINKI)


def lot_periods_recompute(*, tender_id: int) -> list[int]:
    """After a sending: each lot whose bidders have all been sent the decision gets its periods from the latest
    sending, moves into its standstill, and has its end scheduled. Returns the lots whose periods changed."""
    from documents.models import DocumentKind, GeneratedDocument
    from documents.services import document_request

    from .models import AwardDecision, ContractStatus, LotContract

    with transaction.atomic():
        decision = AwardDecision.objects.select_for_update().filter(tender_id=tender_id).first()
        if decision is None:
            return []
        per_lot = lot_notifications(decision)
        bidders = _lot_bidders(decision)
        redress = redress_for(tender=decision.tender, regime=decision.regime)
        changed = []
        for contract in LotContract.objects.select_for_update().filter(decision=decision).select_related("lot"):
            notifications = per_lot.get(contract.lot_id, {})
            sent = [notifications.get(p) for p in bidders.get(contract.lot_id, ())]
            if not sent or any(n is None or n.status != DeliveryStatus.SENT for n in sent):
                continue
            notified_at = max(n.sent_at for n in sent)
            if contract.notified_at == notified_at:
                continue
            periods = decision_periods_from(
                local_date(notified_at), decision.regime, tender=decision.tender, redress=redress
            )
            before = {"notified_at": contract.notified_at, "standstill_ends_on": contract.standstill_ends_on}
            contract.notified_at = notified_at
            contract.standstill_ends_on = periods.standstill_ends_on
            contract.appeal_deadline = periods.appeal_deadline
            contract.self_correction_ends_on = periods.self_correction_ends_on
            if contract.status == ContractStatus.NOTIFYING:
                action = "notified" if periods.standstill_ends_on else "notified_without_standstill"
            elif (
                contract.status in (ContractStatus.STANDSTILL, ContractStatus.CONTRACTING)
                and periods.standstill_ends_on
            ):
                action = "renotified"
            else:
                action = None
            if action:
                transition_run(obj=contract, action=action, actor=None, audit_action=f"contract.{action}")
            else:
                contract.save()
            audit_record(
                action="contract.periods",
                obj=contract,
                tender_id=tender_id,
                before=before,
                after={"notified_at": notified_at, **periods.as_dict()},
            )
            Timer.objects.filter(
                kind="standstill.end", key=f"lot-contract:{contract.pk}", done_at__isnull=True
            ).delete()
            if periods.standstill_ends_on:
                Timer.objects.get_or_create(
                    kind="standstill.end",
                    key=f"lot-contract:{contract.pk}",
                    due_at=standstill_end_moment(contract),
                    defaults={"tender_id": tender_id},
                )
            changed.append(contract.lot_id)
        if not changed:
            return changed
        # The decision's own dates are the latest of its lots; a change gives the decision a new edition.
        latest = expected_periods(decision, bidders=bidders)
        fields = {
            "standstill_ends_on": latest.standstill_ends_on,
            "appeal_ends_on": latest.appeal_ends_on,
            "self_correction_ends_on": latest.self_correction_ends_on,
        }
        if any(getattr(decision, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(decision, name, value)
            decision.save(update_fields=list(fields))
            editions = GeneratedDocument.objects.filter(tender_id=tender_id, kind=DocumentKind.DECISION).count()
            document_request(kind=DocumentKind.DECISION, tender=decision.tender, version=editions + 1)
        return changed


def letter_for_resend(*, notification, actor) -> None:
    """A re-sent decision carries a new letter with the dates that the new sending gives."""
    from bids.models import Bid
    from documents.models import DocumentKind, GeneratedDocument
    from documents.services import document_request

    bid = Bid.objects.select_related("provider").get(tender_id=notification.tender_id, provider=notification.provider)
    subject = f"bid:{bid.pk}"
    version = GeneratedDocument.objects.filter(
        tender_id=bid.tender_id, kind=DocumentKind.LETTER, subject=subject
    ).count()
    letter = document_request(
        kind=DocumentKind.LETTER,
        tender=bid.tender,
        actor=actor,
        version=version + 1,
        subject=subject,
        provider=bid.provider,
        language=notification.language if notification.language in bid.tender.document_languages else None,
    )
    old_letters = set(
        GeneratedDocument.objects.filter(tender_id=bid.tender_id, kind=DocumentKind.LETTER, subject=subject)
        .exclude(pk=letter.pk)
        .values_list("pk", flat=True)
    )
    notification.documents = sorted({d for d in notification.documents if d not in old_letters} | {letter.pk})
    notification.save(update_fields=["documents"])
