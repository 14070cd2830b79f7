"""Call-offs by order of preference: an order goes down the framework's ranks (accepted, declined, not answered in
time across the holidays, skipped with a reason), within capacity and the maximum, one at a time under the lock."""

import threading
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_render
from evaluation.calloffs import (
    EXPIRE_TASK,
    call_off_accept,
    call_off_cancel,
    call_off_create,
    call_off_decline,
    call_off_of_provider,
    call_off_skip,
    call_off_steps,
    call_offs_of_provider,
    reply_deadline,
)
from evaluation.frameworks import framework_usage
from evaluation.models import CallOff, CallOffStatus, CallOffStep, Framework, FrameworkMember
from procurement.audit import AuditEvent
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.models import ContractingAuthority, Notification, Timer
from procurement.periods import HELSINKI, at_local_time, local_date, working_days_after
from procurement.timers import timers_run_due
from tests.fixtures import factories
from tests.fixtures.documents import pdftotext
from tests.fixtures.frameworks import signed_framework, third_member
from tests.fixtures.stages import run_outbox

pytestmark = pytest.mark.django_db
Outcome = CallOffStep.Outcome


@pytest.fixture
def member_c(db):
    return third_member()


@pytest.fixture
def framework(authority, officer, member_a, member_b, member_c):
    # ranks: A (9000) 1, B (9500) 2, C (9900) 3
    return signed_framework(
        authority=authority, officer=officer, bidders=[(member_b, "9500"), (member_a, "9000"), (member_c, "9900")]
    )


def order(officer, framework, **fields):
    data = {
        "municipality": "Kuopio",
        "language_of_instruction": "fi",
        "study_path": "basic",
        "students": 15,
        "start_on": timezone.localdate() + timedelta(days=30),
        "training_days": 100,
        **fields,
    }
    return call_off_create(actor=officer, framework_id=framework.pk, **data)


def rank(framework: Framework, number: int) -> FrameworkMember:
    return framework.members.get(rank=number)


def outcomes(call_off: CallOff) -> list[tuple[int, str]]:
    return [(s.member.rank, s.outcome) for s in call_off_steps(call_off)]


def provider_of(user):
    return user.memberships.get().provider


# --- creation ------------------------------------------------------------------------------------------------------


def test_an_order_is_offered_to_the_first_ranked_provider_with_a_reply_deadline(framework, officer, member_a):
    call_off = order(officer, framework)
    call_off.refresh_from_db()
    assert call_off.number == 1 and call_off.status == CallOffStatus.OFFERED
    assert call_off.member == rank(framework, 1)
    assert call_off.volume == Decimal("15") and call_off.value == Decimal("135000.00")
    expected = at_local_time(working_days_after(local_date(call_off.created_at), 3), "16:00")
    assert call_off.reply_by == expected
    assert outcomes(call_off) == [(1, Outcome.PENDING)]
    assert Timer.objects.filter(kind="call_off.reply_due", key=f"call-off:{call_off.pk}", due_at=expected).exists()
    offered = Notification.objects.get(kind="call_off.offered", provider=provider_of(member_a))
    document = GeneratedDocument.objects.get(kind=DocumentKind.CALL_OFF_ORDER)
    assert offered.documents == [document.pk] and document.provider == provider_of(member_a)
    assert AuditEvent.objects.filter(action="call_off.create", object_id=str(call_off.pk)).exists()
    assert order(officer, framework).number == 2


def test_the_reply_deadline_counts_working_days_across_christmas(framework):
    offered = datetime(2026, 12, 23, 10, 0, tzinfo=HELSINKI)
    assert reply_deadline(framework, offered) == datetime(2026, 12, 30, 16, 0, tzinfo=HELSINKI)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("students", 0, "min_value"),
        ("training_days", 0, "min_value"),
        ("municipality", "  ", "required"),
        ("language_of_instruction", "de", "invalid_choice"),
        ("study_path", "express", "invalid_choice"),
        ("start_on", timezone.localdate() - timedelta(days=1), "in_past"),
        ("start_on", timezone.localdate() + timedelta(days=2000), "outside_term"),
    ],
)
def test_an_invalid_order_is_refused_by_field(framework, officer, field, value, code):
    with pytest.raises(ValidationFailed) as refused:
        order(officer, framework, **{field: value})
    assert refused.value.errors[field][0]["code"] == code
    assert not CallOff.objects.exists()


