"""Framework agreements: their conclusion when a lot's contract is signed, and what a call-off may still take.

A framework is concluded per lot with the providers the decision ranked 1..N, at the unit prices of their framework
tenders, for the call's contract term (and its options, each exercised later by a recorded decision:
`evaluation.framework_changes`). Its maximum value and volume are the lot's, as the call stated them.

What an order holds (`evaluation.calloffs`): an order offered or accepted counts against the maximum value and volume
with the current provider's price, and against that provider's capacity in the term (a half-year, by the course's
start date); an unfilled or cancelled one counts for nothing. Every check of these runs under the framework's row
lock (`framework_for_update`), so two officers ordering the last capacity at once get one order and one 409."""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.access import AnyUser
from procurement.audit import audit_record
from procurement.errors import Conflict
from procurement.notifications import notify
from procurement.periods import at_local_time
from procurement.timers import timers_replace
from tenders.models import FRAMEWORK_MAX_MONTHS, CallOffMethod, lot_volume

from .models import (
    CallOff,
    CallOffStatus,
    CapacityUnit,
    Framework,
    FrameworkMember,
    FrameworkOption,
    LotAward,
    LotContract,
)

# The share of the maximum value or volume at which the officers are warned.
WARNING_SHARE = Decimal("80")
# The states in which an order holds value, volume and capacity.
HOLDING = (CallOffStatus.OFFERED, CallOffStatus.ACCEPTED)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day where the month is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_end(start: date, months: int) -> date:
    """The last day of a term of `months` from `start` (a term from 1 March for 12 months ends on 28/29 February)."""
    return add_months(start, months) - timedelta(days=1)


def framework_months(framework: Framework) -> int:
    """The whole term in months, every option stated in the call included (exercised or not)."""
    months = framework.tender.contract_months or 0
    return months + sum(option.months for option in framework.options.all())


def framework_establish(*, actor: AnyUser, contract: LotContract) -> Framework | None:
    """Conclude the framework of a signed lot contract of a framework call (inside the signing's transaction).

    Its providers are the lot's winners in the decision's rank order; its term runs from the signing for the call's
    contract term; each option stated in the call waits for its decision. Nothing for a call that is not a framework,
    or a lot without winners; a second call returns the framework already concluded."""
    lot = contract.lot
    tender = lot.tender
    if not tender.is_framework:
        return None
    existing: Framework | None = Framework.objects.filter(lot=lot).first()
    if existing is not None:
        return existing
    awards = list(
        LotAward.objects.filter(decision=contract.decision, lot=lot, winner__isnull=False)
        .select_related("winner__bid")
        .order_by("rank")
    )
    if not awards:
        return None
    starts_on = contract.signed_on or timezone.localdate()
    months = tender.contract_months or FRAMEWORK_MAX_MONTHS
    framework: Framework = Framework.objects.create(
        tender=tender,
        lot=lot,
        contract=contract,
        reference=contract.contract_reference,
        call_off_method=tender.call_off_method or CallOffMethod.PREFERENCE,
        starts_on=starts_on,
        ends_on=term_end(starts_on, months),
        long_term_reason=tender.framework_long_term_reason,
        max_value=lot.max_value,
        max_volume=lot.max_volume,
        capacity_unit=CapacityUnit.GROUPS if lot.pricing_unit == "per_group" else CapacityUnit.STUDENTS,
        created_by=actor,
    )
    FrameworkMember.objects.bulk_create(
        FrameworkMember(
            framework=framework,
            provider_id=award.winner.bid.provider_id,
            lot_offer=award.winner,
            rank=award.rank,
            unit_price=award.winner.unit_price,
            joined_on=starts_on,
        )
        for award in awards
        if award.winner is not None
    )
    if tender.option_months:
        FrameworkOption.objects.create(framework=framework, number=1, months=tender.option_months)
    framework_end_schedule(framework)
    audit_record(
        actor=actor,
        action="framework.establish",
        obj=framework,
        tender_id=tender.pk,
        detail={
            "lot": lot.number,
            "members": [award.winner.bid.provider_id for award in awards if award.winner is not None],
            "starts_on": starts_on.isoformat(),
            "ends_on": framework.ends_on.isoformat(),
        },
    )
    framework_concluded_notify(framework)
    return framework


def framework_end_schedule(framework: Framework) -> None:
    """The timer that ends the framework after the last day of its term (options exercised included)."""
    moment = at_local_time(framework.ends_on + timedelta(days=1), "00:00")
    timers_replace(
        kinds=["framework.end"],
        key=f"framework:{framework.pk}",
        tender_id=framework.tender_id,
        moments={"framework.end": [moment]},
    )


def framework_for_update(framework_id: int) -> Framework:
    """The framework, locked for the rest of the transaction: every check of the maximum and of capacity and every
    change of the orders' holdings runs under this lock."""
    framework: Framework = Framework.objects.select_for_update().select_related("tender", "lot").get(pk=framework_id)
    return framework


