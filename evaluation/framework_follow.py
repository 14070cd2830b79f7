"""Following a framework agreement: who sees which frameworks, the officers' summary (orders by state, each
provider's share, capacity left, what is consumed of the maximum, declines and missed deadlines, options, changes)
and its XLSX; a provider's view of its own memberships only (its rank, its price, its orders, never the others')."""

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from procurement.access import AnyUser, roles_of
from procurement.errors import NotFound
from procurement.spreadsheets import append_row

from .frameworks import Usage, framework_usage, member_capacity_left, share, term_of
from .models import (
    CallOff,
    CallOffStatus,
    CallOffStep,
    Framework,
    FrameworkChange,
    FrameworkMember,
    FrameworkOption,
)

# The outcomes of an order's step that the officers follow: a provider declined, did not answer, or was skipped.
PASSED_OVER = (CallOffStep.Outcome.DECLINED, CallOffStep.Outcome.EXPIRED, CallOffStep.Outcome.SKIPPED)


def reads_whole_framework(user: AnyUser, framework: Framework) -> bool:
    """The authority's officers and auditors read everything about its frameworks."""
    roles = roles_of(user)
    authority_id = framework.tender.authority_id
    return roles.is_officer(authority_id) or roles.audits(authority_id)


def frameworks_visible(*, user: AnyUser) -> QuerySet[Framework]:
    """The frameworks a user may see: all of its authorities' for an officer or an auditor, for a provider's member
    those its provider belongs to (or belonged to)."""
    roles = roles_of(user)
    condition = Q(tender__authority_id__in=roles.officer_of | roles.auditor_of) | Q(
        members__provider_id__in=roles.provider_of
    )
    frameworks: QuerySet[Framework] = (
        Framework.objects.all() if roles.auditor_of_all else Framework.objects.filter(condition)
    )
    return frameworks.select_related("tender", "lot").order_by("-starts_on", "tender_id", "lot__number").distinct()


def framework_get(*, user: AnyUser, framework_id: int) -> Framework:
    """One framework the user may see; 404 otherwise, so that its existence stays private."""
    framework: Framework | None = frameworks_visible(user=user).filter(pk=framework_id).first()
    if framework is None:
        raise NotFound()
    return framework


def framework_list(*, user: AnyUser, tender_id: int | None = None, status: str = "") -> list[Framework]:
    frameworks = frameworks_visible(user=user)
    if tender_id is not None:
        frameworks = frameworks.filter(tender_id=tender_id)
    if status:
        frameworks = frameworks.filter(status=status)
    return list(frameworks)


def usage_of(frameworks: Iterable[Framework]) -> dict[int, Usage]:
    return {framework.pk: framework_usage(framework) for framework in frameworks}


@dataclass(frozen=True)
class OrderState:
    status: str
    label: str
    count: int
    value: Decimal


@dataclass(frozen=True)
class MemberLine:
    """A provider of the framework: its rank and price, its accepted orders and their share, its capacity left in
    the current and the next half-year term (None: not limited)."""

    member: FrameworkMember
    accepted: int
    accepted_value: Decimal
    accepted_share: Decimal | None
    capacity_left_now: int | None
    capacity_left_next: int | None


@dataclass(frozen=True)
class FrameworkSummary:
    framework: Framework
    usage: Usage
    orders_by_state: list[OrderState]
    members: list[MemberLine]
    passed_over: list[CallOffStep]
    options: list[FrameworkOption]
    changes: list[FrameworkChange]
    current_term: tuple[date, date]
    next_term: tuple[date, date]


def _summary_of(framework: Framework, *, today: date) -> FrameworkSummary:
    totals = {
        row["status"]: row
        for row in CallOff.objects.filter(framework=framework)
        .values("status")
        .annotate(n=Count("id"), value=Sum("value"))
    }
    states = [
        OrderState(
            status=status.value,
            label=str(status.label),
            count=totals.get(status.value, {}).get("n", 0),
            value=totals.get(status.value, {}).get("value") or Decimal("0"),
        )
        for status in CallOffStatus
    ]
    accepted_value = next(state.value for state in states if state.status == CallOffStatus.ACCEPTED)
    per_member = {
        row["member_id"]: row
        for row in CallOff.objects.filter(framework=framework, status=CallOffStatus.ACCEPTED)
        .values("member_id")
        .annotate(n=Count("id"), value=Sum("value"))
    }
    current = term_of(today)
    following = term_of(current[1] + timedelta(days=1))
    members = []
    for member in framework.members.select_related("provider").order_by("left_on", "rank"):
        row = per_member.get(member.pk, {})
        value = row.get("value") or Decimal("0")
        members.append(
            MemberLine(
                member=member,
                accepted=row.get("n", 0),
                accepted_value=value,
                accepted_share=share(value, accepted_value),
                capacity_left_now=member_capacity_left(member, on=current[0]),
                capacity_left_next=member_capacity_left(member, on=following[0]),
            )
        )
    passed_over = list(
        CallOffStep.objects.filter(call_off__framework=framework, outcome__in=PASSED_OVER)
        .select_related("call_off", "member__provider", "decided_by")
        .order_by("-decided_at", "-pk")
    )
    return FrameworkSummary(
        framework=framework,
        usage=framework_usage(framework),
        orders_by_state=states,
        members=members,
        passed_over=passed_over,
        options=list(framework.options.order_by("number")),
        changes=list(framework.changes.select_related("decided_by", "member__provider").order_by("number")),
        current_term=current,
        next_term=following,
    )


