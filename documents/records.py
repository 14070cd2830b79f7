"""The information management plan (tiedonohjaussuunnitelma, JHS 191 style) of a call's records: per kind of record
its task class, publicity class, secrecy period and legal basis, retention period and its basis, and whether it holds
personal data; and each record's own metadata computed from it.

The defaults below are this system's assumptions, to confirm with each authority's own plan (which the National
Archives' decisions and the authority's archive formation plan bind); an authority overrides any line with a
`RecordClass` row in the admin. The legal bases assumed:
- Publicity: Act on the Openness of Government Activities 621/1999 (JulkL). Business secrets are secret under
  24 § 1 mom. 20 k, a private person's circumstances under 24 § 1 mom. 32 k; the secrecy period is 25 years from the
  record's date (JulkL 31 § 2 mom.) unless the plan says otherwise. Prices are never secret.
- Retention: the Information Management Act 906/2019 19 § and 21 § (the authority sets retention periods in its
  plan) and the Archives Act 831/1994 8 § (what is kept permanently is decided by the National Archives). The
  Procurement Act 1397/2016 sets no period; the numbers below follow common practice (decisions and contract
  records 10 years after the contract ends; the records of bids not chosen 5 years after the procedure; copies
  disclosed on request 1 year) and are marked "to confirm with the authority's plan".

The apps above (bids, evaluation) know what a record holds: they register `RecordFacts` providers
(`register_record_facts`), so that a receipt of a bid with upheld business secrets reads "secret in part"."""

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from procurement.periods import local_date

from .models import DocumentKind, GeneratedDocument, PersonalData, Publicity, RecordClass, RetentionFrom

# The task class of a call's records (JHS 191: the common classification of public administration's tasks); the code
# and title are an assumption, to confirm with the authority's plan.
FUNCTION_CODE = "02 08 01"
FUNCTION_TITLE = "Hankinnat: kilpailutus (hankintamenettely)"

BUSINESS_SECRET = "JulkL 621/1999 24 § 1 mom. 20 k"  # noqa: S105 (a legal basis, not a password)
PERSONAL_CIRCUMSTANCES = "JulkL 621/1999 24 § 1 mom. 32 k"
SECRECY_YEARS = 25  # JulkL 31 § 2 mom.
TO_CONFIRM = "tiedonhallintalaki 906/2019 21 §; tiedonohjaussuunnitelma (vahvistettava)"

NOT_CHOSEN = "not_chosen"


@dataclass(frozen=True)
class Plan:
    """One line of the plan (the code's default, or a `RecordClass` row)."""

    kind: str
    variant: str
    function_code: str
    function_title: str
    publicity: str
    secrecy_reason: str
    secrecy_years: int | None
    retention_years: int | None  # None: permanent
    retention_from: str
    retention_reason: str
    personal_data: str


def _plan(
    kind: str,
    *,
    years: int | None,
    start: str = RetentionFrom.CONTRACT_END,
    reason: str = "",
    publicity: str = Publicity.PUBLIC,
    personal: str = PersonalData.NONE,
    variant: str = "",
) -> Plan:
    secret = publicity != Publicity.PUBLIC
    return Plan(
        kind=kind,
        variant=variant,
        function_code=FUNCTION_CODE,
        function_title=FUNCTION_TITLE,
        publicity=publicity,
        secrecy_reason=BUSINESS_SECRET if secret else "",
        secrecy_years=SECRECY_YEARS if secret else None,
        retention_years=years,
        retention_from=start,
        retention_reason=reason or TO_CONFIRM,
        personal_data=personal,
    )


