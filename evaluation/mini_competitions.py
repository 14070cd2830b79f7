"""Mini-competitions: a call-off made by a small call among a framework agreement's active providers.

A mini-competition is a `Tender` whose `framework_lot` is the framework's lot. It is drafted here from the framework
(`mini_competition_create`: the framework call's procedure, languages, regime data, price weight and method, tie
break, exclusion grounds and quality criteria, which the officer may refine within the agreement; one lot with the
course) and then runs through the calls' own services: four-eyes approval and publication, the sealed tender box,
the opening by two officers, qualification, scoring, the proposal and the decision.

What differs from a call, and where:
- it is not announced: no notice in Hilma (tenders.notices.not_announced_check), no call alerts, not in the public
  lists, and in the OCDS feed only once decided (evaluation.ocds); its publication invites the framework's active
  providers (notification `mini_competition.invited`);
- only those providers see it and may bid (tenders.selectors.published_open_to, with `mini_competitions_open_to`);
- its decision has no standstill unless the authority chose one (evaluation.periods.without_standstill), and the
  decision and letters name the framework (evaluation.document_contexts.decision);
- suitability is not asked again (the providers were qualified for the framework), the exclusion grounds are: a
  ground may have arisen since the framework was concluded, so each bidder declares them and the qualification
  records the exclusion check as for any call;
- only an active provider of the framework may create, change and submit a bid in it (bids.services, 404 for any
  other provider of a user); a bid whose provider is not (or no longer) one is rejected as not conforming to the
  call at the opening, and again when the evaluation is finished (`mini_competition_outsiders_reject`), so that
  the decision states why rather than being stuck on it;
- it is a call-off, so the framework must be in force at its publication (`mini_competition_framework_check`,
  through tenders.asks), its decision and the signing of its contract (409 `framework_not_active`);
- the decision refuses a winner whose order would take the framework beyond its maximum
  (`mini_competition_maximum_check`, 409 `framework_maximum_exceeded`); the contract step applies as to any call
  (the decision makes the lot's contract, notified without a standstill unless one was chosen), and the signing of
  the winner's contract records the call-off (`mini_competition_call_off_record`): an accepted `CallOff` counted
  against the framework's maximum, under the framework's row lock."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bids.models import BidStatus, LotOffer
from procurement.access import AnyUser, roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.fsm import transition_run
from procurement.models import ContractingAuthority, User
from tenders.models import CallOffMethod, PricingUnit, QualityCriterion, Tender, lot_volume
from tenders.services import criterion_copied, tender_create

from .clarifications import conformity_rejection_record
from .frameworks import (
    call_off_volume,
    framework_active_check,
    framework_for_update,
    framework_usage,
    maximum_exceeded,
)
from .models import (
    AwardDecision,
    CallOff,
    CallOffMethodUsed,
    ConformityRejection,
    Framework,
    FrameworkMember,
    LotAward,
    LotContract,
)

# The call-off methods under which a framework's call-offs may be made by mini-competition.
MINI_COMPETITION_METHODS = (CallOffMethod.MINI_COMPETITION, CallOffMethod.COMBINED)
# What an officer may refine of a criterion of the agreement (its name stays the agreement's).
REFINABLE = ("weight", "guidance", "guidance_sv")


def _invalid(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(errors={field: [{"code": code, "message": message}]})


# --- reading ---------------------------------------------------------------------------------------------------


def framework_readable(*, user: AnyUser, framework_id: Any) -> Framework:
    """The framework, for the users who may know of it: the readers of its authority (officers, evaluators,
    decision-makers, auditors) and its active providers; 404 for anyone else."""
    try:
        framework: Framework = Framework.objects.select_related("tender__authority", "lot").get(pk=int(framework_id))
    except (Framework.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise NotFound() from exc
    roles = roles_of(user)
    if roles.reads_authority(framework.tender.authority_id):
        return framework
    if roles.provider_of and framework.members.filter(provider_id__in=roles.provider_of, left_on__isnull=True).exists():
        return framework
    raise NotFound()


def framework_of(tender: Tender) -> Framework | None:
    """The framework a mini-competition is held under; None for any other call."""
    if tender.framework_lot_id is None:
        return None
    found: Framework | None = (
        Framework.objects.select_related("tender", "lot").filter(lot_id=tender.framework_lot_id).first()
    )
    return found


def mini_competitions_of(*, user: AnyUser, framework_id: Any) -> QuerySet[Tender]:
    """The framework's mini-competitions: all of them to the readers of its authority; to one of its providers
    those it was invited to (published while it was an active member, and it still is)."""
    framework = framework_readable(user=user, framework_id=framework_id)
    tenders: QuerySet[Tender] = Tender.objects.filter(framework_lot_id=framework.lot_id).select_related("authority")
    if not roles_of(user).reads_authority(framework.tender.authority_id):
        tenders = tenders.filter(published_at__isnull=False)
    return tenders.order_by("-created_at", "-pk")


def mini_competitions_open_to(provider_ids: Any) -> QuerySet[Tender, dict[str, Any]]:
    """(tenders.asks) The mini-competitions the providers may see and bid in: those under a framework where one of
    them is an active member."""
    lots = FrameworkMember.objects.filter(provider_id__in=provider_ids, left_on__isnull=True).values(
        "framework__lot_id"
    )
    open_to: QuerySet[Tender, dict[str, Any]] = Tender.objects.filter(framework_lot_id__in=lots).values("pk")
    return open_to


def mini_competition_invitees(tender: Tender) -> set[int]:
    """(tenders.asks) The providers a mini-competition invites: its framework's active members."""
    if tender.framework_lot_id is None:
        return set()
    return set(
        FrameworkMember.objects.filter(framework__lot_id=tender.framework_lot_id, left_on__isnull=True).values_list(
            "provider_id", flat=True
        )
    )


