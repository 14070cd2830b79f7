"""An anonymous visitor finds a procurement's public record and reads it, in a real browser (axe in fi, sv, en)."""

from django.utils import timezone
from playwright.sync_api import expect

from tenders.models import TenderStatus
from tests.fixtures import factories
from tests.fixtures.browser import check_page
from tests.fixtures.notices import contracts_signed
from tests.fixtures.stages import decided_tender


def test_an_anonymous_visitor_finds_a_procurement_and_reads_its_public_record(
    page, transactional_db, authority, officer, member_a, member_b
):
    # given: a decided call whose contracts are signed, and an open call of the same authority
    tender = decided_tender(
        officer=officer,
        authority=authority,
        bidders=[(member_a, "9000"), (member_b, "9500")],
        title_fi="Kotoutumiskoulutus Pori",
    )
    contracts_signed(tender)
    factories.TenderFactory(
        authority=authority,
        title_fi="Kotoutumiskoulutus Rauma",
        status=TenderStatus.PUBLISHED,
        published_at=timezone.now(),
    )

    # the front page (the open calls, for anyone) links to the public records
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Public records").click()
    expect(page.get_by_role("heading", name="Public records of procurements")).to_be_visible()
    table = page.get_by_role("table", name="Public records of procurements")
    expect(table.get_by_role("row").filter(has_text="Kotoutumiskoulutus Rauma")).to_have_count(1)
    check_page(page, "public-records")

    # a search by a word of the title
    page.get_by_label("Words of the title").fill("pori")
    page.get_by_role("button", name="Search").click()
    rows = page.get_by_role("table", name="Public records of procurements").get_by_role("row")
    expect(rows.filter(has_text="Kotoutumiskoulutus Pori")).to_have_count(1)
    expect(rows.filter(has_text="Kotoutumiskoulutus Rauma")).to_have_count(0)

    # the record: the contract and the comparison of each lot, with both bidders
    page.get_by_role("link", name="Kotoutumiskoulutus Pori").click()
    expect(page.get_by_role("heading", name="Kotoutumiskoulutus Pori")).to_be_visible()
    expect(page.locator("#stage")).to_have_text("Contract signed")
    comparison = page.get_by_role("table", name="Comparison of lot 1")
    expect(comparison.get_by_role("row")).to_have_count(3)
    expect(comparison.get_by_text(member_b.memberships.get().provider.name)).to_be_visible()
    check_page(page, "public-record")

    # in Finnish and in Swedish
    page.get_by_label("Language").select_option("fi")
    expect(page.locator("#stage")).to_have_text("Sopimus allekirjoitettu")
    check_page(page, "public-record-fi")
    page.get_by_label("Kieli").select_option("sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("table", name="Jämförelse av del 1")).to_be_visible()
    check_page(page, "public-record-sv")
    page.get_by_role("link", name="Offentliga uppgifter om upphandlingar").first.click()
    expect(page.get_by_role("heading", name="Offentliga uppgifter om upphandlingar")).to_be_visible()
    check_page(page, "public-records-sv")
