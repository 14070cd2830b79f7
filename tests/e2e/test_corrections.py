"""A correction of the decision in a real browser: the officer starts one on the decision page, scores the reopened
criterion again and decides the lot again; the bidder sees edition 2 in force and edition 1 replaced (axe in en, fi
and sv)."""

from django.utils import timezone
from playwright.sync_api import expect

from tests.fixtures import factories
from tests.fixtures.browser import check_page, sign_in
from tests.fixtures.corrections import corrected_world, edition_send


def test_an_officer_corrects_a_lot_and_the_bidder_sees_the_new_edition(pages, transactional_db, member_a, member_b):
    # given: a bilingual authority's decision on two lots, sent a week ago; A won both
    authority = factories.AuthorityFactory(language_status="bilingual")
    officer = factories.officer_of(authority)
    world = corrected_world(authority=authority, officer=officer, member_a=member_a, member_b=member_b)
    tender, lot1 = world["tender"], world["lot1"]
    criterion = tender.criteria.order_by("number").first()
    name_a, name_b = world["bid_a"].provider.name, world["bid_b"].provider.name

    # the officer starts a correction of lot 1, criterion 1
    page = pages()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, officer.username)
    page.goto(f"/evaluation/{tender.pk}/decision/")
    expect(page.get_by_role("heading", name="Editions of the decision")).to_be_visible()
    page.get_by_text("Start a correction").click()
    form = page.locator("#correction-start")
    form.get_by_label(f"{lot1.number}. {lot1.title}").check()
    form.get_by_label(f"{criterion.number}. {criterion.name}").check()
    form.get_by_label("Reason of the correction").fill("Kriteerin 1 pisteytys oli virheellinen.")
    form.get_by_label("Reason in Swedish").fill("Poängsättningen av kriterium 1 var felaktig.")
    check_page(page, "officer-correction-form")
    form.get_by_role("button", name="Start the correction").click()
    expect(page.locator("#correction-open")).to_be_visible()
    expect(page.get_by_role("button", name="Decide the reopened lots again")).to_be_visible()

    # scores lot 1's criterion again: B 10, A 0
    page.get_by_role("link", name="Quality scores").first.click()
    expect(page.locator("#reopened")).to_be_visible()
    for name, points in ((name_b, "10"), (name_a, "0")):
        page.get_by_label(f"Points for {name}, lot 1: {criterion.name}").fill(points)
    check_page(page, "officer-correction-scores")
    page.get_by_role("button", name="Record the scores").click()
    expect(page.get_by_text("The consensus scores were recorded.")).to_be_visible()

    # and decides lot 1 again: edition 2 in force for lot 1, edition 1 for lot 2
    page.goto(f"/evaluation/{tender.pk}/decision/")
    page.get_by_role("button", name="Decide the reopened lots again").click()
    expect(page.locator("#edition-2")).to_contain_text("In force")
    expect(page.locator("#edition-1")).to_contain_text("In force for lot 2")
    expect(page.locator("#edition-1")).to_contain_text("Kriteerin 1 pisteytys oli virheellinen.")
    check_page(page, "officer-decision-editions")
    swedish = pages()
    sign_in(swedish, officer.username, language="sv")
    swedish.goto(f"/evaluation/{tender.pk}/decision/")
    expect(swedish.locator("#edition-2")).to_be_visible()
    check_page(swedish, "officer-decision-editions-sv")

    # the new edition is sent: A (who lost lot 1) sees edition 2 in force and edition 1 replaced for lot 1
    edition_send(tender, sent=timezone.now(), edition=2)
    bidder = pages()
    sign_in(bidder, member_a.username)
    bidder.goto("/bids/")
    expect(bidder.locator('[data-edition="2"]')).to_contain_text("in force")
    expect(bidder.locator('[data-edition="1"]')).to_contain_text("replaced for the other lots by edition 2")
    check_page(bidder, "provider-decision-editions")
    swedish_bidder = pages()
    sign_in(swedish_bidder, member_a.username, language="sv")
    swedish_bidder.goto("/bids/")
    expect(swedish_bidder.locator('[data-edition="2"]')).to_be_visible()
    check_page(swedish_bidder, "provider-decision-editions-sv")
