"""What the calls for tenders tell the kernel (procurement.asks), provided when the app is ready (tenders.apps)."""

from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from procurement import asks
from procurement.access import AnyUser
from procurement.labels import DOCUMENT_SUBJECTS

from .models import Lot, Tender, TenderInterest
from .selectors import tender_get


@asks.tenders_unopened.provide
def _unopened() -> QuerySet[Tender, dict[str, Any]]:
    unopened: QuerySet[Tender, dict[str, Any]] = Tender.objects.filter(opened_at__isnull=True).values("pk")
    return unopened


@asks.tenders_of_authorities.provide
def _of_authorities(authority_ids: Iterable[int]) -> QuerySet[Tender, dict[str, Any]]:
    tenders: QuerySet[Tender, dict[str, Any]] = Tender.objects.filter(authority_id__in=authority_ids).values("pk")
    return tenders


@asks.tenders_in_bulk.provide
def _in_bulk(ids: Iterable[int]) -> dict[int, Tender]:
    tenders: dict[int, Tender] = Tender.objects.select_related("authority").in_bulk(ids)
    return tenders


@asks.tender_readable.provide
def _readable(*, user: AnyUser, tender_id: int) -> Tender:
    return tender_get(user=user, tender_id=tender_id)


@asks.tender_followers.provide
def _followers(tender_id: int, provider_ids: Iterable[int]) -> set[int]:
    return set(
        TenderInterest.objects.filter(
            tender_id=tender_id, provider_id__in=provider_ids, following=True, followed_at__isnull=False
        ).values_list("provider_id", flat=True)
    )


@asks.tender_followed_before.provide
def _followed_before() -> QuerySet[TenderInterest]:
    return TenderInterest.objects.filter(
        tender_id=OuterRef("tender_id"),
        provider_id=OuterRef("provider_id"),
        following=True,
        followed_at__lte=OuterRef("created_at"),
    )


def _lot_label(ident: str) -> str:
    lot = Lot.objects.filter(pk=ident).first()
    if lot is not None:
        return str(_("Lot %(number)s: %(title)s") % {"number": lot.number, "title": lot.title})
    return str(_("Lot"))


DOCUMENT_SUBJECTS["lot"] = _lot_label
