"""Statutory periods (150/1930) against hand-worked cases, with the Finnish holiday calendar."""

from datetime import date
from decimal import Decimal

from procurement.periods import is_working_day, period_end, working_days_after
from procurement.rules import Regime, rules_on


def test_plain_period_of_fourteen_days():
    # notified Monday 2.11.2026; the day itself is not counted → Monday 16.11.2026
    assert period_end(date(2026, 11, 2), 14) == date(2026, 11, 16)


def test_period_ending_on_midsummer_eve_moves_to_monday():
    # 5.6.2026 + 14 = Friday 19.6.2026, Midsummer Eve → Sat Midsummer Day, Sun → Monday 22.6.2026
    assert period_end(date(2026, 6, 5), 14) == date(2026, 6, 22)


def test_period_ending_on_christmas_eve_moves_past_christmas():
    # 10.12.2026 + 14 = Thursday 24.12 (Christmas Eve) → 25.12, 26.12 holidays, 27.12 Sunday → Monday 28.12.2026
    assert period_end(date(2026, 12, 10), 14) == date(2026, 12, 28)


def test_period_ending_on_easter_monday_moves_to_tuesday():
    # Easter 2027 is 28.3; 15.3.2027 + 14 = Monday 29.3.2027, Easter Monday → Tuesday 30.3.2027
    assert period_end(date(2027, 3, 15), 14) == date(2027, 3, 30)


def test_weekend_is_not_a_working_day():
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 12, 6))  # Independence Day, a Sunday
    assert is_working_day(date(2026, 11, 27))


def test_regime_follows_the_dated_thresholds():
    rules = rules_on(date(2026, 11, 27))
    assert rules.regime_for(Decimal("399999.99")) == Regime.SMALL
    assert rules.regime_for(Decimal("400000")) == Regime.NATIONAL
    assert rules.regime_for(Decimal("750000")) == Regime.EU


def test_a_period_counts_from_the_finnish_day_of_the_sending_across_a_dst_change():
    from datetime import UTC, datetime

    from evaluation.periods import periods_from
    from procurement.periods import local_date

    # Sent at 22:30 UTC on Saturday 28.3.2026: already Sunday 29.3 in Helsinki, the day summer time begins.
    sent = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)
    assert local_date(sent) == date(2026, 3, 29)
    periods = periods_from(local_date(sent), Regime.EU)
    # 29.3 + 14 = Sunday 12.4.2026 → Monday 13.4 (Easter Monday was a week earlier, 6.4)
    assert periods.standstill_ends_on == date(2026, 4, 13)
    # The Market Court's 16:15 on the last day is in summer time: 13:15 UTC.
    assert periods.appeal_deadline.astimezone(UTC) == datetime(2026, 4, 13, 13, 15, tzinfo=UTC)
    # In October the clocks go back: 16:15 on Monday 9.11.2026 is 14:15 UTC.
    autumn = periods_from(date(2026, 10, 26), Regime.EU)
    assert autumn.appeal_ends_on == date(2026, 11, 9)
    assert autumn.appeal_deadline.astimezone(UTC) == datetime(2026, 11, 9, 14, 15, tzinfo=UTC)


def test_a_small_procurement_has_no_standstill_but_a_self_correction_period():
    from evaluation.periods import periods_from

    # A municipality's decision e-mailed on Monday 2.11.2026 is deemed received on the 3rd day, Thursday 5.11;
    # 14 days from there: Thursday 19.11 (the old rule counted from the sending: 16.11).
    periods = periods_from(date(2026, 11, 2), Regime.SMALL, authority_kind="municipality")
    assert periods.standstill_ends_on is None and periods.appeal_deadline is None
    assert periods.received_on == date(2026, 11, 5)
    assert periods.self_correction_ends_on == date(2026, 11, 19)


def test_working_days_after_skip_weekends():
    # offered Thursday 3.12.2026: Friday 4.12, Monday 7.12, Tuesday 8.12
    assert working_days_after(date(2026, 12, 3), 1) == date(2026, 12, 4)
    assert working_days_after(date(2026, 12, 3), 3) == date(2026, 12, 8)


def test_working_days_after_skip_christmas():
    # offered Wednesday 23.12.2026: Christmas Eve, Christmas Day and the weekend are not working days
    assert working_days_after(date(2026, 12, 23), 1) == date(2026, 12, 28)
    assert working_days_after(date(2026, 12, 23), 3) == date(2026, 12, 30)


def test_working_days_after_skip_independence_day():
    # offered Friday 3.12.2027: Independence Day is Monday 6.12.2027
    assert working_days_after(date(2027, 12, 3), 1) == date(2027, 12, 7)


def test_working_days_after_counts_from_a_day_off():
    # offered on Saturday 5.12.2026: the next working day is Monday 7.12
    assert working_days_after(date(2026, 12, 5), 1) == date(2026, 12, 7)
