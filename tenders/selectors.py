"""Reading calls for tenders: who sees which calls."""

from functools import lru_cache

from django.db import connection
from django.db.models import Q, QuerySet, prefetch_related_objects

from procurement.access import provider_of_sql, roles_of
from procurement.errors import Forbidden, NotFound
from procurement.statements import fetch_together, from_row, json_column

from .models import Lot, QualityCriterion, Question, SuitabilityRequirement, Tender


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
        # One round trip: the row is read as it is locked.
        locked = list(Tender.objects.raw("SELECT * FROM tenders_tender WHERE id = %s FOR SHARE", [tender_id]))
        if not locked:
            raise Tender.DoesNotExist(tender_id)
        return locked[0]
    return Tender.objects.get(pk=tender_id)


# What a bid is checked against, read with the call in one round trip when a submission locks it: per relation,
# the model and the fields the checks use (the others load on access, as with `only()`).
_BID_RULES = {
    "lots": (Lot, ("id", "tender_id", "number", "status", "pricing_unit")),
    "criteria": (QualityCriterion, ("id", "tender_id", "lot_id", "number")),
    "requirements": (SuitabilityRequirement, ("id", "tender_id", "number")),
}


@lru_cache(maxsize=2)
def _rules_sql(of_bid: bool) -> str:
    """Built once from the models' own metadata (no input reaches it; the ids are parameters)."""
    parts = []
    for name, (model, fields) in _BID_RULES.items():
        columns = ", ".join(f'c."{model._meta.get_field(f).column}"' for f in fields)
        parts.append(
            f"(SELECT coalesce(json_agg(json_build_array({columns}) ORDER BY c.\"number\"), '[]') "  # noqa: S608
            f'FROM "{model._meta.db_table}" c WHERE c."tender_id" = t."id") AS "rules_{name}"'
        )
    # The call's own columns by name (not `t.*`): the prepared statement stays valid when a column is added.
    own = ", ".join(f't."{f.column}"' for f in Tender._meta.concrete_fields)
    which = (
        f"(SELECT b.tender_id FROM bids_bid b WHERE b.id = %s AND b.provider_id IN ({provider_of_sql()}))"  # noqa: S608
        if of_bid
        else "%s"
    )
    return f"SELECT {own}, {', '.join(parts)} FROM tenders_tender t WHERE t.id = {which} FOR SHARE OF t"  # noqa: S608


def tender_lock_shared_with_rules(*, tender_id: int) -> Tender:
    """`tender_lock_shared`, with the lots, criteria and requirements read in the same statement and set as the
    call's prefetched relations: one round trip for them instead of four."""
    if connection.vendor != "postgresql":
        tender = tender_lock_shared(tender_id=tender_id)
        prefetch_related_objects([tender], *_BID_RULES)
        return tender
    [(columns, row)] = fetch_together((_rules_sql(of_bid=False), [tender_id]))
    if row is None:
        raise Tender.DoesNotExist(tender_id)
    return tender_from_rules_row(columns, row)


def bid_call_rules_statement() -> str:
    """The statement of `tender_lock_shared_with_rules` for the call of a bid, found only if the bid is one of the
    user's (parameters: the bid's id, the user's id), for `fetch_together`; `tender_from_rules_row` reads its row.
    The deadline rush's submission sends it with the bid's own lock in one round trip."""
    return _rules_sql(of_bid=True)


def tender_from_rules_row(columns: list[str], row) -> Tender:
    """The call in a row of the rules statement, with its rules as prefetched relations."""
    tender = from_row(Tender, columns, row)
    cache = tender._prefetched_objects_cache = {}
    for name, (model, fields) in _BID_RULES.items():
        order = [f.attname for f in model._meta.concrete_fields if f.attname in fields]
        rows = json_column(row[columns.index(f"rules_{name}")])
        rows = [dict(zip(fields, values, strict=True)) for values in rows]
        queryset = getattr(tender, name).all()
        queryset._result_cache = [model.from_db(tender._state.db, order, [r[a] for a in order]) for r in rows]
        queryset._prefetch_done = True
        cache[name] = queryset
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
