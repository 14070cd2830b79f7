"""Wall times in Europe/Helsinki, the order of the timeline and the rule set's period checks."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tenders.models import Tender
from tests.fixtures.payloads import tender_payload


def post(client, authority, **overrides):
    return client.post("/api/v1/tenders/", tender_payload(authority, **overrides), format="json")


def test_wall_time_is_read_in_helsinki(authority, officer, client_for):
    response = post(client_for(officer), authority, submission_deadline="2027-03-30T12:00:00")

    assert response.status_code == 201, response.content
    stored = Tender.objects.get().submission_deadline
    assert stored == datetime(2027, 3, 30, 9, 0, tzinfo=UTC)  # EEST, UTC+3
    assert response.json()["submission_deadline"] == "2027-03-30T12:00:00+03:00"


def test_spring_forward_gap_is_refused(authority, officer, client_for):
    # 28.3.2027 the clocks go from 03:00 to 04:00: 03:30 does not exist
    response = post(client_for(officer), authority, submission_deadline="2027-03-28T03:30")

    assert response.status_code == 400
    assert response.json()["errors"]["submission_deadline"][0]["code"] == "nonexistent_time"
    assert not Tender.objects.exists()


def test_autumn_overlap_is_refused_unless_the_offset_is_given(authority, officer, client_for):
    # 31.10.2027 the clocks go from 04:00 back to 03:00: 03:30 happens twice
    client = client_for(officer)
    response = post(client, authority, submission_deadline="2027-10-31T03:30")
    assert response.status_code == 400
    assert response.json()["errors"]["submission_deadline"][0]["code"] == "ambiguous_time"

    response = post(client, authority, submission_deadline="2027-10-31T03:30+02:00")
    assert response.status_code == 201
    assert Tender.objects.get().submission_deadline == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)


def test_timeline_must_run_forward(authority, officer, client_for):
    deadline = timezone.now() + timedelta(days=30)
    response = post(
        client_for(officer),
        authority,
        submission_deadline=deadline.isoformat(),
        questions_deadline=(deadline + timedelta(days=1)).isoformat(),
        opening_at=(deadline - timedelta(hours=1)).isoformat(),
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["submission_deadline"][0]["code"] == "timeline_order"
    assert errors["opening_at"][0]["code"] == "timeline_order"


def test_eu_open_procedure_under_30_days_is_an_error(authority, officer, officer2, client_for):
    # given an EU-value call as a standard open procedure with 20 days for tenders
    client = client_for(officer)
    response = post(
        client,
        authority,
        estimated_value="900000",
        procedure="open",
        submission_deadline=(timezone.now() + timedelta(days=20)).isoformat(),
    )
    assert response.status_code == 201
    tender = response.json()
    assert tender["regime"] == "eu"
    assert tender["warnings"][0]["code"] == "tender_period_too_short"

    # when it is sent for approval, then it is refused
    response = client.post(f"/api/v1/tenders/{tender['id']}/submit_for_approval/")
    assert response.status_code == 400
    assert response.json()["errors"]["submission_deadline"][0]["code"] == "tender_period_too_short"


@pytest.mark.parametrize(("days", "warned"), [(14, True), (28, False)])
def test_light_regime_short_period_is_only_a_warning(days, warned, authority, officer, client_for):
    response = post(
        client_for(officer),
        authority,
        estimated_value="500000",
        submission_deadline=(timezone.now() + timedelta(days=days)).isoformat(),
    )

    assert response.status_code == 201
    codes = [w["code"] for w in response.json()["warnings"]]
    assert ("short_tender_period" in codes) is warned


def test_small_procurement_has_no_period_warning(authority, officer, client_for):
    response = post(
        client_for(officer),
        authority,
        estimated_value="50000",
        submission_deadline=(timezone.now() + timedelta(days=7)).isoformat(),
    )
    assert response.json()["regime"] == "small"
    # (the deadline is a week from today, which may be a day off: that warning is tests/tenders/test_rules_check.py's)
    assert [w for w in response.json()["warnings"] if w["code"] != "deadline_on_day_off"] == []


def test_a_past_planned_publication_does_not_shorten_the_eu_minimum(authority, officer, client_for):
    response = post(
        client_for(officer),
        authority,
        estimated_value="900000",
        procedure="open",
        planned_publication=(timezone.now() - timedelta(days=60)).isoformat(),
        submission_deadline=(timezone.now() + timedelta(days=5)).isoformat(),
    )

    assert response.status_code == 201
    assert response.json()["warnings"][0]["code"] == "tender_period_too_short"
    assert client_for(officer).post(f"/api/v1/tenders/{response.json()['id']}/submit_for_approval/").status_code == 400


def test_impossible_dates_are_400(authority, officer, client_for):
    for value in ("2030-02-30T12:00:00", "2031-04-31T10:00", "not a date", "10000-01-01T00:00:00"):
        response = post(client_for(officer), authority, submission_deadline=value)
        assert response.status_code == 400, value
        assert response.json()["errors"]["submission_deadline"][0]["code"] in {"invalid", "date"}


def test_bids_are_not_opened_before_the_opening_time(authority, officer, client_for):
    tender = Tender.objects.create(
        authority=authority,
        created_by=officer,
        title_fi="x",
        estimated_value=1000,
        price_weight=100,
        submission_deadline=timezone.now() - timedelta(hours=1),
        opening_at=timezone.now() + timedelta(days=1),
        status="closed",
        bid_languages=["fi"],
    )

    response = client_for(officer).post(f"/api/v1/tenders/{tender.pk}/open/")

    assert response.status_code == 409 and response.json()["code"] == "opening_time_not_reached"
