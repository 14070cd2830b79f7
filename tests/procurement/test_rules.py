"""Which rules apply: the CPV code's Annex E item (or the standard regime), then the value, as dated data."""

from datetime import date
from decimal import Decimal

import pytest

from procurement.rules import RULE_SETS, Category, Regime, rules_on

TODAY_RULES = rules_on(date(2026, 12, 3))


@pytest.mark.parametrize(
    ("cpv", "category", "item"),
    [
        ("80400000-8", Category.ANNEX_E_1_4, 2),  # adult education, the usual main code
        ("80000000-4", Category.ANNEX_E_1_4, 2),  # education and training, the top of the range
        ("80580000-3", Category.ANNEX_E_1_4, 2),  # language courses
        ("80660000-8", Category.ANNEX_E_1_4, 2),  # the end of the range
        ("80533100-0", Category.STANDARD, None),  # computer training is kept out of the range
        ("85310000-5", Category.ANNEX_E_1_4, 1),  # social work services
        ("55100000-1", Category.ANNEX_E_5_15, 7),  # hotel services
        ("79100000-5", Category.ANNEX_E_5_15, 8),  # legal services
        ("79632000-3", Category.STANDARD, None),  # personnel training: outside Annex E
        ("72000000-5", Category.STANDARD, None),
    ],
)
def test_the_main_cpv_code_places_the_service_in_an_annex_e_item_or_the_standard_regime(cpv, category, item):
    classification = TODAY_RULES.classify(Decimal("1000"), cpv)

    assert (classification.category, classification.annex_e_item) == (category, item)


def test_annex_e_items_1_to_4_have_400_000_and_the_light_regime_750_000():
    def regime(value):
        return TODAY_RULES.classify(Decimal(value), "80400000-8").regime

    assert regime("399999.99") == Regime.SMALL
    assert regime("400000") == Regime.NATIONAL
    assert regime("749999.99") == Regime.NATIONAL
    assert regime("750000") == Regime.EU
    national = TODAY_RULES.classify(Decimal("400000"), "80400000-8")
    assert (national.notice, national.award_notice, national.standstill) == ("E3", "E4", True)
    eu = TODAY_RULES.classify(Decimal("750000"), "80400000-8")
    assert (eu.notice, eu.award_notice) == ("20", "33")
    small = TODAY_RULES.classify(Decimal("399999.99"), "80400000-8")
    assert (small.notice, small.standstill) == ("", False)


def test_annex_e_items_5_to_15_have_300_000():
    assert TODAY_RULES.classify(Decimal("299999.99"), "55100000-1").regime == Regime.SMALL
    assert TODAY_RULES.classify(Decimal("300000"), "55100000-1").regime == Regime.NATIONAL


def test_personnel_training_outside_annex_e_at_100_000_is_above_the_standard_national_threshold():
    # 79632000-3 is not in Annex E: the standard regime's 60 000 € applies, not the 400 000 € of education.
    classification = TODAY_RULES.classify(Decimal("100000"), "79632000-3")

    assert classification.category == Category.STANDARD
    assert classification.regime == Regime.NATIONAL
    assert classification.national_threshold == Decimal("60000")
    assert classification.notice == "E3" and classification.standstill
    # The same value under the education code stays a small procurement.
    assert TODAY_RULES.classify(Decimal("100000"), "80400000-8").regime == Regime.SMALL


def test_the_standard_eu_threshold_is_lower_for_central_government():
    # From 1.1.2026: 216 000 € for other authorities, 140 000 € for central government (state authorities).
    assert TODAY_RULES.classify(Decimal("150000"), "79632000-3").regime == Regime.NATIONAL
    central = TODAY_RULES.classify(Decimal("150000"), "79632000-3", central_government=True)
    assert central.regime == Regime.EU and central.eu_threshold == Decimal("140000")
    assert (central.notice, central.award_notice) == ("16", "29")
    assert TODAY_RULES.classify(Decimal("216000"), "79632000-3").regime == Regime.EU


def test_the_standard_eu_thresholds_are_dated():
    # 218 000 € of personnel training: below the 221 000 € of 2024-2025, above the 216 000 € of 2026-2027.
    assert rules_on(date(2025, 6, 1)).classify(Decimal("218000"), "79632000-3").regime == Regime.NATIONAL
    assert rules_on(date(2026, 6, 1)).classify(Decimal("218000"), "79632000-3").regime == Regime.EU
    assert [r.valid_from for r in RULE_SETS] == sorted(r.valid_from for r in RULE_SETS)


def test_the_main_code_decides_and_an_additional_code_of_another_category_is_reported():
    classification = TODAY_RULES.classify(Decimal("100000"), "80400000-8", ["80580000-3", "79632000-3"])

    assert classification.category == Category.ANNEX_E_1_4 and classification.regime == Regime.SMALL
    assert classification.other_categories == (("79632000-3", "standard"),)


def test_regime_for_by_value_alone_keeps_the_education_code():
    assert TODAY_RULES.regime_for(Decimal("400000")) == Regime.NATIONAL
    assert TODAY_RULES.regime_for(Decimal("100000"), "79632000-3") == Regime.NATIONAL