def _framework_in_force(tender: Tender, *, lock: bool) -> Framework:
    """The mini-competition's framework, locked for an order when `lock`, in force (409 `framework_not_active`)."""
    framework = framework_of(tender)
    if framework is None:
        raise Conflict(_("The framework agreement is not in force."), code="framework_not_active")
    if lock:
        framework = framework_for_update(framework.pk)
    framework_active_check(framework)
    return framework


def _maximum_check(framework: Framework, *, value: Decimal, volume: Decimal) -> None:
    """An order of this value and volume fits the framework's maximum (409 `framework_maximum_exceeded`)."""
    over = framework_usage(framework).exceeded_by(value=value, volume=volume)
    if over:
        raise maximum_exceeded(over)


def mini_competition_framework_check(tender: Tender) -> None:
    """(tenders.asks) A mini-competition is a call-off: its framework must be in force when it is published (409
    `framework_not_active`). Nothing for any other call."""
    if tender.framework_lot_id is None:
        return
    _framework_in_force(tender, lock=False)


# --- the bidders -------------------------------------------------------------------------------------------------


def _not_a_member_reason(framework: Framework | None, language: str) -> str:
    reference = (framework.reference or framework.tender.reference) if framework is not None else ""
    with translation.override(language):
        return _(
            "The bidder is not a provider of the framework agreement %(reference)s: only the framework's providers "
            "may take part in a mini-competition under it."
        ) % {"reference": reference}


def mini_competition_outsiders_reject(*, actor: User, tender: Tender) -> list[ConformityRejection]:
    """At the opening, and again when the evaluation is finished (in their transactions, the call locked): each
    offer of a bid whose provider is not (or no longer) an active provider of the framework is rejected as not
    conforming to the call, with the reason in Finnish and Swedish, on the record. It is then left out of the
    scoring and the ranking, and the decision and the bidder's letter state why: the decision is never stuck on a
    winner that may not have the order. Nothing for any other call, nor for an offer already rejected."""
    if tender.framework_lot_id is None:
        return []
    offers = list(
        LotOffer.objects.select_for_update(of=("self",))
        .filter(
            bid__tender=tender,
            bid__status=BidStatus.SUBMITTED,
            conformity_rejection__isnull=True,
            price_rejection__isnull=True,
        )
        .exclude(bid__provider_id__in=mini_competition_invitees(tender))
        .select_related("lot", "bid")
        .order_by("pk")
    )
    if not offers:
        return []
    framework = framework_of(tender)
    reason, reason_sv = _not_a_member_reason(framework, "fi"), _not_a_member_reason(framework, "sv")
    rejections = []
    for offer in offers:
        rejection = conformity_rejection_record(
            offer,
            actor=actor,
            reason=reason,
            reason_sv=reason_sv,
            not_a_member=True,
            framework=framework.pk if framework is not None else None,
            provider=offer.bid.provider_id,
        )
        rejections.append(rejection)
    return rejections


# --- drafting ----------------------------------------------------------------------------------------------------


