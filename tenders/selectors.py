"""Reading calls for tenders: who sees which calls."""

from django.db import connection
from django.db.models import Q, QuerySet

from procurement.access import roles_of
from procurement.errors import Forbidden, NotFound

from .models import Question, Tender


def tenders_visible_to(user) -> QuerySet[Tender]:
    """Authority users see their authorities' calls; everybody signed in sees calls that were published."""
    roles = roles_of(user)
    visible = Q(published_at__isnull=False)
    if roles.auditor_of_all:
        return Tender.objects.all()
    authorities = roles.officer_of | roles.evaluator_of | roles.decision_maker_of | roles.auditor_of
    if authorities:
        visible |= Q(authority_id__in=authorities)
    return Tender.objects.filter(visible)


def tender_lock_shared(*, tender_id: int) -> Tender:
    """Hold the call still while a bid changes: FOR SHARE lets bids proceed side by side, but waits for (and
    makes wait) a corrigendum or the opening, which lock the call FOR UPDATE."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM tenders_tender WHERE id = %s FOR SHARE", [tender_id])
    return Tender.objects.get(pk=tender_id)


def tender_list(*, user) -> QuerySet[Tender]:
    return (
        tenders_visible_to(user)
        .select_related("authority")
        .prefetch_related("lots", "criteria__lot", "co_purchasers", "requirements")
        .order_by("-created_at", "-id")
    )


def tender_detail(*, user, tender_id) -> Tender:
    """A call with its children loaded in a fixed number of queries, however many lots and criteria it has."""
    try:
        return tender_list(user=user).get(pk=tender_id)
    except (Tender.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def tender_get(*, user, tender_id, for_update: bool = False) -> Tender:
    queryset = tenders_visible_to(user)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.get(pk=tender_id)
    except (Tender.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def questions_for(*, user, tender_id) -> tuple[list, bool]:
    """Published Q&A for everyone, plus a provider's own pending questions; the authority sees every question
    with its asker. The second value says whether the asker may be shown."""
    tender = tender_get(user=user, tender_id=tender_id)
    roles = roles_of(user)
    base = Question.objects.filter(tender=tender).select_related("bulletin").order_by("number")
    if roles.reads_authority(tender.authority_id):
        return list(base.select_related("provider", "asked_by")), True
    return list(base.filter(Q(bulletin__isnull=False) | Q(provider_id__in=roles.provider_of))), False


def tender_interests(*, user, tender_id):
    """The register of interested providers, for the authority only."""
    tender = tender_get(user=user, tender_id=tender_id)
    if not roles_of(user).reads_authority(tender.authority_id):
        raise Forbidden()
    return tender.interests.select_related("provider").order_by("first_viewed_at")
