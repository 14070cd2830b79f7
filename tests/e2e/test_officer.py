"""The procurement officers' side in a real browser: two officers open the bids, the panel evaluates, one decides."""

from playwright.sync_api import expect

from tenders.models import Tender, TenderStatus
from tenders.services import tender_close
from tests.fixtures import factories
from tests.fixtures.browser import check_page, sign_in
from tests.fixtures.stages import submitted_tender


def test_two_officers_opening_and_one_deciding(page, pages, transactional_db, authority, provider_a, provider_b):
    # given a call with two submitted bids whose deadline has passed, closed by the scan
    olli = factories.officer_of(authority, username="olli", first_name="Olli", last_name="Ostaja")
    outi = factories.officer_of(authority, username="outi", first_name="Outi", last_name="Ostaja")
    bidder_a = factories.provider_member_of(provider_a)
    bidder_b = factories.provider_member_of(provider_b)
    tender = submitted_tender(
        bidders=[(bidder_a, "9000"), (bidder_b, "8000")], authority=authority, title_fi="Kotoutumiskoulutus Kuopio"
    )
    tender_close(actor=olli, tender_id=tender.pk)
    page.on("dialog", lambda dialog: dialog.accept())

    # the first officer finds the call on the dashboard and asks to open the bids
    sign_in(page, "olli")
    page.goto("/calls/ours/")
    check_page(page, "officer-dashboard")
    page.goto("/calls/ours/new/")
    expect(page.get_by_label("Title in Finnish")).to_be_visible()
    check_page(page, "officer-draft-new")
    draft = factories.TenderFactory(authority=authority, created_by=olli, title_fi="Luonnos")
    page.goto(f"/calls/ours/{draft.pk}/draft/criteria/")
    assert page.locator('[aria-current="step"]').inner_text() == "3. Criteria"
    check_page(page, "officer-draft")
    page.goto(f"/calls/ours/{draft.pk}/draft/lots/")
    check_page(page, "officer-draft-lots")
    page.goto(f"/calls/ours/{draft.pk}/")
    check_page(page, "officer-call")
    page.goto("/calls/ours/")
    page.get_by_role("link", name="Kotoutumiskoulutus Kuopio").click()
    page.locator("nav.call-nav").get_by_role("link", name="Opening").click()
    page.get_by_role("button", name="Request the opening").click()
    expect(page.get_by_text("Another officer must confirm it by")).to_be_visible()
    check_page(page, "officer-opening")
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.CLOSED

    # a second officer, in a browser of her own, sees who asked and confirms
    second = pages()
    second.on("dialog", lambda dialog: dialog.accept())
    sign_in(second, "outi")
    second.goto(f"/evaluation/{tender.pk}/opening/")
    assert "Olli Ostaja" in second.locator("main").inner_text()
    second.get_by_role("button", name="Confirm the opening").click()
    expect(second.get_by_text("The bids were opened")).to_be_visible()
    opened = Tender.objects.get(pk=tender.pk)
    assert opened.status == TenderStatus.OPENED and opened.opened_by == outi

    # the first officer takes a seat on the panel and declares no conflict of interest
    page.goto(f"/evaluation/{tender.pk}/panel/")
    page.get_by_label("Person to name to the panel").select_option(label="Olli Ostaja (olli)")
    page.get_by_role("button", name="Add to the panel").click()
    page.get_by_label("No, I have no conflict of interest").check()
    page.get_by_role("button", name="Make the declaration").click()
    expect(page.get_by_text("Your declaration was recorded.")).to_be_visible()

    # qualification: every requirement of every bid passes, with a reason
    page.get_by_role("link", name="Next: qualification").click()
    radios = page.get_by_role("radio", name="Pass")
    expect(radios.first).to_be_visible()  # the link's navigation has finished before the form is counted
    for index in range(radios.count()):
        radios.nth(index).check()
    reasons = page.locator("textarea[name^=reason_]")
    for index in range(reasons.count()):
        reasons.nth(index).fill("Täyttää vaatimuksen.")
    page.get_by_role("button", name="Record the qualification").click()
    expect(page.get_by_text("The qualification was recorded.")).to_be_visible()

    # consensus scores for every offer and criterion, then the evaluation
    page.get_by_role("link", name="Next: quality scores").click()
    points = page.locator("input[name^=points_]")
    expect(points.first).to_be_visible()
    for index in range(points.count()):
        points.nth(index).fill("8" if index % 2 else "6")
    reasons = page.locator("textarea[name^=reason_]")
    for index in range(reasons.count()):
        reasons.nth(index).fill("Selkeä suunnitelma.")
    page.get_by_role("button", name="Record the scores").click()
    expect(page.get_by_text("The consensus scores were recorded.")).to_be_visible()
    page.get_by_role("button", name="Evaluate").click()

    # the comparison table with the calculation and the spreadsheet, then the proposal
    expect(page.get_by_role("heading", name="Lot 1: Kuopio, perustaso")).to_be_visible()
    expect(page.get_by_role("link", name="Download the comparison table (XLSX)")).to_be_visible()
    check_page(page, "officer-comparison")
    page.get_by_label("Note for the decision-maker").fill("Parhaat pisteet.")
    page.get_by_role("button", name="Propose the award").click()
    expect(page.get_by_text("The award was proposed.")).to_be_visible()

    # the other officer decides; the decision with its periods is shown
    second.goto(f"/evaluation/{tender.pk}/decision/")
    second.get_by_role("button", name="Decide the award").click()
    expect(second.get_by_text("The award was decided.")).to_be_visible()
    expect(second.get_by_role("table", name="Winners by lot")).to_be_visible()
    expect(second.get_by_text("Standstill ends on").first).to_be_visible()
    check_page(second, "officer-decision")
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.DECIDED
