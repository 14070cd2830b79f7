"""Checks of a call against the dated rule set: hard errors that stop it, warnings the officer should read."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.periods import day_off_name, local_date
from procurement.rules import Regime, rules_on

from .models import Procedure, Tender


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    field: str = "submission_deadline"

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message), "field": self.field}


def tender_findings(tender: Tender, *, publication=None) -> tuple[list[Finding], list[Finding]]:
    """(errors, warnings) for the call as it stands, published at `publication` (default: now)."""
    # Before publication the period runs from now at the earliest: a planned date in the past proves nothing.
    publication = (
        publication or tender.published_at or max(timezone.now(), tender.planned_publication or timezone.now())
    )
    rules = rules_on(local_date(publication))
    regime = rules.regime_for(tender.estimated_value)
    # The start day is not counted: a deadline on the 30th day after publication is 30 days.
    days = (local_date(tender.submission_deadline) - local_date(publication)).days
    errors: list[Finding] = []
    warnings: list[Finding] = []
    if tender.procedure == Procedure.OPEN and regime == Regime.EU and days < rules.eu_open_procedure_min_days:
        errors.append(
            Finding(
                "tender_period_too_short",
                _("An EU open procedure needs at least %(min)s days for tenders; this call gives %(days)s.")
                % {"min": rules.eu_open_procedure_min_days, "days": days},
            )
        )
    elif regime != Regime.SMALL and days < rules.recommended_min_tender_days:
        warnings.append(
            Finding(
                "short_tender_period",
                _(
                    "The call gives %(days)s days for tenders. The light regime sets no minimum, but the period "
                    "must be reasonable; practice is 3 to 7 weeks."
                )
                % {"days": days},
            )
        )
    if (
        tender.answers_by
        and (tender.submission_deadline - tender.answers_by).days < rules.answers_min_days_before_deadline
    ):
        warnings.append(
            Finding(
                "answers_too_late",
                _("Answers planned later than %(days)s days before the deadline will force the deadline to move.")
                % {"days": rules.answers_min_days_before_deadline},
                field="answers_by",
            )
        )
    warnings += day_off_warnings(tender)
    return errors, warnings


# The deadlines a provider or the authority must meet; one on a day off is lawful but invites trouble.
DEADLINES = {
    "questions_deadline": _("Questions deadline"),
    "answers_by": _("Answers published by"),
    "submission_deadline": _("Tender deadline"),
}


def day_off_warnings(tender: Tender) -> list[Finding]:
    """A warning for each deadline on a Saturday, Sunday or public holiday (Midsummer Eve and Christmas Eve too)."""
    warnings = []
    for field, label in DEADLINES.items():
        moment = getattr(tender, field)
        if moment is None:
            continue
        day = local_date(moment)
        name = day_off_name(day)
        if name is not None:
            warnings.append(
                Finding(
                    "deadline_on_day_off",
                    _("%(deadline)s: %(date)s is a day off (%(day)s). Consider a working day.")
                    % {"deadline": label, "date": f"{day.day}.{day.month}.{day.year}", "day": name},
                    field=field,
                )
            )
    return warnings