def test_only_the_authoritys_officers_order(framework, auditor_user, authority, other_authority):
    auditor = factories.auditor(authority)
    with pytest.raises(Forbidden):
        order(auditor, framework)
    with pytest.raises(NotFound):
        order(factories.officer_of(other_authority), framework)
    assert not CallOff.objects.exists()


def test_an_ended_framework_takes_no_order(framework, officer):
    Framework.objects.filter(pk=framework.pk).update(status="terminated")
    with pytest.raises(Conflict) as refused:
        order(officer, framework)
    assert refused.value.code == "framework_not_active"


# --- the provider's reply ------------------------------------------------------------------------------------------


def test_the_provider_accepts_and_the_order_is_confirmed(framework, officer, member_a):
    call_off = order(officer, framework)
    call_off_accept(actor=member_a, call_off_id=call_off.pk)
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.ACCEPTED and call_off.accepted_at is not None
    assert outcomes(call_off) == [(1, Outcome.ACCEPTED)]
    confirmation = GeneratedDocument.objects.get(kind=DocumentKind.CALL_OFF_CONFIRMATION)
    accepted = Notification.objects.filter(kind="call_off.accepted")
    assert {n.provider_id for n in accepted if n.provider_id} == {provider_of(member_a).pk}
    assert officer.pk in {n.user_id for n in accepted}
    assert all(n.documents == [confirmation.pk] for n in accepted)
    assert not Timer.objects.filter(kind="call_off.reply_due", done_at__isnull=True).exists()
    assert framework_usage(framework).value == Decimal("135000.00")
    with pytest.raises(Conflict) as again:
        call_off_accept(actor=member_a, call_off_id=call_off.pk)
    assert again.value.code == "call_off_not_offered"


def test_a_provider_not_asked_does_not_see_the_order_and_the_authority_cannot_reply(
    framework, officer, member_b, member_c
):
    call_off = order(officer, framework)
    for outsider in (member_b, member_c, factories.provider_member_of(factories.ProviderFactory())):
        with pytest.raises(NotFound):
            call_off_accept(actor=outsider, call_off_id=call_off.pk)
        with pytest.raises(NotFound):
            call_off_of_provider(user=outsider, call_off_id=call_off.pk)
    with pytest.raises(Forbidden):
        call_off_accept(actor=officer, call_off_id=call_off.pk)


def test_accepting_after_the_reply_deadline_is_refused(framework, officer, member_a):
    call_off = order(officer, framework)
    CallOffStep.objects.filter(call_off=call_off).update(reply_by=timezone.now() - timedelta(minutes=1))
    with pytest.raises(Conflict) as refused:
        call_off_accept(actor=member_a, call_off_id=call_off.pk)
    assert refused.value.code == "reply_deadline_passed"
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.OFFERED


def test_a_decline_needs_a_reason_and_passes_the_order_to_the_next(framework, officer, member_a, member_b):
    call_off = order(officer, framework)
    with pytest.raises(ValidationFailed) as refused:
        call_off_decline(actor=member_a, call_off_id=call_off.pk, reason=" ")
    assert refused.value.errors["reason"][0]["code"] == "reason_required"
    call_off_decline(actor=member_a, call_off_id=call_off.pk, reason="Ei opettajia Kuopiossa syksyllä.")
    call_off.refresh_from_db()
    assert outcomes(call_off) == [(1, Outcome.DECLINED), (2, Outcome.PENDING)]
    assert call_off.member == rank(framework, 2) and call_off.value == Decimal("142500.00")
    assert Notification.objects.filter(kind="call_off.declined", user=officer).exists()
    assert Notification.objects.filter(kind="call_off.offered", provider=provider_of(member_b)).exists()
    with pytest.raises(Conflict) as late:
        call_off_accept(actor=member_a, call_off_id=call_off.pk)
    assert late.value.code == "call_off_not_offered"
    call_off_accept(actor=member_b, call_off_id=call_off.pk)
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.ACCEPTED


