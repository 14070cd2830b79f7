"""The mini-competitions' API: an officer drafts one under a framework; the framework's readers list them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tenders.models import Tender
from tenders.services import tender_approve, tender_publish, tender_submit_for_approval
from tests.fixtures import factories
from tests.fixtures.frameworks import signed_framework, third_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework(authority, officer, member_a):
    return signed_framework(
        authority=authority, officer=officer, bidders=[(member_a, "9000")], call_off_method="combined"
    )


def _url(framework) -> str:
    return f"/api/v1/frameworks/{framework.pk}/mini-competitions/"


def _body(**overrides) -> dict:
    return {
        "title_fi": "Kotoutumiskoulutus Kuopio, kevät",
        "municipality": "Kuopio",
        "language_of_instruction": "fi",
        "study_path": "fast",
        "students": 12,
        "start_on": (timezone.localdate() + timedelta(days=45)).isoformat(),
        "training_days": 90,
        "submission_deadline": (timezone.now() + timedelta(days=8)).isoformat(),
        "criteria": [{"number": 1, "weight": "30"}, {"number": 2, "weight": "10", "guidance": "Yhteistyö."}],
        "standstill_chosen": True,
        **overrides,
    }


def test_an_officer_drafts_a_mini_competition(framework, officer, client_for):
    response = client_for(officer).post(_url(framework), _body(), format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    tender = Tender.objects.get(pk=data["id"])
    assert data["status"] == "draft" and data["framework_lot"] == framework.lot_id and data["standstill_chosen"]
    assert tender.lots.get().study_path == "fast"
    assert list(tender.criteria.order_by("number").values_list("weight", flat=True)) == [30, 10]


def test_the_refusals(framework, officer, member_a, client_for):
    assert client_for(member_a).post(_url(framework), {}, format="json").status_code == 403  # before the body
    assert client_for(third_member()).post(_url(framework), _body(), format="json").status_code == 404
    assert client_for(officer).post("/api/v1/frameworks/999999/mini-competitions/", _body()).status_code == 404
    invalid = client_for(officer).post(_url(framework), _body(students=0), format="json")
    assert invalid.status_code == 400 and "students" in invalid.json()["errors"]
    foreign = client_for(officer).post(_url(framework), _body(criteria=[{"number": 1, "name": "Muu"}]), format="json")
    assert foreign.status_code == 400 and foreign.json()["errors"]["criteria"][0]["code"] == "not_in_agreement"


def test_a_preference_framework_refuses_with_409(authority, officer, member_b, client_for):
    framework = signed_framework(authority=authority, officer=officer, bidders=[(member_b, "9000")])
    response = client_for(officer).post(_url(framework), _body(), format="json")
    assert response.status_code == 409 and response.json()["code"] == "mini_competition_not_allowed"


def test_the_list_for_officers_auditors_and_invited_members(framework, authority, officer, member_a, client_for):
    drafted = client_for(officer).post(_url(framework), _body(), format="json").json()
    auditor = factories.auditor(authority)

    assert [row["id"] for row in client_for(officer).get(_url(framework)).json()] == [drafted["id"]]
    assert [row["id"] for row in client_for(auditor).get(_url(framework)).json()] == [drafted["id"]]
    assert client_for(member_a).get(_url(framework)).json() == []  # a draft invites no one yet
    tender_submit_for_approval(actor=officer, tender_id=drafted["id"])
    tender_approve(actor=factories.officer_of(authority), tender_id=drafted["id"])
    tender_publish(actor=officer, tender_id=drafted["id"])
    assert [row["id"] for row in client_for(member_a).get(_url(framework)).json()] == [drafted["id"]]
    assert client_for(third_member()).get(_url(framework)).status_code == 404
    assert client_for().get(_url(framework)).status_code == 401
