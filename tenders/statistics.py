"""Hilma's statistics questions (innovation, environmental and social sustainability, SMEs, service users): what is
asked for a notice type, the follow-up questions, the check of the answers and what is still unanswered."""

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from procurement.errors import ValidationFailed
from procurement.rules import tender_classification

from .models import Tender

# The notice types whose notices carry the statistics (Hilma's list) and those that also ask about service users.
STATISTICS_NOTICES = frozenset(
    {"14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "29", "30", "31", "32", "33", "34", "35", "36",
     "37", "E1", "E3", "E4"}
)  # fmt: skip
END_USER_NOTICES = frozenset({"14", "20", "21", "33", "34", "35"})


@dataclass(frozen=True)
class Question:
    key: str  # Hilma's key, exactly as its API names it
    group: Promise
    text: Promise
    help: Promise | str = ""
    number: bool = False  # answered with a whole number, not yes or no


INNOVATION = _("Innovation")
ENVIRONMENT = _("Environmental sustainability")
SOCIAL = _("Social sustainability")
SMES = _("Small and medium-sized enterprises")
USERS = _("Service users")

QUESTIONS: tuple[Question, ...] = (
    Question(
        "innovationConsidered",
        INNOVATION,
        _("The need and the opportunities for innovation were considered in preparing the procurement."),
    ),
    Question("solutionNewToBuyer", INNOVATION, _("The solution sought, or a part of it, is new to us as a buyer.")),
    Question(
        "solutionNewToMarketOrIndustry",
        INNOVATION,
        _("The solution sought, or a part of it, is new to the market or to the industry."),
    ),
    Question(
        "energyEfficiencyConsidered",
        ENVIRONMENT,
        _("The procurement takes energy efficiency into account."),
        _("Equipment and solutions that use energy, and construction."),
    ),
    Question(
        "lowCarbon",
        ENVIRONMENT,
        _("The procurement promotes low carbon emissions."),
        _("Lower emissions; less fossil energy produced or used, or more renewable energy."),
    ),
    Question("circularEconomy", ENVIRONMENT, _("The procurement promotes the circular economy.")),
    Question("biodiversity", ENVIRONMENT, _("The procurement promotes biodiversity.")),
    Question(
        "sustainableFoodProduction",
        ENVIRONMENT,
        _("The procurement promotes a sustainable food system."),
        _("Good farming practice, food safety, animal welfare."),
    ),
    Question(
        "listedGreenCriteriaUsed",
        ENVIRONMENT,
        _("Motiva's criteria, ecolabel criteria or the EU's green public procurement criteria are used."),
        _("Asked when the procurement promotes one of the environmental aims above."),
    ),
    Question("justWorkingConditions", SOCIAL, _("The procurement promotes fair working conditions.")),
    Question(
        "employmentCondition",
        SOCIAL,
        _("The procurement requires the employment of people with partial work capacity."),
    ),
    Question(
        "howManyOpportunitiesIsEstimated",
        SOCIAL,
        _("How many jobs and apprenticeships are expected to be created by the procurement?"),
        _("Asked when the procurement requires such employment."),
        number=True,
    ),
    Question("codeOfConduct", SOCIAL, _("A code of conduct is used in the procurement.")),
    Question(
        "smeParticipationConsidered",
        SMES,
        _("The procurement makes it possible for small and medium-sized enterprises to take part."),
    ),
    Question(
        "endUserInvolved",
        USERS,
        _("The participation of service users or their representatives in preparing the procurement was considered."),
    ),
)
KEYS = tuple(question.key for question in QUESTIONS)
ENVIRONMENTAL = (
    "energyEfficiencyConsidered",
    "lowCarbon",
    "circularEconomy",
    "biodiversity",
    "sustainableFoodProduction",
)
# The follow-up questions, asked only when their condition holds.
GREEN_CRITERIA = "listedGreenCriteriaUsed"
OPPORTUNITIES = "howManyOpportunitiesIsEstimated"
END_USER = "endUserInvolved"
MAX_OPPORTUNITIES = 1_000_000


