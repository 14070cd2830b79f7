"""The timers of a published call: the reminders before its deadlines (sent by `bids.timers`, which knows the
drafts), scheduled at publication and at each change of the deadlines."""

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings

from procurement.models import Timer
from procurement.timers import timers_replace

if TYPE_CHECKING:
    from .models import Tender

REMINDER_KINDS = ["deadline.reminder", "questions.reminder"]


def tender_timers_schedule(tender: "Tender") -> None:
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


def tender_timers_clear(tender: "Tender") -> None:
    Timer.objects.filter(key=f"tender:{tender.pk}", kind__in=REMINDER_KINDS, done_at__isnull=True).delete()


def timer_tender(timer: Timer) -> "Tender | None":
    """The call a timer is about (None when it is gone)."""
    from .models import Tender

    tender: Tender | None = Tender.objects.select_related("authority").filter(pk=timer.tender_id).first()
    return tender
