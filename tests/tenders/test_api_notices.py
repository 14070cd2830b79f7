"""The API of a call's notices (tenders/api/notices.py): list, detail, XML and sending; who may do what."""

import pytest

from tenders.models import NoticeState
from tests.fixtures import factories
from tests.fixtures.notices import decided_notice_tender, notice_ready_tender, valid_notice


@pytest.fixture
def tender(open_tender):
    return open_tender


@pytest.fixture
def notice(tender):
    return valid_notice(tender, subtype="20")


def test_the_officer_lists_reads_downloads_and_sends_a_notice(hilma, officer, tender, notice, client_for):
    api = client_for(officer)
    base = f"/api/v1/tenders/{tender.pk}/notices/"

    listed = api.get(base)
    assert listed.status_code == 200
    assert [(n["id"], n["subtype"], n["state"], n["allowed_actions"]) for n in listed.json()] == [
        (notice.pk, "20", "valid", ["send"])
    ]
    detail = api.get(f"{base}{notice.pk}/").json()
    assert detail["sent"] is False and detail["findings"] == [] and detail["hilma_number"] == ""
    xml = api.get(f"{base}{notice.pk}/xml/")
    assert xml.status_code == 200 and xml.content.decode() == notice.xml

    sent = api.post(f"{base}{notice.pk}/send/")

    assert sent.status_code == 200 and sent.json()["state"] == "queued" and sent.json()["allowed_actions"] == []
    again = api.post(f"{base}{notice.pk}/send/")
    assert again.status_code == 409 and again.json()["code"] == "transition_not_allowed"


def test_auditors_read_providers_and_strangers_do_not_see(
    authority, other_authority, member_a, tender, notice, client_for
):
    base = f"/api/v1/tenders/{tender.pk}/notices/"
    auditor = client_for(factories.auditor(authority))
    assert auditor.get(base).status_code == 200
    assert auditor.get(f"{base}{notice.pk}/xml/").status_code == 200
    assert auditor.post(f"{base}{notice.pk}/send/").status_code == 403
    for outsider in (member_a, factories.officer_of(other_authority)):
        api = client_for(outsider)
        assert api.get(base).status_code == 404
        assert api.get(f"{base}{notice.pk}/").status_code == 404
        assert api.post(f"{base}{notice.pk}/send/").status_code == 404
    assert client_for().get(base).status_code == 401
    notice.refresh_from_db()
    assert notice.state == NoticeState.VALID


def test_a_notice_of_another_call_is_not_found_under_this_one(officer, tender, notice, client_for):
    other = factories.TenderFactory(authority=tender.authority)
    api = client_for(officer)
    assert api.get(f"/api/v1/tenders/{other.pk}/notices/{notice.pk}/").status_code == 404
    assert api.post(f"/api/v1/tenders/{other.pk}/notices/{notice.pk}/send/").status_code == 404


def test_the_officer_makes_the_notice_anew_then_the_award_notice_through_the_api(db, client_for):
    provider = factories.ProviderFactory(address="Kauppakatu 1, 70100 Kuopio", company_size="small")
    decided = decided_notice_tender(bidders=[(factories.provider_member_of(provider), "9000")])
    api = client_for(decided.created_by)
    base = f"/api/v1/tenders/{decided.pk}/notices/"

    made = api.post(f"{base}prepare/")
    assert made.status_code == 200 and (made.json()["subtype"], made.json()["state"]) == ("E3", "valid")

    award = api.post(f"{base}award/")
    assert award.status_code == 200 and (award.json()["subtype"], award.json()["state"]) == ("E4", "valid")
    assert award.json()["allowed_actions"] == ["send"]
    # a provider (a bidder who reads the call) does not even learn that the call has notices
    bidder = factories.provider_member_of(provider)
    assert client_for(bidder).post(f"{base}award/").status_code == 404


def test_no_award_notice_before_the_decision(db, client_for):
    tender = notice_ready_tender()

    refused = client_for(tender.created_by).post(f"/api/v1/tenders/{tender.pk}/notices/award/")

    assert refused.status_code == 409 and refused.json()["code"] == "not_decided"
