"""A deadline on a day off (a weekend, a public holiday, Midsummer Eve, Christmas Eve) is warned of while drafting."""

from datetime import datetime

import pytest
from django.test import Client

from procurement.periods import HELSINKI
from tenders.models import TenderStatus
from tests.fixtures import factories
from tests.fixtures.payloads import tender_payload


def codes_by_field(response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for warning in response.json()["warnings"]:
        found.setdefault(warning["code"], []).append(warning["field"])
    return found


@pytest.mark.parametrize(
    ("deadline", "day_off"),
    [
        ("2027-12-24T12:00", "Christmas Eve"),  # a Friday; not an official holiday, but a day off in fact
        ("2027-06-25T12:00", "Midsummer Eve"),  # the Friday between 19 and 25 June
        ("2027-03-06T12:00", "Saturday"),
        ("2027-03-09T12:00", None),  # a plain Tuesday
    ],
)
def test_a_deadline_on_a_day_off_gets_a_warning_that_does_not_block(deadline, day_off, authority, officer, client_for):
    client = client_for(officer)

    response = client.post(
        "/api/v1/tenders/",
        tender_payload(authority, submission_deadline=deadline),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 201, response.content
    warnings = [w for w in response.json()["warnings"] if w["code"] == "deadline_on_day_off"]
    if day_off is None:
        assert warnings == []
    else:
        assert [w["field"] for w in warnings] == ["submission_deadline"]
        assert day_off in warnings[0]["message"] and deadline[:4] in warnings[0]["message"]
        # a warning only: the draft goes to approval all the same
        tender_id = response.json()["id"]
        assert client.post(f"/api/v1/tenders/{tender_id}/submit_for_approval/").status_code == 200


def test_the_warning_names_each_deadline_and_speaks_the_users_language(authority, officer, client_for):
    client = client_for(officer)
    response = client.post(
        "/api/v1/tenders/",
        tender_payload(authority, questions_deadline="2027-12-24T12:00", submission_deadline="2028-01-11T12:00"),
        format="json",
    )
    assert response.status_code == 201, response.content

    detail = client.get(f"/api/v1/tenders/{response.json()['id']}/", HTTP_ACCEPT_LANGUAGE="sv")

    assert codes_by_field(detail)["deadline_on_day_off"] == ["questions_deadline"]
    message = next(w["message"] for w in detail.json()["warnings"] if w["code"] == "deadline_on_day_off")
    assert message == "Sista dag för tilläggsfrågor: 24.12.2027 är en ledig dag (Julafton). Överväg en arbetsdag."


def test_the_portals_timeline_step_shows_the_warning(authority, officer):
    tender = factories.TenderFactory(
        authority=authority,
        created_by=officer,
        status=TenderStatus.DRAFT,
        submission_deadline=datetime(2027, 6, 25, 12, 0, tzinfo=HELSINKI),
    )
    browser = Client(HTTP_ACCEPT_LANGUAGE="fi")
    browser.force_login(officer)

    page = browser.get(f"/calls/ours/{tender.pk}/draft/timeline/").content.decode()

    assert 'data-code="deadline_on_day_off"' in page
    assert "Tarjousten jättämisen määräaika: 25.6.2027 on vapaapäivä (Juhannusaatto)." in page

    # saving a deadline on Christmas Eve goes on to the next step, with the warning shown there
    response = browser.post(
        f"/calls/ours/{tender.pk}/draft/timeline/", {"submission_deadline": "2027-12-24T12:00"}, follow=True
    )
    assert response.redirect_chain[-1][0].endswith("/draft/documents/")
    assert "24.12.2027 on vapaapäivä (Jouluaatto)" in response.content.decode()

    # a working day: no warning
    browser.post(f"/calls/ours/{tender.pk}/draft/timeline/", {"submission_deadline": "2027-12-28T12:00"})
    assert (
        'data-code="deadline_on_day_off"'
        not in browser.get(f"/calls/ours/{tender.pk}/draft/timeline/").content.decode()
    )


def test_a_call_above_the_national_threshold_is_warned_of_what_its_notice_lacks(authority):
    from tenders.rules_check import tender_findings

    # given a national-regime call whose lot 2 has no region, with no contract term and one answer missing
    tender = factories.TenderFactory(
        authority=authority,
        contract_months=None,
        option_months=None,
        hilma_statistics={k: v for k, v in factories.HILMA_STATISTICS.items() if k != "codeOfConduct"},
    )
    tender.lots.filter(number=2).update(nuts="")

    errors, warnings = tender_findings(tender)

    assert errors == []
    found = {f.code: f for f in warnings}
    assert {"lot_nuts_missing", "contract_term_missing", "statistics_unanswered"} <= set(found)
    assert found["lot_nuts_missing"].field == "lots" and "2" in found["lot_nuts_missing"].message


def test_a_complete_call_and_a_small_one_get_no_notice_warnings(authority):
    from decimal import Decimal

    from tenders.rules_check import tender_findings

    complete = factories.TenderFactory(authority=authority)
    small = factories.TenderFactory(
        authority=authority, estimated_value=Decimal("50000"), contract_months=None, hilma_statistics={}
    )
    small.lots.update(nuts="")

    for tender in (complete, small):
        codes = {f.code for f in tender_findings(tender)[1]}
        assert not codes & {"lot_nuts_missing", "contract_term_missing", "statistics_unanswered"}
