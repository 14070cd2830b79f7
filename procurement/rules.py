"""The dated rule set of the Procurement Act (1397/2016) as it applies to integration training."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Regime(models.TextChoices):
    SMALL = "small", _("Small procurement (outside the Procurement Act)")
    NATIONAL = "national", _("National procedure, Annex E social and other specific services")
    EU = "eu", _("EU light regime (notice forwarded to TED)")


@dataclass(frozen=True)
class RuleSet:
    valid_from: date
    national_threshold: Decimal  # Annex E services, estimated value without VAT
    eu_threshold: Decimal  # EU threshold for social and other specific services
    standstill_days: int
    appeal_days: int
    self_correction_days: int
    self_correction_own_motion_days: int
    appeal_last_time: str  # by this wall time of the last day, Europe/Helsinki
    answers_min_days_before_deadline: int
    eu_open_procedure_min_days: int
    # Annex E sets no minimum; practice is 3–7 weeks, so a shorter period gets a warning.
    recommended_min_tender_days: int

    def regime_for(self, estimated_value: Decimal) -> Regime:
        if estimated_value >= self.eu_threshold:
            return Regime.EU
        if estimated_value >= self.national_threshold:
            return Regime.NATIONAL
        return Regime.SMALL


RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(
        valid_from=date(2017, 1, 1),
        national_threshold=Decimal("400000"),
        eu_threshold=Decimal("750000"),
        standstill_days=14,
        appeal_days=14,
        self_correction_days=14,
        self_correction_own_motion_days=90,
        appeal_last_time="16:15",
        answers_min_days_before_deadline=6,
        eu_open_procedure_min_days=30,
        recommended_min_tender_days=21,
    ),
)


# Finnish VAT rates (%), by the day they took effect: the general rate rose to 25.5 on 1.9.2024 and the
# reduced 14 % rate fell to 13.5 on 1.1.2026. Education services are usually exempt (0 %).
VAT_RATE_SETS: tuple[tuple[date, tuple[Decimal, ...]], ...] = (
    (date(2013, 1, 1), (Decimal("0"), Decimal("10"), Decimal("14"), Decimal("24"))),
    (date(2024, 9, 1), (Decimal("0"), Decimal("10"), Decimal("14"), Decimal("25.5"))),
    (date(2026, 1, 1), (Decimal("0"), Decimal("10"), Decimal("13.5"), Decimal("25.5"))),
)


def vat_rates_on(day: date) -> tuple[Decimal, ...]:
    return max((s for s in VAT_RATE_SETS if s[0] <= day), key=lambda s: s[0])[1]


def rules_on(day: date) -> RuleSet:
    """The rule set in force on the given day."""
    applicable = [r for r in RULE_SETS if r.valid_from <= day]
    if not applicable:
        raise LookupError(f"No procurement rule set is in force on {day}.")
    return max(applicable, key=lambda r: r.valid_from)
