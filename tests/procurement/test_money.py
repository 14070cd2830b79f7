"""Amounts are written as the reader's language groups them."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from procurement.money import format_money


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (Decimal("420000"), "fi", "420\xa0000,00\xa0€"),
        (Decimal("420000"), "sv", "420\xa0000,00\xa0€"),
        (Decimal("420000"), "en", "420,000.00\xa0€"),
        ("1234567.005", "fi", "1\xa0234\xa0567,01\xa0€"),  # rounded half up, not cut
        (Decimal("999.5"), "sv", "999,50\xa0€"),
        (None, "fi", ""),
    ],
)
def test_amounts_follow_the_languages_grouping(value, language, expected):
    assert format_money(value, language=language) == expected


def test_templates_write_amounts_with_the_money_filter_in_the_active_language():
    with translation.override("sv"):
        assert Template("{{ amount|money }}").render(Context({"amount": 420000})) == "420\xa0000,00\xa0€"


def test_a_sentence_with_its_own_euro_sign_gets_the_number_alone():
    assert format_money(Decimal("50000"), language="fi", currency=False) == "50\xa0000,00"
