"""The call-off API: officers order and read the record, providers read their own orders and reply."""

from datetime import timedelta

import pytest
import yaml
from django.utils import timezone

from evaluation.models import CallOff, CallOffStep
from tests.fixtures import factories
from tests.fixtures.frameworks import signed_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework(authority, officer, member_a, member_b):
    return signed_framework(authority=authority, officer=officer, bidders=[(member_a, "9000"), (member_b, "9500")])


def body(**fields):
    return {
        "municipality": "Joensuu",
        "language_of_instruction": "fi",
        "study_path": "fast",
        "students": 16,
        "start_on": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "training_days": 90,
        **fields,
    }


def test_an_officer_orders_and_the_first_provider_accepts(client_for, framework, officer, member_a, member_b):
    created = client_for(officer).post(f"/api/v1/frameworks/{framework.pk}/orders/", body(), format="json")
    assert created.status_code == 201, created.content
    order = created.json()
    assert order["status"] == "offered" and order["steps"][0]["rank"] == 1 and order["steps"][0]["outcome"] == "pending"

    mine = client_for(member_a).get("/api/v1/orders/").json()
    assert [(o["id"], o["state"], o["value"]) for o in mine] == [(order["id"], "pending", "144000.00")]
    assert client_for(member_b).get("/api/v1/orders/").json() == []
    assert client_for(member_b).get(f"/api/v1/orders/{order['id']}/").status_code == 404

    accepted = client_for(member_a).post(f"/api/v1/orders/{order['id']}/accept/")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    listed = client_for(officer).get(f"/api/v1/frameworks/{framework.pk}/orders/").json()
    assert listed[0]["status"] == "accepted"


def test_a_decline_needs_a_reason_and_the_provider_sees_only_its_own_steps(
    client_for, framework, officer, member_a, member_b
):
    order = client_for(officer).post(f"/api/v1/frameworks/{framework.pk}/orders/", body(), format="json").json()
    refused = client_for(member_a).post(f"/api/v1/orders/{order['id']}/decline/", {"reason": ""}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"]["reason"][0]["code"] == "reason_required"
    declined = client_for(member_a).post(
        f"/api/v1/orders/{order['id']}/decline/", {"reason": "Ryhmä on jo täynnä."}, format="json"
    )
    assert declined.status_code == 200 and declined.json()["state"] == "declined"
    # B is offered it and sees neither A's step nor its reason
    seen = client_for(member_b).get(f"/api/v1/orders/{order['id']}/").json()
    assert [s["outcome"] for s in seen["steps"]] == ["pending"]
    assert "Ryhmä on jo täynnä" not in str(seen) and "9000" not in str(seen)
    record = client_for(officer).get(f"/api/v1/orders/{order['id']}/").json()
    assert [(s["rank"], s["outcome"], s["reason"]) for s in record["steps"]] == [
        (1, "declined", "Ryhmä on jo täynnä."),
        (2, "pending", ""),
    ]


def test_skips_and_refusals_carry_their_codes(client_for, framework, officer, member_a, authority):
    first = framework.members.get(rank=1)
    refused = client_for(officer).post(
        f"/api/v1/frameworks/{framework.pk}/orders/", body(skips=[{"member": first.pk, "reason": ""}]), format="json"
    )
    assert refused.status_code == 400 and refused.json()["errors"]["skips"][0]["code"] == "skip_reason_required"
    assert not CallOff.objects.exists()
    auditor = factories.auditor(authority)
    by_auditor = client_for(auditor).post(f"/api/v1/frameworks/{framework.pk}/orders/", body(), format="json")
    assert by_auditor.status_code == 403
    assert client_for(auditor).get(f"/api/v1/frameworks/{framework.pk}/orders/").status_code == 200
    outsider = factories.officer_of(factories.AuthorityFactory())
    assert client_for(outsider).get(f"/api/v1/frameworks/{framework.pk}/orders/").status_code == 404

    order = client_for(officer).post(f"/api/v1/frameworks/{framework.pk}/orders/", body(), format="json").json()
    skipped = client_for(officer).post(
        f"/api/v1/orders/{order['id']}/skip/", {"reason": "Sopimusrikkomus selvityksessä."}, format="json"
    )
    assert [(s["rank"], s["outcome"]) for s in skipped.json()["steps"]] == [(1, "skipped"), (2, "pending")]
    assert client_for(member_a).post(f"/api/v1/orders/{order['id']}/accept/").json()["code"] == "call_off_not_offered"
    CallOffStep.objects.filter(call_off_id=order["id"], outcome="pending").update(
        reply_by=timezone.now() - timedelta(minutes=1)
    )
    cancelled = client_for(officer).post(f"/api/v1/orders/{order['id']}/cancel/", {"reason": "Ei tarvetta."})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_capacity_gone_is_a_409_with_its_code(client_for, framework, officer):
    framework.members.update(capacity=5)
    refused = client_for(officer).post(f"/api/v1/frameworks/{framework.pk}/orders/", body(), format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "no_capacity"


def test_the_schema_describes_the_order_endpoints(client_for):
    schema = yaml.safe_load(client_for().get("/api/schema/").content)
    for path in ("/api/v1/frameworks/{id}/orders/", "/api/v1/orders/", "/api/v1/orders/{id}/accept/"):
        assert path in schema["paths"], path
