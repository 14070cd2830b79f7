"""The dated rule set of the Procurement Act (1397/2016) as it applies to integration training.

Which rules apply follows the CPV code, then the value: the main CPV code places the procurement in an item of the
Act's Annex E (items 1-4: 400 000 €, items 5-15: 300 000 €) or outside it (the standard regime: 60 000 € nationally,
the EU threshold above it, lower for central government). Everything here is data that an authority can correct
by editing the tables; a new rule set takes effect by adding one with its `valid_from`, and a call keeps the rule
set in force on the day it was published (`rules_for_tender`)."""

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Regime(models.TextChoices):
    SMALL = "small", _("Small procurement (outside the Procurement Act)")
    NATIONAL = "national", _("National procedure, Annex E social and other specific services")
    EU = "eu", _("EU light regime (notice forwarded to TED)")


class Category(models.TextChoices):
    """Where the CPV code puts a service: which thresholds, notices and periods apply."""

    ANNEX_E_1_4 = "annex_e_1_4", _("Annex E, items 1-4 (social, health and education services)")
    ANNEX_E_5_15 = "annex_e_5_15", _("Annex E, items 5-15 (other specific services)")
    STANDARD = "standard", _("Standard regime (a service outside Annex E)")


def cpv_number(code: str) -> int:
    """The eight digits of a CPV code ("80400000-8" → 80400000)."""
    return int(str(code).split("-")[0].strip()[:8])


@dataclass(frozen=True)
class AnnexERange:
    """CPV codes from `first` to `last` (inclusive, by their eight digits) in an item of Annex E, but `excluded`."""

    item: int
    first: str
    last: str = ""
    excluded: tuple[str, ...] = ()

    def covers(self, code: str) -> bool:
        number = cpv_number(code)
        if any(cpv_number(c) == number for c in self.excluded):
            return False
        return cpv_number(self.first) <= number <= cpv_number(self.last or self.first)


@dataclass(frozen=True)
class Thresholds:
    """A category's thresholds (estimated value without VAT, whole contract with options) and its notices."""

    national: Decimal
    eu: Decimal
    eu_central_government: Decimal  # state authorities (central government); the same as `eu` where no difference
    national_notice: str  # eForms subtypes in Hilma: the national contract notice and award notice
    national_award_notice: str
    eu_notice: str  # eForms subtypes forwarded to TED
    eu_award_notice: str
    # A decision at or above the national threshold has a standstill before the contract may be signed (check).
    standstill: bool = True


# Annex E of the Act (Annex XIV of Directive 2014/24) by CPV code (check every row against the Act's annex).
# The first row that covers a code decides, so a single code listed in an earlier item wins over a later range.
ANNEX_E_2017: tuple[AnnexERange, ...] = (
    # 1 Health, social and related services
    *(AnnexERange(1, c) for c in ("75200000-8", "75231200-6", "75231240-8", "79611000-0", "79622000-0")),
    *(AnnexERange(1, c) for c in ("79624000-4", "79625000-1", "98133000-4", "98133100-5", "98200000-5")),
    AnnexERange(1, "98500000-8"),
    AnnexERange(1, "85000000-9", "85323000-9", excluded=("85321000-5", "85322000-2")),
    AnnexERange(1, "98513000-2", "98514000-9"),
    # 2 Administrative social, educational, healthcare and cultural services. Education and training from
    # 80000000-4 to 80660000-8; computer training (80533000-9, 80533100-0, 80533200-1) was a priority service
    # under Directive 2004/18 and is kept out: the standard regime's lower thresholds are the cautious reading.
    AnnexERange(2, "80000000-4", "80660000-8", excluded=("80533000-9", "80533100-0", "80533200-1")),
    *(AnnexERange(2, c) for c in ("85321000-5", "85322000-2", "75000000-6", "75121000-0", "75122000-7")),
    AnnexERange(2, "75124000-1"),
    AnnexERange(2, "79995000-5", "79995200-7"),
    AnnexERange(2, "79950000-8", "79956000-0"),
    AnnexERange(2, "92000000-1", "92700000-8", excluded=("92230000-2", "92231000-9", "92232000-6")),
    # 3 Compulsory social security services; 4 Benefit services
    AnnexERange(3, "75300000-9"),
    AnnexERange(4, "75310000-2", "75314000-0"),
    *(AnnexERange(4, c) for c in ("75320000-5", "75330000-8", "75340000-1")),
    # 5 Other community, social and personal services; 6 religious services
    *(AnnexERange(5, c) for c in ("98000000-3", "98120000-0", "98130000-3", "98132000-7", "98133110-8")),
    AnnexERange(6, "98131000-0"),
    # 7 Hotel and restaurant services
    AnnexERange(7, "55100000-1", "55410000-7"),
    AnnexERange(7, "55510000-8", "55524000-9"),
    # 8 Legal services
    AnnexERange(8, "79100000-5", "79140000-7"),
    AnnexERange(8, "75231100-5"),
    # 9 Other administrative services and government services
    AnnexERange(9, "75100000-7", "75120000-3"),
    AnnexERange(9, "75123000-4"),
    AnnexERange(9, "75125000-8", "75131000-3"),
    # 10 Provision of services to the community
    AnnexERange(10, "75200000-8", "75231000-4"),
    # 11 Prison related services, public security and rescue services
    AnnexERange(11, "75231210-9", "75231230-5"),
    AnnexERange(11, "75240000-0", "75252000-7"),
    AnnexERange(11, "79430000-7"),
    AnnexERange(11, "98113100-9"),
    # 12 Investigation and security services
    AnnexERange(12, "79700000-1", "79723000-8"),
    # 13 International services; 14 Postal services; 15 Miscellaneous services
    AnnexERange(13, "98900000-2", "98910000-5"),
    AnnexERange(14, "64000000-6", "64116000-2"),
    AnnexERange(14, "64122000-7"),
    AnnexERange(15, "50116510-9"),
    AnnexERange(15, "71550000-8"),
)


