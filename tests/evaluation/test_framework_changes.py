"""The recorded decisions of a framework agreement after its conclusion: options and the four years, a provider
leaving and the next-ranked bidder joining, a price index adjustment, capacity, the early end."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from evaluation.framework_changes import (
    MAX_CAPACITY,
    framework_member_capacity_set,
    framework_member_leave,
    framework_member_replace,
    framework_option_decide,
    framework_price_adjust,
    framework_terminate,
)
from evaluation.frameworks import term_end
from evaluation.models import CallOffStatus, FrameworkChange, FrameworkMember, FrameworkStatus
from procurement.audit import AuditEvent
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.models import Notification, Timer
from procurement.notifications import notification_deliver
from tests.fixtures import factories
from tests.fixtures.framework_orders import order_record
from tests.fixtures.frameworks import signed_framework, third_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework(authority, officer, member_a, member_b):
    """Three providers of four bidders (the fourth, the dearest, is next in line); 24 months and a 12-month option."""
    return signed_framework(
        authority=authority,
        officer=officer,
        bidders=[(member_a, "9000"), (member_b, "9500"), (third_member(), "9900"), (third_member(), "9950")],
    )


def _members(framework) -> list[FrameworkMember]:
    return list(framework.members.select_related("provider").order_by("rank"))


def _body(notification) -> str:
    """The e-mail the notification sends, in its recipient's language."""
    mail.outbox.clear()
    assert notification_deliver(notification_id=notification.pk) == "sent"
    return mail.outbox[-1].body


def _timer_due(framework):
    return Timer.objects.get(kind="framework.end", key=f"framework:{framework.pk}", done_at__isnull=True).due_at


def _prices_adjusted(framework, officer, *, percent=Decimal("2.5"), reason="Sopimuksen hintaehto.", effective_on=None):
    """The framework's prices adjusted by `percent` of the earnings level index from `effective_on` (today)."""
    return framework_price_adjust(
        actor=officer,
        framework_id=framework.pk,
        percent=percent,
        index_name="Ansiotasoindeksi",
        reason=reason,
        effective_on=timezone.localdate() if effective_on is None else effective_on,
    )


def test_exercising_the_option_extends_the_term_and_moves_the_end_timer(framework, officer):
    option = framework.options.get()
    before, timer_before = framework.ends_on, _timer_due(framework)

    change = framework_option_decide(
        actor=officer, framework_id=framework.pk, option_id=option.pk, exercise=True, reason="Tarve jatkuu."
    )

    framework.refresh_from_db()
    option.refresh_from_db()
    assert framework.ends_on == term_end(before + timedelta(days=1), 12)
    assert option.state == "exercised"
    assert _timer_due(framework) > timer_before
    assert change.number == 1 and change.kind == FrameworkChange.Kind.OPTION_EXERCISED
    assert change.details["ends_on"] == [before.isoformat(), framework.ends_on.isoformat()]
    assert AuditEvent.objects.filter(action="framework.option_exercised", object_id=str(framework.pk)).exists()
    told = Notification.objects.filter(kind="framework.option_exercised")
    providers = set(told.values_list("provider_id", flat=True))
    assert providers == {m.provider_id for m in _members(framework)}


def test_declining_the_option_keeps_the_term(framework, officer):
    option = framework.options.get()
    before = framework.ends_on
    framework_option_decide(
        actor=officer, framework_id=framework.pk, option_id=option.pk, exercise=False, reason="Ei tarvetta."
    )
    framework.refresh_from_db()
    option.refresh_from_db()
    assert framework.ends_on == before and option.state == "declined"


def test_an_option_is_decided_only_once(framework, officer):
    option = framework.options.get()
    framework_option_decide(actor=officer, framework_id=framework.pk, option_id=option.pk, exercise=False, reason="x")
    with pytest.raises(Conflict) as refused:
        framework_option_decide(
            actor=officer, framework_id=framework.pk, option_id=option.pk, exercise=True, reason="y"
        )
    assert refused.value.code == "option_decided"


def _framework_of_four_years_and_an_option(authority, officer, member_a, *, reason):
    """A's framework of 40 months with an option of 12: exercising it goes beyond four years, allowed only with the
    especially justified `reason`."""
    return signed_framework(
        authority=authority,
        officer=officer,
        bidders=[(member_a, "9000")],
        contract_months=40,
        option_months=12,
        framework_long_term_reason=reason,
    )


