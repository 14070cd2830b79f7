"""Amounts of money as the reader's locale writes them: 420 000,00 € in Finnish and Swedish."""

from contextlib import nullcontext
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import translation
from django.utils.formats import number_format

CENT = Decimal("0.01")
# Django's Finnish and Swedish formats group thousands with a no-break space (U+00A0) and use a decimal comma; the
# euro sign follows after the same no-break space, so an amount never breaks across lines.
NO_BREAK_SPACE = "\xa0"


def format_money(value, *, language: str | None = None, currency: bool = True) -> str:
    """The amount in euros with two decimals (rounded half up), grouped as the active or given language groups;
    without the euro sign where the sentence around it has one."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(value)
    with translation.override(language) if language else nullcontext():
        number = number_format(amount, 2, use_l10n=True, force_grouping=True)
    return f"{number}{NO_BREAK_SPACE}€" if currency else number


def format_number(value, *, decimals: int | None = None, language: str | None = None) -> str:
    """A number as the active or given language writes it (13,5 and 1 200 in Finnish and Swedish, 1,200 in
    English): with the given number of decimals, or with as many as it has (trailing zeros dropped)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if decimals is None:
        number = number.normalize()
        places = max(0, -number.as_tuple().exponent)
    else:
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        places = decimals
    with translation.override(language) if language else nullcontext():
        return number_format(number, places, use_l10n=True, force_grouping=True)


def format_percent(value, *, language: str | None = None) -> str:
    """A percentage: 13,5 % in Finnish and Swedish, 13.5% in English."""
    number = format_number(value, language=language)
    if not number:
        return ""
    with translation.override(language) if language else nullcontext():
        english = (translation.get_language() or "fi")[:2] == "en"
    return f"{number}%" if english else f"{number}{NO_BREAK_SPACE}%"
