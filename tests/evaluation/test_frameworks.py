"""Concluding a framework agreement when a framework call's lot contract is signed, and what its orders hold."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from evaluation.frameworks import (
    Usage,
    add_months,
    framework_usage,
    member_capacity_left,
    term_end,
    term_of,
)
from evaluation.models import CallOff, CallOffStatus, Framework, FrameworkStatus
from procurement.audit import AuditEvent
from procurement.models import Timer
from procurement.timers import timers_run_due
from tests.fixtures.frameworks import signed_framework, third_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework(authority, officer, member_a, member_b):
    member_c = third_member()
    return signed_framework(
        authority=authority, officer=officer, bidders=[(member_b, "9500"), (member_a, "9000"), (member_c, "9900")]
    )


def test_signing_a_framework_lot_concludes_its_framework_with_the_ranked_providers(framework, member_a, member_b):
    members = list(framework.members.order_by("rank"))
    assert [m.rank for m in members] == [1, 2, 3]
    assert members[0].lot_offer.bid.created_by == member_a
    assert members[1].lot_offer.bid.created_by == member_b
    assert [m.unit_price for m in members] == [Decimal("9000.00"), Decimal("9500.00"), Decimal("9900.00")]
    today = timezone.localdate()
    assert framework.starts_on == today
    assert framework.ends_on == add_months(today, 24) - timedelta(days=1)
    assert framework.status == FrameworkStatus.ACTIVE
    assert framework.call_off_method == "preference"
    assert framework.max_value == Decimal("500000.00")
    assert [(o.number, o.months, o.state) for o in framework.options.all()] == [(1, 12, "open")]
    assert Framework.objects.filter(tender=framework.tender).count() == 2  # both lots
    assert AuditEvent.objects.filter(action="framework.establish", object_id=str(framework.pk)).exists()
    assert Timer.objects.filter(kind="framework.end", key=f"framework:{framework.pk}").exists()


def test_a_call_that_is_not_a_framework_concludes_none(authority, officer, member_a):
    from tests.fixtures.frameworks import framework_contracts_sign
    from tests.fixtures.stages import decided_tender

    call = decided_tender(officer=officer, bidders=[(member_a, "9000")], authority=authority, created_by=officer)
    assert framework_contracts_sign(call, officer=officer) == []
    assert call.lots.filter(contract__status="signed").count() == 2


def test_the_framework_ends_by_its_timer_after_its_last_day(framework):
    Framework.objects.filter(pk=framework.pk).update(ends_on=timezone.localdate() - timedelta(days=1))
    Timer.objects.filter(kind="framework.end").update(due_at=timezone.now() - timedelta(minutes=1))
    timers_run_due()
    framework.refresh_from_db()
    assert framework.status == FrameworkStatus.ENDED
    assert AuditEvent.objects.filter(action="framework.end", object_id=str(framework.pk)).exists()


def test_a_timer_before_the_last_day_leaves_the_framework_in_force(framework):
    Timer.objects.filter(kind="framework.end").update(due_at=timezone.now() - timedelta(minutes=1))
    timers_run_due()
    framework.refresh_from_db()
    assert framework.status == FrameworkStatus.ACTIVE


def test_terms_are_half_years_and_months_end_on_the_shorter_months_last_day():
    assert term_of(date(2027, 3, 1)) == (date(2027, 1, 1), date(2027, 6, 30))
    assert term_of(date(2027, 7, 1)) == (date(2027, 7, 1), date(2027, 12, 31))
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert term_end(date(2027, 3, 1), 12) == date(2028, 2, 29)


def test_offered_and_accepted_orders_hold_value_volume_and_capacity_the_others_nothing(framework, officer):
    first = framework.members.get(rank=1)
    first.capacity = 30
    first.save(update_fields=["capacity"])
    start = timezone.localdate() + timedelta(days=30)
    for number, status, students in (
        (1, CallOffStatus.OFFERED, 12),
        (2, CallOffStatus.ACCEPTED, 10),
        (3, CallOffStatus.CANCELLED, 14),
    ):
        CallOff.objects.create(
            framework=framework,
            number=number,
            status=status,
            municipality="Kuopio",
            language_of_instruction="fi",
            study_path="basic",
            students=students,
            start_on=start,
            training_days=100,
            volume=Decimal(students),
            member=first,
            unit_price=first.unit_price,
            value=first.unit_price * students,
            created_by=officer,
        )
    usage = framework_usage(framework)
    assert usage.value == Decimal("198000.00") and usage.volume == Decimal("22")
    assert usage.value_share == Decimal("39.6")
    assert not usage.warning
    assert member_capacity_left(first, on=start) == 8
    assert member_capacity_left(framework.members.get(rank=2), on=start) is None


def test_the_warning_comes_at_80_percent_and_the_refusal_beyond_100():
    usage = Usage(value=Decimal("400000"), volume=Decimal("10"), max_value=Decimal("500000"), max_volume=None)
    assert usage.warning
    assert usage.exceeded_by(value=Decimal("100000"), volume=Decimal("1")) == []
    assert usage.exceeded_by(value=Decimal("100000.01"), volume=Decimal("1")) == ["value"]
    assert not Usage(value=Decimal("399999"), volume=Decimal("0"), max_value=Decimal("500000"), max_volume=None).warning
