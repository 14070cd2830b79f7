"""Exclusion grounds of the Procurement Act that a provider declares (ESPD-style self-declaration)."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ExclusionGround:
    code: str
    section: str  # the section of Act 1397/2016
    mandatory: bool
    label: Promise


EXCLUSION_GROUNDS: tuple[ExclusionGround, ...] = (
    ExclusionGround("organised_crime", "80 §", True, _("Participation in a criminal organisation")),
    ExclusionGround("bribery", "80 §", True, _("Bribery")),
    ExclusionGround("fraud", "80 §", True, _("Fraud")),
    ExclusionGround("terrorism", "80 §", True, _("Terrorist offences or offences linked to terrorist activities")),
    ExclusionGround("money_laundering", "80 §", True, _("Money laundering or terrorist financing")),
    ExclusionGround("human_trafficking", "80 §", True, _("Child labour and other forms of human trafficking")),
    ExclusionGround("unpaid_taxes", "80 §", True, _("Unpaid taxes or social security contributions (final decision)")),
    ExclusionGround("bankruptcy", "81 §", False, _("Bankruptcy, insolvency or liquidation")),
    ExclusionGround("professional_misconduct", "81 §", False, _("Grave professional misconduct")),
    ExclusionGround("distorting_competition", "81 §", False, _("Agreements aimed at distorting competition")),
    ExclusionGround("conflict_of_interest", "81 §", False, _("Conflict of interest")),
    ExclusionGround("prior_deficient_performance", "81 §", False, _("Serious failure in an earlier contract")),
    ExclusionGround("misrepresentation", "81 §", False, _("Misleading information or undue influence")),
)
EXCLUSION_CODES = tuple(g.code for g in EXCLUSION_GROUNDS)
MANDATORY_CODES = tuple(g.code for g in EXCLUSION_GROUNDS if g.mandatory)
