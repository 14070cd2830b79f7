"""Hilma's statistics answers in a notice: one lot's payload and what is wrong with a notice's payload. The
questions and their rules are `tenders.statistics`'s (the call's form and API use the same)."""

from typing import Any

from django.utils.translation import gettext as _

from tenders.statistics import KEYS, OPPORTUNITIES, statistics_asked, statistics_payload


def lot_answers(answers: dict[str, Any], *, subtype: str) -> dict[str, Any]:
    """One lot's answers as Hilma takes them: every key present, the follow-ups only where asked, null otherwise."""
    return statistics_payload(answers, notice=subtype)


def _unanswered(answers: dict[str, Any], *, subtype: str) -> list[str]:
    missing = []
    for key in statistics_asked(answers, notice=subtype):
        value = answers.get(key)
        if key == OPPORTUNITIES:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                missing.append(key)
        elif not isinstance(value, bool):
            missing.append(key)
    return missing


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
        unanswered = [key for key in KEYS if key in _unanswered(answers, subtype=subtype)]
        if unanswered:
            problems.append((lot, _("Statistics questions not answered: %(keys)s.") % {"keys": ", ".join(unanswered)}))
    return problems
