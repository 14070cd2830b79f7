"""Requests for documents in a real browser: a bidder asks from its outcome, the officer grants in part, the bidder
downloads the redacted copy; a member of the public asks through the form and reads the page behind its link. Every
page checked with axe in English and Finnish (check_page), and in Swedish."""

from pathlib import Path

from playwright.sync_api import expect

from bids import secrecy
from bids.secrecy import Withheld
from documents.models import GeneratedDocument
from documents.services import document_render
from evaluation.access_requests import access_request_disclose
from evaluation.models import AccessRequest
from tests.fixtures.access import SECRET, decided_with_attachments, send_decision_to_all, sign_contracts
from tests.fixtures.browser import assert_accessible, check_page, sign_in


def _in_swedish(page, path: str, name: str) -> None:
    """The page in Swedish, switched as a user does (the language menu); checked with axe."""
    page.goto(path)
    if page.locator("html").get_attribute("lang") != "sv":
        page.locator("select[name=language]").select_option("sv")  # applied at once by the page's script
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    assert_accessible(page, f"{name} (sv)")


def test_a_bidder_asks_the_officer_grants_in_part_and_the_bidder_downloads_the_redacted_copy(
    pages, transactional_db, officer, member_a, member_b, monkeypatch
):
    # given: a decided call, sent; the authority withholds a passage of B's attachment
    tender, bid_b, attachment_b = decided_with_attachments(officer=officer, member_a=member_a, member_b=member_b)
    send_decision_to_all(tender)
    monkeypatch.setattr(
        secrecy,
        "secrecy_withheld",
        lambda t: {bid_b.pk: [Withheld(part=f"attachment:{attachment_b.pk}", passages=(SECRET,))]},
    )
    provider_b = bid_b.provider.name

    # the bidder asks from its outcome
    bidder = pages()
    sign_in(bidder, member_a.username)
    bidder.goto("/bids/")
    bidder.get_by_role("link", name="Ask for documents").first.click()
    expect(bidder.get_by_role("heading", name="Ask for documents", exact=True)).to_be_visible()
    check_page(bidder, "access-ask")
    bidder.get_by_label(provider_b).check()
    bidder.get_by_role("button", name="Send the request").click()
    expect(bidder.get_by_role("heading", name="Request for documents 1")).to_be_visible()
    check_page(bidder, "access-request")
    request = AccessRequest.objects.get()

    # the officer grants it in part
    desk = pages()
    sign_in(desk, officer.username)
    desk.goto(f"/evaluation/{tender.pk}/access-requests/")
    table = desk.get_by_role("table", name="Requests for documents")
    expect(table).to_be_visible()
    check_page(desk, "access-list")
    table.get_by_role("link", name="1").click()
    expect(desk.get_by_role("heading", name="Decide on the request")).to_be_visible()
    check_page(desk, "access-decide")
    desk.get_by_label("Granted in part").check()
    desk.get_by_role("group", name="Bids disclosed").get_by_label(provider_b).check()
    desk.get_by_label("Business secret (JulkL 24 § 1 mom. 20 k)").check()
    desk.get_by_label("Reasons", exact=True).fill("Liikesalaisuudet poistettu.")
    desk.get_by_role("button", name="Decide").click()
    expect(desk.get_by_text("Granted in part").first).to_be_visible()

    # the worker makes the copies
    access_request_disclose(request_id=request.pk)
    for document in GeneratedDocument.objects.filter(tender=tender, kind__in=["access_decision", "disclosed_copy"]):
        document_render(document_id=document.pk)

    # the bidder downloads the redacted attachment
    bidder.goto(f"/access-requests/{request.pk}/")
    files = bidder.locator("#access-files")
    expect(files.get_by_role("link", name="The decision (PDF)")).to_be_visible()
    check_page(bidder, "access-request-decided")
    with bidder.expect_download() as download:
        files.get_by_role("link", name="menetelmat_disclosed.pdf").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"%PDF-") and b"SALAINEN" not in data
    _in_swedish(bidder, f"/access-requests/{request.pk}/", "access-request-decided")
    _in_swedish(bidder, f"/calls/{tender.pk}/access-requests/", "access-ask")
    _in_swedish(desk, f"/evaluation/{tender.pk}/access-requests/", "access-list")


def test_a_member_of_the_public_asks_through_the_form_and_reads_the_page_behind_the_link(
    pages, transactional_db, officer, member_a, member_b
):
    tender, bid_b, _attachment = decided_with_attachments(officer=officer, member_a=member_a, member_b=member_b)
    sign_contracts(tender)
    visitor = pages()
    visitor.goto(f"/public/calls/{tender.pk}/request/")
    expect(visitor.get_by_role("heading", name="Ask for documents of a call")).to_be_visible()
    check_page(visitor, "access-public-request")
    visitor.get_by_label("Your name").fill("Maija Meikäläinen")
    visitor.get_by_label("Your e-mail address").fill("maija@example.org")
    visitor.get_by_label(bid_b.provider.name).check()
    visitor.get_by_role("button", name="Send the request").click()
    expect(visitor.get_by_role("heading", name="Request for documents 1")).to_be_visible()
    expect(visitor.get_by_text("Maija Meikäläinen")).to_be_visible()
    check_page(visitor, "access-public-link")
    link = visitor.url
    _in_swedish(visitor, f"/public/calls/{tender.pk}/request/", "access-public-request")
    _in_swedish(visitor, link, "access-public-link")