_CONTRACT = "10 v sopimuskauden päättymisestä; " + TO_CONFIRM
_PROCEDURE = "10 v hankintamenettelyn päättymisestä; " + TO_CONFIRM
_NOT_CHOSEN = "5 v hankintamenettelyn päättymisestä (tarjous ei tullut valituksi); " + TO_CONFIRM
K = DocumentKind
DEFAULT_PLAN: dict[tuple[str, str], Plan] = {
    (p.kind, p.variant): p
    for p in (
        _plan(K.CALL, years=10, reason=_CONTRACT),
        # A receipt lists the bid's content and names its contact person.
        _plan(K.RECEIPT, years=10, reason=_CONTRACT, personal=PersonalData.CONTAINS),
        _plan(
            K.RECEIPT,
            variant=NOT_CHOSEN,
            years=5,
            start=RetentionFrom.PROCEDURE_END,
            reason=_NOT_CHOSEN,
            personal=PersonalData.CONTAINS,
        ),
        _plan(K.OPENING_RECORD, years=10, reason=_CONTRACT),
        _plan(K.LETTER, years=10, reason=_CONTRACT),
        _plan(K.LETTER, variant=NOT_CHOSEN, years=5, start=RetentionFrom.PROCEDURE_END, reason=_NOT_CHOSEN),
        _plan(K.INTERRUPTION, years=10, start=RetentionFrom.PROCEDURE_END, reason=_PROCEDURE),
        # § 124's report names the panel and their declarations on conflicts of interest.
        _plan(K.PROCEDURE_REPORT, years=10, reason=_CONTRACT, personal=PersonalData.CONTAINS),
        _plan(K.COMPARISON, years=10, reason=_CONTRACT),
        _plan(K.DECISION, years=10, reason=_CONTRACT),
        _plan(K.CALL_OFF_ORDER, years=10, reason=_CONTRACT),
        _plan(K.CALL_OFF_CONFIRMATION, years=10, reason=_CONTRACT),
        _plan(K.CLAIM_DECISION, years=10, reason=_CONTRACT, personal=PersonalData.CONTAINS),
        # It discusses the parts a bidder marked as business secrets.
        _plan(
            K.SECRECY_DECISION,
            years=10,
            start=RetentionFrom.PROCEDURE_END,
            reason=_PROCEDURE,
            publicity=Publicity.SECRET_IN_PART,
        ),
        _plan(
            K.ACCESS_DECISION,
            years=5,
            start=RetentionFrom.CREATED,
            reason="5 v päätöksestä; " + TO_CONFIRM,
            personal=PersonalData.CONTAINS,
        ),
        _plan(K.DISCLOSED_COPY, years=1, start=RetentionFrom.CREATED, reason="1 v luovutuksesta; " + TO_CONFIRM),
    )
}


@dataclass(frozen=True)
class RecordFacts:
    """What an app above knows of one record: the secrecy grounds of the parts it withholds (upheld business secrets:
    `BUSINESS_SECRET`), whether it holds personal data beyond its plan, and whether it is a record of a bid that was
    not chosen (the plan's `NOT_CHOSEN` variant)."""

    secret_grounds: frozenset[str] = frozenset()
    personal_data: bool = False
    not_chosen: bool = False


# Each provider takes a call's documents and answers facts by document id (what it does not name has none).
FactsProvider = Callable[[list[GeneratedDocument]], dict[int, RecordFacts]]
FACTS_PROVIDERS: list[FactsProvider] = []


def register_record_facts(provider: FactsProvider) -> None:
    FACTS_PROVIDERS.append(provider)


def _merge(a: RecordFacts, b: RecordFacts) -> RecordFacts:
    return RecordFacts(
        secret_grounds=a.secret_grounds | b.secret_grounds,
        personal_data=a.personal_data or b.personal_data,
        not_chosen=a.not_chosen or b.not_chosen,
    )


def record_facts(documents: list[GeneratedDocument]) -> dict[int, RecordFacts]:
    found: dict[int, RecordFacts] = {}
    for provider in FACTS_PROVIDERS:
        for document_id, facts in provider(documents).items():
            found[document_id] = _merge(found.get(document_id, RecordFacts()), facts)
    return found


@dataclass(frozen=True)
class RecordMetadata:
    """A record's metadata as the plan and its facts make it (SÄHKE2's Restriction and Retention elements)."""

    plan: Plan
    publicity: str
    secrecy_reasons: tuple[str, ...]
    secrecy_years: int | None
    secrecy_ends_on: date | None
    personal_data: str
    retention_years: int | None
    retention_from: str
    retention_starts_on: date | None  # None while the procedure (or the contract) has not ended
    retention_ends_on: date | None  # None: permanent, or not known yet
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def permanent(self) -> bool:
        return self.retention_years is None


def _row_plan(row: RecordClass) -> Plan:
    return Plan(
        kind=row.kind,
        variant=row.variant,
        function_code=row.function_code,
        function_title=row.function_title,
        publicity=row.publicity,
        secrecy_reason=row.secrecy_reason,
        secrecy_years=row.secrecy_years,
        retention_years=row.retention_years,
        retention_from=row.retention_from,
        retention_reason=row.retention_reason,
        personal_data=row.personal_data,
    )


