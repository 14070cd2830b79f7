"""Where providers stand after the decision, and the auditor's search, in a real browser."""

from django.utils import timezone
from playwright.sync_api import expect

from documents.models import GeneratedDocument
from documents.services import document_render
from procurement.models import Notification
from procurement.notifications import notification_deliver
from tenders.models import TenderStatus
from tests.fixtures import factories
from tests.fixtures.browser import check_page, sign_in
from tests.fixtures.stages import decided_tender


def test_a_bidder_sees_its_outcome_letter_and_the_comparison_and_an_auditor_finds_the_call(
    pages, transactional_db, authority, officer, member_a, member_b
):
    # given: a decided call whose decision was sent; B's offers came second
    tender = decided_tender(
        officer=officer,
        authority=authority,
        bidders=[(member_a, "9000"), (member_b, "9500")],
        title_fi="Kotoutumiskoulutus Pori",
        reference="HANK-2026-0042",
    )
    factories.TenderFactory(
        authority=authority,
        title_fi="Kotoutumiskoulutus Rauma",
        status=TenderStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    for document in GeneratedDocument.objects.filter(tender=tender):
        document_render(document_id=document.pk)
    for notification in Notification.objects.filter(kind="decision", tender_id=tender.pk):
        assert notification_deliver(notification_id=notification.pk) == "sent"

    # My bids: each lot's outcome, the letter, the comparison
    page = pages()
    sign_in(page, member_b.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My bids").click()
    outcome = page.get_by_role("table", name="Outcome per lot")
    assert outcome.get_by_text("Not chosen (rank 2 of 2)").count() == 2
    assert page.get_by_role("link", name="Continue your bid").count() == 0
    check_page(page, "provider-outcome")
    with page.expect_download() as download:
        page.get_by_role("link", name="Your notification letter (PDF)").click()
    assert download.value.suggested_filename.startswith("HANK-2026-0042_letter_")
    page.get_by_role("link", name="Comparison of the bids").click()
    expect(page.get_by_role("heading", name="Comparison of the bids")).to_be_visible()
    assert page.get_by_text("Your offer").count() == 2
    check_page(page, "provider-comparison")

    # The call's own page: the outcome, no longer "continue your bid"
    page.get_by_role("link", name="Kotoutumiskoulutus Pori").click()
    assert page.get_by_role("link", name="Continue your bid").count() == 0
    expect(page.get_by_role("link", name="View your bid")).to_be_visible()
    expect(page.get_by_role("table", name="Outcome per lot")).to_be_visible()

    # and in Finnish
    finnish = pages()
    sign_in(finnish, member_b.username, language="fi")
    finnish.goto("/bids/")
    assert finnish.get_by_role("table", name="Tulos osittain").get_by_text("Ei valittu (sija 2/2)").count() == 2
    check_page(finnish, "provider-outcome-fi")

    # An auditor finds the call by a word of its title
    factories.auditor(authority, username="auditor-search")
    auditor = pages()
    sign_in(auditor, "auditor-search")
    auditor.get_by_label("Search").fill("PORI")
    auditor.get_by_role("button", name="Filter").click()
    rows = auditor.get_by_role("table", name="Calls for tenders").get_by_role("row")
    assert rows.filter(has_text="Kotoutumiskoulutus Pori").count() == 1
    assert rows.filter(has_text="Kotoutumiskoulutus Rauma").count() == 0
    check_page(auditor, "auditor-search")