def test_an_option_beyond_four_years_is_refused_without_a_reason(authority, officer, member_a):
    framework = _framework_of_four_years_and_an_option(authority, officer, member_a, reason="")
    option = framework.options.get()
    with pytest.raises(Conflict) as refused:
        framework_option_decide(
            actor=officer, framework_id=framework.pk, option_id=option.pk, exercise=True, reason="Jatko."
        )
    assert refused.value.code == "framework_too_long"
    option.refresh_from_db()
    assert option.state == "open"


def test_an_option_beyond_four_years_is_allowed_with_the_especially_justified_reason(authority, officer, member_a):
    framework = _framework_of_four_years_and_an_option(
        authority, officer, member_a, reason="Koulutusten kesto ja investoinnit edellyttävät pidempää kautta."
    )
    option = framework.options.get()
    framework_option_decide(actor=officer, framework_id=framework.pk, option_id=option.pk, exercise=True, reason="x")
    framework.refresh_from_db()
    assert framework.ends_on == term_end(framework.starts_on, 52)


def test_an_option_of_an_ended_framework_is_refused(framework, officer):
    framework_terminate(actor=officer, framework_id=framework.pk, reason="Rahoitus päättyi.")
    with pytest.raises(Conflict) as refused:
        framework_option_decide(
            actor=officer, framework_id=framework.pk, option_id=framework.options.get().pk, exercise=True, reason="x"
        )
    assert refused.value.code == "framework_not_active"


def test_a_decision_needs_its_reason(framework, officer):
    with pytest.raises(ValidationFailed) as refused:
        framework_option_decide(
            actor=officer, framework_id=framework.pk, option_id=framework.options.get().pk, exercise=True, reason=" "
        )
    assert refused.value.errors["reason"][0]["code"] == "required"


def test_a_bilingual_authority_gives_its_reason_in_swedish_too(bilingual, officer, member_a):
    framework = signed_framework(authority=bilingual, officer=officer, bidders=[(member_a, "9000")])
    with pytest.raises(ValidationFailed) as refused:
        framework_terminate(actor=officer, framework_id=framework.pk, reason="Rahoitus päättyi.")
    assert "reason_sv" in refused.value.errors
    change = framework_terminate(
        actor=officer, framework_id=framework.pk, reason="Rahoitus päättyi.", reason_sv="Finansieringen upphörde."
    )
    assert change.reason_sv == "Finansieringen upphörde."


def test_a_provider_leaves_from_the_day_given(framework, officer):
    first = _members(framework)[0]
    day = timezone.localdate()
    change = framework_member_leave(
        actor=officer, framework_id=framework.pk, member_id=first.pk, reason="Konkurssi.", effective_on=day
    )
    first.refresh_from_db()
    assert first.left_on == day
    assert change.kind == FrameworkChange.Kind.MEMBER_LEFT and change.member == first


@pytest.mark.parametrize("later", [timedelta(days=1), timedelta(days=90), None])
def test_a_leaving_in_the_future_is_refused_and_the_provider_keeps_its_rank(framework, officer, later):
    first = _members(framework)[0]
    day = timezone.localdate() + later if later else date(9999, 12, 31)
    with pytest.raises(ValidationFailed) as refused:
        framework_member_leave(
            actor=officer, framework_id=framework.pk, member_id=first.pk, reason="Konkurssi.", effective_on=day
        )
    assert refused.value.errors["effective_on"][0]["code"] == "in_future"
    first.refresh_from_db()
    assert first.left_on is None and not framework.changes.exists()
    assert not Notification.objects.filter(kind="framework.member_left").exists()


def test_a_leaving_before_the_framework_started_is_refused(framework, officer):
    first = _members(framework)[0]
    with pytest.raises(ValidationFailed) as refused:
        framework_member_leave(
            actor=officer,
            framework_id=framework.pk,
            member_id=first.pk,
            reason="Konkurssi.",
            effective_on=framework.starts_on - timedelta(days=1),
        )
    assert refused.value.errors["effective_on"][0]["code"] == "before_start"
    first.refresh_from_db()
    assert first.left_on is None


def test_a_leaving_is_told_only_to_the_provider_that_leaves(framework, officer):
    first = _members(framework)[0]
    framework_member_leave(
        actor=officer,
        framework_id=framework.pk,
        member_id=first.pk,
        reason="Sopimusrikkomus B:n tiloissa.",
        effective_on=timezone.localdate(),
    )
    told = Notification.objects.filter(kind="framework.member_left")
    assert [n.provider_id for n in told] == [first.provider_id]


def test_a_provider_with_an_order_waiting_for_its_reply_cannot_leave(framework, officer):
    first = _members(framework)[0]
    order_record(framework, first, status=CallOffStatus.OFFERED)
    with pytest.raises(Conflict) as refused:
        framework_member_leave(
            actor=officer,
            framework_id=framework.pk,
            member_id=first.pk,
            reason="Konkurssi.",
            effective_on=timezone.localdate(),
        )
    assert refused.value.code == "member_has_pending_orders"


