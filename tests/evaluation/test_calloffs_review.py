"""The call-off review's defects, each held by a test: orders by preference only where the framework allows them,
no order moving once the framework is no longer in force, the order's own price after a price index adjustment,
the bounds of a course, no other provider's outcome in the order PDF, the expiry out of the timer scan, and the
order reads that follow the framework summary's rule."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_render
from evaluation.calloffs import (
    EXPIRE_TASK,
    call_off_accept,
    call_off_create,
    call_off_decline,
    call_off_expire,
    call_off_record,
    call_off_steps,
)
from evaluation.document_contexts.call_off import call_off_context
from evaluation.framework_changes import framework_price_adjust, framework_terminate
from evaluation.models import CallOff, CallOffStatus, CallOffStep, Framework, FrameworkStatus
from procurement.audit import AuditEvent
from procurement.errors import Conflict, NotFound, ValidationFailed
from procurement.models import Membership, Notification, OutboxMessage, Role, Timer
from procurement.timers import timers_run_due
from tests.fixtures import factories
from tests.fixtures.documents import pdftotext
from tests.fixtures.frameworks import signed_framework
from tests.fixtures.portal import signed_in
from tests.fixtures.stages import run_outbox

pytestmark = pytest.mark.django_db
Outcome = CallOffStep.Outcome


@pytest.fixture
def framework(authority, officer, member_a, member_b):
    # ranks: A (9000) 1, B (9500) 2
    return signed_framework(authority=authority, officer=officer, bidders=[(member_a, "9000"), (member_b, "9500")])


def course(**fields):
    return {
        "municipality": "Kuopio",
        "language_of_instruction": "fi",
        "study_path": "basic",
        "students": 15,
        "start_on": timezone.localdate() + timedelta(days=30),
        "training_days": 100,
        **fields,
    }


def order(officer, framework, **fields):
    return call_off_create(actor=officer, framework_id=framework.pk, **course(**fields))


def api_body(**fields):
    data = course(**fields)
    data["start_on"] = data["start_on"].isoformat()
    return data


def portal_form(framework, **fields):
    data = {key: str(value) for key, value in api_body(**fields).items()}
    data["note"] = ""
    for member in framework.members.all():
        data[f"skip_{member.pk}"] = ""
    return data


def outcomes(call_off):
    return [(s.member.rank, s.outcome) for s in call_off_steps(call_off)]


def with_role(authority, role):
    user = factories.UserFactory()
    Membership.objects.create(user=user, role=role, authority=authority)
    return user


# --- 1. orders by preference only where the framework allows them -------------------------------------------------


def test_a_framework_of_mini_competitions_only_refuses_an_order_by_preference(framework, officer, client_for):
    Framework.objects.filter(pk=framework.pk).update(call_off_method="mini_competition")
    with pytest.raises(Conflict) as refused:
        order(officer, framework)
    assert refused.value.code == "preference_not_allowed"
    answer = client_for(officer).post(f"/api/v1/frameworks/{framework.pk}/orders/", api_body(), format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "preference_not_allowed"
    with translation.override("fi"):
        assert "minikilpailutuksella" in str(refused.value.message)
    assert not CallOff.objects.exists()

    page = signed_in(officer)
    assert page.get(f"/frameworks/{framework.pk}/orders/new/").status_code == 409
    assert page.post(f"/frameworks/{framework.pk}/orders/new/", portal_form(framework)).status_code == 409
    assert f"/frameworks/{framework.pk}/orders/new/" not in page.get(f"/frameworks/{framework.pk}/").content.decode()
    assert not CallOff.objects.exists()


@pytest.mark.parametrize("method", ["preference", "combined"])
def test_preference_and_combined_frameworks_take_orders(framework, officer, method):
    Framework.objects.filter(pk=framework.pk).update(call_off_method=method)
    assert order(officer, framework).status == CallOffStatus.OFFERED
    page = signed_in(officer)
    assert f"/frameworks/{framework.pk}/orders/new/" in page.get(f"/frameworks/{framework.pk}/").content.decode()
    assert page.get(f"/frameworks/{framework.pk}/orders/new/").status_code == 200


# --- 2. no order moves once the framework is no longer in force ---------------------------------------------------


def test_a_decline_after_the_framework_ended_leaves_the_order_unfilled(framework, officer, member_a):
    call_off = order(officer, framework)
    Framework.objects.filter(pk=framework.pk).update(ends_on=timezone.localdate() - timedelta(days=1))
    call_off_decline(actor=member_a, call_off_id=call_off.pk, reason="Ei opettajia.")
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.UNFILLED and call_off.member is None
    assert "ei ole enää voimassa" in call_off.close_reason
    assert outcomes(call_off) == [(1, Outcome.DECLINED)]  # not offered to B
    assert not Timer.objects.filter(kind="call_off.reply_due", done_at__isnull=True).exists()
    assert Notification.objects.filter(kind="call_off.unfilled", user=officer).exists()


def test_an_expiry_after_termination_does_not_offer_the_order_on(framework, officer):
    call_off = order(officer, framework)
    Framework.objects.filter(pk=framework.pk).update(status=FrameworkStatus.TERMINATED)
    step = call_off.steps.get()
    call_off_expire(call_off_id=call_off.pk, now=step.reply_by + timedelta(minutes=1))
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.UNFILLED
    assert outcomes(call_off) == [(1, Outcome.EXPIRED)]


def test_no_order_is_accepted_from_a_framework_no_longer_in_force(framework, officer, member_a, client_for):
    call_off = order(officer, framework)
    Framework.objects.filter(pk=framework.pk).update(status=FrameworkStatus.ENDED)
    with pytest.raises(Conflict) as refused:
        call_off_accept(actor=member_a, call_off_id=call_off.pk)
    assert refused.value.code == "framework_not_active"
    answer = client_for(member_a).post(f"/api/v1/orders/{call_off.pk}/accept/")
    assert answer.status_code == 409 and answer.json()["code"] == "framework_not_active"
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.OFFERED


def assert_withdrawn(call_off, member):
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.UNFILLED and call_off.member is None and call_off.value is None
    assert outcomes(call_off) == [(1, Outcome.WITHDRAWN)]
    assert not Timer.objects.filter(kind="call_off.reply_due", key=f"call-off:{call_off.pk}", done_at__isnull=True)
    assert AuditEvent.objects.filter(action="call_off.withdraw", object_id=str(call_off.pk)).exists()
    assert Notification.objects.filter(kind="call_off.withdrawn", provider=member.memberships.get().provider).exists()


def test_terminating_the_framework_withdraws_the_orders_waiting_for_a_reply(framework, officer, member_a):
    waiting = order(officer, framework)
    accepted = order(officer, framework)
    call_off_accept(actor=member_a, call_off_id=accepted.pk)
    framework_terminate(actor=officer, framework_id=framework.pk, reason="Sopimusrikkomus.")
    assert_withdrawn(waiting, member_a)
    assert waiting.close_reason == "Sopimusrikkomus."
    accepted.refresh_from_db()
    assert accepted.status == CallOffStatus.ACCEPTED


def test_the_end_of_the_term_withdraws_the_orders_waiting_for_a_reply(framework, officer, member_a):
    waiting = order(officer, framework)
    Framework.objects.filter(pk=framework.pk).update(ends_on=timezone.localdate() - timedelta(days=1))
    Timer.objects.filter(kind="framework.end", key=f"framework:{framework.pk}").update(
        due_at=timezone.now() - timedelta(minutes=1)
    )
    timers_run_due()
    framework.refresh_from_db()
    assert framework.status == FrameworkStatus.ENDED
    assert_withdrawn(waiting, member_a)
    assert "päättyi" in waiting.close_reason


# --- 3. an order keeps its own price -------------------------------------------------------------------------------


def test_an_order_shows_its_own_price_after_a_price_index_adjustment(framework, officer, member_a, client_for):
    call_off = order(officer, framework)
    call_off_accept(actor=member_a, call_off_id=call_off.pk)
    framework_price_adjust(
        actor=officer,
        framework_id=framework.pk,
        percent=Decimal("10"),
        index_name="Elinkustannusindeksi",
        reason="Indeksitarkistus sopimuksen mukaan.",
        effective_on=timezone.localdate(),
    )
    assert framework.members.get(rank=1).unit_price == Decimal("9900.00")

    own = client_for(member_a).get(f"/api/v1/orders/{call_off.pk}/").json()
    assert own["unit_price"] == "9000.00"
    assert [o["unit_price"] for o in client_for(member_a).get("/api/v1/orders/").json()] == ["9000.00"]
    assert client_for(officer).get(f"/api/v1/orders/{call_off.pk}/").json()["unit_price"] == "9000.00"
    page = signed_in(member_a).get(f"/orders/{call_off.pk}/")
    assert page.context["order"].unit_price == Decimal("9000.00")
    html = page.content.decode()
    assert "9,000.00" in html and "9,900.00" not in html

    confirmation = GeneratedDocument.objects.get(kind=DocumentKind.CALL_OFF_CONFIRMATION)
    context = call_off_context(confirmation)
    assert context["source_data"]["unit_price"] == "9000.00"
    text = pdftotext(document_render(document_id=confirmation.pk))
    assert "9 000,00" in text and "9 900,00" not in text


# --- 4. the bounds of a course -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), [("training_days", 40000), ("students", 100001)])
def test_a_course_beyond_its_bounds_is_refused_not_a_500(framework, officer, client_for, field, value):
    with pytest.raises(ValidationFailed) as refused:
        order(officer, framework, **{field: value})
    assert refused.value.errors[field][0]["code"] == "max_value"
    answer = client_for(officer).post(
        f"/api/v1/frameworks/{framework.pk}/orders/", api_body(**{field: value}), format="json"
    )
    assert answer.status_code == 400 and "max_value" in str(answer.json())
    page = signed_in(officer).post(f"/frameworks/{framework.pk}/orders/new/", portal_form(framework, **{field: value}))
    assert page.status_code == 400 and f'id="id_{field}"' in page.content.decode()
    assert page.context["form"].errors[field]
    assert not CallOff.objects.exists()


def test_the_largest_course_is_accepted(framework, officer):
    assert order(officer, framework, training_days=3650, students=1).status == CallOffStatus.OFFERED


# --- 5. the order PDF tells nothing of other providers ---------------------------------------------------------


def test_the_order_pdf_does_not_show_what_the_providers_ranked_before_answered(framework, officer, member_a):
    call_off = order(officer, framework)
    call_off_decline(actor=member_a, call_off_id=call_off.pk, reason="Ei opettajia.")
    second = call_off.steps.get(number=2)
    document = GeneratedDocument.objects.get(kind=DocumentKind.CALL_OFF_ORDER, subject=f"call-off-step:{second.pk}")
    assert "before" not in call_off_context(document)
    text = pdftotext(document_render(document_id=document.pk))
    with translation.override("fi"):
        declined = str(Outcome.DECLINED.label)
    assert declined not in text and "Sijoitus" not in text.split("Hinta")[-1]
    assert "Tilaus tuli teille puitejärjestelyn etusijajärjestyksen mukaisesti." in text
    first = GeneratedDocument.objects.get(
        kind=DocumentKind.CALL_OFF_ORDER, subject=f"call-off-step:{call_off.steps.get(number=1).pk}"
    )
    assert "Tilaus tuli teille" not in pdftotext(document_render(document_id=first.pk))


# --- 6. the expiry runs out of the timer scan ----------------------------------------------------------------------


def test_the_reply_timer_queues_the_expiry_which_runs_once(framework, officer, member_b):
    call_off = order(officer, framework)
    step = call_off.steps.get()
    due = step.reply_by + timedelta(minutes=1)
    timers_run_due(now=due)
    # the scan took no lock of the framework: the order is as it was, the expiry waits in the outbox
    assert outcomes(call_off) == [(1, Outcome.PENDING)]
    message = OutboxMessage.objects.get(task=EXPIRE_TASK)
    assert message.args[0] == call_off.pk
    assert run_outbox(EXPIRE_TASK) == 1
    assert outcomes(call_off) == [(1, Outcome.EXPIRED), (2, Outcome.PENDING)]
    # the same message once more (sent twice): nothing changes
    OutboxMessage.objects.filter(pk=message.pk).update(dispatched_at=None)
    assert run_outbox(EXPIRE_TASK) == 1
    assert outcomes(call_off) == [(1, Outcome.EXPIRED), (2, Outcome.PENDING)]


def test_a_reply_before_the_queued_expiry_wins(framework, officer, member_a):
    call_off = order(officer, framework)
    step = call_off.steps.get()
    timers_run_due(now=step.reply_by + timedelta(minutes=1))
    call_off_accept(actor=member_a, call_off_id=call_off.pk)  # still within its deadline (now)
    assert run_outbox(EXPIRE_TASK) == 1
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.ACCEPTED and outcomes(call_off) == [(1, Outcome.ACCEPTED)]


# --- 7. who reads the orders ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.DECISION_MAKER])
def test_evaluators_and_decision_makers_do_not_read_the_orders(framework, officer, authority, client_for, role):
    call_off = order(officer, framework, skips=[(framework.members.get(rank=1).pk, "Esteellinen.")])
    user = with_role(authority, role)
    with pytest.raises(NotFound):
        call_off_record(user=user, call_off_id=call_off.pk)
    api = client_for(user)
    assert api.get(f"/api/v1/orders/{call_off.pk}/").status_code == 404
    assert api.get("/api/v1/orders/").json() == []
    assert api.get(f"/api/v1/frameworks/{framework.pk}/orders/").status_code == 404
    assert api.get(f"/api/v1/frameworks/{framework.pk}/").status_code == 404
    assert signed_in(user).get(f"/frameworks/orders/{call_off.pk}/").status_code == 404


def test_officers_and_auditors_read_the_orders(framework, officer, authority, client_for):
    call_off = order(officer, framework)
    for user in (officer, factories.auditor(authority)):
        assert call_off_record(user=user, call_off_id=call_off.pk) == call_off
        assert [o["id"] for o in client_for(user).get("/api/v1/orders/").json()] == [call_off.pk]
        assert client_for(user).get(f"/api/v1/orders/{call_off.pk}/").json()["steps"][0]["rank"] == 1
