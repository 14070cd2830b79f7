"""The API of framework agreements: the list and the summary (a provider reads only its own membership), the
recorded decisions and the XLSX."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from evaluation.models import FrameworkStatus
from tests.fixtures import factories
from tests.fixtures.framework_orders import order_record
from tests.fixtures.frameworks import signed_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework(authority, officer, member_a, member_b):
    return signed_framework(authority=authority, officer=officer, bidders=[(member_a, "9000"), (member_b, "9500")])


def _first(framework):
    return framework.members.order_by("rank").first()


def test_an_officer_lists_the_frameworks_of_a_call_with_their_usage(framework, officer, client_for):
    order_record(framework, _first(framework), students=10)
    body = client_for(officer).get(f"/api/v1/frameworks/?tender={framework.tender_id}&status=active").json()
    assert body["count"] == 2
    row = next(r for r in body["results"] if r["id"] == framework.pk)
    assert row["usage"]["value"] == "90000.00" and row["usage"]["max_value"] == "500000.00"
    assert client_for(officer).get("/api/v1/frameworks/?status=ended").json()["count"] == 0


def test_the_summary_has_members_orders_options_and_changes(framework, officer, client_for):
    body = client_for(officer).get(f"/api/v1/frameworks/{framework.pk}/").json()
    assert [m["rank"] for m in body["members"]] == [1, 2]
    assert [m["unit_price"] for m in body["members"]] == ["9000.00", "9500.00"]
    assert {s["status"] for s in body["orders_by_state"]} == {"offered", "accepted", "unfilled", "cancelled"}
    assert body["options"][0]["state"] == "open" and body["changes"] == []


def test_a_provider_reads_only_its_own_membership(framework, member_a, member_b, client_for):
    order_record(framework, framework.members.get(rank=2), students=3)
    body = client_for(member_a).get(f"/api/v1/frameworks/{framework.pk}/").json()
    assert body["member"]["rank"] == 1 and body["member"]["unit_price"] == "9000.00"
    assert "members" not in body and body["orders"] == []
    listed = client_for(member_a).get("/api/v1/frameworks/").json()["results"]
    assert all("members" not in row and row["member"]["rank"] == 1 for row in listed)
    assert b"9500" not in client_for(member_a).get("/api/v1/frameworks/").content


def test_others_do_not_see_a_framework(framework, other_authority, client_for):
    stranger = factories.provider_member_of(factories.ProviderFactory())
    outsider = factories.officer_of(other_authority)
    for user in (stranger, outsider):
        assert client_for(user).get(f"/api/v1/frameworks/{framework.pk}/").status_code == 404
        assert client_for(user).get("/api/v1/frameworks/").json()["count"] == 0
    assert client_for(stranger).get(f"/api/v1/frameworks/{framework.pk}/export.xlsx").status_code == 404


def test_an_officer_exercises_the_option(framework, officer, client_for):
    option = framework.options.get()
    response = client_for(officer).post(
        f"/api/v1/frameworks/{framework.pk}/options/{option.pk}/decide/",
        {"exercise": True, "reason": "Tarve jatkuu."},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["change"]["kind"] == "option_exercised"
    again = client_for(officer).post(
        f"/api/v1/frameworks/{framework.pk}/options/{option.pk}/decide/",
        {"exercise": True, "reason": "Uudelleen."},
        format="json",
    )
    assert again.status_code == 409 and again.json()["code"] == "option_decided"


def test_a_provider_of_the_framework_cannot_decide_and_learns_nothing_from_a_bad_body(framework, member_a, client_for):
    option = framework.options.get()
    response = client_for(member_a).post(
        f"/api/v1/frameworks/{framework.pk}/options/{option.pk}/decide/", {}, format="json"
    )
    assert response.status_code == 403


def test_leave_capacity_price_replace_and_terminate_through_the_api(framework, officer, client_for):
    api = client_for(officer)
    first = _first(framework)
    base = f"/api/v1/frameworks/{framework.pk}"
    today = timezone.localdate().isoformat()
    capacity = api.post(f"{base}/members/{first.pk}/capacity/", {"capacity": 5, "reason": "x"}, format="json")
    assert capacity.status_code == 201
    price = api.post(
        f"{base}/price-adjustments/",
        {"percent": "25", "index_name": "Ansiotasoindeksi", "reason": "x", "effective_on": today},
        format="json",
    )
    assert price.status_code == 400 and price.json()["errors"]["percent"][0]["code"] == "out_of_range"
    price = api.post(
        f"{base}/price-adjustments/",
        {"percent": "1", "index_name": "Ansiotasoindeksi", "reason": "x", "effective_on": today},
        format="json",
    )
    assert price.status_code == 201
    assert price.json()["framework"]["members"][0]["unit_price"] == str(Decimal("9090.00"))
    replace = api.post(f"{base}/members/replace/", {"reason": "x"}, format="json")
    assert replace.status_code == 409 and replace.json()["code"] == "no_vacancy"
    leave = api.post(
        f"{base}/members/{first.pk}/leave/",
        {"reason": "Konkurssi.", "effective_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert leave.status_code == 201
    replace = api.post(f"{base}/members/replace/", {"reason": "x"}, format="json")
    assert replace.status_code == 409 and replace.json()["code"] == "no_next_bidder"
    terminate = api.post(f"{base}/terminate/", {"reason": "Rahoitus päättyi."}, format="json")
    assert terminate.status_code == 201
    assert terminate.json()["framework"]["status"] == FrameworkStatus.TERMINATED


def test_the_xlsx_of_a_framework(framework, officer, client_for):
    response = client_for(officer).get(f"/api/v1/frameworks/{framework.pk}/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(load_workbook(io.BytesIO(response.content)).sheetnames) == 4


@pytest.mark.parametrize("day", ["9999-12-31", "in 90 days"])
def test_a_leaving_in_the_future_is_refused_in_finnish_and_swedish(framework, officer, client_for, day):
    first = _first(framework)
    effective_on = (timezone.localdate() + timedelta(days=90)).isoformat() if day == "in 90 days" else day
    url = f"/api/v1/frameworks/{framework.pk}/members/{first.pk}/leave/"
    body = {"reason": "Konkurssi.", "effective_on": effective_on}
    for language, text in (("fi", "Muutos tulee voimaan kirjauspäivänä"), ("sv", "Ändringen träder i kraft")):
        officer.preferred_language = language
        officer.save(update_fields=["preferred_language"])
        response = client_for(officer).post(url, body, format="json", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400, response.content
        error = response.json()["errors"]["effective_on"][0]
        assert error["code"] == "in_future" and text in error["message"]
    first.refresh_from_db()
    assert first.left_on is None and not framework.changes.exists()


def test_a_leaving_or_an_adjustment_before_the_framework_started_is_refused(framework, officer, client_for):
    api = client_for(officer)
    base = f"/api/v1/frameworks/{framework.pk}"
    before = (framework.starts_on - timedelta(days=1)).isoformat()
    leave = api.post(f"{base}/members/{_first(framework).pk}/leave/", {"reason": "x", "effective_on": before})
    assert leave.status_code == 400 and leave.json()["errors"]["effective_on"][0]["code"] == "before_start"
    price = {"percent": "1", "index_name": "Indeksi", "reason": "x", "effective_on": before}
    response = api.post(f"{base}/price-adjustments/", price, format="json")
    assert response.status_code == 400 and response.json()["errors"]["effective_on"][0]["code"] == "before_start"


def test_a_price_adjustment_effective_in_the_future_is_refused(framework, officer, client_for):
    later = (timezone.localdate() + timedelta(days=90)).isoformat()
    price = {"percent": "1", "index_name": "Indeksi", "reason": "x", "effective_on": later}
    response = client_for(officer).post(f"/api/v1/frameworks/{framework.pk}/price-adjustments/", price, format="json")
    assert response.status_code == 400 and response.json()["errors"]["effective_on"][0]["code"] == "in_future"
    assert _first(framework).unit_price == Decimal("9000.00") and not framework.changes.exists()


@pytest.mark.parametrize("capacity", [3_000_000_000, 100_001])
def test_a_capacity_beyond_the_bound_is_refused(framework, officer, client_for, capacity):
    first = _first(framework)
    response = client_for(officer).post(
        f"/api/v1/frameworks/{framework.pk}/members/{first.pk}/capacity/",
        {"capacity": capacity, "reason": "x"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"]["capacity"][0]["code"] == "max_value"
    first.refresh_from_db()
    assert first.capacity is None
