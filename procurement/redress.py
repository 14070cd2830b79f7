"""Redress instructions by regime and authority type, as dated data: which remedy a decision gets, its periods,
and where a claim or an appeal goes.

At or above the national threshold every authority's decision gets the Procurement Act's remedies (hankintaoikaisu
and the Market Court appeal, sections 132-133 and 146-147; the periods are the rule set's). Below it the remedy
depends on who decided (every row is marked check: secondary sources, correct the table, not the code):
- a municipality, an employment area (its responsible municipality's body decides) and a joint municipal authority:
  a claim for rectification under the Local Government Act 410/2015, sections 134-139, 14 days to the body that
  decided; an e-mailed decision is deemed received on the 3rd day after sending (section 139 with Act 13/2003,
  section 19), the period runs from there; no standstill (check);
- a state authority: no procurement-law remedy, a statement says so; no period (check);
- any other authority: the cautious option. Whether its decision can be challenged is not certain, and a decision
  that omits a remedy that exists is the worse error (the period would not start), so it gets a claim for
  rectification under the Administrative Procedure Act 434/2003, chapter 7 a, with the same 14 days from the
  deemed receipt on the 3rd day (check)."""

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from procurement.models import ContractingAuthority
from procurement.periods import at_local_time, period_end
from procurement.rules import Classification, Regime, RuleSet, publication_day, rules_on, tender_classification

Kind = ContractingAuthority.Kind


class Remedy(models.TextChoices):
    PROCUREMENT_ACT = "procurement_act", _("Request for rectification and appeal to the Market Court")
    LOCAL_GOVERNMENT = "local_government", _("Claim for rectification under the Local Government Act")
    ADMINISTRATIVE = "administrative", _("Claim for rectification under the Administrative Procedure Act")
    NONE = "none", _("No procurement-law remedy")


@dataclass(frozen=True)
class BelowThreshold:
    """The remedy of a decision below the national threshold, for one kind of authority."""

    remedy: Remedy
    claim_days: int | None  # from the deemed receipt; None: no claim
    received_after_days: int  # an e-mailed decision is deemed received this many days after its sending
    standstill: bool = False


@dataclass(frozen=True)
class MarketCourt:
    name_fi: str
    name_sv: str
    address_fi: str
    address_sv: str
    email: str
    e_service: str  # the courts' e-service (asiointi.oikeus.fi; e-tjänst in Swedish)
    office_hours: str  # an appeal reaches the court by the end of these on the last day (the rule set's time)


@dataclass(frozen=True)
class RedressTable:
    valid_from: date
    # Above the threshold a procurement-act decision is deemed received on the day it is sent (section 127).
    procurement_act_received_after_days: int
    below_threshold: tuple[tuple[str, BelowThreshold], ...]  # authority kind → remedy
    court: MarketCourt

    def below(self, kind: str | None) -> BelowThreshold:
        rows = dict(self.below_threshold)
        return rows.get(kind or Kind.OTHER, rows[Kind.OTHER])


_LOCAL_GOVERNMENT = BelowThreshold(Remedy.LOCAL_GOVERNMENT, claim_days=14, received_after_days=3)

REDRESS_TABLES: tuple[RedressTable, ...] = (
    RedressTable(
        valid_from=date(2017, 1, 1),
        procurement_act_received_after_days=0,
        below_threshold=(
            (Kind.MUNICIPALITY.value, _LOCAL_GOVERNMENT),  # check
            (Kind.EMPLOYMENT_AREA.value, _LOCAL_GOVERNMENT),  # its responsible municipality decides (check)
            (Kind.JOINT_MUNICIPAL_AUTHORITY.value, _LOCAL_GOVERNMENT),  # check
            (Kind.STATE_AUTHORITY.value, BelowThreshold(Remedy.NONE, claim_days=None, received_after_days=0)),
            # The cautious option for any other authority (check): see the module's docstring.
            (Kind.OTHER.value, BelowThreshold(Remedy.ADMINISTRATIVE, claim_days=14, received_after_days=3)),
        ),
        court=MarketCourt(
            name_fi="markkinaoikeus",
            name_sv="marknadsdomstolen",
            address_fi="Radanrakentajantie 5, 00520 Helsinki",
            address_sv="Banbyggarvägen 5, 00520 Helsingfors",
            email="markkinaoikeus@oikeus.fi",
            e_service="https://asiointi.oikeus.fi",
            office_hours="8.00-16.15",
        ),
    ),
)


def redress_table_on(day: date) -> RedressTable:
    applicable = [t for t in REDRESS_TABLES if t.valid_from <= day]
    if not applicable:
        raise LookupError(f"No redress table is in force on {day}.")
    return max(applicable, key=lambda t: t.valid_from)


