"""Reading calls for tenders: who sees which calls."""

from django.db.models import Q, QuerySet

from procurement.access import roles_of
from procurement.errors import NotFound

from .models import Tender


def tenders_visible_to(user) -> QuerySet[Tender]:
    """Authority users see their authorities' calls; everybody signed in sees calls that were published."""
    roles = roles_of(user)
    visible = Q(published_at__isnull=False)
    if roles.auditor_of_all:
        return Tender.objects.all()
    authorities = roles.officer_of | roles.evaluator_of | roles.auditor_of
    if authorities:
        visible |= Q(authority_id__in=authorities)
    return Tender.objects.filter(visible)


def tender_list(*, user) -> QuerySet[Tender]:
    return (
        tenders_visible_to(user)
        .select_related("authority")
        .prefetch_related("lots", "criteria")
        .order_by("-created_at", "-id")
    )


def tender_get(*, user, tender_id, for_update: bool = False) -> Tender:
    queryset = tenders_visible_to(user)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.get(pk=tender_id)
    except (Tender.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