def _criteria(call: Tender, framework: Framework, refined: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The framework call's quality criteria of the lot, as the agreement states them, with the officer's
    refinements of their weights and guidance; a criterion that is not the agreement's is refused (400)."""
    agreed = list(
        QualityCriterion.objects.filter(tender=call)
        .filter(Q(lot__isnull=True) | Q(lot=framework.lot))
        .order_by("number")
    )
    criteria = {c.number: criterion_copied(c, lot_number=None) for c in agreed}
    for item in refined or []:
        try:
            number = int(item.get("number"))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise _invalid("criteria", "invalid", _("Each criterion is named by its number in the agreement.")) from exc
        criterion = criteria.get(number)
        names_differ = criterion is not None and any(
            key in item and str(item[key] or "").strip() != str(criterion[key] or "").strip()
            for key in ("name", "name_sv")
        )
        if criterion is None or names_differ:
            raise _invalid(
                "criteria",
                "not_in_agreement",
                _("A mini-competition uses the criteria of the framework agreement: criterion %(number)s is not one.")
                % {"number": number},
            )
        for key in REFINABLE:
            if key in item and item[key] is not None:
                criterion[key] = Decimal(str(item[key])) if key == "weight" else str(item[key])
    return list(criteria.values())


def mini_competition_create_check(*, actor: AnyUser, framework_id: Any) -> Framework:
    """Who may hold a mini-competition under the framework, before a request's body is read: 404 to whoever may not
    read the framework, 403 to anyone but the officers of its authority."""
    framework = framework_readable(user=actor, framework_id=framework_id)
    if not roles_of(actor).is_officer(framework.tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers can hold a mini-competition."))
    return framework


def mini_competition_create(
    *,
    actor: AnyUser,
    framework_id: Any,
    title_fi: str,
    title_sv: str = "",
    municipality: str,
    language_of_instruction: str,
    study_path: str,
    students: int,
    start_on: date,
    training_days: int,
    submission_deadline: datetime,
    criteria: list[dict[str, Any]] | None = None,
    standstill_chosen: bool = False,
    description_fi: str = "",
    description_sv: str = "",
) -> Tender:
    """Draft a mini-competition under the framework for one course start: a call of the framework's authority
    among its active providers, with the framework call's rules and criteria (weights and guidance refined as
    given), one lot with the course. The calls' own approval and publication then run it.

    403 to anyone but the authority's officers (404 to whoever may not read the framework); 409
    `framework_not_active`, 409 `mini_competition_not_allowed` where the agreement orders by preference only; 400 for
    a criterion that is not the agreement's and for what a call's draft refuses."""
    framework = mini_competition_create_check(actor=actor, framework_id=framework_id)
    call = framework.tender
    framework_active_check(framework)
    if framework.call_off_method not in MINI_COMPETITION_METHODS:
        raise Conflict(
            _("This framework agreement makes its call-offs by order of preference only: no mini-competition."),
            code="mini_competition_not_allowed",
        )
    lot = framework.lot
    groups = 1 if lot.pricing_unit == PricingUnit.PER_GROUP else None
    lot_row = {
        "number": 1,
        "title": title_fi,
        "title_sv": title_sv,
        "municipality": municipality,
        "language_of_instruction": language_of_instruction,
        "study_path": study_path,
        "students": students,
        "groups": groups,
        "training_days": training_days,
        "credits": lot.credits,
        "planned_start": start_on,
        "pricing_unit": lot.pricing_unit,
    }
    fields: dict[str, Any] = {
        "reference": f"{(framework.reference or call.reference)[:30]}-MC{_next_number(framework)}",
        "title_fi": title_fi,
        "title_sv": title_sv,
        "description_fi": description_fi,
        "description_sv": description_sv,
        "language": call.language,
        "bid_languages": list(call.bid_languages),
        "procedure": call.procedure,
        "cpv_main": call.cpv_main,
        "cpv_additional": list(call.cpv_additional),
        "exclusion_grounds": list(call.exclusion_grounds),
        # The regime is the framework's: its estimated value, CPV codes and procedure decide the law that applies.
        "estimated_value": call.estimated_value,
        "price_weight": call.price_weight,
        "price_method": call.price_method,
        "tie_break": call.tie_break,
        "tender_validity_months": call.tender_validity_months,
        "submission_deadline": submission_deadline,
        "is_framework": False,
        "contract_months": None,
    }
    with transaction.atomic():
        tender = tender_create(
            actor=actor,
            authority=ContractingAuthority.objects.get(pk=call.authority_id),
            fields=fields,
            children={"lots": [lot_row], "criteria": _criteria(call, framework, criteria), "requirements": []},
        )
        Tender.objects.filter(pk=tender.pk).update(framework_lot=lot, standstill_chosen=bool(standstill_chosen))
        tender.framework_lot, tender.standstill_chosen = lot, bool(standstill_chosen)
        audit_record(
            action="mini_competition.create",
            actor=actor,
            obj=tender,
            tender_id=tender.pk,
            detail={
                "framework": framework.pk,
                "framework_call": call.pk,
                "lot": lot.number,
                "standstill_chosen": bool(standstill_chosen),
                "volume": lot_volume(
                    pricing_unit=lot.pricing_unit, students=students, training_days=training_days, groups=groups
                ),
            },
        )
    return tender


def _next_number(framework: Framework) -> int:
    held: int = Tender.objects.filter(framework_lot_id=framework.lot_id).count()
    return held + 1


# --- the decision and the call-off ---------------------------------------------------------------------------------


def _winner(decision: AwardDecision, lot_id: int | None = None) -> LotAward | None:
    """The rank-1 award of the decision (a mini-competition has one lot), or of the lot `lot_id`."""
    awards = LotAward.objects.filter(decision=decision, rank=1, winner__isnull=False)
    if lot_id is not None:
        awards = awards.filter(lot_id=lot_id)
    award: LotAward | None = awards.select_related("winner__bid", "lot").order_by("lot__number").first()
    return award


def _order_of(framework: Framework, award: LotAward) -> tuple[FrameworkMember, Decimal, Decimal, Decimal]:
    """The winner's membership, and the order's volume, unit price (of the winning offer) and value."""
    winner = award.winner
    member = (
        FrameworkMember.objects.filter(
            framework=framework, provider_id=winner.bid.provider_id, left_on__isnull=True
        ).first()
        if winner is not None
        else None
    )
    if winner is None or member is None:
        raise Conflict(_("The winner is no longer a provider of the framework agreement."), code="not_a_member")
    lot = award.lot
    volume = call_off_volume(framework, students=lot.students, training_days=lot.training_days or 1)
    unit_price = winner.unit_price
    return member, volume, unit_price, (unit_price * volume).quantize(Decimal("0.01"))


def mini_competition_maximum_check(*, tender: Tender, decision: AwardDecision) -> None:
    """At the decision (in its transaction): the framework must be in force (409 `framework_not_active`) and the
    winner's order must fit its maximum value and volume, as the framework's orders now hold them (409
    `framework_maximum_exceeded`). Nothing for any other call."""
    if tender.framework_lot_id is None:
        return
    framework = _framework_in_force(tender, lock=True)
    award = _winner(decision)
    if award is None:
        return
    _member, volume, _unit_price, value = _order_of(framework, award)
    _maximum_check(framework, value=value, volume=volume)


def mini_competition_call_off_record(*, actor: AnyUser, contract: LotContract) -> CallOff | None:
    """When the winner's contract of a mini-competition is signed (in the signing's transaction): its call-off,
    accepted by the winner, with the course, the volume and the winning offer's unit price and value, counted
    against the framework's maximum under its row lock (409 `framework_maximum_exceeded` beyond it), the framework
    in force (409 `framework_not_active`). The winner is the signed contract's lot's. None for any other call; a
    second signing returns the call-off already recorded."""
    tender = contract.lot.tender
    if tender.framework_lot_id is None:
        return None
    existing: CallOff | None = CallOff.objects.filter(mini_competition=tender).first()
    if existing is not None:
        return existing
    framework = _framework_in_force(tender, lock=True)
    award = _winner(contract.decision, lot_id=contract.lot_id)
    if award is None:
        return None
    member, volume, unit_price, value = _order_of(framework, award)
    _maximum_check(framework, value=value, volume=volume)
    lot = contract.lot
    number = (CallOff.objects.filter(framework=framework).aggregate(n=Max("number"))["n"] or 0) + 1
    call_off: CallOff = CallOff.objects.create(
        framework=framework,
        number=number,
        method=CallOffMethodUsed.MINI_COMPETITION,
        mini_competition=tender,
        municipality=lot.municipality,
        language_of_instruction=lot.language_of_instruction,
        study_path=lot.study_path,
        students=lot.students,
        start_on=lot.planned_start or contract.signed_on or timezone.localdate(),
        training_days=lot.training_days or 1,
        volume=volume,
        member=member,
        unit_price=unit_price,
        value=value,
        created_by=actor,
    )
    # Offered to no one: the mini-competition's decision chose the provider and the signing is its acceptance.
    transition_run(
        obj=call_off,
        action="accept",
        actor=actor,
        audit_action="call_off.accept",
        detail={
            "mini_competition": tender.pk,
            "member": member.pk,
            "volume": str(volume),
            "unit_price": str(unit_price),
            "value": str(value),
        },
        at=timezone.now(),
    )
    return call_off
