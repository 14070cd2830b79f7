"""The life of a framework agreement after its conclusion: each change a recorded decision with its reasons.

An option exercised (the term extended, the end timer moved, the four years of section 45 checked) or not, a
provider leaving, the next-ranked bidder of the award taking its place, a price index adjustment the contract allows,
a provider's stated capacity, the early end. Each is a numbered `FrameworkChange` with its reason (in Swedish too for
a bilingual authority), an audit event and a notification to the framework's providers, made under the framework's
row lock (`framework_for_update`) like every order, so that no order is checked against a half-changed framework."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from bids.models import BidStatus
from procurement.access import AnyUser, roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.fsm import transition_run
from procurement.models import Timer
from procurement.notifications import notify
from tenders.languages import in_language, is_bilingual, swedish_reason_check
from tenders.models import FRAMEWORK_MAX_MONTHS

from .frameworks import framework_end_schedule, framework_for_update, term_end
from .models import (
    CallOff,
    CallOffStatus,
    Framework,
    FrameworkChange,
    FrameworkMember,
    FrameworkOption,
    FrameworkStatus,
    LotResult,
    QualificationCheck,
)

# The sanity bound of one price index adjustment, in per cent either way.
MAX_PRICE_ADJUSTMENT = Decimal("20")
# The sanity bound of a provider's stated capacity per half-year term (students or groups): beyond any real course
# provider, and well within the database's integer.
MAX_CAPACITY = 100_000
# The changes that concern one provider: told to that provider only (its capacity and why, why it left, that it
# joined), never to its competitors. The others concern every provider of the framework.
OWN_CHANGES = frozenset(
    {FrameworkChange.Kind.CAPACITY, FrameworkChange.Kind.MEMBER_LEFT, FrameworkChange.Kind.MEMBER_ADDED}
)
CENT = Decimal("0.01")


def _error(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(errors={field: [{"code": code, "message": message}]})


def _officer_check(actor: AnyUser, framework: Framework) -> None:
    roles = roles_of(actor)
    authority_id = framework.tender.authority_id
    if roles.is_officer(authority_id):
        return
    is_member = framework.members.filter(provider_id__in=roles.provider_of).exists()
    if roles.reads_authority(authority_id) or is_member:
        raise Forbidden(_("Only the authority's procurement officers can change a framework agreement."))
    raise NotFound()


def framework_officer_check(*, actor: AnyUser, framework_id: int) -> Framework:
    """The framework for an officer of its authority: its other readers (auditors, its providers) are refused (403);
    anyone else does not learn that it exists (404). Checked before a request's body is."""
    framework: Framework | None = Framework.objects.select_related("tender", "lot").filter(pk=framework_id).first()
    if framework is None:
        raise NotFound()
    _officer_check(actor, framework)
    return framework


def framework_changeable(*, actor: AnyUser, framework_id: int) -> Framework:
    """The framework, locked for the change, for an officer of its authority (as `framework_officer_check`)."""
    try:
        framework = framework_for_update(framework_id)
    except Framework.DoesNotExist:
        raise NotFound() from None
    _officer_check(actor, framework)
    return framework


def _framework_in_force(*, actor: AnyUser, framework_id: int) -> Framework:
    """The framework, locked for the change (`framework_changeable`), while it is in force (409
    `framework_not_active`)."""
    framework = framework_changeable(actor=actor, framework_id=framework_id)
    if framework.status != FrameworkStatus.ACTIVE:
        raise Conflict(_("The framework agreement is no longer in force."), code="framework_not_active")
    return framework


def _reason_check(framework: Framework, *, reason: str, reason_sv: str) -> None:
    if not (reason or "").strip():
        raise _error("reason", "required", _("Give the reason for the decision."))
    swedish_reason_check(framework.tender, reason=reason, reason_sv=reason_sv)


def _effective_on_check(framework: Framework, effective_on: date) -> None:
    """A change recorded as a fact (a provider leaving, a price index adjustment) takes effect on the day it is
    recorded or earlier, within the framework's term: a later one is recorded when its day comes (400 `in_future`),
    an earlier one cannot precede the framework itself (400 `before_start`)."""
    if effective_on > timezone.localdate():
        raise _error(
            "effective_on",
            "in_future",
            _("The change takes effect on the day it is recorded or earlier: record it when its day comes."),
        )
    if effective_on < framework.starts_on:
        raise _error(
            "effective_on",
            "before_start",
            _("The framework agreement started on %(date)s: the change cannot take effect before it.")
            % {"date": framework.starts_on.strftime("%d.%m.%Y")},
        )