# --- what the orders hold ----------------------------------------------------------------------------------------


def term_of(day: date) -> tuple[date, date]:
    """The half-year term a course starting on `day` belongs to: 1 January – 30 June, or 1 July – 31 December."""
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 6, 30)
    return date(day.year, 7, 1), date(day.year, 12, 31)


def call_off_volume(framework: Framework, *, students: int, training_days: int) -> Decimal:
    """An order's volume in the lot's pricing unit (one course is one group)."""
    volume = lot_volume(
        pricing_unit=framework.lot.pricing_unit, students=students, training_days=training_days, groups=1
    )
    return volume if volume is not None else Decimal(students)


def call_off_size(framework: Framework, *, students: int) -> int:
    """What an order takes of a provider's capacity: its students, or one group."""
    return 1 if framework.capacity_unit == CapacityUnit.GROUPS else students


def member_capacity_used(member: FrameworkMember, *, on: date, exclude_call_off_id: int | None = None) -> int:
    """The capacity the provider's orders of the term of `on` take (offered or accepted)."""
    start, end = term_of(on)
    orders = CallOff.objects.filter(member=member, status__in=HOLDING, start_on__range=(start, end))
    if exclude_call_off_id is not None:
        orders = orders.exclude(pk=exclude_call_off_id)
    if member.framework.capacity_unit == CapacityUnit.GROUPS:
        return orders.aggregate(n=Count("id"))["n"] or 0
    return orders.aggregate(n=Sum("students"))["n"] or 0


def member_capacity_left(member: FrameworkMember, *, on: date, exclude_call_off_id: int | None = None) -> int | None:
    """What is left of the provider's capacity in the term of `on`; None where it stated no limit."""
    if member.capacity is None:
        return None
    return max(0, member.capacity - member_capacity_used(member, on=on, exclude_call_off_id=exclude_call_off_id))


def share(part: Decimal, whole: Decimal | None) -> Decimal | None:
    """`part` as a percentage of `whole`, to one decimal; None without a whole."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Usage:
    """What the framework's orders hold against its maximum value and volume."""

    value: Decimal
    volume: Decimal
    max_value: Decimal | None
    max_volume: Decimal | None

    @property
    def value_share(self) -> Decimal | None:
        return share(self.value, self.max_value)

    @property
    def volume_share(self) -> Decimal | None:
        return share(self.volume, self.max_volume)

    @property
    def warning(self) -> bool:
        """At or beyond 80 % of the maximum value or volume."""
        pairs = ((self.value, self.max_value), (self.volume, self.max_volume))
        return any(whole and part * 100 >= WARNING_SHARE * whole for part, whole in pairs)

    def exceeded_by(self, *, value: Decimal, volume: Decimal) -> list[str]:
        """Which maximum ("value", "volume") an order of this value and volume would take beyond 100 %."""
        over = []
        if self.max_value is not None and self.value + value > self.max_value:
            over.append("value")
        if self.max_volume is not None and self.volume + volume > self.max_volume:
            over.append("volume")
        return over


def framework_usage(framework: Framework, *, exclude_call_off_id: int | None = None) -> Usage:
    """The value and volume the framework's orders hold (offered or accepted)."""
    orders = CallOff.objects.filter(framework=framework, status__in=HOLDING)
    if exclude_call_off_id is not None:
        orders = orders.exclude(pk=exclude_call_off_id)
    totals = orders.aggregate(value=Sum("value"), volume=Sum("volume"))
    return Usage(
        value=totals["value"] or Decimal("0"),
        volume=totals["volume"] or Decimal("0"),
        max_value=framework.max_value,
        max_volume=framework.max_volume,
    )


def maximum_exceeded(over: list[str]) -> Conflict:
    """The refusal of an order (or a step of one) that would take the framework beyond its maximum."""
    return Conflict(
        _("The order would exceed the framework's maximum (%(which)s).")
        % {"which": ", ".join(str(_("value") if item == "value" else _("volume")) for item in over)},
        code="framework_maximum_exceeded",
    )


def framework_active_check(framework: Framework, *, on: datetime | None = None) -> None:
    """Refuse a call-off from a framework that is no longer in force (409 `framework_not_active`)."""
    today = timezone.localdate(on or timezone.now())
    if framework.status != "active" or today > framework.ends_on or today < framework.starts_on:
        raise Conflict(_("The framework agreement is not in force."), code="framework_not_active")


def framework_concluded_notify(framework: Framework) -> None:
    """Tell each provider of a framework just concluded its rank and the term (after the commit, by the outbox)."""
    for member in framework.members.order_by("rank"):
        notify(
            kind="framework.concluded",
            key=f"framework:{framework.pk}:concluded:{member.pk}",
            tender_id=framework.tender_id,
            providers=[member.provider_id],
            payload={
                "lot": framework.lot.number,
                "rank": member.rank,
                "starts_on": framework.starts_on.isoformat(),
                "ends_on": framework.ends_on.isoformat(),
            },
        )
