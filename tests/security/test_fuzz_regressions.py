"""What the API fuzzing (test_fuzz.py) found, each pinned down: every one was a 500, now a clear 4xx or a valid
answer."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from evaluation.models import LotContract
from tenders.models import TenderStatus
from tests.fixtures import factories
from tests.fixtures.stages import decided_tender


@pytest.mark.parametrize("bound", ["deadline_before", "deadline_after"])
def test_a_deadline_filter_with_an_offset_postgresql_refuses_is_read_in_utc(bound, authority, officer, client_for):
    # given a published call whose deadline is 2026-03-02 00:10 UTC, which is 2026-03-02 23:44 at +23:34
    factories.TenderFactory(
        authority=authority,
        status=TenderStatus.PUBLISHED,
        published_at=timezone.now(),
        submission_deadline=datetime(2026, 3, 2, 0, 10, tzinfo=UTC),
    )

    # when the calls are filtered by a time with an offset Python accepts but PostgreSQL does not (beyond ±15:59)
    response = client_for(officer).get("/api/v1/tenders/", {bound: "2026-03-02T23:44:00+23:34"})

    # then the time is compared in UTC (00:10 is both at or before and at or after it), not refused by the database
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 1


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "0001-01-01", "9999-12-31T23:59:59-10:00"])
def test_a_deadline_filter_outside_the_range_of_utc_times_is_invalid(moment, officer, client_for):
    response = client_for(officer).get("/api/v1/tenders/", {"deadline_after": moment})

    assert response.status_code == 400, response.content
    assert response.json()["errors"]["deadline_after"][0]["code"] == "invalid"


@pytest.mark.parametrize("signed_on", ["0001-02-01", "2020-01-01"])
def test_a_contract_cannot_be_signed_before_the_decision(signed_on, authority, officer, member_a, member_b, client_for):
    # given a decided call (a date three months before 1 February of the year 1 does not exist: this was a 500)
    tender = decided_tender(officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])
    contract = LotContract.objects.filter(lot__tender=tender).order_by("lot__number").first()

    response = client_for(officer).post(
        f"/api/v1/contracts/{contract.pk}/sign/",
        {"signed_on": signed_on, "signatories": ["Kirsi Kirjaaja"]},
        format="json",
    )

    assert response.status_code == 400, response.content
    assert response.json()["errors"]["signed_on"][0]["code"] == "before_decision"
    contract.refresh_from_db()
    assert contract.signed_on is None
