"""The authority decides on a bidder's business secrets, and the bidder reads the decision, in a real browser."""

import re

from playwright.sync_api import expect

from bids.models import SecrecyReview, SecrecyReviewStatus
from tests.fixtures.browser import check_page, sign_in
from tests.fixtures.secrecy import marked_decided_tender

REASON = re.compile(r"^Reason\b(?! in)")  # the field's label, with the mark of a required field


def test_an_officer_reviews_the_markings_and_tells_the_bidder_who_reads_the_decision(
    pages, transactional_db, authority, officer, member_a, member_b
):
    # given a decided call in which A marked its answer to criterion 1 and its contact as business secrets
    tender, bid = marked_decided_tender(authority=authority, officer=officer, member_a=member_a, member_b=member_b)
    criterion = tender.criteria.order_by("number").first()
    answer_heading = f"Answer to quality criterion {criterion.number}: {criterion.name}"

    # The officer opens the review from the bids page
    page = pages()
    sign_in(page, officer.username)
    page.goto(f"/evaluation/{tender.pk}/bids/")
    page.get_by_role("link", name=f"Business secrets of {bid.provider.name}").click()
    expect(page.get_by_role("heading", name=f"Business secrets: {bid.provider.name}")).to_be_visible()
    check_page(page, "secrecy-review")

    # overrides the marking of the answer, with a reason
    answer = page.get_by_role("region", name=answer_heading)
    expect(answer).to_be_visible()
    answer.get_by_label("Not secret").check()
    answer.get_by_role("textbox", name=REASON).fill("Menetelmä on kuvattu julkisesti.")
    answer.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("The decision on the part was saved.")).to_be_visible()

    # keeps the contact secret as personal data
    contact = page.get_by_role("region", name="Contact person")
    expect(contact).to_be_visible()
    contact.get_by_label("Secret", exact=True).check()
    contact.get_by_label("Ground").select_option("personal_data")
    contact.get_by_role("textbox", name=REASON).fill("Yhteyshenkilön tiedot ovat henkilötietoja.")
    contact.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("The decision on the part was saved.")).to_be_visible()

    # and tells the bidder
    page.get_by_role("button", name="Tell the bidder of the decision").click()
    expect(page.get_by_text("The bidder was told of the decision on its business secrets.")).to_be_visible()
    assert SecrecyReview.objects.get(bid=bid).status == SecrecyReviewStatus.NOTIFIED
    check_page(page, "secrecy-review-told")
    for language in ("fi", "sv"):
        other = pages()
        sign_in(other, officer.username, language=language)
        other.goto(f"/evaluation/{tender.pk}/bids/{bid.pk}/secrecy/")
        expect(other.locator("#secrecy-status")).to_be_visible()
        check_page(other, f"secrecy-review-{language}")

    # The bidder reads the decision from its bid, with the date from which the override applies
    bidder = pages()
    sign_in(bidder, member_a.username)
    bidder.goto(f"/bids/{bid.pk}/")
    bidder.get_by_role("link", name="Business secrets: the authority's decision").click()
    decision = bidder.get_by_role("table", name="The authority's decision, part by part")
    expect(decision).to_be_visible()
    expect(decision.get_by_role("row").filter(has_text="Contact person")).to_contain_text("Secret")
    expect(decision.get_by_role("row").filter(has_text=answer_heading)).to_contain_text("Not secret")
    expect(bidder.locator("#secrecy-decision")).to_contain_text("may be disclosed from")
    check_page(bidder, "secrecy-bidder")
    for language in ("fi", "sv"):
        other = pages()
        sign_in(other, member_a.username, language=language)
        other.goto(f"/bids/{bid.pk}/secrecy/")
        expect(other.locator("#secrecy-decision")).to_be_visible()
        check_page(other, f"secrecy-bidder-{language}")
