"""Timers: the moments the procedure waits for, and the scan that acts on the due ones.

The scan locks due timers with skip_locked, so scans running at the same time share the work instead of doing it
twice, and it reads them through a partial index of pending timers: its cost follows what is due, not how many
calls there are. What a timer does is idempotent as well (notifications are unique per event and recipient).

This is the machinery only: each app keeps its own timers (`tenders.timers`, `bids.timers`, `evaluation.timers`),
whose handlers register here with `handles` when the app is ready."""

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .models import Timer

logger = logging.getLogger(__name__)

Handler = Callable[[Timer, datetime], None]
HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
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