def _active_member_of(framework: Framework, member_id: int) -> FrameworkMember:
    """The provider, locked, while it has not left the framework (409 `member_left`)."""
    member: FrameworkMember | None = (
        FrameworkMember.objects.select_for_update(of=("self",))
        .select_related("provider")
        .filter(framework=framework, pk=member_id)
    ).first()
    if member is None:
        raise NotFound()
    if member.left_on is not None:
        raise Conflict(_("The provider has already left the framework."), code="member_left")
    return member


def _change_record(
    *,
    actor: AnyUser,
    framework: Framework,
    kind: str,
    reason: str,
    reason_sv: str,
    effective_on: date,
    details: dict[str, Any],
    member: FrameworkMember | None = None,
    option: FrameworkOption | None = None,
) -> FrameworkChange:
    """The numbered record of the decision, its audit event and the notification of the providers it concerns
    (`_change_notify`)."""
    last = framework.changes.aggregate(n=Max("number"))["n"] or 0
    change: FrameworkChange = FrameworkChange.objects.create(
        framework=framework,
        number=last + 1,
        kind=kind,
        member=member,
        option=option,
        details=details,
        reason=reason.strip(),
        reason_sv=(reason_sv or "").strip(),
        effective_on=effective_on,
        decided_by=actor,  # type: ignore[misc]  # an officer, signed in (framework_changeable)
    )
    audit_record(
        actor=actor,
        action=f"framework.{kind}",
        obj=framework,
        tender_id=framework.tender_id,
        detail={"change": change.number, "reason": change.reason, **details},
    )
    _change_notify(framework, change, member)
    return change


def _change_notify(framework: Framework, change: FrameworkChange, member: FrameworkMember | None) -> None:
    """Tell the providers of a change: one that concerns a provider (`OWN_CHANGES`) only that provider, with its rank
    when it joined; the others every provider in the framework now. Each reads the reason in its own language: the
    Swedish one for a provider that prefers Swedish when the authority is bilingual and wrote it."""
    if change.kind in OWN_CHANGES:
        recipients = [member] if member is not None else []
    else:
        recipients = list(framework.members.filter(left_on__isnull=True).select_related("provider"))
    bilingual = is_bilingual(framework.tender)
    by_reason: dict[str, list[int]] = {}
    for recipient in recipients:
        language = recipient.provider.preferred_language if bilingual else ""
        by_reason.setdefault(in_language(change, "reason", language), []).append(recipient.provider_id)
    payload: dict[str, Any] = {"lot": framework.lot.number, "effective_on": change.effective_on.isoformat()}
    if change.kind == FrameworkChange.Kind.MEMBER_ADDED and member is not None:
        payload["rank"] = member.rank
    for reason, providers in by_reason.items():
        notify(
            kind=f"framework.{change.kind}",
            key=f"framework:{framework.pk}:change:{change.number}",
            tender_id=framework.tender_id,
            providers=providers,
            payload={**payload, "reason": reason},
        )


def framework_option_decide(
    *, actor: AnyUser, framework_id: int, option_id: int, exercise: bool, reason: str, reason_sv: str = ""
) -> FrameworkChange:
    """Exercise an option period (the term is extended by its months and the end timer moves) or decline it. The
    whole term beyond four years needs the especially justified reason the framework states (409
    `framework_too_long`); an option is decided once (409 `option_decided`)."""
    with transaction.atomic():
        framework = _framework_in_force(actor=actor, framework_id=framework_id)
        option: FrameworkOption | None = (
            FrameworkOption.objects.select_for_update().filter(framework=framework, pk=option_id).first()
        )
        if option is None:
            raise NotFound()
        if option.state != FrameworkOption.State.OPEN:
            raise Conflict(_("This option has already been decided."), code="option_decided", state=option.state)
        _reason_check(framework, reason=reason, reason_sv=reason_sv)
        before = framework.ends_on
        if not exercise:
            option.state = FrameworkOption.State.DECLINED
            option.save(update_fields=["state"])
            return _change_record(
                actor=actor,
                framework=framework,
                kind=FrameworkChange.Kind.OPTION_DECLINED,
                reason=reason,
                reason_sv=reason_sv,
                effective_on=timezone.localdate(),
                details={"option": option.number, "months": option.months},
                option=option,
            )
        ends_on = term_end(before + timedelta(days=1), option.months)
        if ends_on > term_end(framework.starts_on, FRAMEWORK_MAX_MONTHS) and not framework.long_term_reason.strip():
            raise Conflict(
                _(
                    "With this option the framework agreement would last more than %(max)s months, which needs an "
                    "especially justified reason stated in the call."
                )
                % {"max": FRAMEWORK_MAX_MONTHS},
                code="framework_too_long",
                ends_on=ends_on.isoformat(),
            )
        framework.ends_on = ends_on
        framework.save(update_fields=["ends_on"])
        option.state = FrameworkOption.State.EXERCISED
        option.save(update_fields=["state"])
        framework_end_schedule(framework)
        return _change_record(
            actor=actor,
            framework=framework,
            kind=FrameworkChange.Kind.OPTION_EXERCISED,
            reason=reason,
            reason_sv=reason_sv,
            effective_on=before + timedelta(days=1),
            details={
                "option": option.number,
                "months": option.months,
                "ends_on": [before.isoformat(), ends_on.isoformat()],
            },
            option=option,
        )


