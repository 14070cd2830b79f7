"""Editing a bid in a real browser without losing what was typed: the summary with the problems of an incomplete
bid, the exclusion declaration as one choice, autosave, the warning on leaving with unsaved changes, and a
typed-but-unsaved price that is what gets submitted."""

from django.utils import timezone
from playwright.sync_api import expect

from bids.content import version_manifest
from bids.models import Bid, BidStatus
from bids.selectors import bid_get
from bids.services import bid_create
from tenders.models import TenderStatus
from tests.fixtures import factories
from tests.fixtures.browser import check_page, sign_in
from tests.fixtures.stages import full_content


def test_a_provider_completes_a_bid_with_autosave_and_submits_the_price_on_the_screen(page, authority, provider_a):
    # given a draft priced 9 400 that lacks the answer to criterion 2 and the exclusion declaration
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    member = factories.provider_member_of(provider_a, username="aino")
    criterion = tender.criteria.get(number=2)
    content = full_content(tender, "9400", lots=[tender.lots.get(number=1)])
    content["quality_answers"] = [a for a in content["quality_answers"] if a["criterion"] != criterion.pk]
    content["exclusion_declaration"] = {}
    bid = bid_create(actor=member, tender_id=tender.pk, received_at=timezone.now(), content=content)
    sign_in(page, "aino")
    page.goto(f"/bids/{bid.pk}/")
    check_page(page, "provider-bid-editing")

    # "Submit the bid" shows the summary first, with what is missing, and no confirmation
    page.get_by_role("button", name="Submit the bid").click()
    page.wait_for_url(f"**/bids/{bid.pk}/summary/")
    problems = page.locator(".problems").inner_text()
    assert "Answer the quality criteria 2." in problems
    assert "Declare for every exclusion ground whether it applies." in problems
    assert page.get_by_role("button", name="Confirm and submit the bid").count() == 0
    check_page(page, "provider-bid-summary")
    page.get_by_role("link", name="Back to the bid to complete it").click()
    page.wait_for_url(f"**/bids/{bid.pk}/")

    # the exclusion declaration: the answers per ground only when one applies
    bankruptcy = page.locator("input[name=ground_bankruptcy][value=yes]")
    expect(bankruptcy).to_be_hidden()
    page.get_by_label("One or more of them applies to us").check()
    expect(bankruptcy).to_be_visible()
    page.get_by_label("None of the grounds listed below applies to us.").check()
    expect(bankruptcy).to_be_hidden()

    # the answer she types is saved without pressing save, and is there after a reload
    page.get_by_label(f"2. {criterion.name}").fill("Harjoittelu paikallisissa yrityksissä.")
    page.locator("#autosave-status").filter(has_text="Saved at").wait_for()
    page.reload()
    assert page.get_by_label(f"2. {criterion.name}").input_value() == "Harjoittelu paikallisissa yrityksissä."
    assert page.get_by_label("None of the grounds listed below applies to us.").is_checked()
    saved = bid_get(user=member, bid_id=bid.pk).content
    assert saved["exclusion_declaration"] == dict.fromkeys(tender.exclusion_grounds, False)

    # she changes the price; leaving before it is saved asks first
    page.locator("#bid-form").evaluate("form => form.setAttribute('data-autosave-delay', '600000')")
    page.get_by_label("Lot 1: unit price").fill("9111")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.locator("main").get_by_role("link", name=tender.title).first.click(no_wait_after=True)
    assert asked == ["beforeunload"]
    assert page.url.endswith(f"/bids/{bid.pk}/") and page.get_by_label("Lot 1: unit price").input_value() == "9111"

    # and submits without saving: the summary shows the price on the screen, and the confirmation submits it
    page.get_by_role("button", name="Submit the bid").click()
    page.wait_for_url(f"**/bids/{bid.pk}/summary/")
    assert "9,111.00" in page.locator("main").inner_text()
    page.get_by_role("button", name="Confirm and submit the bid").click()
    page.wait_for_url(f"**/bids/{bid.pk}/receipts/1/")
    bid.refresh_from_db()
    assert bid.status == BidStatus.SUBMITTED
    submitted = version_manifest(Bid.objects.get(pk=bid.pk).versions.get())["content"]
    assert [offer["unit_price"] for offer in submitted["lot_offers"]] == ["9111"]

    # the bid page and its summary in Finnish
    page.get_by_label("Language").select_option("fi")  # applied at once by the page's script
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    page.goto(f"/bids/{bid.pk}/summary/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Tarjouksesi yhteenveto")
    check_page(page, "provider-bid-summary-fi")
    page.goto(f"/bids/{bid.pk}/")
    check_page(page, "provider-bid-fi")
    assert not [e for e in page.console_errors if "Failed to load resource" not in e], page.console_errors