def test_declined_by_everyone_the_order_is_unfilled_and_holds_nothing(framework, officer, member_a, member_b, member_c):
    call_off = order(officer, framework)
    for member in (member_a, member_b, member_c):
        call_off_decline(actor=member, call_off_id=call_off.pk, reason="Ei kapasiteettia.")
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.UNFILLED and call_off.close_reason
    assert [o for _r, o in outcomes(call_off)] == [Outcome.DECLINED] * 3
    assert Notification.objects.filter(kind="call_off.unfilled", user=officer).exists()
    assert framework_usage(framework).value == Decimal("0")


def test_no_reply_passes_the_order_on_counting_working_days_across_christmas(framework, officer, member_c):
    # given an order whose first offer is due on Wednesday 23.12.2026 at 16:00
    call_off = order(officer, framework)
    first_due = datetime(2026, 12, 23, 16, 0, tzinfo=HELSINKI)
    CallOffStep.objects.filter(call_off=call_off).update(reply_by=first_due)
    Timer.objects.filter(kind="call_off.reply_due").update(due_at=first_due)

    # when the timers run just after it (the timer queues the expiry; a worker runs it after the scan's commit)
    timers_run_due(now=first_due + timedelta(minutes=1))
    assert outcomes(call_off) == [(1, Outcome.PENDING)]
    assert run_outbox(EXPIRE_TASK) == 1

    # then it expired and the second is asked until the third working day after: Christmas Eve, Christmas Day and
    # the weekend do not count
    call_off.refresh_from_db()
    assert outcomes(call_off) == [(1, Outcome.EXPIRED), (2, Outcome.PENDING)]
    assert call_off.reply_by == datetime(2026, 12, 30, 16, 0, tzinfo=HELSINKI)
    assert Notification.objects.filter(kind="call_off.expired", user=officer).exists()
    assert Timer.objects.filter(kind="call_off.reply_due", done_at__isnull=True, due_at=call_off.reply_by).exists()

    # a run before the deadline changes nothing; after it, the third is asked
    timers_run_due(now=datetime(2026, 12, 29, 12, 0, tzinfo=HELSINKI))
    assert run_outbox(EXPIRE_TASK) == 0
    timers_run_due(now=datetime(2026, 12, 30, 16, 1, tzinfo=HELSINKI))
    assert run_outbox(EXPIRE_TASK) == 1
    call_off.refresh_from_db()
    assert outcomes(call_off) == [(1, Outcome.EXPIRED), (2, Outcome.EXPIRED), (3, Outcome.PENDING)]
    call_off_accept(actor=member_c, call_off_id=call_off.pk)


# --- skipping with a reason ----------------------------------------------------------------------------------------


def test_an_officer_skips_a_provider_only_with_a_reason_shown_in_the_record(framework, officer):
    with pytest.raises(ValidationFailed) as refused:
        order(officer, framework, skips=[(rank(framework, 1).pk, "")])
    assert refused.value.errors["skips"][0]["code"] == "skip_reason_required"
    assert not CallOff.objects.exists() and not CallOffStep.objects.exists()

    reason = "Esteellinen: sama kouluttaja kuin tilaajalla."
    call_off = order(officer, framework, skips=[(rank(framework, 1).pk, reason)])
    steps = call_off_steps(call_off)
    assert [(s.member.rank, s.outcome, s.reason) for s in steps] == [
        (1, Outcome.SKIPPED, "Esteellinen: sama kouluttaja kuin tilaajalla."),
        (2, Outcome.PENDING, ""),
    ]
    assert steps[0].decided_by == officer


