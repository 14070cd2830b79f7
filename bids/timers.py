"""The reminders before a published call's deadlines (scheduled by `tenders.timers`): to the providers with a draft
and those interested. Registered with `procurement.timers.handles` when the app is ready (bids.apps)."""

from datetime import datetime, timedelta

from procurement.models import Timer
from procurement.notifications import notify
from procurement.timers import handles
from tenders.models import TenderInterest, TenderStatus
from tenders.timers import timer_tender

from .models import Bid, BidStatus


def _hours_before(timer: Timer, moment: datetime) -> int:
    return round((moment - timer.due_at).total_seconds() / 3600)


def _too_late(timer: Timer, now: datetime, hours: int) -> bool:
    """A reminder that comes a quarter of its lead time late (the scan was down) is dropped, not sent stale."""
    return now - timer.due_at > timedelta(hours=hours) / 4


def _remind(timer: Timer, now: datetime, *, kind: str, deadline_field: str, followers_only: bool) -> None:
    """A reminder before one of a published call's deadlines, to the providers with a draft and those interested
    (only those who follow the call, for the tender deadline). Once per deadline and lead time: a moved deadline
    gets its own reminders."""
    tender = timer_tender(timer)
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
