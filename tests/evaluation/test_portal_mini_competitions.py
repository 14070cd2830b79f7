"""The officer's page that drafts a mini-competition, and how the provider's pages show one."""

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
        authority=authority, officer=officer, bidders=[(member_a, "9000")], call_off_method="mini_competition"
    )


def _form(**overrides) -> dict:
    return {
        "title_fi": "Kotoutumiskoulutus Kuopio, kevät",
        "municipality": "Kuopio",
        "language_of_instruction": "fi",
        "study_path": "basic",
        "students": "12",
        "start_on": (timezone.localdate() + timedelta(days=45)).isoformat(),
        "training_days": "90",
        "submission_deadline": (timezone.localtime() + timedelta(days=8)).strftime("%Y-%m-%dT%H:%M"),
        "weight_1": "25",
        "guidance_1": "Aikataulu.",
        "weight_2": "15",
        "guidance_2": "",
        **overrides,
    }


def test_the_officer_drafts_one_from_the_form(framework, officer, browser_for):
    client = browser_for(officer)
    url = f"/frameworks/{framework.pk}/mini-competitions/new/"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert framework.tender.title_fi in text and "Toteutussuunnitelma" in text

    response = client.post(url, _form(standstill_chosen="on"))

    tender = Tender.objects.get(framework_lot=framework.lot)
    assert response.status_code == 302 and response["Location"] == f"/calls/ours/{tender.pk}/"
    assert tender.standstill_chosen and tender.criteria.get(number=1).guidance == "Aikataulu."
    overview = client.get(response["Location"]).content.decode()
    assert "Mini-competition under framework" in overview


def test_the_form_shows_the_refusals_on_the_page(framework, officer, browser_for):
    client = browser_for(officer)
    url = f"/frameworks/{framework.pk}/mini-competitions/new/"
    wrong = client.post(url, _form(weight_1="50"))
    assert wrong.status_code == 400 and "add up to 100" in wrong.content.decode()
    assert client.post(url, _form(students="")).status_code == 400
    assert not Tender.objects.filter(framework_lot=framework.lot).exists()


def test_who_may_open_the_form(framework, authority, member_a, browser_for):
    url = f"/frameworks/{framework.pk}/mini-competitions/new/"
    assert browser_for(member_a).get(url).status_code == 403
    assert browser_for(factories.auditor(authority)).get(url).status_code == 403
    assert browser_for(third_member()).get(url).status_code == 404


def test_an_invited_provider_sees_it_in_its_call_list_and_others_do_not(
    framework, authority, officer, member_a, browser_for
):
    browser_for(officer).post(f"/frameworks/{framework.pk}/mini-competitions/new/", _form())
    tender = Tender.objects.get(framework_lot=framework.lot)
    tender_submit_for_approval(actor=officer, tender_id=tender.pk)
    tender_approve(actor=factories.officer_of(authority), tender_id=tender.pk)
    tender_publish(actor=officer, tender_id=tender.pk)

    member = browser_for(member_a)
    listing = member.get("/calls/").content.decode()
    assert "Kotoutumiskoulutus Kuopio, kevät" in listing and "Mini-competition under framework" in listing
    assert "Mini-competition under framework" in member.get(f"/calls/{tender.pk}/").content.decode()
    assert member.get(f"/bids/new/{tender.pk}/").status_code in (200, 302)

    outsider = browser_for(third_member())
    assert "Kotoutumiskoulutus Kuopio, kevät" not in outsider.get("/calls/").content.decode()
    assert outsider.get(f"/calls/{tender.pk}/").status_code == 404
    assert outsider.get(f"/bids/new/{tender.pk}/").status_code == 404
    assert outsider.get(f"/api/v1/tenders/{tender.pk}/").status_code in (401, 404)
