"""Reading calls for tenders: who sees which calls."""

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import Model, Q, QuerySet, prefetch_related_objects

from procurement.access import roles_of
from procurement.errors import Forbidden, NotFound
from procurement.fastpath import attach_prefetched, column, columns_sql, from_arrays, from_row, table

from . import asks
from .models import Lot, QualityCriterion, Question, SuitabilityRequirement, Tender


def published_open_to(roles) -> Q:
    """The published calls open to everybody: every announced call, and a mini-competition under a framework
    agreement only to that framework's active providers (it is not announced)."""
    visible = Q(published_at__isnull=False, framework_lot__isnull=True)
    if roles.provider_of:
        visible |= Q(published_at__isnull=False, pk__in=asks.mini_competitions_open_to(roles.provider_of))
    return visible


def bidders_invited(tender: Tender, provider_ids) -> frozenset[int]:
    """Of the providers, those that may bid in the call: all of them in an announced call; in a mini-competition
    only its framework's active providers (`asks.mini_competition_invitees`). A user who belongs to several
    providers sees a mini-competition when one of them is invited, and bids only for that one."""
    providers = frozenset(provider_ids)
    if tender.framework_lot_id is None:
        return providers
    return providers & frozenset(asks.mini_competition_invitees(tender))


def tenders_visible_to(user) -> QuerySet[Tender]:
    """Authority users see their authorities' calls; everybody signed in sees calls that were published (a
    mini-competition: only its framework's active providers, `published_open_to`)."""
    roles = roles_of(user)
    if roles.auditor_of_all:
        return Tender.objects.all()
    visible = published_open_to(roles)
    authorities = roles.officer_of | roles.evaluator_of | roles.decision_maker_of | roles.auditor_of
    if authorities:
        visible |= Q(authority_id__in=authorities)
    return Tender.objects.filter(visible)


def tender_lock_shared(*, tender_id: int) -> Tender:
    """Hold the call still while a bid changes: FOR SHARE lets bids proceed side by side, but waits for (and
    makes wait) a corrigendum or the opening, which lock the call FOR UPDATE."""
    if connection.vendor == "postgresql":
        # One round trip: the row is read as it is locked.
        sql = f"SELECT * FROM {table(Tender)} WHERE {column(Tender, 'id')} = %s FOR SHARE"  # noqa: S608
        locked = list(Tender.objects.raw(sql, [tender_id]))
        if not locked:
            raise Tender.DoesNotExist(tender_id)
        return locked[0]
    return Tender.objects.get(pk=tender_id)


# What a bid is checked against, read with the call in one round trip when a submission locks it: per relation,
# the model and the fields the checks use (the others load on access, as with `only()`).
_BID_RULES: dict[str, tuple[type[Model], tuple[str, ...]]] = {
    "lots": (Lot, ("id", "tender_id", "number", "status", "pricing_unit")),
    "criteria": (QualityCriterion, ("id", "tender_id", "lot_id", "number")),
    "requirements": (SuitabilityRequirement, ("id", "tender_id", "number")),
}


@lru_cache(maxsize=4)
def tender_rules_statement(tender_id_sql: str) -> str:
    """The call whose id `tender_id_sql` gives (SQL from the code; its values are parameters) locked FOR SHARE, with
    its lots, criteria and requirements in the same row, for `fastpath.fetch_together`; `tender_from_rules_row`
    reads its row. Built once from the models' own metadata. The call's own columns by name (not `t.*`): the
    prepared statement stays valid when a column is added."""
    parts = []
    for name, (model, fields) in _BID_RULES.items():
        parts.append(
            f"(SELECT coalesce(json_agg(json_build_array({columns_sql(model, 'c', fields)}) "  # noqa: S608
            f"ORDER BY c.{column(model, 'number')}), '[]') "
            f'FROM {table(model)} c WHERE c.{column(model, "tender")} = t.{column(Tender, "id")}) AS "rules_{name}"'
        )
    return (
        f"SELECT {columns_sql(Tender, 't')}, {', '.join(parts)} FROM {table(Tender)} t "  # noqa: S608
        f"WHERE t.{column(Tender, 'id')} = ({tender_id_sql}) FOR SHARE OF t"
    )


def tender_lock_shared_with_rules(*, tender_id: int) -> Tender:
    """`tender_lock_shared`, with the lots, criteria and requirements the bid's checks read as the call's
    prefetched relations. (The deadline rush's submission reads them with the lock in one statement instead:
    `tender_rules_statement`.)"""
    tender = tender_lock_shared(tender_id=tender_id)
    prefetch_related_objects([tender], *_BID_RULES)
    return tender


def tender_from_rules_row(columns: list[str], row: Sequence[Any]) -> Tender:
    """The call in a row of `tender_rules_statement`, with its rules as prefetched relations."""
    tender = from_row(Tender, columns, row)
    for name, (model, fields) in _BID_RULES.items():
        attach_prefetched(tender, name, from_arrays(model, fields, row[columns.index(f"rules_{name}")]))
    return tender


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
