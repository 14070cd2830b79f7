"""Checks of a call against the dated rule set: hard errors that stop it, warnings the officer should read."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.money import format_money
from procurement.periods import day_off_name, local_date
from procurement.redress import Remedy, redress_for
from procurement.rules import Category, Classification, Regime, rules_on, tender_classification

from .models import Procedure, Tender
from .statistics import statistics_missing


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
    classification = tender_classification(tender, rules=rules)
    regime = classification.regime
    # The start day is not counted: a deadline on the 30th day after publication is 30 days.
    days = (local_date(tender.submission_deadline) - local_date(publication)).days
    errors: list[Finding] = []
    warnings: list[Finding] = []
    # A mini-competition under a framework agreement is no open procedure of its own: its period is only reasonable.
    mini_competition = tender.framework_lot_id is not None
    if (
        not mini_competition
        and tender.procedure == Procedure.OPEN
        and regime == Regime.EU
        and days < rules.eu_open_procedure_min_days
    ):
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
    warnings += cpv_warnings(classification)
    warnings += notice_data_warnings(tender, classification)
    return errors, warnings


def notice_data_warnings(tender: Tender, classification: Classification) -> list[Finding]:
    """What a notice in Hilma will need and the call does not say yet (a call at or above the national threshold):
    each lot's region (NUTS), the contract's term, the answers to Hilma's statistics questions."""
    if not classification.notice or tender.framework_lot_id is not None:
        return []  # a mini-competition has no notice
    warnings = []
    if tender.pk is not None:
        unplaced = [lot.number for lot in tender.lots.all() if not lot.nuts]
        if unplaced:
            warnings.append(
                Finding(
                    "lot_nuts_missing",
                    str(
                        _("Lots %(lots)s have no region (NUTS 3): the notice in Hilma needs the place of performance.")
                        % {"lots": ", ".join(str(number) for number in sorted(unplaced))}
                    ),
                    field="lots",
                )
            )
    if not tender.contract_months:
        warnings.append(
            Finding(
                "contract_term_missing",
                str(_("The contract's term (months) is not given: the notice in Hilma states it.")),
                field="contract_months",
            )
        )
    missing = statistics_missing(tender.hilma_statistics or {}, notice=classification.notice)
    if missing:
        warnings.append(
            Finding(
                "statistics_unanswered",
                _("%(count)s of Hilma's statistics questions are unanswered: the notice in Hilma needs every answer.")
                % {"count": len(missing)},
                field="hilma_statistics",
            )
        )
    return warnings


def cpv_warnings(classification: Classification) -> list[Finding]:
    """The main CPV code decides the regime; an additional code of another category asks the officer to check that
    the main code names the main subject of the contract (a mixed contract follows its main subject)."""
    return [
        Finding(
            "cpv_category_differs",
            _(
                "The additional CPV code %(code)s falls under %(other)s, the main code %(main)s under %(category)s. "
                "The main code decides the rules: check that it names the main subject of the contract."
            )
            % {
                "code": code,
                "other": Category(other).label,
                "main": classification.cpv,
                "category": classification.category.label,
            },
            field="cpv_additional",
        )
        for code, other in classification.other_categories
    ]


REMEDY_TEXTS = {
    Remedy.PROCUREMENT_ACT: _(
        "Request for rectification (hankintaoikaisu, %(claim)s days) and appeal to the Market Court (%(appeal)s days, "
        "by %(time)s on the last day), from the day the decision is sent."
    ),
    Remedy.LOCAL_GOVERNMENT: _(
        "Claim for rectification under the Local Government Act 410/2015 (%(claim)s days to the body that decided; "
        "an e-mailed decision is deemed received on the %(received)srd day after sending)."
    ),
    Remedy.ADMINISTRATIVE: _(
        "Claim for rectification under the Administrative Procedure Act 434/2003 (%(claim)s days; an e-mailed "
        "decision is deemed received on the %(received)srd day after sending)."
    ),
    Remedy.NONE: _("No procurement-law remedy applies; the decision says so."),
}


def regime_overview(tender: Tender) -> dict:
    """What the CPV codes and the value give, for the officer while drafting: the category (Annex E item or the
    standard regime), the thresholds, the notice, the standstill and the redress for the authority's kind."""
    redress = redress_for(tender=tender)
    c = redress.classification
    amounts = {"national": format_money(c.national_threshold), "eu": format_money(c.eu_threshold), "cpv": c.cpv}
    if c.category == Category.STANDARD:
        category = _(
            "Standard regime: CPV %(cpv)s is not in Annex E. National threshold %(national)s, EU threshold %(eu)s."
        )
    else:
        category = _("Annex E, item %(item)s (CPV %(cpv)s): national threshold %(national)s, EU threshold %(eu)s.")
        amounts["item"] = c.annex_e_item
    if c.notice:
        notice = _("Notice in Hilma: eForms %(notice)s; award notice %(award)s.") % {
            "notice": c.notice,
            "award": c.award_notice,
        }
    else:
        notice = _("Below the national threshold: no notice is required (a voluntary one may be published).")
    if redress.standstill:
        standstill = _("Standstill: %(days)s days from the sending of the decision.") % {
            "days": redress.standstill_days
        }
    else:
        standstill = _("No standstill.")
    remedy = REMEDY_TEXTS[redress.remedy] % {
        "claim": redress.self_correction_days,
        "appeal": redress.appeal_days,
        "time": redress.appeal_last_time,
        "received": redress.received_after_days,
    }
    lines = [
        str(category % amounts),
        str(_("Regime: %(regime)s.") % {"regime": Regime(c.regime).label}),
        str(notice),
        str(standstill),
        str(_("Redress (%(kind)s): %(remedy)s") % {"kind": tender.authority.get_kind_display(), "remedy": remedy}),
        str(
            _("Rules in force on the publication day: the rule set of %(day)s.")
            % {"day": f"{c.rules.valid_from.day}.{c.rules.valid_from.month}.{c.rules.valid_from.year}"}
        ),
    ]
    return {
        **c.as_dict(),
        "remedy": str(redress.remedy),
        "standstill_days": redress.standstill_days,
        "self_correction_days": redress.self_correction_days,
        "appeal_days": redress.appeal_days,
        "lines": lines,
    }


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