def test_an_officer_passes_the_order_over_the_current_offeree_with_a_reason(framework, officer, member_a):
    call_off = order(officer, framework)
    with pytest.raises(ValidationFailed) as refused:
        call_off_skip(actor=officer, call_off_id=call_off.pk, reason="")
    assert refused.value.errors["reason"][0]["code"] == "skip_reason_required"
    call_off_skip(actor=officer, call_off_id=call_off.pk, reason="Palveluntuottaja ilmoitti puhelimitse esteestä.")
    assert outcomes(call_off) == [(1, Outcome.SKIPPED), (2, Outcome.PENDING)]
    assert Notification.objects.filter(kind="call_off.withdrawn", provider=provider_of(member_a)).exists()
    # the provider passed over sees its own step, not the others'
    seen = call_off_of_provider(user=member_a, call_off_id=call_off.pk)
    assert [s.outcome for s in seen.steps] == [Outcome.SKIPPED] and seen.value is None


# --- capacity and the maximum --------------------------------------------------------------------------------------


def test_a_provider_without_capacity_is_passed_over_and_told_so(framework, officer, member_a):
    FrameworkMember.objects.filter(framework=framework, rank=1).update(capacity=20)
    order(officer, framework, students=12)
    second = order(officer, framework, students=12)
    steps = call_off_steps(second)
    assert [(s.member.rank, s.outcome) for s in steps] == [(1, Outcome.NO_CAPACITY), (2, Outcome.PENDING)]
    assert "8" in steps[0].reason and "20" in steps[0].reason
    mine = {o.call_off.pk: o for o in call_offs_of_provider(user=member_a)}
    assert mine[second.pk].state == Outcome.NO_CAPACITY


def test_when_nobody_has_capacity_the_order_is_refused_and_nothing_written(framework, officer):
    FrameworkMember.objects.filter(framework=framework).update(capacity=10)
    events, notifications = AuditEvent.objects.count(), Notification.objects.count()
    with pytest.raises(Conflict) as refused:
        order(officer, framework, students=12)
    assert refused.value.code == "no_capacity"
    assert not CallOff.objects.exists() and not CallOffStep.objects.exists()
    assert AuditEvent.objects.count() == events and Notification.objects.count() == notifications


def test_beyond_the_maximum_the_order_is_refused_and_nothing_written(framework, officer):
    Framework.objects.filter(pk=framework.pk).update(max_value=Decimal("100000"))
    with pytest.raises(Conflict) as refused:
        order(officer, framework)
    assert refused.value.code == "framework_maximum_exceeded"
    assert not CallOff.objects.exists() and not CallOffStep.objects.exists()


def test_a_dearer_provider_that_would_exceed_the_maximum_is_passed_over(framework, officer, member_a):
    # 15 students at A's 9000 fit 140 000; B's 9500 and C's 9900 do not
    Framework.objects.filter(pk=framework.pk).update(max_value=Decimal("140000"))
    call_off = order(officer, framework)
    call_off_decline(actor=member_a, call_off_id=call_off.pk, reason="Ei resursseja.")
    call_off.refresh_from_db()
    assert outcomes(call_off) == [(1, Outcome.DECLINED), (2, Outcome.OVER_MAXIMUM), (3, Outcome.OVER_MAXIMUM)]
    assert call_off.status == CallOffStatus.UNFILLED


def test_officers_are_warned_at_80_percent_of_the_maximum(framework, officer):
    Framework.objects.filter(pk=framework.pk).update(max_value=Decimal("300000"))
    order(officer, framework)  # 135 000: 45 %
    assert not Notification.objects.filter(kind="framework.usage_warning").exists()
    order(officer, framework)  # 270 000: 90 %
    assert Notification.objects.filter(kind="framework.usage_warning", user=officer).exists()