@dataclass(frozen=True)
class Classification:
    """Which rules a procurement falls under: the CPV code's category (and Annex E item), the value's regime."""

    rules: "RuleSet"
    category: Category
    annex_e_item: int | None
    cpv: str  # the code that decided: the main code
    thresholds: Thresholds
    eu_threshold: Decimal  # the EU threshold for this authority (central government's where lower)
    regime: Regime
    # Additional codes that fall in another category than the main one: the officer checks the main subject.
    other_categories: tuple[tuple[str, str], ...] = ()

    @property
    def national_threshold(self) -> Decimal:
        return self.thresholds.national

    @property
    def under_act(self) -> bool:
        return self.regime != Regime.SMALL

    @property
    def standstill(self) -> bool:
        return self.under_act and self.thresholds.standstill

    @property
    def notice(self) -> str:
        """The contract notice's eForms subtype ("" when no notice is required)."""
        return {Regime.NATIONAL: self.thresholds.national_notice, Regime.EU: self.thresholds.eu_notice}.get(
            self.regime, ""
        )

    @property
    def award_notice(self) -> str:
        return {
            Regime.NATIONAL: self.thresholds.national_award_notice,
            Regime.EU: self.thresholds.eu_award_notice,
        }.get(self.regime, "")

    def as_dict(self) -> dict:
        return {
            "regime": str(self.regime),
            "category": str(self.category),
            "annex_e_item": self.annex_e_item,
            "cpv": self.cpv,
            "national_threshold": str(self.national_threshold),
            "eu_threshold": str(self.eu_threshold),
            "notice": self.notice,
            "award_notice": self.award_notice,
            "standstill": self.standstill,
            "rules_valid_from": self.rules.valid_from.isoformat(),
            "other_categories": [{"cpv": code, "category": category} for code, category in self.other_categories],
        }


@dataclass(frozen=True)
class RuleSet:
    valid_from: date
    # The thresholds and notices of each category (Category value → Thresholds).
    thresholds: tuple[tuple[str, Thresholds], ...]
    annex_e: tuple[AnnexERange, ...]
    standstill_days: int
    appeal_days: int
    self_correction_days: int
    self_correction_own_motion_days: int
    appeal_last_time: str  # by this wall time of the last day, Europe/Helsinki
    answers_min_days_before_deadline: int
    eu_open_procedure_min_days: int
    # Annex E sets no minimum; practice is 3–7 weeks, so a shorter period gets a warning.
    recommended_min_tender_days: int

    def thresholds_of(self, category: str) -> Thresholds:
        return dict(self.thresholds)[category]

    @property
    def national_threshold(self) -> Decimal:
        """Annex E items 1-4 (education and training): the threshold integration training usually meets."""
        return self.thresholds_of(Category.ANNEX_E_1_4).national

    @property
    def eu_threshold(self) -> Decimal:
        return self.thresholds_of(Category.ANNEX_E_1_4).eu

    def annex_e_item(self, code: str) -> int | None:
        for row in self.annex_e:
            if row.covers(code):
                return row.item
        return None

    def category_of(self, code: str) -> tuple[Category, int | None]:
        item = self.annex_e_item(code)
        if item is None:
            return Category.STANDARD, None
        return (Category.ANNEX_E_1_4 if item <= 4 else Category.ANNEX_E_5_15), item

    def classify(
        self,
        estimated_value: Decimal,
        cpv_main: str = "80400000-8",
        cpv_additional=(),
        *,
        central_government: bool = False,
    ) -> Classification:
        """The main CPV code decides the category (the main subject of a mixed contract, section 5 of the Act);
        additional codes of another category are reported for the officer to check, and decide nothing."""
        category, item = self.category_of(cpv_main)
        thresholds = self.thresholds_of(category)
        eu = thresholds.eu_central_government if central_government else thresholds.eu
        value = Decimal(str(estimated_value or 0))
        regime = Regime.EU if value >= eu else Regime.NATIONAL if value >= thresholds.national else Regime.SMALL
        others = []
        for code in cpv_additional or ():
            other, _item = self.category_of(code)
            if other != category:
                others.append((code, str(other)))
        return Classification(
            rules=self,
            category=category,
            annex_e_item=item,
            cpv=cpv_main,
            thresholds=thresholds,
            eu_threshold=eu,
            regime=regime,
            other_categories=tuple(others),
        )

    def regime_for(
        self, estimated_value: Decimal, cpv_main: str = "80400000-8", cpv_additional=(), *, central_government=False
    ) -> Regime:
        return self.classify(estimated_value, cpv_main, cpv_additional, central_government=central_government).regime


