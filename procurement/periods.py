"""Statutory time limits under the Act on the Calculation of Statutory Time Limits (150/1930)."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils.dates import WEEKDAYS
from django.utils.translation import get_language

HELSINKI = ZoneInfo("Europe/Helsinki")


@lru_cache(maxsize=16)
def _finnish_holidays(year: int) -> holidays.HolidayBase:
    # The Finnish calendar of the holidays package includes Midsummer Eve and Christmas Eve,
    # on which, by law, a period cannot end either.
    return holidays.Finland(years=year)


@lru_cache(maxsize=32)
def _holiday_names(year: int, language: str) -> holidays.HolidayBase:
    return holidays.Finland(years=year, language=language)


# The holidays package's Finnish calendar speaks Finnish, Finland-Swedish and American English.
HOLIDAY_LANGUAGES = {"fi": "fi", "sv": "sv_FI", "en": "en_US"}


def day_off_name(day: date) -> str | None:
    """Why `day` is not a working day, in the active language (a holiday's name, Midsummer Eve and Christmas Eve
    included, or the day of the week), or None on a working day."""
    if is_working_day(day):
        return None
    language = HOLIDAY_LANGUAGES.get((get_language() or "fi")[:2], "fi")
    return _holiday_names(day.year, language).get(day) or str(WEEKDAYS[day.weekday()])


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _finnish_holidays(day.year)


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_days_after(day: date, n: int) -> date:
    """The `n`th working day after `day` (the day itself is not counted; weekends and Finnish holidays, Midsummer
    Eve and Christmas Eve included, are skipped): a reply due in three working days from Wednesday 23.12.2026 is due
    on Wednesday 30.12.2026."""
    for _ in range(n):
        day = next_working_day(day + timedelta(days=1))
    return day


def period_end(start: date, days: int) -> date:
    """Last day of a period of `days` days from the event on `start`; the start day is not counted."""
    return next_working_day(start + timedelta(days=days))


def local_date(moment: datetime) -> date:
    return moment.astimezone(HELSINKI).date()


def at_local_time(day: date, hhmm: str) -> datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=HELSINKI)
