"""Timers: the moments the procedure waits for, and the scan that acts on the due ones.

The scan locks due timers with skip_locked, so scans running at the same time share the work instead of doing it
twice, and it reads them through a partial index of pending timers: its cost follows what is due, not how many
calls there are. What a timer does is idempotent as well (notifications are unique per event and recipient)."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Timer

logger = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[[Timer, datetime], None]] = {}


def handles(kind: str):
    def register(function):
        HANDLERS[kind] = function
        return function

    return register


def timers_replace(*, kinds: list[str], key: str, tender_id: int | None, moments: dict[str, list[datetime]]) -> None:
    """Replace the pending timers of these kinds for `key` by the given future moments (a changed deadline)."""
    now = timezone.now()
    Timer.objects.filter(kind__in=kinds, key=key, done_at__isnull=True).delete()
    Timer.objects.bulk_create(
        [
            Timer(kind=kind, key=key, tender_id=tender_id, due_at=moment)
            for kind, due in moments.items()
            for moment in sorted(set(due))
            if moment > now
        ],
        ignore_conflicts=True,
    )


def timers_run_due(*, now=None, limit: int = 200) -> int:
    """Run every due timer once; each in a savepoint of its own, so one failing timer does not stop the others."""
    now = now or timezone.now()
    done = 0
    with transaction.atomic():
        due = list(
            Timer.objects.select_for_update(skip_locked=True)
            .filter(done_at__isnull=True, due_at__lte=now)
            .order_by("due_at")[:limit]
        )
        for timer in due:
            handler = HANDLERS.get(timer.kind)
            try:
                with transaction.atomic():
                    if handler is not None:
                        handler(timer, now)
                    else:
                        logger.error("No handler for timer %s", timer)
                    timer.done_at = now
                    timer.save(update_fields=["done_at"])
                done += 1
            except Exception:
                logger.exception("Timer %s failed; it stays pending for the next scan.", timer)
    return done


# ---- Calls for tenders ----------------------------------------------------------------------------------------------


def tender_timers_schedule(tender) -> None:
    """The reminders of a published call, from its current deadlines (called at publication and at each change)."""
    hankinta = settings.HANKINTA
    moments = {
        "deadline.reminder": [
            tender.submission_deadline - timedelta(hours=h) for h in hankinta["DEADLINE_REMINDER_HOURS"]
        ],
        "questions.reminder": [
            tender.questions_deadline - timedelta(hours=h) for h in hankinta["QUESTIONS_REMINDER_HOURS"]
        ]
        if tender.questions_deadline
        else [],
    }
    timers_replace(kinds=list(moments), key=f"tender:{tender.pk}", tender_id=tender.pk, moments=moments)


def tender_timers_clear(tender) -> None:
    Timer.objects.filter(
        key=f"tender:{tender.pk}", kind__in=["deadline.reminder", "questions.reminder"], done_at__isnull=True
    ).delete()


def evaluation_timer_schedule(tender) -> None:
    days = settings.HANKINTA["EVALUATION_TARGET_DAYS"]
    due = (tender.opened_at or timezone.now()) + timedelta(days=days)
    timers_replace(
        kinds=["evaluation.overdue"],
        key=f"tender:{tender.pk}",
        tender_id=tender.pk,
        moments={"evaluation.overdue": [due]},
    )


def _tender_for(timer: Timer):
    from tenders.models import Tender

    return Tender.objects.select_related("authority").filter(pk=timer.tender_id).first()


def _hours_before(timer: Timer, moment: datetime) -> int:
    return round((moment - timer.due_at).total_seconds() / 3600)


def _too_late(timer: Timer, now: datetime, hours: int) -> bool:
    """A reminder that comes a quarter of its lead time late (the scan was down) is dropped, not sent stale."""
    return now - timer.due_at > timedelta(hours=hours) / 4


def _remind(timer: Timer, now: datetime, *, kind: str, deadline_field: str, followers_only: bool) -> None:
    """A reminder before one of a published call's deadlines, to the providers with a draft and those interested
    (only those who follow the call, for the tender deadline). Once per deadline and lead time: a moved deadline
    gets its own reminders."""
    from bids.models import Bid, BidStatus
    from tenders.models import TenderInterest, TenderStatus

    from .notifications import notify

    tender = _tender_for(timer)
    deadline = getattr(tender, deadline_field, None) if tender is not None else None
    if tender is None or tender.status != TenderStatus.PUBLISHED or deadline is None or deadline <= now:
        return
    hours = _hours_before(timer, deadline)
    if _too_late(timer, now, hours):
        return
    interests = TenderInterest.objects.filter(tender=tender)
    if followers_only:
        interests = interests.filter(following=True)
    drafting = Bid.objects.filter(tender=tender, status=BidStatus.DRAFT).values_list("provider_id", flat=True)
    notify(
        kind=kind,
        key=f"tender:{tender.pk}:{deadline_field}:{deadline.isoformat()}:{hours}h",
        tender_id=tender.pk,
        providers=set(drafting) | set(interests.values_list("provider_id", flat=True)),
        payload={"deadline": deadline, "hours_before": hours},
    )


@handles("deadline.reminder")
def _deadline_reminder(timer: Timer, now: datetime) -> None:
    _remind(timer, now, kind="deadline.reminder", deadline_field="submission_deadline", followers_only=True)


@handles("questions.reminder")
def _questions_reminder(timer: Timer, now: datetime) -> None:
    _remind(timer, now, kind="questions.reminder", deadline_field="questions_deadline", followers_only=False)


@handles("evaluation.overdue")
def _evaluation_overdue(timer: Timer, now: datetime) -> None:
    from tenders.models import TenderStatus

    from .notifications import notify

    tender = _tender_for(timer)
    if tender is None or tender.status not in (TenderStatus.OPENED, TenderStatus.EVALUATED):
        return
    validity = tender.submission_deadline + timedelta(days=30 * tender.tender_validity_months)
    notify(
        kind="evaluation.overdue",
        key=f"tender:{tender.pk}:evaluation-overdue",
        tender_id=tender.pk,
        users=officers_of(tender.authority_id) | panel_of(tender),
        payload={
            "opened": tender.opened_at,
            "days": settings.HANKINTA["EVALUATION_TARGET_DAYS"],
            "validity": validity.date().isoformat(),
        },
    )


@handles("standstill.end")
def _standstill_end(timer: Timer, now: datetime) -> None:
    """The standstill's end only tells the officers that the check for claims and appeals is due: no lot becomes
    ready for contracting by a timer (an officer confirms it, evaluation.contracts.lot_contracting_clear)."""
    from evaluation.models import ContractStatus, LotContract
    from evaluation.periods import standstill_end_moment

    from .audit import audit_record
    from .notifications import notify

    contract = (
        LotContract.objects.select_for_update()
        .select_related("lot__tender")
        .filter(pk=int(timer.key.split(":")[1]))
        .first()
    )
    if contract is None or contract.status != ContractStatus.STANDSTILL or standstill_end_moment(contract) > now:
        return
    if contract.appeals.filter(resolved_on__isnull=True).exists():
        return
    audit_record(
        action="contract.standstill_end",
        obj=contract,
        tender_id=contract.lot.tender_id,
        after={"standstill_ends_on": contract.standstill_ends_on, "check_due": True},
    )
    tender = contract.lot.tender
    notify(
        kind="standstill.ended",
        key=f"lot-contract:{contract.pk}:{contract.standstill_ends_on.isoformat()}",
        tender_id=tender.pk,
        users=officers_of(tender.authority_id),
        payload={"lot": contract.lot.number, "ended": contract.standstill_ends_on.isoformat()},
    )


def officers_of(authority_id: int) -> set[int]:
    from .models import Membership, Role

    return set(
        Membership.objects.filter(authority_id=authority_id, role=Role.OFFICER).values_list("user_id", flat=True)
    )


def panel_of(tender) -> set[int]:
    from evaluation.models import PanelMember

    return set(PanelMember.objects.filter(tender=tender).values_list("user_id", flat=True))
