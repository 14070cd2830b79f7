"""Statutory time limits under the Act on the Calculation of Statutory Time Limits (150/1930)."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

HELSINKI = ZoneInfo("Europe/Helsinki")


@lru_cache(maxsize=16)
def _finnish_holidays(year: int) -> holidays.HolidayBase:
    # The Finnish calendar of the holidays package includes Midsummer Eve and Christmas Eve,
    # on which, by law, a period cannot end either.
    return holidays.Finland(years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _finnish_holidays(day.year)


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def period_end(start: date, days: int) -> date:
    """Last day of a period of `days` days from the event on `start`; the start day is not counted."""
    return next_working_day(start + timedelta(days=days))


def local_date(moment: datetime) -> date:
    return moment.astimezone(HELSINKI).date()


def at_local_time(day: date, hhmm: str) -> datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=HELSINKI)
