"""The authority's pages after the deadline: opening, panel, qualification, scores, ranking, decision, contract."""

import pytest
from django.utils import timezone

from bids.models import LotOffer
from evaluation.models import ContractStatus, LotContract, OpeningRequest, PanelMember
from evaluation.qualification import required_subjects
from tenders.models import Tender, TenderStatus
from tenders.services import tender_close
from tests.fixtures import factories
from tests.fixtures.stages import decided_tender, open_bids, propose_tender, seat_panel, submitted_tender


@pytest.fixture
def closed_tender(authority, officer, member_a, member_b):
    tender = submitted_tender(bidders=[(member_a, "9000"), (member_b, "8000")], authority=authority)
    tender_close(actor=officer, tender_id=tender.pk)
    return tender


def test_opening_needs_two_officers(closed_tender, officer, officer2, browser_for):
    first = browser_for(officer)
    url = f"/evaluation/{closed_tender.pk}/opening/"
    assert "Request the opening" in first.get(url).content.decode()

    requested = first.post(url, follow=True)
    page = requested.content.decode()
    assert "Another officer must confirm it by" in page
    assert "You requested the opening" in page
    assert OpeningRequest.objects.filter(tender=closed_tender, confirmed_at__isnull=True).count() == 1

    # the same officer cannot confirm their own request
    again = first.post(url)
    assert again.status_code == 409
    assert "Another officer of the authority must confirm the opening" in again.content.decode()
    assert Tender.objects.get(pk=closed_tender.pk).status == TenderStatus.CLOSED

    second = browser_for(officer2)
    page = second.get(url).content.decode()
    assert "Confirm the opening" in page and officer.username in page
    confirmed = second.post(url, follow=True)
    assert "The bids were opened" in confirmed.content.decode()
    tender = Tender.objects.get(pk=closed_tender.pk)
    assert tender.status == TenderStatus.OPENED and tender.opened_by == officer2
    assert LotOffer.objects.filter(bid__tender=tender).count() == 4


def test_the_panel_qualifies_scores_and_the_award_is_decided_through_the_pages(
    closed_tender, officer, officer2, browser_for
):
    tender = closed_tender
    open_bids(tender, officer, officer2)
    client = browser_for(officer)

    # before a seat on the panel and a declaration, no bid is shown
    blocked = client.get(f"/evaluation/{tender.pk}/qualification/")
    assert blocked.status_code == 403 and "Go to the panel" in blocked.content.decode()

    assert client.post(f"/evaluation/{tender.pk}/panel/", {"add-user": officer.pk}).status_code == 302
    declared = client.post(f"/evaluation/{tender.pk}/panel/declaration/", {"declare-has_conflict": "no"})
    assert declared.status_code == 302
    assert PanelMember.objects.get(tender=tender, user=officer).may_evaluate

    # qualification: a result without its reason is refused next to the field, with the choice kept
    bids = list(tender.bids.filter(status="submitted").order_by("pk"))
    subjects = required_subjects(tender)
    data = {}
    for bid in bids:
        for subject in subjects:
            key = f"{bid.pk}-{subject.replace(':', '-')}"
            data[f"result_{key}"] = "pass"
            data[f"reason_{key}"] = "Täyttää vaatimuksen."
    first_key = f"{bids[0].pk}-exclusion"
    response = client.post(f"/evaluation/{tender.pk}/qualification/", {**data, f"reason_{first_key}": " "})
    assert response.status_code == 400
    assert "Give the reason." in response.content.decode()
    response = client.post(f"/evaluation/{tender.pk}/qualification/", data)
    assert response.status_code == 302
    assert "Qualified" in client.get(f"/evaluation/{tender.pk}/qualification/").content.decode()

    # scores: evaluating before every criterion is scored is refused with the service's message
    refused = client.post(f"/evaluation/{tender.pk}/evaluate/")
    assert refused.status_code == 400
    assert "Every quality criterion of every offer must be scored first." in refused.content.decode()

    scores = {}
    for offer in LotOffer.objects.filter(bid__tender=tender):
        for criterion in tender.criteria.all():
            scores[f"points_{offer.pk}-{criterion.pk}"] = "7" if offer.bid_id == bids[0].pk else "5"
            scores[f"reason_{offer.pk}-{criterion.pk}"] = "Perusteltu."
    over = dict(scores)
    over[next(iter(over))] = "11"
    assert client.post(f"/evaluation/{tender.pk}/scores/", over).status_code == 400
    assert client.post(f"/evaluation/{tender.pk}/scores/", scores).status_code == 302

    evaluated = client.post(f"/evaluation/{tender.pk}/evaluate/", follow=True)
    page = evaluated.content.decode()
    assert "The evaluation is finished" in page
    assert f"/api/v1/tenders/{tender.pk}/results/xlsx/" in page
    assert "Total points" in page and "Price points" in page
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.EVALUATED
    xlsx = client.get(f"/api/v1/tenders/{tender.pk}/results/xlsx/")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")

    proposed = client.post(f"/evaluation/{tender.pk}/propose/", {"note": "Ehdotus."}, follow=True)
    assert "The award was proposed" in proposed.content.decode()
    assert "Decide the award" in proposed.content.decode()

    decided = browser_for(officer2).post(f"/evaluation/{tender.pk}/decide/", follow=True)
    page = decided.content.decode()
    assert "The award was decided" in page
    assert "Winners by lot" in page and "Standstill ends on" in page
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.DECIDED