def test_a_cancelled_order_holds_nothing_and_its_provider_is_told(framework, officer, member_a, authority):
    FrameworkMember.objects.filter(framework=framework, rank=1).update(capacity=15)
    call_off = order(officer, framework)
    with pytest.raises(ValidationFailed):
        call_off_cancel(actor=officer, call_off_id=call_off.pk, reason="")
    with pytest.raises(Forbidden):
        call_off_cancel(actor=factories.auditor(authority), call_off_id=call_off.pk, reason="Peruttu.")
    call_off_cancel(actor=officer, call_off_id=call_off.pk, reason="Ryhmä ei täyttynyt.")
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.CANCELLED
    assert outcomes(call_off) == [(1, Outcome.WITHDRAWN)]
    assert framework_usage(framework).value == Decimal("0")
    assert Notification.objects.filter(kind="call_off.cancelled", provider=provider_of(member_a)).exists()
    # its capacity is free again: the next order goes to the first rank
    assert order(officer, framework).member.rank == 1


# --- two officers at once ------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_officers_ordering_the_last_capacity_at_once_one_gets_409(authority, officer, officer2, member_a, member_b):
    framework = signed_framework(authority=authority, officer=officer, bidders=[(member_a, "9000"), (member_b, "9500")])
    FrameworkMember.objects.filter(framework=framework).update(capacity=15)
    FrameworkMember.objects.filter(framework=framework, rank=2).update(capacity=0)
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def act(name, actor):
        try:
            barrier.wait()
            order(actor, framework)
            results[name] = "created"
        except Conflict as refused:
            results[name] = refused.code
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(n, a)) for n, a in (("first", officer), ("second", officer2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results.values()) == ["created", "no_capacity"], results
    assert CallOff.objects.filter(framework=framework).count() == 1


# --- the PDFs ------------------------------------------------------------------------------------------------------


def test_the_order_and_its_confirmation_are_in_finnish(framework, officer, member_a):
    call_off = order(officer, framework, skips=[(rank(framework, 1).pk, "Esteellinen.")])
    member_b_user = rank(framework, 2).provider.memberships.get().user
    text = pdftotext(document_render(document_id=GeneratedDocument.objects.get(kind=DocumentKind.CALL_OFF_ORDER).pk))
    assert "TILAUS PUITEJÄRJESTELYSTÄ 1" in text
    assert "Kuopio" in text and "15" in text and "9 500,00" in text and "142 500,00" in text
    assert framework.reference in text and framework.tender.reference in text
    assert "Virkailija ohitti" not in text and "Esteellinen" not in text
    assert "Tilaus tuli teille puitejärjestelyn etusijajärjestyksen mukaisesti." in text
    call_off_accept(actor=member_b_user, call_off_id=call_off.pk)
    confirmation = GeneratedDocument.objects.get(kind=DocumentKind.CALL_OFF_CONFIRMATION)
    text = pdftotext(document_render(document_id=confirmation.pk))
    assert "TILAUSVAHVISTUS 1" in text and "Hyväksytty" in text


def test_a_swedish_provider_gets_its_order_in_swedish_from_a_bilingual_authority(
    framework, officer, member_a, authority
):
    ContractingAuthority.objects.filter(pk=authority.pk).update(language_status="bilingual", name_sv="Testkommun")
    provider = provider_of(member_a)
    provider.preferred_language = "sv"
    provider.save(update_fields=["preferred_language"])
    order(officer, framework)
    document = GeneratedDocument.objects.get(kind=DocumentKind.CALL_OFF_ORDER)
    assert document.language == "sv"
    text = pdftotext(document_render(document_id=document.pk))
    assert text.index("AVROP FRÅN RAMAVTAL 1") < text.index("TILAUS PUITEJÄRJESTELYSTÄ 1")
    assert "Testkommun" in text and "Svara senast" in text