def framework_summary(*, user: AnyUser, framework_id: int) -> FrameworkSummary:
    """The officers' and auditors' summary of one framework; 404 for anyone else (a provider reads
    `provider_framework_view`)."""
    framework = framework_get(user=user, framework_id=framework_id)
    if not reads_whole_framework(user, framework):
        raise NotFound()
    return _summary_of(framework, today=timezone.localdate())


def framework_orders(framework: Framework) -> list[CallOff]:
    return list(CallOff.objects.filter(framework=framework).select_related("member__provider").order_by("-number"))


@dataclass(frozen=True)
class ProviderFramework:
    """A provider's own membership of a framework: the term and options, its rank, its price and capacity, and only
    the orders that were offered to it or that it took."""

    framework: Framework
    member: FrameworkMember
    options: list[FrameworkOption]
    orders: list[CallOff]


def provider_frameworks(*, user: AnyUser) -> list[ProviderFramework]:
    """The memberships of the user's providers, each with only what concerns that provider."""
    roles = roles_of(user)
    members = (
        FrameworkMember.objects.filter(provider_id__in=roles.provider_of)
        .select_related("framework__tender", "framework__lot", "provider")
        .order_by("-framework__starts_on", "framework_id")
    )
    views = []
    for member in members:
        orders = CallOff.objects.filter(Q(member=member) | Q(steps__member=member)).distinct().order_by("-number")
        views.append(
            ProviderFramework(
                framework=member.framework,
                member=member,
                options=list(member.framework.options.order_by("number")),
                orders=list(orders),
            )
        )
    return views


# --- the spreadsheet ------------------------------------------------------------------------------------------------


def _bold_row(sheet: Any, row: int) -> None:
    for cell in sheet[row]:
        cell.font = Font(bold=True)


def _date_text(day: date | None) -> str:
    return day.isoformat() if day else ""


def framework_workbook(summary: FrameworkSummary) -> bytes:
    """The summary, the orders, their steps and the changes, one sheet each, in the user's language."""
    framework = summary.framework
    usage = summary.usage
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Summary")[:31]
    append_row(sheet, [f"{framework.tender.title} – {_('Lot')} {framework.lot.number}"])
    _bold_row(sheet, 1)
    rows: list[list[Any]] = [
        [_("Reference"), framework.reference],
        [_("Status"), str(framework.get_status_display())],
        [_("In force from"), _date_text(framework.starts_on)],
        [_("In force until"), _date_text(framework.ends_on)],
        [_("Maximum value"), framework.max_value],
        [_("Value consumed"), usage.value],
        [_("Share of the maximum value (%)"), usage.value_share],
        [_("Maximum volume"), framework.max_volume],
        [_("Volume consumed"), usage.volume],
        [_("Share of the maximum volume (%)"), usage.volume_share],
    ]
    for state in summary.orders_by_state:
        rows.append([_("Orders: %(state)s") % {"state": state.label}, state.count, state.value])
    for row in rows:
        append_row(sheet, row)
    append_row(sheet, [])
    append_row(
        sheet,
        [
            _("Rank"),
            _("Provider"),
            _("Unit price"),
            _("Capacity per term"),
            _("Left this term"),
            _("Left next term"),
            _("Accepted orders"),
            _("Accepted value"),
            _("Share (%)"),
            _("Left on"),
        ],
    )
    _bold_row(sheet, sheet.max_row)
    for line in summary.members:
        member = line.member
        append_row(
            sheet,
            [
                member.rank,
                member.provider.name,
                member.unit_price,
                member.capacity,
                line.capacity_left_now,
                line.capacity_left_next,
                line.accepted,
                line.accepted_value,
                line.accepted_share,
                _date_text(member.left_on),
            ],
        )
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 36

    orders = workbook.create_sheet(_("Orders")[:31])
    append_row(
        orders,
        [
            _("Number"),
            _("Status"),
            _("Provider"),
            _("Municipality"),
            _("Students"),
            _("Start date"),
            _("Volume"),
            _("Unit price"),
            _("Value"),
        ],
    )
    _bold_row(orders, 1)
    for order in framework_orders(framework):
        append_row(
            orders,
            [
                order.number,
                str(order.get_status_display()),
                order.member.provider.name if order.member else "",
                order.municipality,
                order.students,
                _date_text(order.start_on),
                order.volume,
                order.unit_price,
                order.value,
            ],
        )

    steps = workbook.create_sheet(_("Steps")[:31])
    append_row(steps, [_("Order"), _("Step"), _("Provider"), _("Outcome"), _("Decided"), _("Reason")])
    _bold_row(steps, 1)
    for step in (
        CallOffStep.objects.filter(call_off__framework=framework)
        .select_related("call_off", "member__provider")
        .order_by("call_off__number", "number")
    ):
        append_row(
            steps,
            [
                step.call_off.number,
                step.number,
                step.member.provider.name,
                str(step.get_outcome_display()),
                timezone.localtime(step.decided_at).strftime("%Y-%m-%d %H:%M"),
                step.reason,
            ],
        )

    changes = workbook.create_sheet(_("Changes")[:31])
    append_row(
        changes, [_("Number"), _("Change"), _("Effective on"), _("Reason"), _("Reason in Swedish"), _("Decided")]
    )
    _bold_row(changes, 1)
    for change in summary.changes:
        append_row(
            changes,
            [
                change.number,
                str(change.get_kind_display()),
                _date_text(change.effective_on),
                change.reason,
                change.reason_sv,
                timezone.localtime(change.decided_at).strftime("%Y-%m-%d %H:%M"),
            ],
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
