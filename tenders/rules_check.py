"""Checks of a call against the dated rule set: hard errors that stop it, warnings the officer should read."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.periods import local_date
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
    return errors, warnings