def statistics_asked(answers: dict[str, Any], *, notice: str) -> list[str]:
    """The questions asked for a notice of type `notice` given the answers so far (the follow-ups only when their
    condition holds); none when the notice type carries no statistics."""
    if notice not in STATISTICS_NOTICES:
        return []
    asked = []
    for key in KEYS:
        if key == GREEN_CRITERIA and not any(answers.get(name) is True for name in ENVIRONMENTAL):
            continue
        if key == OPPORTUNITIES and answers.get("employmentCondition") is not True:
            continue
        if key == END_USER and notice not in END_USER_NOTICES:
            continue
        asked.append(key)
    return asked


def _error(code: str, message: Any) -> dict[str, str]:
    return {"code": code, "message": str(message)}


def statistics_errors(answers: Any, *, notice: str) -> list[dict[str, str]]:
    """What is wrong with the answers (an empty list: nothing). Unanswered questions are not errors here: a draft
    fills them in over time (`tender_statistics_missing` names them); an answer to a question that is not asked is."""
    if not isinstance(answers, dict):
        return [_error("invalid_statistics", _("The answers to Hilma's statistics questions must be an object."))]
    errors = []
    unknown = sorted(set(answers) - set(KEYS))
    if unknown:
        errors.append(
            _error(
                "unknown_statistics_question",
                _("Hilma asks no such statistics question: %(keys)s.") % {"keys": ", ".join(map(str, unknown))},
            )
        )
    for key in KEYS:
        value = answers.get(key)
        if value is None:
            continue
        if key == OPPORTUNITIES:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_OPPORTUNITIES:
                errors.append(_error("invalid_number", _("The number of jobs must be a whole number, 0 or more.")))
        elif not isinstance(value, bool):
            errors.append(_error("invalid_answer", _("Answer “%(key)s” with yes (true) or no (false).") % {"key": key}))
    if errors:
        return errors
    asked = statistics_asked(answers, notice=notice)
    for key in KEYS:
        if answers.get(key) is None or key in asked:
            continue
        message: Promise | str
        if key == GREEN_CRITERIA:
            message = _("The question on green criteria is asked only when an environmental question is answered yes.")
        elif key == OPPORTUNITIES:
            message = _("The number of jobs is asked only when people with partial work capacity must be employed.")
        elif key == END_USER:
            message = _("The question on service users is not asked in this call's notice (%(notice)s).") % {
                "notice": notice or "-"
            }
        else:
            message = _("This call needs no notice in Hilma, so its statistics questions are not asked.")
        errors.append(_error("statistics_not_asked", message))
    return errors


def statistics_check(answers: Any, *, notice: str) -> None:
    """Refuse wrong answers with a ValidationFailed on `hilma_statistics` (400, stable codes)."""
    errors = statistics_errors(answers, notice=notice)
    if errors:
        raise ValidationFailed(errors={"hilma_statistics": errors})


def tender_notice_type(tender: Tender) -> str:
    """The eForms subtype of the call's contract notice ("" when it needs none: a mini-competition under a framework
    agreement is not announced, the framework's notices announced the procurement)."""
    if tender.framework_lot_id is not None:
        return ""
    return tender_classification(tender).notice


def statistics_missing(answers: dict[str, Any], *, notice: str) -> list[str]:
    return [key for key in statistics_asked(answers, notice=notice) if answers.get(key) is None]


def tender_statistics_missing(tender: Tender) -> list[str]:
    """The questions still unanswered for the call's notice type (Hilma's keys, in Hilma's order)."""
    return statistics_missing(tender.hilma_statistics or {}, notice=tender_notice_type(tender))


def statistics_payload(answers: dict[str, Any], *, notice: str) -> dict[str, Any]:
    """Every key Hilma expects for one lot of a notice of type `notice`, with the answers; `None` for what is not
    asked (or unanswered)."""
    asked = statistics_asked(answers, notice=notice)
    return {key: answers.get(key) if key in asked else None for key in KEYS}


def tender_statistics_payload(tender: Tender, *, notice: str | None = None) -> dict[str, Any]:
    """One lot's entry in Hilma's statistics payload, from the call's answers."""
    return statistics_payload(
        tender.hilma_statistics or {}, notice=tender_notice_type(tender) if notice is None else notice
    )