class RecordPlan:
    """The plan in force for one authority: its own rows, then the rows for every authority, then the defaults."""

    def __init__(self, authority_id: int | None) -> None:
        rows = RecordClass.objects.filter(authority_id__in=[authority_id]) | RecordClass.objects.filter(
            authority__isnull=True
        )
        self._rows: dict[tuple[int | None, str, str], Plan] = {
            (row.authority_id, row.kind, row.variant): _row_plan(row) for row in rows
        }
        self.authority_id = authority_id

    def line(self, kind: str, variant: str = "") -> Plan:
        for key in ((self.authority_id, kind, variant), (None, kind, variant)):
            if key in self._rows:
                return self._rows[key]
        if (kind, variant) in DEFAULT_PLAN:
            return DEFAULT_PLAN[(kind, variant)]
        if variant:
            return self.line(kind)
        return _plan(kind, years=10, reason=_CONTRACT)


def add_years(day: date, years: int) -> date:
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def procedure_ended_on(tender: Any) -> date | None:
    """The day the call's procedure ended (completed, interrupted or found unsuccessful); None while it goes on."""
    moments: list[datetime | None]
    if tender.status == "completed":
        moments = [tender.completed_at]
    elif tender.status == "cancelled":
        moments = [tender.cancelled_at]
    elif tender.status == "unsuccessful":
        moments = [tender.evaluated_at, tender.opened_at, tender.closed_at, tender.updated_at]
    else:
        return None
    moment = next((m for m in moments if m is not None), None)
    return local_date(moment) if moment is not None else None


def contract_ended_on(tender: Any) -> date | None:
    """The end of the contract term, options included, counted from the end of the procedure: the call's term; the
    procedure's end where the call states none (cancelled and unsuccessful calls have no contract)."""
    ended = procedure_ended_on(tender)
    if ended is None or tender.status != "completed":
        return ended
    return add_months(ended, (tender.contract_months or 0) + (tender.option_months or 0))


def record_metadata(
    document: GeneratedDocument, *, plan: RecordPlan | None = None, facts: RecordFacts | None = None
) -> RecordMetadata:
    """The metadata of one record: the plan's line for its kind (and variant), made "secret in part" by the parts it
    withholds, with the dates its secrecy and retention periods end."""
    facts = facts or RecordFacts()
    plan = plan or RecordPlan(document.tender.authority_id)
    line = plan.line(document.kind, NOT_CHOSEN if facts.not_chosen else "")
    reasons = tuple(sorted({r for r in (line.secrecy_reason, *facts.secret_grounds) if r}))
    publicity = line.publicity
    if facts.secret_grounds and publicity == Publicity.PUBLIC:
        publicity = Publicity.SECRET_IN_PART
    secrecy_years = line.secrecy_years if line.secrecy_years is not None else SECRECY_YEARS
    created = local_date(document.rendered_at or document.created_at)
    secrecy_ends = add_years(created, secrecy_years) if publicity != Publicity.PUBLIC else None
    personal = line.personal_data
    if facts.personal_data and personal == PersonalData.NONE:
        personal = PersonalData.CONTAINS
    if line.retention_from == RetentionFrom.CREATED:
        starts: date | None = created
    elif line.retention_from == RetentionFrom.PROCEDURE_END:
        starts = procedure_ended_on(document.tender)
    else:
        starts = contract_ended_on(document.tender)
    ends = add_years(starts, line.retention_years) if starts is not None and line.retention_years is not None else None
    return RecordMetadata(
        plan=line,
        publicity=publicity,
        secrecy_reasons=reasons if publicity != Publicity.PUBLIC else (),
        secrecy_years=secrecy_years if publicity != Publicity.PUBLIC else None,
        secrecy_ends_on=secrecy_ends,
        personal_data=personal,
        retention_years=line.retention_years,
        retention_from=line.retention_from,
        retention_starts_on=starts,
        retention_ends_on=ends,
    )


def records_metadata(documents: Iterable[GeneratedDocument]) -> dict[int, RecordMetadata]:
    """`record_metadata` of many records (the plan of each authority read once, the facts asked once)."""
    documents = list(documents)
    facts = record_facts(documents)
    plans: dict[int, RecordPlan] = {}
    result = {}
    for document in documents:
        authority_id = document.tender.authority_id
        if authority_id not in plans:
            plans[authority_id] = RecordPlan(authority_id)
        result[document.pk] = record_metadata(document, plan=plans[authority_id], facts=facts.get(document.pk))
    return result


def today() -> date:
    return local_date(timezone.now())
