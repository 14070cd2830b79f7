"""Hilma's statistics questions: what each notice type asks, the follow-ups, the checks and what is unanswered."""

from decimal import Decimal

import pytest

from procurement.errors import ValidationFailed
from tenders.statistics import (
    KEYS,
    statistics_asked,
    statistics_check,
    statistics_errors,
    tender_statistics_missing,
    tender_statistics_payload,
)
from tests.fixtures import factories

BASE = [key for key in KEYS if key not in ("listedGreenCriteriaUsed", "howManyOpportunitiesIsEstimated")]


def test_a_national_notice_asks_every_main_question_but_the_service_users_one():
    assert statistics_asked({}, notice="E3") == [key for key in BASE if key != "endUserInvolved"]


def test_the_light_regime_notices_also_ask_about_service_users():
    assert "endUserInvolved" in statistics_asked({}, notice="20")
    assert "endUserInvolved" in statistics_asked({}, notice="33")
    assert "endUserInvolved" not in statistics_asked({}, notice="E4")


def test_nothing_is_asked_without_a_notice():
    assert statistics_asked({"lowCarbon": True}, notice="") == []


@pytest.mark.parametrize("environmental", ["energyEfficiencyConsidered", "lowCarbon", "biodiversity"])
def test_a_yes_to_an_environmental_question_asks_for_the_green_criteria(environmental):
    assert "listedGreenCriteriaUsed" not in statistics_asked({environmental: False}, notice="E3")
    assert "listedGreenCriteriaUsed" in statistics_asked({environmental: True}, notice="E3")


def test_a_yes_to_the_employment_condition_asks_for_the_number_of_jobs():
    assert "howManyOpportunitiesIsEstimated" not in statistics_asked({"employmentCondition": False}, notice="E3")
    assert "howManyOpportunitiesIsEstimated" in statistics_asked({"employmentCondition": True}, notice="E3")


@pytest.mark.parametrize(
    ("answers", "notice", "code"),
    [
        ("yes", "E3", "invalid_statistics"),
        ({"greenWashing": True}, "E3", "unknown_statistics_question"),
        ({"lowCarbon": "kyllä"}, "E3", "invalid_answer"),
        ({"lowCarbon": 1}, "E3", "invalid_answer"),
        ({"employmentCondition": True, "howManyOpportunitiesIsEstimated": -1}, "E3", "invalid_number"),
        ({"employmentCondition": True, "howManyOpportunitiesIsEstimated": True}, "E3", "invalid_number"),
        ({"employmentCondition": True, "howManyOpportunitiesIsEstimated": "3"}, "E3", "invalid_number"),
        ({"lowCarbon": False, "listedGreenCriteriaUsed": True}, "E3", "statistics_not_asked"),
        ({"employmentCondition": False, "howManyOpportunitiesIsEstimated": 2}, "E3", "statistics_not_asked"),
        ({"endUserInvolved": True}, "E3", "statistics_not_asked"),
        ({"lowCarbon": True}, "", "statistics_not_asked"),
    ],
)
def test_wrong_answers_are_refused_with_a_stable_code(answers, notice, code):
    assert [error["code"] for error in statistics_errors(answers, notice=notice)] == [code]
    with pytest.raises(ValidationFailed) as refused:
        statistics_check(answers, notice=notice)
    assert refused.value.errors["hilma_statistics"][0]["code"] == code


def test_follow_ups_answered_after_a_yes_and_nulls_are_accepted():
    answers = {
        "circularEconomy": True,
        "listedGreenCriteriaUsed": False,
        "employmentCondition": True,
        "howManyOpportunitiesIsEstimated": 0,
        "endUserInvolved": True,
        "codeOfConduct": None,
    }
    assert statistics_errors(answers, notice="20") == []


def test_the_factorys_call_has_every_answer_its_national_notice_asks(db):
    tender = factories.TenderFactory()
    assert tender_statistics_missing(tender) == []


def test_missing_answers_are_named_for_the_calls_notice_type(db):
    # given a call above the EU light-regime threshold (notice 20) with two answers
    tender = factories.TenderFactory(
        estimated_value=Decimal("900000"), hilma_statistics={"lowCarbon": True, "innovationConsidered": False}
    )

    missing = tender_statistics_missing(tender)

    assert "innovationConsidered" not in missing and "lowCarbon" not in missing
    assert {"listedGreenCriteriaUsed", "endUserInvolved", "smeParticipationConsidered"} <= set(missing)
    assert "howManyOpportunitiesIsEstimated" not in missing


def test_a_call_below_the_national_threshold_misses_nothing(db):
    tender = factories.TenderFactory(estimated_value=Decimal("100000"), hilma_statistics={})
    assert tender_statistics_missing(tender) == []


def test_the_payload_has_every_key_and_null_for_what_is_not_asked(db):
    tender = factories.TenderFactory(hilma_statistics={**factories.HILMA_STATISTICS, "endUserInvolved": True})

    payload = tender_statistics_payload(tender)

    assert list(payload) == list(KEYS)
    assert payload["endUserInvolved"] is None  # E3 does not ask it
    assert payload["listedGreenCriteriaUsed"] is None and payload["innovationConsidered"] is True
