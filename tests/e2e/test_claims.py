"""A claim for rectification in a real browser: a bidder asks for a correction from its outcome, the officer rejects
it on the call's page of claims and appeals; every page checked with axe in English, Finnish and Swedish."""

from playwright.sync_api import expect

from evaluation.models import Claim
from tests.fixtures.browser import check_page, sign_in
from tests.fixtures.claims import notified_tender


def test_a_bidder_files_a_claim_and_the_officer_rejects_it(
    pages, transactional_db, authority, officer, member_a, member_b
):
    # given: a decided call whose decision was sent to both bidders two days ago
    tender = notified_tender(
        officer=officer,
        authority=authority,
        bidders=[(member_a, "9000"), (member_b, "9500")],
        sent_days_ago=2,
        title_fi="Kotoutumiskoulutus Kokkola",
    )

    # the bidder finds "Ask for a correction" on its outcome, with the last day of its period
    bidder = pages()
    sign_in(bidder, member_b.username)
    bidder.goto("/bids/")
    bidder.get_by_role("link", name="Ask for a correction").first.click()
    expect(bidder.get_by_role("heading", name="Ask for a correction: Kotoutumiskoulutus Kokkola")).to_be_visible()
    expect(bidder.locator("#claim-period")).to_contain_text("The last day to ask for a correction is")
    check_page(bidder, "provider-claim")
    bidder.get_by_role("checkbox").first.check()
    bidder.get_by_label("Grounds and demands").fill("Laatupisteet on annettu vastoin vertailuperusteita.")
    bidder.get_by_role("button", name="Send the claim").click()
    expect(bidder.get_by_text("Your claim was sent to the contracting authority.")).to_be_visible()
    expect(bidder.locator("#own-claims")).to_contain_text("Being handled")
    claim = Claim.objects.get()

    # the officer sees it, with the lot suspended, and rejects it
    page = pages()
    sign_in(page, officer.username)
    page.goto(f"/evaluation/{tender.pk}/decision/")
    page.get_by_role("link", name="Claims and appeals").click()
    expect(page.get_by_role("heading", name="Claims and appeals: Kotoutumiskoulutus Kokkola")).to_be_visible()
    expect(page.locator("#suspended")).to_contain_text("claim for rectification no. 1")
    check_page(page, "officer-claims")
    row = page.locator(f"#claim-{claim.pk}")
    row.get_by_text("Decide the claim").click()
    row.get_by_label("Rejected: the decision stands").check()
    row.get_by_role("textbox", name="Reasons", exact=True).fill("Pisteytys on tehty vertailuperusteiden mukaisesti.")
    row.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("The decision on the claim was recorded")).to_be_visible()
    expect(page.locator(f"#claim-{claim.pk}")).to_contain_text("Rejected")
    expect(page.locator("#suspended")).to_have_count(0)

    # the bidder sees the decision; the pages in Finnish and Swedish
    bidder.goto(f"/calls/{tender.pk}/claims/")
    expect(bidder.locator("#own-claims")).to_contain_text("Rejected")
    for language in ("fi", "sv"):
        other = pages()
        sign_in(other, member_b.username, language=language)
        other.goto(f"/calls/{tender.pk}/claims/")
        expect(other.locator("#own-claims")).to_be_visible()
        check_page(other, f"provider-claim-{language}")
        officer_page = pages()
        sign_in(officer_page, officer.username, language=language)
        officer_page.goto(f"/evaluation/{tender.pk}/claims/")
        expect(officer_page.locator("#claims")).to_be_visible()
        check_page(officer_page, f"officer-claims-{language}")