def test_the_contract_step_registers_an_appeal_and_signs_with_warnings(authority, officer, member_a, browser_for):
    from datetime import timedelta

    from tests.fixtures.stages import send_decision

    tender = decided_tender(officer=officer, bidders=[(member_a, "9000")], authority=authority)
    send_decision(tender, sent=timezone.now() - timedelta(days=20))
    contract = LotContract.objects.filter(lot__tender=tender).order_by("lot__number").first()
    client = browser_for(officer)
    url = f"/evaluation/{tender.pk}/decision/"
    today = timezone.localdate().isoformat()

    page = client.get(url).content.decode()
    assert "Contracts" in page and "Missing:" in page

    response = client.post(
        f"/evaluation/{tender.pk}/contracts/{contract.pk}/appeals/",
        {f"appeal-{contract.pk}-filed_on": today, f"appeal-{contract.pk}-reference": "MAO:123/2027"},
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUSPENDED

    appeal = contract.appeals.get()
    prefix = f"resolve-{contract.pk}-{appeal.pk}"
    response = client.post(
        f"/evaluation/{tender.pk}/contracts/{contract.pk}/appeals/{appeal.pk}/resolve/",
        {f"{prefix}-outcome": "dismissed", f"{prefix}-resolved_on": today},
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == ContractStatus.CONTRACTING

    response = client.post(
        f"/evaluation/{tender.pk}/contracts/{contract.pk}/liability-documents/",
        {f"liability-{contract.pk}-kind": "tax_debt", f"liability-{contract.pk}-issued_on": today},
    )
    assert response.status_code == 302
    not_checked = client.post(
        f"/evaluation/{tender.pk}/contracts/{contract.pk}/sign/",
        {f"sign-{contract.pk}-signed_on": today, f"sign-{contract.pk}-signatories": "Maija"},
    )
    assert not_checked.status_code == 409 and 'role="alert"' in not_checked.content.decode()
    checked = client.post(
        f"/evaluation/{tender.pk}/contracts/{contract.pk}/clear/",
        {f"clear-{contract.pk}-confirmed": "on", f"clear-{contract.pk}-note": "Kirjaamo tarkistettu."},
        follow=True,
    )
    assert "The check was recorded" in checked.content.decode() and "Kirjaamo tarkistettu." in checked.content.decode()

    signed = client.post(
        f"/evaluation/{tender.pk}/contracts/{contract.pk}/sign/",
        {f"sign-{contract.pk}-signed_on": today, f"sign-{contract.pk}-signatories": "Maija Meikäläinen\nPekka"},
        follow=True,
    )
    assert "recorded, with warnings" in signed.content.decode()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED and contract.signatories == ["Maija Meikäläinen", "Pekka"]


def test_a_refused_contract_action_is_shown_on_the_page(authority, officer, member_a, browser_for):
    tender = decided_tender(officer=officer, bidders=[(member_a, "9000")], authority=authority)
    contract = LotContract.objects.filter(lot__tender=tender).first()

    response = browser_for(officer).post(
        f"/evaluation/{tender.pk}/contracts/{contract.pk}/sign/",
        {f"sign-{contract.pk}-signed_on": timezone.localdate().isoformat(), f"sign-{contract.pk}-signatories": "X"},
    )

    assert response.status_code == 409
    assert 'role="alert"' in response.content.decode()
    assert LotContract.objects.get(pk=contract.pk).status != ContractStatus.SIGNED


def test_a_foreign_authoritys_evaluation_pages_are_not_found(closed_tender, other_authority, browser_for):
    stranger = factories.officer_of(other_authority)
    client = browser_for(stranger)
    for name in ("opening", "panel", "qualification", "scores", "results", "decision"):
        assert client.get(f"/evaluation/{closed_tender.pk}/{name}/").status_code == 404, name
    assert client.post(f"/evaluation/{closed_tender.pk}/opening/").status_code == 404
    assert not OpeningRequest.objects.filter(tender=closed_tender).exists()


def test_a_decision_maker_decides_on_the_proposal(authority, officer, member_a, browser_for):
    from procurement.models import Membership, Role

    tender = submitted_tender(bidders=[(member_a, "9000")], authority=authority)
    propose_tender(tender, officer)
    boss = factories.UserFactory()
    Membership.objects.create(user=boss, role=Role.DECISION_MAKER, authority=authority)
    client = browser_for(boss)

    assert tender.title in client.get("/calls/ours/").content.decode()
    page = client.get(f"/evaluation/{tender.pk}/decision/").content.decode()
    assert "Decide the award" in page and "Proposed winner" in page

    response = client.post(f"/evaluation/{tender.pk}/decide/", follow=True)
    assert "The award was decided" in response.content.decode()
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.DECIDED


def test_the_prices_page_asks_first_and_rejects_a_silent_bidder_after_the_time_set(
    authority, officer, member_a, member_b, provider_b, browser_for
):
    from datetime import timedelta

    from evaluation.models import PriceRejection, ProviderRequest
    from tests.fixtures.stages import qualify_all

    # given B's lot 1 offer (3 000 against A's 9 000) after the opening
    tender = submitted_tender(bidders=[(member_a, "9000"), (member_b, "3000")], authority=authority)
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    qualify_all(tender, officer)
    low = LotOffer.objects.get(bid__provider=provider_b, lot__number=1)
    browser = browser_for(officer)
    url = f"/evaluation/{tender.pk}/prices/"
    reject = {"action": "reject", "reject-lot_offer": low.pk, "reject-reason": "Hinta alittaa palkkakustannukset."}

    # the page shows the flag as a prompt, and refuses a rejection before any request
    page = browser.get(url)
    assert page.status_code == 200 and "66.7 % below the mean" in page.content.decode()
    refused = browser.post(url, reject)
    assert refused.status_code == 409 and "only after its bidder was asked" in refused.content.decode()

    # when the officer asks through the page, a rejection before the time set is refused too
    asked = browser.post(
        url,
        {
            "action": "ask",
            "ask-lot_offer": low.pk,
            "ask-message": "Selvittäkää hinnan muodostuminen.",
            "ask-deadline": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert asked.status_code == 302
    request = ProviderRequest.objects.get(lot_offer=low, kind="price_explanation")
    assert browser.post(url, reject).status_code == 409
    assert not PriceRejection.objects.exists()

    # then once the time set has passed with no answer, the page rejects the offer and shows the §96 ground
    ProviderRequest.objects.filter(pk=request.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    assert browser.post(url, reject).status_code == 302
    assert PriceRejection.objects.get(lot_offer=low).basis == "no_explanation"
    shown = browser.get(url).content.decode()
    assert "section 96" in shown and "Hinta alittaa palkkakustannukset." in shown


def test_two_officers_draw_lots_on_a_tie_through_the_results_page(
    authority, officer, officer2, member_a, member_b, browser_for
):
    from evaluation.models import TieDraw
    from evaluation.panel import panel_add, panel_declare
    from tests.fixtures.stages import evaluated_tie

    tender = evaluated_tie(authority=authority, officer=officer, bidders=[(member_a, "9000"), (member_b, "9000")])
    lot = tender.lots.order_by("number").first()
    # The witness reads the ranking on the page as a member of the panel (the API needs only an officer).
    panel_add(actor=officer, tender_id=tender.pk, user_id=officer2.pk)
    panel_declare(actor=officer2, tender_id=tender.pk, has_conflict=False)
    first, second = browser_for(officer), browser_for(officer2)
    url = f"/evaluation/{tender.pk}/results/"
    page = first.get(url).content.decode()
    assert "Equal under every tie-break criterion of the call" in page and "Start drawing lots" in page
    refused = first.post(f"/evaluation/{tender.pk}/propose/", {"note": ""})
    assert refused.status_code == 409 and "two officers must draw lots first" in refused.content.decode()

    started = first.post(f"/evaluation/{tender.pk}/lots/{lot.number}/draw/", follow=True).content.decode()
    assert "Another officer must confirm it by" in started and "Confirm the draw of lots" not in started
    again = first.post(f"/evaluation/{tender.pk}/lots/{lot.number}/draw/confirm/")
    assert again.status_code == 409 and "two people draw lots together" in again.content.decode()
    assert "Confirm the draw of lots" in second.get(url).content.decode()
    confirmed = second.post(f"/evaluation/{tender.pk}/lots/{lot.number}/draw/confirm/", follow=True)

    draw = TieDraw.objects.get(lot=lot)
    assert "Lots were drawn. The ranking follows the order drawn." in confirmed.content.decode()
    assert draw.seed in confirmed.content.decode() and draw.confirmed_by == officer2