def framework_member_leave(
    *, actor: AnyUser, framework_id: int, member_id: int, reason: str, effective_on: date, reason_sv: str = ""
) -> FrameworkChange:
    """A provider leaves the framework from `effective_on`, today or a day already past within the term (400
    `in_future`, `before_start`, `before_joining`): no further order goes to it. A leaving announced for a later day
    is recorded on that day, so that until then the provider keeps its place in the order of preference. Refused
    while an order offered to it waits for its reply (409 `member_has_pending_orders`)."""
    with transaction.atomic():
        framework = _framework_in_force(actor=actor, framework_id=framework_id)
        member = _active_member_of(framework, member_id)
        _reason_check(framework, reason=reason, reason_sv=reason_sv)
        _effective_on_check(framework, effective_on)
        if effective_on < member.joined_on:
            raise _error("effective_on", "before_joining", _("The provider cannot leave before it joined."))
        if CallOff.objects.filter(member=member, status=CallOffStatus.OFFERED).exists():
            raise Conflict(
                _("An order offered to this provider waits for its reply: settle it first."),
                code="member_has_pending_orders",
            )
        member.left_on = effective_on
        member.save(update_fields=["left_on"])
        return _change_record(
            actor=actor,
            framework=framework,
            kind=FrameworkChange.Kind.MEMBER_LEFT,
            reason=reason,
            reason_sv=reason_sv,
            effective_on=effective_on,
            details={
                "provider": member.provider.name,
                "rank": member.rank,
                "left_on": [None, effective_on.isoformat()],
            },
            member=member,
        )


def next_bidder(framework: Framework) -> LotResult | None:
    """The best-ranked bidder of the lot's award that is not a provider of the framework (nor was one), whose offer
    was not rejected and whose bidder passed the qualification."""
    taken = FrameworkMember.objects.filter(framework=framework).values("provider_id")
    failed = QualificationCheck.objects.filter(passed=False).values("bid_id")
    result: LotResult | None = (
        LotResult.objects.filter(
            lot=framework.lot,
            lot_offer__bid__status=BidStatus.SUBMITTED,
            lot_offer__price_rejection__isnull=True,
            lot_offer__conformity_rejection__isnull=True,
        )
        .exclude(lot_offer__bid__provider_id__in=taken)
        .exclude(lot_offer__bid_id__in=failed)
        .select_related("lot_offer__bid__provider")
        .order_by("rank", "pk")
        .first()
    )
    return result


def framework_member_replace(*, actor: AnyUser, framework_id: int, reason: str, reason_sv: str = "") -> FrameworkChange:
    """The next-ranked bidder of the award joins, at the last rank and its tendered price, in place of a provider
    that left. Only while the framework has fewer providers than the call chose (409 `no_vacancy`); 409
    `no_next_bidder` when no bidder is left."""
    with transaction.atomic():
        framework = _framework_in_force(actor=actor, framework_id=framework_id)
        active = FrameworkMember.objects.filter(framework=framework, left_on__isnull=True)
        places = framework.tender.framework_providers_per_lot or 0
        has_left = FrameworkMember.objects.filter(framework=framework, left_on__isnull=False).exists()
        if not has_left or active.count() >= places:
            raise Conflict(_("No provider has left the framework: it has all its providers."), code="no_vacancy")
        _reason_check(framework, reason=reason, reason_sv=reason_sv)
        result = next_bidder(framework)
        if result is None:
            raise Conflict(_("No other bidder of the award is left to join the framework."), code="no_next_bidder")
        offer = result.lot_offer
        rank = (active.aggregate(n=Max("rank"))["n"] or 0) + 1
        today = timezone.localdate()
        member = FrameworkMember.objects.create(
            framework=framework,
            provider_id=offer.bid.provider_id,
            lot_offer=offer,
            rank=rank,
            unit_price=offer.unit_price,
            joined_on=today,
        )
        return _change_record(
            actor=actor,
            framework=framework,
            kind=FrameworkChange.Kind.MEMBER_ADDED,
            reason=reason,
            reason_sv=reason_sv,
            effective_on=today,
            details={
                "provider": offer.bid.provider.name,
                "award_rank": result.rank,
                "rank": [None, rank],
                "unit_price": [None, str(offer.unit_price)],
            },
            member=member,
        )


