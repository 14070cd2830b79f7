"""Call-offs by order of preference: an order of one course start goes down the framework's ranks to the first
provider with capacity (within the framework's maximum), waits for its reply until a deadline counted in working
days, and passes to the next on a decline, a missed deadline or an officer's skip with a recorded reason.

Every service locks the framework first (`framework_for_update`: every check of the maximum and of capacity runs
under it), then the order. What an order holds is counted in `evaluation.frameworks`."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_request, documents_visible_to
from procurement.access import AnyUser, officers_of, roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.fsm import transition_apply
from procurement.models import ProviderOrganisation, Timer, User
from procurement.notifications import notify
from procurement.outbox import outbox_enqueue
from procurement.periods import at_local_time, local_date, working_days_after
from procurement.timers import timers_replace
from tenders.models import CallOffMethod, StudyPath

from .framework_follow import reads_whole_framework
from .frameworks import (
    call_off_size,
    call_off_volume,
    framework_active_check,
    framework_for_update,
    framework_usage,
    maximum_exceeded,
    member_capacity_left,
    term_of,
)
from .models import CallOff, CallOffStatus, CallOffStep, CapacityUnit, Framework, FrameworkMember, FrameworkStatus

# A reply is due by this time (Finnish time) of its last working day.
REPLY_TIME = "16:00"
TIMER_KIND = "call_off.reply_due"
EXPIRE_TASK = "evaluation.call_off_expire"
LANGUAGES = ("fi", "sv", "en")
# Bounds of an order's course (the columns are small integers).
MAX_STUDENTS = 100000
MAX_TRAINING_DAYS = 3650
Outcome = CallOffStep.Outcome
OUTCOME_LABELS = dict(Outcome.choices)


def timer_key(call_off: CallOff) -> str:
    return f"call-off:{call_off.pk}"


def reply_deadline(framework: Framework, offered_at: datetime) -> datetime:
    """The end (16:00 Finnish time) of the framework's Nth working day after the day of the offer."""
    return at_local_time(working_days_after(local_date(offered_at), framework.reply_working_days), REPLY_TIME)


