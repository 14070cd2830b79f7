"""Drafting a call's criteria several rows at once with the running total, attaching its service description, and a
corrigendum that replaces it, adds a requirement and sends the bid back: the bidder sees why, and what to do."""

from django.utils import timezone
from playwright.sync_api import expect

from bids.models import Bid, BidStatus
from tenders.models import Tender, TenderDocument, TenderStatus
from tests.fixtures import factories
from tests.fixtures.browser import check_page, sign_in
from tests.fixtures.files import pdf_bytes
from tests.fixtures.stages import submit_bid


def fill_criterion(page, index: int, name: str, weight: str) -> None:
    page.locator(f'[name="criteria-{index}-number"]').fill(str(index + 1))
    page.locator(f'[name="criteria-{index}-name"]').fill(name)
    page.locator(f'[name="criteria-{index}-weight"]').fill(weight)
    page.locator(f'[name="criteria-{index}-max_points"]').fill("10")


def test_criteria_in_one_go_a_call_file_and_a_corrigendum_that_sends_a_bid_back(
    page, pages, transactional_db, authority, provider_a
):
    olli = factories.officer_of(authority, username="olli", first_name="Olli", last_name="Ostaja")
    bidder = factories.provider_member_of(provider_a, username="bea")
    tender = factories.TenderFactory(authority=authority, created_by=olli, title_fi="Kotoutumiskoulutus Savo")
    tender.criteria.all().delete()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, "olli")

    # the officer types three criteria in one go, 50/25/25, and sees the total of every lot as she types
    page.goto(f"/calls/ours/{tender.pk}/draft/criteria/")
    page.get_by_label("Price weight (%)").fill("50")
    fill_criterion(page, 0, "Toteutussuunnitelma", "50")
    add = page.get_by_role("button", name="Add a row")
    add.click()
    add.click()
    fill_criterion(page, 1, "Ohjaus ja tuki", "25")
    fill_criterion(page, 2, "Työelämäyhteistyö", "25")
    totals = page.locator("[data-weight-total-list]")
    assert "Lot 1: 150 % – must be 100 %" in totals.inner_text()
    check_page(page, "officer-draft-criteria-rows")

    # saving the wrong total is refused once, for the whole table, naming the total; nothing typed is lost
    save = page.get_by_role("button", name="Save and continue")
    # After the full-page screenshot the page settles first (a click at once lands beside the button).
    save.scroll_into_view_if_needed()
    page.evaluate("() => document.activeElement.blur()")
    save.click()
    assert "now they add up to 150" in page.locator("#criteria-errors").inner_text()
    assert page.locator('[name="criteria-2-name"]').input_value() == "Työelämäyhteistyö"
    page.locator('[name="criteria-0-weight"]').fill("25")
    page.locator('[name="criteria-1-weight"]').fill("15")
    page.locator('[name="criteria-2-weight"]').fill("10")
    assert "Lot 2: 100 % – in order" in totals.inner_text()
    page.get_by_role("button", name="Save and continue").click()
    assert page.locator('[aria-current="step"]').inner_text() == "4. Timeline"
    assert sorted(Tender.objects.get(pk=tender.pk).criteria.values_list("weight", flat=True)) == [10, 15, 25]

    # she attaches the service description in the call's files step
    page.goto(f"/calls/ours/{tender.pk}/draft/files/")
    page.get_by_label("Kind of document").select_option("service_description")
    page.get_by_label("Title in Finnish").fill("Palvelukuvaus")
    page.locator('[name="add-file"]').set_input_files(
        files=[{"name": "palvelukuvaus.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    page.get_by_role("button", name="Add the file").click()
    expect(page.get_by_role("link", name="palvelukuvaus.pdf")).to_be_visible()
    check_page(page, "officer-draft-files")

    # the call is published (approval and publication have their own tests) and a provider submits a bid
    Tender.objects.filter(pk=tender.pk).update(status=TenderStatus.PUBLISHED, published_at=timezone.now())
    tender = Tender.objects.get(pk=tender.pk)
    tender.versions.create(number=1, created_by=olli, snapshot={})
    bid = submit_bid(bidder, tender, lots=[tender.lots.get(number=1)])

    # a corrigendum replaces the service description, adds a requirement and says that it affects bids
    document = TenderDocument.objects.get(tender=tender)
    page.goto(f"/calls/ours/{tender.pk}/amend/")
    page.get_by_label("Reason for the change").fill("Palvelukuvausta tarkennettiin ja lisättiin vaatimus.")
    page.locator(f'[name="file-{document.pk}-file"]').set_input_files(
        files=[{"name": "palvelukuvaus-2.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes(text="v2")}]
    )
    page.locator('[data-formset-add="requirements"]').click()
    page.locator('[name="requirements-1-number"]').fill("2")
    page.locator('[name="requirements-1-text"]').fill("Opettajilla S2-opettajan pätevyys")
    page.get_by_label("Yes: submitted bids go back to draft").check()
    page.get_by_label("Why the change affects the bids, or why it does not").fill("Uusi vaatimus on osoitettava.")
    check_page(page, "officer-amend")
    page.get_by_role("button", name="Publish the corrigendum").click()
    expect(page.get_by_text("Version 2 of the call was published")).to_be_visible()
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.DRAFT
    assert tender.requirements.count() == 2

    # the provider, in Finnish, sees on its bid page that the bid went back, what changed, why and by when
    provider = pages()
    sign_in(provider, "bea", language="fi")
    provider.goto(f"/bids/{bid.pk}/")
    notice = provider.locator("section.sent-back")
    assert "Tarjouksenne palautui luonnokseksi" in notice.inner_text()
    assert "Soveltuvuusvaatimukset" in notice.inner_text() and "Uusi vaatimus on osoitettava." in notice.inner_text()
    check_page(provider, "provider-bid-sent-back-fi")
    provider.goto(f"/calls/{tender.pk}/")
    expect(provider.get_by_role("link", name="Palvelukuvaus")).to_be_visible()
    check_page(provider, "call-files-fi")
