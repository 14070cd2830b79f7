"""The portal pages of claims and appeals: the officer's page of a call's claims and appeals, and the bidder's
"ask for a correction" page reached from its outcome."""

import pytest
from django.utils import timezone

from evaluation.models import Appeal, Claim, ContractStatus, LotContract
from tests.fixtures.claims import filed_claim, lots_of, notified_tender

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender(authority, officer, member_a, member_b):
    return notified_tender(
        officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")], sent_days_ago=2
    )


def test_the_bidder_asks_for_a_correction_from_its_outcome(tender, member_a, browser_for):
    client = browser_for(member_a)
    mine = client.get("/bids/").content.decode()
    assert f"/calls/{tender.pk}/claims/" in mine
    page = client.get(f"/calls/{tender.pk}/claims/")
    assert page.status_code == 200
    assert "The last day to ask for a correction is" in page.content.decode()
    first = lots_of(tender)[0]
    response = client.post(
        f"/calls/{tender.pk}/claims/", {"claim-lots": [first.pk], "claim-grounds": "Pisteet on laskettu väärin."}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    claim = Claim.objects.get()
    assert claim.channel == "portal" and claim.provider_id is not None
    assert f'id="claim-{claim.pk}"' in client.get(f"/calls/{tender.pk}/claims/").content.decode()
    withdrawn = client.post(f"/calls/{tender.pk}/claims/{claim.pk}/withdraw/")
    assert withdrawn.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.WITHDRAWN


def test_after_the_period_the_bidder_sees_the_refusal_with_the_date(authority, officer, member_a, browser_for):
    tender = notified_tender(officer=officer, authority=authority, bidders=[(member_a, "9000")], sent_days_ago=30)
    client = browser_for(member_a)
    page = client.get(f"/calls/{tender.pk}/claims/").content.decode()
    assert "The period for a claim for rectification ended on" in page
    response = client.post(
        f"/calls/{tender.pk}/claims/", {"claim-lots": [lots_of(tender)[0].pk], "claim-grounds": "Myöhässä."}
    )
    assert response.status_code == 409 and "ended on" in response.content.decode()
    assert not Claim.objects.exists()


def test_someone_else_does_not_reach_the_bidders_page_nor_another_bidders_claim(
    tender, member_a, member_b, browser_for
):
    from tests.fixtures import factories

    outsider = factories.provider_member_of(factories.ProviderFactory())
    assert browser_for(outsider).get(f"/calls/{tender.pk}/claims/").status_code == 404
    claim = filed_claim(tender=tender, member=member_b)
    client = browser_for(member_a)
    assert f'id="claim-{claim.pk}"' not in client.get(f"/calls/{tender.pk}/claims/").content.decode()
    assert client.post(f"/calls/{tender.pk}/claims/{claim.pk}/withdraw/").status_code == 404
    claim.refresh_from_db()
    assert claim.status == Claim.Status.OPEN


def test_the_officer_registers_decides_and_records_an_appeal(tender, officer, member_a, browser_for):
    client = browser_for(officer)
    url = f"/evaluation/{tender.pk}/claims/"
    assert client.get(url).status_code == 200
    first = lots_of(tender)[0]
    today = timezone.localdate().isoformat()
    registered = client.post(
        url,
        {
            "claim-lots": [first.pk],
            "claim-grounds": "Sähköpostilla saapunut vaatimus.",
            "claim-channel": "email",
            "claim-arrived_on": today,
            "claim-claimant_name": "Kuntalainen",
        },
    )
    assert registered.status_code == 302, registered.content.decode()[:3000]
    claim = Claim.objects.get()
    assert LotContract.objects.get(lot=first).status == ContractStatus.SUSPENDED
    page = client.get(url).content.decode()
    assert "Contracting suspended" in page and "Kuntalainen" in page
    decided = client.post(
        f"/evaluation/{tender.pk}/claims/{claim.pk}/decide/",
        {f"decide-{claim.pk}-outcome": "rejected", f"decide-{claim.pk}-reason": "Ei aihetta oikaisuun."},
    )
    assert decided.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REJECTED
    appealed = client.post(
        f"/evaluation/{tender.pk}/appeals/",
        {"appeal-lots": [first.pk], "appeal-diary_number": "MAO:5/2026", "appeal-informed_on": today},
    )
    assert appealed.status_code == 302
    appeal = Appeal.objects.get()
    resolved = client.post(
        f"/evaluation/{tender.pk}/appeals/{appeal.pk}/resolve/",
        {f"resolve-{appeal.pk}-outcome": "annulled", f"resolve-{appeal.pk}-decided_on": today},
    )
    assert resolved.status_code == 302
    page = client.get(url).content.decode()
    assert "A new evaluation is needed" in page
    # the decision page shows what suspends the lot
    assert "MAO:5/2026" in client.get(f"/evaluation/{tender.pk}/decision/").content.decode()


def test_a_bidder_cannot_use_the_officers_page(tender, member_a, browser_for):
    assert browser_for(member_a).get(f"/evaluation/{tender.pk}/claims/").status_code == 404


def test_the_auditor_reads_the_claims_and_appeals_from_the_records_of_the_call(
    tender, authority, officer, member_a, browser_for
):
    from tests.fixtures import factories
    from tests.fixtures.claims import registered_appeal

    claim = filed_claim(tender=tender, member=member_a)
    registered_appeal(tender=tender, officer=officer, reference="MAO:77/2026")
    auditor = browser_for(factories.auditor(authority))
    records = auditor.get(f"/records/calls/{tender.pk}/").content.decode()
    assert f"/evaluation/{tender.pk}/claims/" in records
    page = auditor.get(f"/evaluation/{tender.pk}/claims/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="claim-{claim.pk}"' in html and "MAO:77/2026" in html
    assert "Record the outcome" not in html and "Decide the claim" not in html  # an auditor changes nothing