def test_the_next_ranked_bidder_replaces_a_provider_that_left(framework, officer):
    members = _members(framework)
    framework_member_leave(
        actor=officer,
        framework_id=framework.pk,
        member_id=members[1].pk,
        reason="Sopimusrikkomus.",
        effective_on=timezone.localdate(),
    )

    change = framework_member_replace(actor=officer, framework_id=framework.pk, reason="Seuraava vertailussa.")

    joined = change.member
    assert joined.rank == 4 and joined.unit_price == Decimal("9950.00")
    assert joined.provider_id not in {m.provider_id for m in members}
    assert change.details["award_rank"] == 4
    assert framework.members.filter(left_on__isnull=True).count() == 3


def test_the_provider_that_joins_is_told_its_rank_and_no_one_else_is(framework, officer):
    members = _members(framework)
    framework_member_leave(
        actor=officer, framework_id=framework.pk, member_id=members[1].pk, reason="x", effective_on=timezone.localdate()
    )
    change = framework_member_replace(actor=officer, framework_id=framework.pk, reason="Seuraava vertailussa.")

    told = list(Notification.objects.filter(kind="framework.member_added"))
    assert [n.provider_id for n in told] == [change.member.provider_id]
    assert told[0].payload["rank"] == 4
    expected = {"fi": "sijalle 4", "sv": "plats 4"}.get(told[0].language, "rank 4")
    assert expected in _body(told[0])


def test_no_replacement_while_the_framework_has_all_its_providers(framework, officer):
    with pytest.raises(Conflict) as refused:
        framework_member_replace(actor=officer, framework_id=framework.pk, reason="x")
    assert refused.value.code == "no_vacancy"


def test_no_replacement_when_no_bidder_is_left(authority, officer, member_a, member_b):
    # two bidders for three places: no one else to take a place
    framework = signed_framework(authority=authority, officer=officer, bidders=[(member_a, "9000"), (member_b, "9100")])
    first = _members(framework)[0]
    framework_member_leave(
        actor=officer, framework_id=framework.pk, member_id=first.pk, reason="x", effective_on=timezone.localdate()
    )
    with pytest.raises(Conflict) as refused:
        framework_member_replace(actor=officer, framework_id=framework.pk, reason="x")
    assert refused.value.code == "no_next_bidder"


def test_a_price_index_adjustment_changes_every_active_providers_price_but_not_orders_made(framework, officer):
    members = _members(framework)
    order = order_record(framework, members[0])

    change = _prices_adjusted(framework, officer)

    assert [m.unit_price for m in _members(framework)] == [Decimal("9225.00"), Decimal("9737.50"), Decimal("10147.50")]
    assert change.details["unit_price"][members[0].provider.name] == ["9000.00", "9225.00"]
    order.refresh_from_db(fields=["unit_price", "value"])
    assert order.unit_price == Decimal("9000.00")


def test_a_price_adjustment_effective_in_the_future_is_refused_and_changes_nothing(framework, officer):
    prices = [m.unit_price for m in _members(framework)]
    with pytest.raises(ValidationFailed) as refused:
        _prices_adjusted(framework, officer, effective_on=timezone.localdate() + timedelta(days=90))
    assert refused.value.errors["effective_on"][0]["code"] == "in_future"
    assert [m.unit_price for m in _members(framework)] == prices
    assert not framework.changes.exists()
    assert not Notification.objects.filter(kind="framework.price_index").exists()


def test_a_price_adjustment_before_the_framework_started_is_refused(framework, officer):
    with pytest.raises(ValidationFailed) as refused:
        _prices_adjusted(framework, officer, reason="x", effective_on=framework.starts_on - timedelta(days=1))
    assert refused.value.errors["effective_on"][0]["code"] == "before_start"
    assert not framework.changes.exists()


def test_a_price_adjustment_is_told_to_every_provider_with_the_day_in_the_finnish_form(framework, officer):
    _prices_adjusted(framework, officer)
    told = list(Notification.objects.filter(kind="framework.price_index"))
    assert {n.provider_id for n in told} == {m.provider_id for m in _members(framework)}
    body = _body(told[0])
    assert timezone.localdate().strftime("%d.%m.%Y") in body
    assert timezone.localdate().isoformat() not in body


@pytest.mark.parametrize("percent", ["20.01", "-25", "0"])
def test_a_price_adjustment_beyond_the_sanity_bound_is_refused(framework, officer, percent):
    with pytest.raises(ValidationFailed) as refused:
        _prices_adjusted(framework, officer, percent=Decimal(percent), reason="x")
    assert refused.value.errors["percent"][0]["code"] == "out_of_range"


