"""The call-off pages: the officer's new order and its record, the provider's orders and its reply."""

from datetime import timedelta

import pytest
from django.utils import timezone

from evaluation.calloffs import call_off_create, call_off_decline
from evaluation.models import CallOff, CallOffStatus, CallOffStep
from tests.fixtures import factories
from tests.fixtures.frameworks import signed_framework
from tests.fixtures.portal import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework(authority, officer, member_a, member_b):
    return signed_framework(authority=authority, officer=officer, bidders=[(member_a, "9000"), (member_b, "9500")])


def form(framework, **fields):
    data = {
        "municipality": "Kajaani",
        "language_of_instruction": "fi",
        "study_path": "basic",
        "students": "14",
        "start_on": (timezone.localdate() + timedelta(days=25)).isoformat(),
        "training_days": "80",
        "note": "",
        **fields,
    }
    for member in framework.members.all():
        data.setdefault(f"skip_{member.pk}", "")
    return data


def an_order(framework, officer):
    return call_off_create(
        actor=officer,
        framework_id=framework.pk,
        municipality="Kajaani",
        language_of_instruction="fi",
        study_path="basic",
        students=14,
        start_on=timezone.localdate() + timedelta(days=25),
        training_days=80,
    )


def test_an_officer_makes_an_order_skipping_the_first_with_a_reason_shown_in_the_record(framework, officer):
    client = signed_in(officer)
    page = client.get(f"/frameworks/{framework.pk}/orders/new/")
    assert page.status_code == 200 and "Kajaani" not in page.content.decode()
    first = framework.members.get(rank=1)
    response = client.post(
        f"/frameworks/{framework.pk}/orders/new/", form(framework, **{f"skip_{first.pk}": "Jääviys koulutuspaikassa."})
    )
    call_off = CallOff.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/frameworks/orders/{call_off.pk}/"
    record = client.get(response["Location"]).content.decode()
    assert "Jääviys koulutuspaikassa." in record and first.provider.name in record


def test_a_refused_order_shows_the_reason_on_the_form(framework, officer):
    framework.members.update(capacity=5)
    response = signed_in(officer).post(f"/frameworks/{framework.pk}/orders/new/", form(framework))
    assert response.status_code == 409
    assert not CallOff.objects.exists()
    past = signed_in(officer).post(
        f"/frameworks/{framework.pk}/orders/new/", form(framework, start_on=timezone.localdate().replace(year=2020))
    )
    assert past.status_code == 400


def test_the_order_pages_are_closed_to_others(framework, officer, member_b, authority):
    call_off = an_order(framework, officer)
    auditor = factories.auditor(authority)
    assert signed_in(auditor).get(f"/frameworks/{framework.pk}/orders/new/").status_code == 403
    assert signed_in(auditor).get(f"/frameworks/orders/{call_off.pk}/").status_code == 200
    assert signed_in(member_b).get(f"/frameworks/orders/{call_off.pk}/").status_code == 404
    assert signed_in(member_b).get(f"/orders/{call_off.pk}/").status_code == 404
    assert signed_in(officer).get("/orders/").status_code == 404


def test_the_officer_skips_the_current_provider_and_cancels_in_the_record(framework, officer):
    call_off = an_order(framework, officer)
    client = signed_in(officer)
    refused = client.post(f"/frameworks/orders/{call_off.pk}/", {"action": "skip", "skip-reason": ""})
    assert refused.status_code == 400
    client.post(f"/frameworks/orders/{call_off.pk}/", {"action": "skip", "skip-reason": "Ei vastaa puhelimeen."})
    assert list(call_off.steps.values_list("outcome", flat=True)) == ["skipped", "pending"]
    client.post(f"/frameworks/orders/{call_off.pk}/", {"action": "cancel", "cancel-reason": "Ryhmä ei toteudu."})
    call_off.refresh_from_db()
    assert call_off.status == CallOffStatus.CANCELLED


def test_the_provider_sees_replies_due_first_and_accepts(framework, officer, member_a):
    first, second = an_order(framework, officer), an_order(framework, officer)
    call_off_decline(actor=member_a, call_off_id=first.pk, reason="Ei opettajaa.")
    client = signed_in(member_a)
    page = client.get("/orders/").content.decode()
    assert page.index("Replies due") < page.index(f"/orders/{second.pk}/") < page.index("History")
    assert page.index("History") < page.index(f"/orders/{first.pk}/")
    assert 'href="/orders/"' in page  # the provider's menu
    detail = client.get(f"/orders/{second.pk}/").content.decode()
    assert "Accept the order" in detail
    response = client.post(f"/orders/{second.pk}/", {"action": "accept"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == CallOffStatus.ACCEPTED


def test_the_provider_declines_only_with_a_reason_and_not_after_the_deadline(framework, officer, member_a):
    call_off = an_order(framework, officer)
    client = signed_in(member_a)
    assert client.post(f"/orders/{call_off.pk}/", {"action": "decline", "decline-reason": ""}).status_code == 400
    CallOffStep.objects.filter(call_off=call_off).update(reply_by=timezone.now() - timedelta(minutes=1))
    late = client.post(f"/orders/{call_off.pk}/", {"action": "accept"})
    assert late.status_code == 409 and "deadline" in late.content.decode()
