"""The panel's pages record what the decision's reasons need: the ground of a failed exclusion check, a public reason
beside a reason about a business secret, and the rejection of an offer that does not conform to the call."""

import pytest

from bids.models import LotOffer
from evaluation.models import ConformityRejection, QualificationCheck, QualityScore
from evaluation.qualification import required_subjects
from tenders.services import tender_close
from tests.fixtures.stages import open_bids, qualify_all, seat_panel, submitted_tender


@pytest.fixture
def opened(authority, officer, member_a, member_b):
    tender = submitted_tender(bidders=[(member_a, "9000"), (member_b, "8000")], authority=authority)
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    return tender


def test_the_qualification_page_asks_the_ground_of_a_failed_exclusion_check(opened, officer, provider_b, browser_for):
    browser = browser_for(officer)
    url = f"/evaluation/{opened.pk}/qualification/"
    data = {}
    failing = opened.bids.get(provider=provider_b)
    for bid in opened.bids.filter(status="submitted"):
        for subject in required_subjects(opened):
            key = f"{bid.pk}-{subject.replace(':', '-')}"
            data[f"result_{key}"] = "pass"
            data[f"reason_{key}"] = "Täyttää vaatimuksen."
    key = f"{failing.pk}-exclusion"
    data |= {f"result_{key}": "fail", f"reason_{key}": "Konkurssi 2.6.2026."}

    page = browser.get(url).content.decode()
    assert f'name="ground_{key}"' in page and "81 §: Bankruptcy, insolvency or liquidation" in page

    refused = browser.post(url, data)
    assert refused.status_code == 400 and "Name the exclusion ground" in refused.content.decode()
    assert not QualificationCheck.objects.exists()

    recorded = browser.post(url, data | {f"ground_{key}": "bankruptcy"})
    assert recorded.status_code == 302
    check = QualificationCheck.objects.get(bid=failing, subject="exclusion")
    assert (check.passed, check.ground) == (False, "bankruptcy")
    shown = browser.get(url)
    assert shown.status_code == 200 and 'value="bankruptcy" selected' in shown.content.decode()


def test_the_scores_page_records_a_public_reason(opened, officer, browser_for):
    qualify_all(opened, officer)
    browser = browser_for(officer)
    offer = LotOffer.objects.filter(bid__tender=opened).order_by("pk").first()
    criterion = opened.criteria.order_by("number").first()
    key = f"{offer.pk}-{criterion.pk}"

    response = browser.post(
        f"/evaluation/{opened.pk}/scores/",
        {
            f"points_{key}": "7",
            f"reason_{key}": "Oma menetelmä X (liikesalaisuus).",
            f"public_reason_{key}": "Menetelmä on kuvattu selkeästi.",
        },
    )

    assert response.status_code == 302
    score = QualityScore.objects.get(lot_offer=offer, criterion=criterion)
    assert score.public_reason == "Menetelmä on kuvattu selkeästi." and score.reason.startswith("Oma menetelmä")


def test_the_prices_page_rejects_an_offer_that_does_not_conform_to_the_call(opened, officer, provider_b, browser_for):
    qualify_all(opened, officer)
    browser = browser_for(officer)
    url = f"/evaluation/{opened.pk}/prices/"
    offer = LotOffer.objects.get(bid__provider=provider_b, lot__number=1)

    blank = browser.post(url, {"action": "nonconforming", "nonconforming-lot_offer": offer.pk})
    assert blank.status_code == 400 and not ConformityRejection.objects.exists()
    made = browser.post(
        url,
        {
            "action": "nonconforming",
            "nonconforming-lot_offer": offer.pk,
            "nonconforming-reason": "Opetus verkossa; tarjouspyyntö edellyttää lähiopetusta Kuopiossa.",
        },
    )

    assert made.status_code == 302
    assert ConformityRejection.objects.get(lot_offer=offer).reason.startswith("Opetus verkossa")
    shown = browser.get(url).content.decode()
    assert "Rejected as not conforming to the call" in shown and "lähiopetusta Kuopiossa" in shown
    # it is no longer offered for scoring
    assert f"points_{offer.pk}-" not in browser.get(f"/evaluation/{opened.pk}/scores/").content.decode()