def test_a_providers_capacity_is_recorded(framework, officer):
    first = _members(framework)[0]
    change = framework_member_capacity_set(
        actor=officer, framework_id=framework.pk, member_id=first.pk, capacity=3, reason="Tarjoajan ilmoitus."
    )
    first.refresh_from_db()
    assert first.capacity == 3 and change.details["capacity"] == [None, 3]


def test_a_capacity_beyond_the_bound_is_refused(framework, officer):
    first = _members(framework)[0]
    with pytest.raises(ValidationFailed) as refused:
        framework_member_capacity_set(
            actor=officer, framework_id=framework.pk, member_id=first.pk, capacity=3_000_000_000, reason="x"
        )
    assert refused.value.errors["capacity"][0]["code"] == "max_value"
    first.refresh_from_db()
    assert first.capacity is None and not framework.changes.exists()
    framework_member_capacity_set(
        actor=officer, framework_id=framework.pk, member_id=first.pk, capacity=MAX_CAPACITY, reason="x"
    )
    first.refresh_from_db()
    assert first.capacity == MAX_CAPACITY


def test_a_capacity_change_and_its_reason_are_told_only_to_that_provider(framework, officer):
    members = _members(framework)
    framework_member_capacity_set(
        actor=officer, framework_id=framework.pk, member_id=members[1].pk, capacity=2, reason="Henkilöstöpula."
    )
    told = list(Notification.objects.filter(kind="framework.capacity"))
    assert [n.provider_id for n in told] == [members[1].provider_id]
    assert (
        not Notification.objects.filter(payload__reason="Henkilöstöpula.")
        .exclude(provider_id=members[1].provider_id)
        .exists()
    )


def test_each_provider_reads_the_reason_in_its_own_language(bilingual, officer, member_a, member_b):
    framework = signed_framework(authority=bilingual, officer=officer, bidders=[(member_a, "9000"), (member_b, "9500")])
    first, second = _members(framework)
    second.provider.preferred_language = "sv"
    second.provider.save(update_fields=["preferred_language"])
    framework_terminate(
        actor=officer, framework_id=framework.pk, reason="Rahoitus päättyi.", reason_sv="Finansieringen upphörde."
    )
    told = {n.provider_id: n for n in Notification.objects.filter(kind="framework.terminated")}
    assert told[first.provider_id].payload["reason"] == "Rahoitus päättyi."
    assert told[second.provider_id].payload["reason"] == "Finansieringen upphörde."
    body = _body(told[second.provider_id])
    assert "Finansieringen upphörde." in body and "Rahoitus" not in body


def test_a_one_language_authority_sends_its_main_reason_to_a_swedish_provider(framework, officer):
    second = _members(framework)[1]
    second.provider.preferred_language = "sv"
    second.provider.save(update_fields=["preferred_language"])
    framework_terminate(actor=officer, framework_id=framework.pk, reason="Rahoitus päättyi.", reason_sv="Annat.")
    told = Notification.objects.get(kind="framework.terminated", provider_id=second.provider_id)
    assert told.payload["reason"] == "Rahoitus päättyi."


def test_terminating_ends_the_framework_and_its_timer(framework, officer):
    framework_terminate(actor=officer, framework_id=framework.pk, reason="Rahoitus päättyi.")
    framework.refresh_from_db()
    assert framework.status == FrameworkStatus.TERMINATED and framework.end_reason == "Rahoitus päättyi."
    assert not Timer.objects.filter(
        kind="framework.end", key=f"framework:{framework.pk}", done_at__isnull=True
    ).exists()
    assert framework.changes.get().kind == FrameworkChange.Kind.TERMINATED


def test_concluding_tells_each_provider_its_rank(framework):
    notes = Notification.objects.filter(kind="framework.concluded")
    assert {(n.provider_id, n.payload["rank"]) for n in notes} == {(m.provider_id, m.rank) for m in _members(framework)}


def test_the_frameworks_provider_and_auditor_are_refused_and_others_do_not_see_it(
    framework, member_a, other_authority, auditor_user
):
    outsider = factories.officer_of(other_authority)
    stranger = factories.provider_member_of(factories.ProviderFactory())
    auditor = factories.auditor(framework.tender.authority)
    for user, error in ((member_a, Forbidden), (auditor, Forbidden), (outsider, NotFound), (stranger, NotFound)):
        with pytest.raises(error):
            framework_terminate(actor=user, framework_id=framework.pk, reason="x")
    framework.refresh_from_db()
    assert framework.status == FrameworkStatus.ACTIVE