# Annex E: the national thresholds of section 25 and the light regime's EU threshold (750 000 €, fixed by the
# directive). National notices E3/E4 in Hilma; at EU level 20/33 (light regime) or 16/29 (standard).
_ANNEX_E_1_4 = Thresholds(Decimal("400000"), Decimal("750000"), Decimal("750000"), "E3", "E4", "20", "33")
_ANNEX_E_5_15 = Thresholds(Decimal("300000"), Decimal("750000"), Decimal("750000"), "E3", "E4", "20", "33")


def _standard(eu: str, central: str) -> Thresholds:
    """The standard regime's service thresholds: 60 000 € nationally; the EU thresholds are revised every two years
    by a Commission regulation (check each revision)."""
    return Thresholds(Decimal("60000"), Decimal(eu), Decimal(central), "E3", "E4", "16", "29")


_RULES_2017 = RuleSet(
    valid_from=date(2017, 1, 1),
    thresholds=(
        (Category.ANNEX_E_1_4.value, _ANNEX_E_1_4),
        (Category.ANNEX_E_5_15.value, _ANNEX_E_5_15),
        (Category.STANDARD.value, _standard("209000", "135000")),
    ),
    annex_e=ANNEX_E_2017,
    standstill_days=14,
    appeal_days=14,
    self_correction_days=14,
    self_correction_own_motion_days=90,
    appeal_last_time="16:15",
    answers_min_days_before_deadline=6,
    eu_open_procedure_min_days=30,
    recommended_min_tender_days=21,
)


def _with_standard(rules: RuleSet, valid_from: date, eu: str, central: str) -> RuleSet:
    thresholds = tuple(
        (name, _standard(eu, central) if name == Category.STANDARD else value) for name, value in rules.thresholds
    )
    return replace(rules, valid_from=valid_from, thresholds=thresholds)


RULE_SETS: tuple[RuleSet, ...] = (
    _RULES_2017,
    _with_standard(_RULES_2017, date(2018, 1, 1), "221000", "144000"),
    _with_standard(_RULES_2017, date(2020, 1, 1), "214000", "139000"),
    _with_standard(_RULES_2017, date(2022, 1, 1), "215000", "140000"),
    _with_standard(_RULES_2017, date(2024, 1, 1), "221000", "143000"),
    _with_standard(_RULES_2017, date(2026, 1, 1), "216000", "140000"),
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


def publication_day(tender) -> date:
    """The day whose rule set governs the call: its publication; before it, the planned publication or today,
    whichever is later (a planned date in the past proves nothing)."""
    from procurement.periods import local_date

    if tender.published_at:
        return local_date(tender.published_at)
    now = timezone.now()
    planned = getattr(tender, "planned_publication", None)
    return local_date(max(now, planned) if planned else now)


def rules_for_tender(tender) -> RuleSet:
    """Every step of a procedure uses the rule set in force when the call was published."""
    return rules_on(publication_day(tender))


def tender_classification(tender, *, rules: RuleSet | None = None) -> Classification:
    """The call's category, Annex E item and regime under the rule set of its publication (state authorities
    are central government for the EU threshold)."""
    from procurement.models import ContractingAuthority

    rules = rules or rules_for_tender(tender)
    return rules.classify(
        tender.estimated_value,
        tender.cpv_main,
        tender.cpv_additional or (),
        central_government=tender.authority.kind == ContractingAuthority.Kind.STATE_AUTHORITY,
    )
