"""Hilma's statistics questions (innovation, sustainability, SMEs, service users), mandatory on notices 20, 33, E3
and E4: the answers a call keeps (Tender.hilma_statistics), the payload Hilma takes with a notice (keyed by lot),
and what is missing from it."""

from typing import Any

from django.utils.translation import gettext as _

YES_NO_QUESTIONS = (
    "innovationConsidered",
    "solutionNewToBuyer",
    "solutionNewToMarketOrIndustry",
    "energyEfficiencyConsidered",
    "lowCarbon",
    "circularEconomy",
    "biodiversity",
    "sustainableFoodProduction",
    "justWorkingConditions",
    "employmentCondition",
    "codeOfConduct",
    "smeParticipationConsidered",
)
ENVIRONMENTAL = (
    "energyEfficiencyConsidered",
    "lowCarbon",
    "circularEconomy",
    "biodiversity",
    "sustainableFoodProduction",
)
FOLLOW_UPS = ("listedGreenCriteriaUsed", "howManyOpportunitiesIsEstimated")
# Asked only in these notices; null in the others.
END_USER_SUBTYPES = ("14", "20", "21", "33", "34", "35")
KEYS = (*YES_NO_QUESTIONS, *FOLLOW_UPS, "endUserInvolved")


def lot_answers(answers: dict[str, Any], *, subtype: str) -> dict[str, Any]:
    """One lot's answers as Hilma takes them: every key present, the follow-ups only where asked, null otherwise."""
    lot = {key: answers.get(key) for key in YES_NO_QUESTIONS}
    lot["listedGreenCriteriaUsed"] = (
        answers.get("listedGreenCriteriaUsed") if any(answers.get(key) for key in ENVIRONMENTAL) else None
    )
    lot["howManyOpportunitiesIsEstimated"] = (
        answers.get("howManyOpportunitiesIsEstimated") if answers.get("employmentCondition") else None
    )
    lot["endUserInvolved"] = answers.get("endUserInvolved") if subtype in END_USER_SUBTYPES else None
    return lot


def statistics_problems(
    payload: dict[str, Any], *, lots: list[str], subtype: str, won: set[str] | None = None
) -> list[tuple[str, str]]:
    """(lot, what is wrong) for the payload: a key per lot of the notice and no other (in an award notice only the
    lots won: `won`), every question answered yes or no, the follow-ups where asked."""
    expected = [lot for lot in lots if won is None or lot in won]
    problems = [(lot, _("The statistics answers of the lot are missing.")) for lot in expected if lot not in payload]
    problems += [
        (lot, _("Statistics answers for a lot the notice does not have.")) for lot in payload if lot not in expected
    ]
    for lot in expected:
        answers = payload.get(lot)
        if not isinstance(answers, dict):
            continue
        unanswered = [key for key in YES_NO_QUESTIONS if not isinstance(answers.get(key), bool)]
        if any(answers.get(key) for key in ENVIRONMENTAL) and not isinstance(
            answers.get("listedGreenCriteriaUsed"), bool
        ):
            unanswered.append("listedGreenCriteriaUsed")
        count = answers.get("howManyOpportunitiesIsEstimated")
        if answers.get("employmentCondition") and not (
            isinstance(count, int) and not isinstance(count, bool) and count >= 0
        ):
            unanswered.append("howManyOpportunitiesIsEstimated")
        if subtype in END_USER_SUBTYPES and not isinstance(answers.get("endUserInvolved"), bool):
            unanswered.append("endUserInvolved")
        if unanswered:
            problems.append((lot, _("Statistics questions not answered: %(keys)s.") % {"keys": ", ".join(unanswered)}))
    return problems
