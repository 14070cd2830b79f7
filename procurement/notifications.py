"""Recording notifications for the in-app inbox; a repeated call for the same event changes nothing."""

from collections.abc import Iterable

from .models import Notification


def notify_providers(*, kind: str, key: str, provider_ids: Iterable[int], tender_id: int | None, payload: dict) -> int:
    rows = [
        Notification(kind=kind, key=key, provider_id=pid, tender_id=tender_id, payload=payload)
        for pid in sorted(set(provider_ids))
    ]
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)
