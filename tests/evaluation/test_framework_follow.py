"""Following a framework agreement: the officers' summary (orders by state, shares, capacity, usage against the
maximum, declines), its XLSX, and a provider that sees only its own membership."""

import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from evaluation.framework_changes import framework_member_capacity_set, framework_terminate
from evaluation.framework_follow import (
    framework_summary,
    framework_workbook,
    frameworks_visible,
    provider_frameworks,
)
from evaluation.models import CallOffStatus
from procurement.errors import NotFound
from tests.fixtures import factories
from tests.fixtures.framework_orders import order_record
from tests.fixtures.frameworks import signed_framework, third_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework(authority, officer, member_a, member_b):
    """Providers A (9000 per student) and B (9500), a maximum of 500 000 EUR and 400 students."""
    return signed_framework(authority=authority, officer=officer, bidders=[(member_a, "9000"), (member_b, "9500")])


def _pair(framework):
    return list(framework.members.select_related("provider").order_by("rank"))


def test_the_summary_counts_orders_by_state_and_each_providers_share(framework, officer):
    first, second = _pair(framework)
    order_record(framework, first, students=10)  # 90 000
    order_record(framework, first, students=10)  # 90 000
    order_record(framework, second, students=20, passed_over=[(first, "declined", "Ei opettajaa.")])  # 190 000
    order_record(framework, second, status=CallOffStatus.OFFERED, students=1)

    summary = framework_summary(user=officer, framework_id=framework.pk)

    states = {s.status: (s.count, s.value) for s in summary.orders_by_state}
    assert states["accepted"] == (3, Decimal("370000.00"))
    assert states["offered"] == (1, Decimal("9500.00"))
    shares = {line.member.rank: (line.accepted, line.accepted_value, line.accepted_share) for line in summary.members}
    assert shares[1] == (2, Decimal("180000.00"), Decimal("48.6"))
    assert shares[2] == (1, Decimal("190000.00"), Decimal("51.4"))
    assert [(s.member, s.outcome, s.reason) for s in summary.passed_over] == [(first, "declined", "Ei opettajaa.")]


def test_the_usage_warns_at_80_percent_of_the_maximum(framework, officer):
    first, _second = _pair(framework)
    order_record(framework, first, students=30)  # 270 000 of 500 000
    assert not framework_summary(user=officer, framework_id=framework.pk).usage.warning
    order_record(framework, first, students=15)  # 405 000: 81 %
    usage = framework_summary(user=officer, framework_id=framework.pk).usage
    assert usage.warning and usage.value_share == Decimal("81.0")


def test_capacity_left_per_term_counts_the_providers_orders(framework, officer):
    first, _second = _pair(framework)
    framework_member_capacity_set(actor=officer, framework_id=framework.pk, member_id=first.pk, capacity=50, reason="x")
    order_record(framework, first, students=12, start_in_days=0)
    line = framework_summary(user=officer, framework_id=framework.pk).members[0]
    assert line.capacity_left_now == 38
    assert line.capacity_left_next == 50


def test_options_and_changes_are_in_the_summary(framework, officer):
    framework_terminate(actor=officer, framework_id=framework.pk, reason="Rahoitus päättyi.")
    summary = framework_summary(user=officer, framework_id=framework.pk)
    assert [(o.number, o.state) for o in summary.options] == [(1, "open")]
    assert [(c.kind, c.reason) for c in summary.changes] == [("terminated", "Rahoitus päättyi.")]


def test_officers_and_auditors_see_the_framework_and_others_do_not(framework, officer, member_a, other_authority):
    auditor = factories.auditor(framework.tender.authority)
    outsider = factories.officer_of(other_authority)
    assert list(frameworks_visible(user=officer)) == list(frameworks_visible(user=auditor))
    assert framework in list(frameworks_visible(user=auditor))
    assert framework_summary(user=auditor, framework_id=framework.pk).framework == framework
    assert framework not in list(frameworks_visible(user=outsider))
    with pytest.raises(NotFound):
        framework_summary(user=outsider, framework_id=framework.pk)


def test_a_provider_sees_only_its_own_rank_price_and_orders(framework, member_a, member_b):
    first, second = _pair(framework)
    mine = order_record(framework, first, students=5)
    order_record(framework, second, students=7)
    stranger = third_member()

    views = provider_frameworks(user=member_a)  # both lots' frameworks

    assert {v.member.provider_id for v in views} == {first.provider_id}
    here = [v for v in views if v.framework == framework]
    assert [v.member for v in here] == [first]
    assert here[0].orders == [mine]
    assert frameworks_visible(user=stranger).count() == 0
    with pytest.raises(NotFound):
        framework_summary(user=member_a, framework_id=framework.pk)


def test_the_workbook_has_the_summary_orders_steps_and_changes(framework, officer):
    first, second = _pair(framework)
    order_record(framework, second, students=3, passed_over=[(first, "expired", "")])
    framework_member_capacity_set(
        actor=officer, framework_id=framework.pk, member_id=first.pk, capacity=4, reason="=HYPERLINK(1)"
    )

    with translation.override("en"):
        content = framework_workbook(framework_summary(user=officer, framework_id=framework.pk))
    workbook = load_workbook(io.BytesIO(content))

    assert workbook.sheetnames == ["Summary", "Orders", "Steps", "Changes"]
    summary_rows = list(workbook["Summary"].iter_rows(values_only=True))
    assert ("Maximum value", 500000) in [(r[0], r[1]) for r in summary_rows]
    assert any(r[1] == first.provider.name and r[3] == 4 for r in summary_rows)
    orders = list(workbook["Orders"].iter_rows(min_row=2, values_only=True))
    assert [(o[0], o[2], o[4]) for o in orders] == [(1, second.provider.name, 3)]
    steps = list(workbook["Steps"].iter_rows(min_row=2, values_only=True))
    assert [(s[1], s[2]) for s in steps] == [(1, first.provider.name), (2, second.provider.name)]
    change = next(iter(workbook["Changes"].iter_rows(min_row=2, values_only=True)))
    assert change[3] == "=HYPERLINK(1)"
    assert workbook["Changes"]["D2"].data_type == "s"