def adjusted_price(price: Decimal, percent: Decimal) -> Decimal:
    """A unit price × (1 + percent / 100), to the cent."""
    return (price * (1 + percent / 100)).quantize(CENT, rounding=ROUND_HALF_UP)


def framework_price_adjust(
    *,
    actor: AnyUser,
    framework_id: int,
    percent: Decimal,
    index_name: str,
    reason: str,
    effective_on: date,
    reason_sv: str = "",
) -> FrameworkChange:
    """A price index adjustment the contract allows: every active provider's unit price changes by `percent` for
    the orders made from now on (orders already made keep their price). More than 20 % either way is refused as a
    mistake (400 `out_of_range`). The prices change at once, so `effective_on` is today or a day already past within
    the term (400 `in_future`, `before_start`): an adjustment for a later day is recorded on that day."""
    percent = Decimal(str(percent))
    if abs(percent) > MAX_PRICE_ADJUSTMENT or percent == 0:
        raise _error(
            "percent",
            "out_of_range",
            _("Give a change from -%(max)s to %(max)s per cent, other than zero.") % {"max": MAX_PRICE_ADJUSTMENT},
        )
    if not (index_name or "").strip():
        raise _error("index_name", "required", _("Name the price index the contract refers to."))
    with transaction.atomic():
        framework = _framework_in_force(actor=actor, framework_id=framework_id)
        _reason_check(framework, reason=reason, reason_sv=reason_sv)
        _effective_on_check(framework, effective_on)
        prices: dict[str, list[str]] = {}
        members = FrameworkMember.objects.select_for_update(of=("self",)).select_related("provider")
        for member in members.filter(framework=framework, left_on__isnull=True).order_by("rank"):
            after = adjusted_price(member.unit_price, percent)
            prices[member.provider.name] = [str(member.unit_price), str(after)]
            member.unit_price = after
            member.save(update_fields=["unit_price"])
        return _change_record(
            actor=actor,
            framework=framework,
            kind=FrameworkChange.Kind.PRICE_INDEX,
            reason=reason,
            reason_sv=reason_sv,
            effective_on=effective_on,
            details={"percent": str(percent), "index": index_name.strip(), "unit_price": prices},
        )


def framework_member_capacity_set(
    *,
    actor: AnyUser,
    framework_id: int,
    member_id: int,
    capacity: int | None,
    reason: str,
    reason_sv: str = "",
) -> FrameworkChange:
    """The capacity a provider stated per half-year term, in the framework's capacity unit (None: not limited)."""
    if capacity is not None and capacity < 0:
        raise _error("capacity", "out_of_range", _("The capacity cannot be negative."))
    if capacity is not None and capacity > MAX_CAPACITY:
        raise _error("capacity", "max_value", _("Give a capacity of at most %(max)s.") % {"max": MAX_CAPACITY})
    with transaction.atomic():
        framework = _framework_in_force(actor=actor, framework_id=framework_id)
        member = _active_member_of(framework, member_id)
        _reason_check(framework, reason=reason, reason_sv=reason_sv)
        before = member.capacity
        member.capacity = capacity
        member.save(update_fields=["capacity"])
        return _change_record(
            actor=actor,
            framework=framework,
            kind=FrameworkChange.Kind.CAPACITY,
            reason=reason,
            reason_sv=reason_sv,
            effective_on=timezone.localdate(),
            details={"provider": member.provider.name, "capacity": [before, capacity]},
            member=member,
        )


def framework_terminate(*, actor: AnyUser, framework_id: int, reason: str, reason_sv: str = "") -> FrameworkChange:
    """End the framework early by a recorded decision: no more orders; its end timer goes."""
    with transaction.atomic():
        framework = _framework_in_force(actor=actor, framework_id=framework_id)
        _reason_check(framework, reason=reason, reason_sv=reason_sv)
        now = timezone.now()
        transition_run(
            obj=framework, action="terminate", actor=actor, audit_action="framework.terminate", at=now, reason=reason
        )
        Timer.objects.filter(kind="framework.end", key=f"framework:{framework.pk}", done_at__isnull=True).delete()
        from .calloffs import call_offs_withdraw_open  # the orders still waiting for a reply are withdrawn

        call_offs_withdraw_open(framework=framework, at=now, reason=reason)
        return _change_record(
            actor=actor,
            framework=framework,
            kind=FrameworkChange.Kind.TERMINATED,
            reason=reason,
            reason_sv=reason_sv,
            effective_on=timezone.localdate(now),
            details={"status": [FrameworkStatus.ACTIVE.value, FrameworkStatus.TERMINATED.value]},
        )