def _error(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(errors={field: [{"code": code, "message": message}]})


def document_language(framework: Framework, provider: ProviderOrganisation) -> str:
    """The provider's language where the authority writes it (Finnish or Swedish), else the authority's first."""
    languages = framework.tender.document_languages
    preferred = provider.preferred_language
    return preferred if preferred in ("fi", "sv") and preferred in languages else languages[0]


def framework_in_force(framework: Framework, now: datetime) -> bool:
    """Active and its term not over: only then does an order move to a provider or become binding."""
    return framework.status == FrameworkStatus.ACTIVE and timezone.localdate(now) <= framework.ends_on


def call_off_preference_check(framework: Framework) -> None:
    """Refuse an order by preference from a framework whose call-offs are by mini-competition only (409)."""
    if framework.call_off_method == CallOffMethod.MINI_COMPETITION:
        raise Conflict(
            _("The framework's call-offs are made by mini-competition only: an order by preference is not allowed."),
            code="preference_not_allowed",
        )


# --- who may do what ---------------------------------------------------------------------------------------------


def framework_officer_check(*, actor: AnyUser, framework_id: int) -> Framework:
    """404 to whoever may not read the authority's side, 403 to its readers who are not its officers."""
    framework: Framework | None = Framework.objects.select_related("tender").filter(pk=framework_id).first()
    roles = roles_of(actor)
    if framework is None or not roles.reads_authority(framework.tender.authority_id):
        raise NotFound()
    if not roles.is_officer(framework.tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers can order from the framework."))
    return framework


def _call_off_of(call_off_id: int) -> CallOff | None:
    try:
        found: CallOff | None = (
            CallOff.objects.select_related("framework__tender__authority", "framework__lot")
            .filter(pk=call_off_id)
            .first()
        )
    except (ValueError, TypeError):
        return None
    return found


def _concerns_provider(call_off: CallOff, provider_ids: Iterable[int]) -> bool:
    return call_off.steps.filter(member__provider_id__in=list(provider_ids)).exists()


def call_off_officer_check(*, actor: AnyUser, call_off_id: int) -> CallOff:
    """An officer's write to an order: 404 to outsiders, 403 to the authority's other readers."""
    call_off = _call_off_of(call_off_id)
    roles = roles_of(actor)
    if call_off is None or not roles.reads_authority(call_off.framework.tender.authority_id):
        raise NotFound()
    if not roles.is_officer(call_off.framework.tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers can change an order."))
    return call_off


def call_off_provider_check(*, actor: AnyUser, call_off_id: int) -> CallOff:
    """A provider's reply to an order: only a member of a provider the order concerns; 403 to the authority's
    readers, 404 to everyone else."""
    call_off = _call_off_of(call_off_id)
    roles = roles_of(actor)
    if call_off is None:
        raise NotFound()
    if roles.provider_of and _concerns_provider(call_off, roles.provider_of):
        return call_off
    if roles.reads_authority(call_off.framework.tender.authority_id):
        raise Forbidden(_("Only the provider the order is offered to can reply to it."))
    raise NotFound()


def _locked(call_off_id: int) -> tuple[Framework, CallOff]:
    """The framework's row lock first, then the order's."""
    framework_id = CallOff.objects.values_list("framework_id", flat=True).get(pk=call_off_id)
    framework = framework_for_update(framework_id)
    locked: CallOff = CallOff.objects.select_for_update().get(pk=call_off_id)
    locked.framework = framework
    return framework, locked


def _pending_step(call_off: CallOff) -> CallOffStep | None:
    step: CallOffStep | None = (
        call_off.steps.select_for_update().select_related("member__provider").filter(outcome=Outcome.PENDING).first()
    )
    return step


def _reply_timer_drop(call_off: CallOff) -> None:
    """The order's reply timer goes: no reply is waited for any more."""
    Timer.objects.filter(kind=TIMER_KIND, key=timer_key(call_off), done_at__isnull=True).delete()


def _offered_step(call_off: CallOff) -> CallOffStep | None:
    """The step waiting for a provider's reply, locked, while the order is offered."""
    return _pending_step(call_off) if call_off.status == CallOffStatus.OFFERED else None


# --- going down the ranks ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Passed:
    """A provider the order passes over, and why."""

    member: FrameworkMember
    outcome: str
    reason: str
    # Which maximum ("value", "volume") the member's price would exceed.
    over: tuple[str, ...] = ()


@dataclass(frozen=True)
class Course:
    students: int
    start_on: date
    volume: Decimal


def _capacity_reason(framework: Framework, member: FrameworkMember, left: int, start_on: date) -> str:
    start, end = term_of(start_on)
    unit = _("groups") if framework.capacity_unit == CapacityUnit.GROUPS else _("students")
    return _("%(left)s of the capacity of %(capacity)s %(unit)s left in the term %(start)s–%(end)s.") % {
        "left": left,
        "capacity": member.capacity,
        "unit": unit,
        "start": start.strftime("%d.%m.%Y"),
        "end": end.strftime("%d.%m.%Y"),
    }


def _maximum_reason(over: list[str], value: Decimal, volume: Decimal) -> str:
    which = ", ".join(_("value") if item == "value" else _("volume") for item in over)
    return _("The order (value %(value)s €, volume %(volume)s) would exceed the framework's maximum (%(which)s).") % {
        "value": value,
        "volume": volume,
        "which": which,
    }


def _next_offeree(
    framework: Framework,
    course: Course,
    *,
    asked: set[int],
    skips: dict[int, str],
    call_off_id: int | None,
) -> tuple[list[Passed], FrameworkMember | None]:
    """Down the active members in rank order, those already asked left out: the passed over, and the first that can
    take the order (None if no one can). Runs under the framework's lock; the order's own holding is not counted."""
    usage = framework_usage(framework, exclude_call_off_id=call_off_id)
    size = call_off_size(framework, students=course.students)
    passed: list[Passed] = []
    # The system's reasons are the authority's record: written in the call's language.
    with translation.override(framework.tender.language):
        members = framework.members.filter(left_on__isnull=True).select_related("provider").order_by("rank")
        for member in members:
            if member.pk in asked:
                continue
            if member.pk in skips:
                passed.append(Passed(member, Outcome.SKIPPED, skips[member.pk]))
                continue
            left = member_capacity_left(member, on=course.start_on, exclude_call_off_id=call_off_id)
            if left is not None and left < size:
                reason = _capacity_reason(framework, member, left, course.start_on)
                passed.append(Passed(member, Outcome.NO_CAPACITY, reason))
                continue
            value = member_value(member, course.volume)
            over = usage.exceeded_by(value=value, volume=course.volume)
            if over:
                reason = _maximum_reason(over, value, course.volume)
                passed.append(Passed(member, Outcome.OVER_MAXIMUM, reason, tuple(over)))
                continue
            return passed, member
    return passed, None


def member_value(member: FrameworkMember, volume: Decimal) -> Decimal:
    return (member.unit_price * volume).quantize(Decimal("0.01"))


def _write_passes(call_off: CallOff, passed: list[Passed], *, now: datetime, actor: User | None) -> None:
    number = _next_step_number(call_off)
    for offset, item in enumerate(passed):
        CallOffStep.objects.create(
            call_off=call_off,
            number=number + offset,
            member=item.member,
            outcome=item.outcome,
            decided_at=now,
            reason=item.reason,
            decided_by=actor if item.outcome == Outcome.SKIPPED else None,
        )


def _step_decide(step: CallOffStep, outcome: str, *, at: datetime, by: User | None = None, reason: str = "") -> None:
    """Close a pending step with its outcome, when, by whom (none for the system) and the reason (a decline's or a
    skip's)."""
    step.outcome, step.decided_at = outcome, at
    fields = ["outcome", "decided_at"]
    if by is not None:
        step.decided_by = by
        fields.append("decided_by")
    if reason:
        step.reason = reason
        fields.append("reason")
    step.save(update_fields=fields)


def _next_step_number(call_off: CallOff) -> int:
    last = call_off.steps.aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


def _course(call_off: CallOff) -> Course:
    return Course(students=call_off.students, start_on=call_off.start_on, volume=call_off.volume)


def _offer(call_off: CallOff, member: FrameworkMember, *, now: datetime, actor: User | None) -> CallOffStep:
    """Offer the order to `member`: its step waits for the reply until the deadline, the order holds that member's
    price, the reply timer is set, the order PDF is queued and the provider told."""
    framework = call_off.framework
    reply_by = reply_deadline(framework, now)
    step = CallOffStep.objects.create(
        call_off=call_off,
        number=_next_step_number(call_off),
        member=member,
        outcome=Outcome.PENDING,
        offered_at=now,
        reply_by=reply_by,
        decided_at=now,
    )
    call_off.member, call_off.unit_price = member, member.unit_price
    call_off.value, call_off.reply_by = member_value(member, call_off.volume), reply_by
    call_off.save(update_fields=["status", "member", "unit_price", "value", "reply_by"])
    timers_replace(
        kinds=[TIMER_KIND], key=timer_key(call_off), tender_id=framework.tender_id, moments={TIMER_KIND: [reply_by]}
    )
    provider = member.provider
    document, language = _provider_document(
        framework, provider, kind=DocumentKind.CALL_OFF_ORDER, subject=f"call-off-step:{step.pk}", actor=actor
    )
    notify(
        kind="call_off.offered",
        key=f"call-off-step:{step.pk}",
        tender_id=framework.tender_id,
        providers=[provider],
        documents=[document.pk],
        languages={provider.pk: language},
        payload={**_payload(call_off), "reply_by": reply_by.isoformat(), "value": str(call_off.value)},
    )
    return step


def _provider_document(
    framework: Framework, provider: ProviderOrganisation, *, kind: str, subject: str, actor: User | None
) -> tuple[GeneratedDocument, str]:
    """An order's document for its provider, in the provider's language (returned too, for its notification)."""
    language = document_language(framework, provider)
    document = document_request(
        kind=kind, tender=framework.tender, actor=actor, subject=subject, provider=provider, language=language
    )
    return document, language


def _payload(call_off: CallOff) -> dict[str, Any]:
    return {
        "order": call_off.number,
        "framework": call_off.framework.reference,
        "lot": call_off.framework.lot.number,
        "municipality": call_off.municipality,
        "students": call_off.students,
        "start_on": call_off.start_on.strftime("%d.%m.%Y"),
    }


def _warn_if_crossed(framework: Framework, before: bool) -> None:
    """The officers are told once the orders hold 80 % of the maximum value or volume."""
    usage = framework_usage(framework)
    if before or not usage.warning:
        return
    notify(
        kind="framework.usage_warning",
        key=f"framework:{framework.pk}:usage-warning",
        tender_id=framework.tender_id,
        users=officers_of(framework.tender.authority_id),
        payload={
            "framework": framework.reference,
            "lot": framework.lot.number,
            "value_share": str(usage.value_share or "–"),
            "volume_share": str(usage.volume_share or "–"),
        },
    )


def _pass_on(call_off: CallOff, *, now: datetime, actor: User | None) -> None:
    """After a decline, a missed deadline or a skip: to the next provider in rank with capacity within the maximum,
    none of those already stepped on this order; with no one left the order is unfilled and the officers told."""
    framework = call_off.framework
    if not framework_in_force(framework, now):
        _exhaust(call_off, reason=_not_in_force_reason(framework), passed=[], now=now, actor=actor)
        return
    warned = framework_usage(framework).warning
    asked = set(call_off.steps.values_list("member_id", flat=True))
    passed, member = _next_offeree(framework, _course(call_off), asked=asked, skips={}, call_off_id=call_off.pk)
    _write_passes(call_off, passed, now=now, actor=actor)
    if member is not None:
        call_off.pass_on()
        step = _offer(call_off, member, now=now, actor=actor)
        audit_record(
            action="call_off.offer",
            actor=actor,
            obj=call_off,
            tender_id=framework.tender_id,
            after={"member": member.pk, "rank": member.rank, "step": step.number, "reply_by": step.reply_by},
            detail={"passed": [(p.member.rank, p.outcome) for p in passed]},
        )
        _warn_if_crossed(framework, warned)
        return
    with translation.override(framework.tender.language):
        reason = _("No provider of the framework is left to take the order.")
    _exhaust(call_off, reason=reason, passed=passed, now=now, actor=actor)


def _exhaust(call_off: CallOff, *, reason: str, passed: list[Passed], now: datetime, actor: User | None) -> None:
    """The order is unfilled: it holds nothing, its reply timer goes, the officers are told."""
    framework = call_off.framework
    call_off.exhaust(at=now, reason=reason)
    call_off.member, call_off.unit_price, call_off.value = None, None, None
    call_off.save(update_fields=["status", "closed_at", "close_reason", "reply_by", "member", "unit_price", "value"])
    _reply_timer_drop(call_off)
    audit_record(
        action="call_off.exhaust",
        actor=actor,
        obj=call_off,
        tender_id=framework.tender_id,
        after={"status": call_off.status, "reason": reason},
        detail={"passed": [(p.member.rank, p.outcome) for p in passed]},
    )
    notify(
        kind="call_off.unfilled",
        key=f"call-off:{call_off.pk}:unfilled",
        tender_id=framework.tender_id,
        users=officers_of(framework.tender.authority_id),
        payload={**_payload(call_off), "reason": reason},
    )


def _not_in_force_reason(framework: Framework) -> str:
    with translation.override(framework.tender.language):
        return str(_("The framework agreement is no longer in force: the order is not offered to anyone else."))


def call_offs_withdraw_open(*, framework: Framework, at: datetime, reason: str) -> list[CallOff]:
    """The framework ends or is terminated (inside that change's transaction, the framework locked): every order
    still waiting for a provider's reply is withdrawn from it and becomes unfilled, holding nothing; its reply timer
    goes, and the provider is told."""
    withdrawn: list[CallOff] = []
    open_orders = CallOff.objects.select_for_update().filter(framework=framework, status=CallOffStatus.OFFERED)
    for call_off in open_orders.order_by("pk"):
        call_off.framework = framework
        step = _pending_step(call_off)
        provider = step.member.provider if step is not None else None
        if step is not None:
            _step_decide(step, Outcome.WITHDRAWN, at=at)
        call_off.exhaust(at=at, reason=reason)
        call_off.member, call_off.unit_price, call_off.value = None, None, None
        call_off.save(
            update_fields=["status", "closed_at", "close_reason", "reply_by", "member", "unit_price", "value"]
        )
        _reply_timer_drop(call_off)
        audit_record(
            action="call_off.withdraw",
            obj=call_off,
            tender_id=framework.tender_id,
            before={"status": CallOffStatus.OFFERED, "member": step.member_id if step is not None else None},
            after={"status": call_off.status, "reason": reason},
        )
        if step is not None and provider is not None:
            notify(
                kind="call_off.withdrawn",
                key=f"call-off-step:{step.pk}:withdrawn",
                tender_id=framework.tender_id,
                providers=[provider],
                payload=_payload(call_off),
            )
        withdrawn.append(call_off)
    return withdrawn


# --- the services ------------------------------------------------------------------------------------------------


def _validate(
    *,
    municipality: str,
    language_of_instruction: str,
    study_path: str,
    students: int,
    start_on: date,
    training_days: int,
    skips: list[tuple[int, str]],
) -> None:
    errors: dict[str, list[dict[str, str]]] = {}

    def add(field: str, code: str, message: str) -> None:
        errors.setdefault(field, []).append({"code": code, "message": message})

    if not municipality:
        add("municipality", "required", _("Give the municipality."))
    if language_of_instruction not in LANGUAGES:
        add("language_of_instruction", "invalid_choice", _("Choose the language of instruction."))
    if study_path not in StudyPath.values:
        add("study_path", "invalid_choice", _("Choose the study path."))
    if students is None or students < 1:
        add("students", "min_value", _("An order is for at least one student."))
    elif students > MAX_STUDENTS:
        add("students", "max_value", _("An order is for at most %(max)s students.") % {"max": MAX_STUDENTS})
    if training_days is None or training_days < 1:
        add("training_days", "min_value", _("A course lasts at least one training day."))
    elif training_days > MAX_TRAINING_DAYS:
        add(
            "training_days",
            "max_value",
            _("A course lasts at most %(max)s training days.") % {"max": MAX_TRAINING_DAYS},
        )
    if start_on is None:
        add("start_on", "required", _("Give the start date."))
    elif start_on < timezone.localdate():
        add("start_on", "in_past", _("The course cannot start in the past."))
    for _member, reason in skips:
        if not reason:
            add(
                "skips",
                "skip_reason_required",
                _("Give the reason for skipping a provider in the order of preference."),
            )
            break
    if errors:
        raise ValidationFailed(errors=errors)


def call_off_create(
    *,
    actor: User,
    framework_id: int,
    municipality: str,
    language_of_instruction: str,
    study_path: str,
    students: int,
    start_on: date,
    training_days: int,
    note: str = "",
    skips: Iterable[tuple[int, str]] = (),
) -> CallOff:
    """An officer orders a course start from the framework: it is offered to the first-ranked active provider with
    capacity in the start date's term whose price keeps the framework within its maximum. A provider with capacity is
    passed over only by a skip (its member id) with a recorded reason. Nobody able to take it: 409, nothing written."""
    framework_officer_check(actor=actor, framework_id=framework_id)
    municipality = (municipality or "").strip()
    skip_list = [(int(member), (reason or "").strip()) for member, reason in skips]
    _validate(
        municipality=municipality,
        language_of_instruction=language_of_instruction,
        study_path=study_path,
        students=students,
        start_on=start_on,
        training_days=training_days,
        skips=skip_list,
    )
    now = timezone.now()
    with transaction.atomic():
        framework = framework_for_update(framework_id)
        framework_active_check(framework)
        call_off_preference_check(framework)
        if not framework.starts_on <= start_on <= framework.ends_on:
            raise _error(
                "start_on",
                "outside_term",
                _("The course must start while the framework is in force (%(start)s–%(end)s).")
                % {"start": framework.starts_on.strftime("%d.%m.%Y"), "end": framework.ends_on.strftime("%d.%m.%Y")},
            )
        members = set(framework.members.filter(left_on__isnull=True).values_list("pk", flat=True))
        if any(member not in members for member, _reason in skip_list):
            raise _error("skips", "unknown_member", _("Only a provider of the framework can be skipped."))
        volume = call_off_volume(framework, students=students, training_days=training_days)
        course = Course(students=students, start_on=start_on, volume=volume)
        passed, member = _next_offeree(framework, course, asked=set(), skips=dict(skip_list), call_off_id=None)
        if member is None:
            stopped = [p for p in passed if p.outcome != Outcome.SKIPPED]
            if stopped and all(p.outcome == Outcome.OVER_MAXIMUM for p in stopped):
                raise maximum_exceeded(sorted({item for p in stopped for item in p.over}))
            raise Conflict(
                _("No provider of the framework has capacity for this order."),
                code="no_capacity",
                passed=[{"rank": p.member.rank, "outcome": p.outcome} for p in passed],
            )
        warned = framework_usage(framework).warning
        number = (CallOff.objects.filter(framework=framework).aggregate(n=Max("number"))["n"] or 0) + 1
        call_off: CallOff = CallOff.objects.create(
            framework=framework,
            number=number,
            municipality=municipality,
            language_of_instruction=language_of_instruction,
            study_path=study_path,
            students=students,
            start_on=start_on,
            training_days=training_days,
            note=(note or "").strip(),
            volume=volume,
            created_by=actor,
            created_at=now,
        )
        _write_passes(call_off, passed, now=now, actor=actor)
        step = _offer(call_off, member, now=now, actor=actor)
        audit_record(
            action="call_off.create",
            actor=actor,
            obj=call_off,
            tender_id=framework.tender_id,
            after={
                "framework": framework.pk,
                "number": number,
                "students": students,
                "start_on": start_on,
                "volume": volume,
                "member": member.pk,
                "rank": member.rank,
                "value": call_off.value,
                "reply_by": step.reply_by,
            },
            detail={"passed": [{"rank": p.member.rank, "outcome": p.outcome, "reason": p.reason} for p in passed]},
        )
        _warn_if_crossed(framework, warned)
    return call_off


def call_off_accept(*, actor: User, call_off_id: int) -> CallOff:
    """The provider the order is offered to accepts it by the reply deadline: the order is confirmed (its PDF queued),
    the officers and the provider are told."""
    call_off_provider_check(actor=actor, call_off_id=call_off_id)
    now = timezone.now()
    with transaction.atomic():
        framework, call_off, step = _reply_open(actor, call_off_id, now=now)
        if not framework_in_force(framework, now):
            raise Conflict(_("The framework agreement is not in force."), code="framework_not_active")
        _step_decide(step, Outcome.ACCEPTED, at=now, by=actor)
        call_off.accept(at=now)
        call_off.save(update_fields=["status", "accepted_at"])
        _reply_timer_drop(call_off)
        provider = step.member.provider
        document, language = _provider_document(
            framework, provider, kind=DocumentKind.CALL_OFF_CONFIRMATION, subject=f"call-off:{call_off.pk}", actor=actor
        )
        audit_record(
            action="call_off.accept",
            actor=actor,
            obj=call_off,
            tender_id=framework.tender_id,
            before={"status": CallOffStatus.OFFERED},
            after={"status": call_off.status, "member": step.member_id, "value": call_off.value},
        )
        notify(
            kind="call_off.accepted",
            key=f"call-off:{call_off.pk}:accepted",
            tender_id=framework.tender_id,
            providers=[provider],
            users=officers_of(framework.tender.authority_id),
            documents=[document.pk],
            languages={provider.pk: language},
            payload={**_payload(call_off), "provider": provider.name, "value": str(call_off.value)},
        )
    return call_off


def _reply_open(actor: AnyUser, call_off_id: int, *, now: datetime) -> tuple[Framework, CallOff, CallOffStep]:
    """The order, locked, with its step offered to the actor's provider (409 `call_off_not_offered`) before the reply
    deadline (409 `reply_deadline_passed`)."""
    framework, call_off = _locked(call_off_id)
    step = _offered_step(call_off)
    if step is None or step.member.provider_id not in roles_of(actor).provider_of:
        raise Conflict(_("The order is not offered to you now."), code="call_off_not_offered")
    if now > (step.reply_by or now):
        raise Conflict(_("The deadline for the reply has passed."), code="reply_deadline_passed")
    return framework, call_off, step


def _reason_given(reason: str, *, code: str, message: str) -> str:
    """The reason, stripped; 400 with `code` and `message` without one."""
    reason = (reason or "").strip()
    if not reason:
        raise _error("reason", code, message)
    return reason


def _step_pass(
    framework: Framework,
    call_off: CallOff,
    step: CallOffStep,
    outcome: str,
    *,
    action: str,
    actor: User,
    reason: str,
    now: datetime,
) -> None:
    """The provider's turn ends for a reason (it declined, an officer skipped it): the step's outcome and the audit
    event."""
    _step_decide(step, outcome, at=now, by=actor, reason=reason)
    audit_record(
        action=action,
        actor=actor,
        obj=call_off,
        tender_id=framework.tender_id,
        after={"member": step.member_id, "rank": step.member.rank, "reason": reason},
    )


def call_off_decline(*, actor: User, call_off_id: int, reason: str) -> CallOff:
    """The provider the order is offered to declines it, with its reason: the order passes to the next in rank."""
    call_off_provider_check(actor=actor, call_off_id=call_off_id)
    reason = _reason_given(reason, code="reason_required", message=_("Give the reason for declining the order."))
    now = timezone.now()
    with transaction.atomic():
        framework, call_off, step = _reply_open(actor, call_off_id, now=now)
        _step_pass(
            framework, call_off, step, Outcome.DECLINED, action="call_off.decline", actor=actor, reason=reason, now=now
        )
        notify(
            kind="call_off.declined",
            key=f"call-off-step:{step.pk}:declined",
            tender_id=framework.tender_id,
            users=officers_of(framework.tender.authority_id),
            payload={**_payload(call_off), "provider": step.member.provider.name, "reason": reason},
        )
        _pass_on(call_off, now=now, actor=actor)
    return call_off


def call_off_expire_queue(*, call_off_id: int, at: datetime) -> None:
    """The reply timer fired (inside the timer scan, which holds its timers' row locks): the expiry runs in a task
    of its own, after the scan's commit, so that the scan never waits for the framework's lock (that a reply holds
    while it removes the timer)."""
    outbox_enqueue(EXPIRE_TASK, call_off_id, at.isoformat())


def call_off_expire(*, call_off_id: int, now: datetime) -> CallOff | None:
    """The reply deadline passed with no reply (the timer's task): the step expires and the order passes on. Nothing
    when the step was answered, or its deadline moved, in the meantime (checked again under the lock: the task may
    run twice)."""
    if not CallOff.objects.filter(pk=call_off_id).exists():
        return None
    with transaction.atomic():
        framework, call_off = _locked(call_off_id)
        step = _offered_step(call_off)
        if step is None or step.reply_by is None or now <= step.reply_by:
            return None
        _step_decide(step, Outcome.EXPIRED, at=now)
        audit_record(
            action="call_off.expire",
            obj=call_off,
            tender_id=framework.tender_id,
            after={"member": step.member_id, "rank": step.member.rank, "reply_by": step.reply_by},
        )
        notify(
            kind="call_off.expired",
            key=f"call-off-step:{step.pk}:expired",
            tender_id=framework.tender_id,
            providers=[step.member.provider],
            users=officers_of(framework.tender.authority_id),
            payload={
                **_payload(call_off),
                "provider": step.member.provider.name,
                "reply_by": step.reply_by.isoformat(),
            },
        )
        _pass_on(call_off, now=now, actor=None)
        return call_off


def call_off_skip(*, actor: User, call_off_id: int, reason: str) -> CallOff:
    """An officer passes the order over the provider it is offered to, with a reason the order's record shows: it
    goes on to the next in rank."""
    call_off_officer_check(actor=actor, call_off_id=call_off_id)
    reason = _reason_given(
        reason,
        code="skip_reason_required",
        message=_("Give the reason for skipping a provider in the order of preference."),
    )
    now = timezone.now()
    with transaction.atomic():
        framework, call_off = _locked(call_off_id)
        step = _offered_step(call_off)
        if step is None:
            raise Conflict(_("The order is not waiting for a provider's reply."), code="call_off_not_offered")
        _step_pass(
            framework, call_off, step, Outcome.SKIPPED, action="call_off.skip", actor=actor, reason=reason, now=now
        )
        notify(
            kind="call_off.withdrawn",
            key=f"call-off-step:{step.pk}:withdrawn",
            tender_id=framework.tender_id,
            providers=[step.member.provider],
            payload=_payload(call_off),
        )
        _pass_on(call_off, now=now, actor=actor)
    return call_off


def call_off_cancel(*, actor: User, call_off_id: int, reason: str) -> CallOff:
    """An officer cancels an order (offered or accepted): it holds nothing any more; the provider is told."""
    call_off_officer_check(actor=actor, call_off_id=call_off_id)
    reason = _reason_given(reason, code="reason_required", message=_("Give the reason for cancelling the order."))
    now = timezone.now()
    with transaction.atomic():
        framework, call_off = _locked(call_off_id)
        before = call_off.status
        transition_apply(obj=call_off, action="cancel", actor=actor, at=now, reason=reason)
        call_off.save(update_fields=["status", "closed_at", "close_reason", "reply_by"])
        step = _pending_step(call_off)
        if step is not None:
            _step_decide(step, Outcome.WITHDRAWN, at=now, by=actor)
        _reply_timer_drop(call_off)
        audit_record(
            action="call_off.cancel",
            actor=actor,
            obj=call_off,
            tender_id=framework.tender_id,
            before={"status": before},
            after={"status": call_off.status, "reason": reason},
        )
        told = [call_off.member.provider_id] if call_off.member is not None else []
        notify(
            kind="call_off.cancelled",
            key=f"call-off:{call_off.pk}:cancelled",
            tender_id=framework.tender_id,
            providers=told,
            payload={**_payload(call_off), "reason": reason},
        )
    return call_off


# --- reads -------------------------------------------------------------------------------------------------------


def framework_readable(*, user: AnyUser, framework_id: int) -> Framework:
    """The framework for those who read the whole framework (its authority's officers and auditors,
    `framework_follow.reads_whole_framework`); 404 for everyone else."""
    framework: Framework | None = (
        Framework.objects.select_related("tender__authority", "lot").filter(pk=framework_id).first()
    )
    if framework is None or not reads_whole_framework(user, framework):
        raise NotFound()
    return framework


def call_offs_of_framework(*, user: AnyUser, framework_id: int) -> QuerySet[CallOff]:
    framework = framework_readable(user=user, framework_id=framework_id)
    orders: QuerySet[CallOff] = (
        CallOff.objects.filter(framework=framework)
        .select_related("framework__lot", "framework__tender", "member__provider")
        .order_by("-number")
    )
    return orders


@dataclass(frozen=True)
class ProviderOrder:
    """An order as a provider sees it: the course, and its own steps only (never another provider's, their reasons
    or prices); its price and value only while it is offered to it or accepted by it."""

    call_off: CallOff
    steps: list[CallOffStep]

    @property
    def pending(self) -> CallOffStep | None:
        return next((s for s in self.steps if s.outcome == Outcome.PENDING), None)

    @property
    def accepted(self) -> CallOffStep | None:
        return next((s for s in self.steps if s.outcome == Outcome.ACCEPTED), None)

    @property
    def current(self) -> CallOffStep | None:
        return self.pending or self.accepted

    @property
    def state(self) -> str:
        """Its latest step's outcome ("pending": a reply is due); "withdrawn" for an accepted order later cancelled."""
        if self.accepted is not None and self.call_off.status == CallOffStatus.CANCELLED:
            return Outcome.WITHDRAWN
        return self.steps[-1].outcome

    @property
    def state_label(self) -> str:
        return str(OUTCOME_LABELS.get(self.state, self.state))

    @property
    def unit_price(self) -> Decimal | None:
        """The order's own price (a later price index adjustment of the member does not change it)."""
        return self.call_off.unit_price if self.current is not None else None

    @property
    def value(self) -> Decimal | None:
        return self.call_off.value if self.current is not None else None

    @property
    def reply_by(self) -> datetime | None:
        return self.pending.reply_by if self.pending is not None else None


def _provider_orders(provider_ids: Iterable[int], call_offs: QuerySet[CallOff]) -> list[ProviderOrder]:
    ids = list(provider_ids)
    orders = list(
        call_offs.filter(steps__member__provider_id__in=ids)
        .distinct()
        .select_related("framework__lot", "framework__tender__authority")
    )
    steps: dict[int, list[CallOffStep]] = {}
    for step in (
        CallOffStep.objects.filter(call_off__in=orders, member__provider_id__in=ids)
        .select_related("member__provider")
        .order_by("number")
    ):
        steps.setdefault(step.call_off_id, []).append(step)
    views = [ProviderOrder(call_off=o, steps=steps[o.pk]) for o in orders]
    # Replies due first (the earliest deadline first), then the rest, the latest first.
    return sorted(
        views,
        key=lambda v: (
            v.pending is None,
            v.reply_by.timestamp() if v.reply_by else 0,
            -v.call_off.created_at.timestamp(),
        ),
    )


def call_offs_of_provider(*, user: AnyUser) -> list[ProviderOrder]:
    """The orders that concern the user's providers: those to reply to first, then the history."""
    providers = roles_of(user).provider_of
    if not providers:
        return []
    return _provider_orders(providers, CallOff.objects.all())


def call_offs_of_authority(*, user: AnyUser) -> QuerySet[CallOff]:
    """The orders of the frameworks of the authorities whose officer or auditor the user is."""
    roles = roles_of(user)
    orders: QuerySet[CallOff] = CallOff.objects.select_related(
        "framework__lot", "framework__tender", "member__provider"
    ).order_by("-created_at")
    if roles.auditor_of_all:
        return orders
    authorities = roles.officer_of | roles.auditor_of
    return orders.filter(framework__tender__authority_id__in=authorities)


def call_off_record(*, user: AnyUser, call_off_id: int) -> CallOff:
    """The order's whole record (every step with its reasons) for those who read the whole framework (its
    authority's officers and auditors); 404 else."""
    call_off = _call_off_of(call_off_id)
    if call_off is None or not reads_whole_framework(user, call_off.framework):
        raise NotFound()
    return call_off


def call_off_steps(call_off: CallOff) -> list[CallOffStep]:
    return list(call_off.steps.select_related("member__provider", "decided_by").order_by("number"))


def call_off_of_provider(*, user: AnyUser, call_off_id: int) -> ProviderOrder:
    """One order as the user's provider sees it; 404 when it concerns none of the user's providers."""
    providers = roles_of(user).provider_of
    call_off = _call_off_of(call_off_id)
    if call_off is None or not providers:
        raise NotFound()
    orders = _provider_orders(providers, CallOff.objects.filter(pk=call_off.pk))
    if not orders:
        raise NotFound()
    return orders[0]


def call_off_documents(*, user: AnyUser, call_off: CallOff) -> list[GeneratedDocument]:
    """The order's PDFs the user may read: each offer's order, and the confirmation."""
    step_ids = list(call_off.steps.values_list("pk", flat=True))
    subjects = [f"call-off-step:{pk}" for pk in step_ids] + [f"call-off:{call_off.pk}"]
    return list(
        documents_visible_to(user=user)
        .filter(
            tender_id=call_off.framework.tender_id,
            kind__in=[DocumentKind.CALL_OFF_ORDER, DocumentKind.CALL_OFF_CONFIRMATION],
            subject__in=subjects,
        )
        .order_by("pk")
    )