@dataclass(frozen=True)
class Redress:
    """What a decision's redress instructions say and the periods they run: the template's `redress`."""

    remedy: Remedy
    regime: Regime
    authority_kind: str
    rules: RuleSet
    received_after_days: int  # the periods run from the sending plus these days
    standstill_days: int | None
    self_correction_days: int | None  # hankintaoikaisu, or the claim for rectification below the threshold
    own_motion_days: int | None  # the authority may correct on its own (Procurement Act only)
    appeal_days: int | None
    appeal_last_time: str | None
    court: MarketCourt | None
    classification: Classification | None = None

    @property
    def procurement_act(self) -> bool:
        return self.remedy == Remedy.PROCUREMENT_ACT

    @property
    def local_government(self) -> bool:
        return self.remedy == Remedy.LOCAL_GOVERNMENT

    @property
    def administrative(self) -> bool:
        return self.remedy == Remedy.ADMINISTRATIVE

    @property
    def no_remedy(self) -> bool:
        return self.remedy == Remedy.NONE

    @property
    def standstill(self) -> bool:
        return bool(self.standstill_days)

    @property
    def employment_area(self) -> bool:
        return self.authority_kind == Kind.EMPLOYMENT_AREA

    @property
    def joint_authority(self) -> bool:
        return self.authority_kind == Kind.JOINT_MUNICIPAL_AUTHORITY

    def as_dict(self) -> dict:
        return {
            "remedy": str(self.remedy),
            "regime": str(self.regime),
            "authority_kind": str(self.authority_kind),
            "rules_valid_from": self.rules.valid_from.isoformat(),
            "received_after_days": self.received_after_days,
            "standstill_days": self.standstill_days,
            "self_correction_days": self.self_correction_days,
            "appeal_days": self.appeal_days,
        }


def redress_rule(
    *, regime: str, authority_kind: str | None, rules: RuleSet, day: date | None = None, standstill: bool = True
) -> Redress:
    """The remedy of a decision in `regime` by an authority of `authority_kind` under `rules` (the call's rule set,
    the one in force on its publication `day`); an unknown kind gets the cautious option of `other`."""
    table = redress_table_on(day or rules.valid_from)
    kind = authority_kind or Kind.OTHER
    if regime != Regime.SMALL:
        return Redress(
            remedy=Remedy.PROCUREMENT_ACT,
            regime=Regime(regime),
            authority_kind=kind,
            rules=rules,
            received_after_days=table.procurement_act_received_after_days,
            standstill_days=rules.standstill_days if standstill else None,
            self_correction_days=rules.self_correction_days,
            own_motion_days=rules.self_correction_own_motion_days,
            appeal_days=rules.appeal_days,
            appeal_last_time=rules.appeal_last_time,
            court=table.court,
        )
    row = table.below(kind)
    return Redress(
        remedy=row.remedy,
        regime=Regime.SMALL,
        authority_kind=kind,
        rules=rules,
        received_after_days=row.received_after_days,
        standstill_days=rules.standstill_days if row.standstill else None,
        self_correction_days=row.claim_days,
        own_motion_days=None,
        appeal_days=None,
        appeal_last_time=None,
        court=None,
    )


def redress_for(*, tender, regime: str | None = None) -> Redress:
    """The redress of a decision on `tender` (in `regime`, e.g. the one its award decision recorded; by default
    what its CPV codes and value give), under the rule set in force when the call was published."""
    classification = tender_classification(tender)
    regime = regime or classification.regime
    redress = redress_rule(
        regime=regime,
        authority_kind=tender.authority.kind,
        rules=classification.rules,
        day=publication_day(tender),
        standstill=classification.thresholds.standstill,
    )
    return replace(redress, classification=classification)


# --- the periods of one decision ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Periods:
    notified_on: date  # the day the decision was sent
    standstill_ends_on: date | None
    appeal_ends_on: date | None
    appeal_deadline: datetime | None
    self_correction_ends_on: date | None  # None: no claim for rectification (a state authority below the threshold)
    # The day the decision counts as received, from which the periods run: the sending day, or (an e-mailed decision
    # below the threshold of a municipal authority) the 3rd day after it.
    received_on: date | None = None

    def as_dict(self) -> dict:
        return {key: value.isoformat() if value else None for key, value in asdict(self).items()}


def periods_from(
    notified_on: date,
    regime: str,
    *,
    tender=None,
    authority_kind: str | None = None,
    rules=None,
    redress=None,
) -> Periods:
    """The periods of a decision in `regime` sent on `notified_on`, as the redress data says for the authority.

    Pass `tender` (its authority's kind and the rule set of its publication day decide), or `redress`, or
    `authority_kind` and `rules`. Without a tender or rules, the rule set in force on `notified_on` is used, and an
    unknown authority kind gets the cautious option (see procurement.redress)."""
    if redress is None:
        if tender is not None:
            redress = redress_for(tender=tender, regime=regime)
        else:
            redress = redress_rule(regime=regime, authority_kind=authority_kind, rules=rules or rules_on(notified_on))
    received_on = notified_on + timedelta(days=redress.received_after_days)
    appeal_ends_on = period_end(received_on, redress.appeal_days) if redress.appeal_days else None
    return Periods(
        notified_on=notified_on,
        standstill_ends_on=period_end(received_on, redress.standstill_days) if redress.standstill_days else None,
        appeal_ends_on=appeal_ends_on,
        appeal_deadline=at_local_time(appeal_ends_on, redress.appeal_last_time) if appeal_ends_on else None,
        self_correction_ends_on=(
            period_end(received_on, redress.self_correction_days) if redress.self_correction_days else None
        ),
        received_on=received_on,
    )
