"""The panel's pages after the opening in a real browser, in Finnish: a panel member opens a bidder's attachment from
the bid viewer, an officer asks a bidder who answers in the portal, and an evaluator's own scores reach the officer."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from evaluation.models import ProviderRequest
from procurement.models import AuditEvent, Membership, Role
from procurement.periods import HELSINKI
from tenders.models import Tender, TenderStatus
from tenders.services import tender_close
from tests.fixtures import factories
from tests.fixtures.browser import check_page, sign_in
from tests.fixtures.files import PLAN
from tests.fixtures.stages import bid_with_files, open_bids, qualify_all, seat_panel


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_panel_opens_an_attachment_asks_a_bidder_and_compares_individual_scores(
    page, pages, transactional_db, authority, provider_a, provider_b
):
    # given an opened call: bidder A gave a PDF for the first quality criterion; Olli and Eeva are on the panel
    olli = factories.officer_of(authority, username="olli", first_name="Olli", last_name="Ostaja")
    outi = factories.officer_of(authority, username="outi")
    eeva = factories.UserFactory(username="eeva", first_name="Eeva", last_name="Arvioija")
    Membership.objects.create(user=eeva, role=Role.EVALUATOR, authority=authority)
    bidder_a = factories.provider_member_of(provider_a, username="pauli")
    bidder_b = factories.provider_member_of(provider_b)
    tender = factories.TenderFactory(
        status=TenderStatus.PUBLISHED, published_at=timezone.now(), authority=authority, title_fi="Kotoutus Kuopio"
    )
    criterion = tender.criteria.order_by("number").first()
    bid_a = bid_with_files(bidder_a, tender, "9000", [("Toteutussuunnitelma.pdf", PLAN, f"criterion:{criterion.pk}")])
    bid_with_files(bidder_b, tender, "8000", [])
    past = timezone.now() - timedelta(seconds=1)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=past, next_check=past)
    tender_close(actor=olli, tender_id=tender.pk)
    seat_panel(tender, olli, eeva)
    open_bids(tender, olli, outi)
    qualify_all(tender, olli)

    # the evaluator reads the bids of lot 1 and opens the PDF beside the answer it belongs to: shown, not downloaded
    sign_in(page, "eeva", language="fi")
    page.goto(f"/evaluation/{tender.pk}/bids/")
    link = page.get_by_role("link", name="Toteutussuunnitelma.pdf")
    expect(link).to_be_visible()
    _fits(page)
    check_page(page, "evaluator-bids")
    shown = page.request.get(link.get_attribute("href"))
    assert shown.ok and shown.headers["content-type"] == "application/pdf"
    assert shown.headers["content-disposition"].startswith("inline;")
    assert shown.headers["x-content-type-options"] == "nosniff"
    assert shown.body() == PLAN
    assert AuditEvent.objects.filter(action="attachment.read", actor=eeva, tender_id=tender.pk).count() == 1

    # she records her own scores
    page.goto(f"/evaluation/{tender.pk}/scores/individual/")
    points = page.locator("input[name^=points_]")
    for index in range(points.count()):
        points.nth(index).fill("7")
    reasons = page.locator("textarea[name^=reason_]")
    for index in range(reasons.count()):
        reasons.nth(index).fill("Eevan perustelu: selkeä suunnitelma.")
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page.get_by_text("Omat pisteesi tallennettiin.")).to_be_visible()

    # the officer asks bidder A for a clarification with a deadline
    officer = pages()
    sign_in(officer, "olli", language="fi")
    officer.goto(f"/evaluation/{tender.pk}/requests/")
    officer.select_option("#id_request-bid", str(bid_a.pk))
    officer.select_option("#id_request-kind", "clarification")
    officer.fill("#id_request-message", "Montako opettajaa ryhmällä on?")
    deadline = (timezone.now() + timedelta(days=3)).astimezone(HELSINKI)
    officer.fill("#id_request-deadline", deadline.strftime("%Y-%m-%dT%H:%M"))
    officer.locator("main form[method=post] button[type=submit]").click()
    expect(officer.get_by_text("Pyyntö lähetettiin tarjoajalle.")).to_be_visible()
    request = ProviderRequest.objects.get(bid=bid_a)

    # the bidder answers it in the portal
    bidder = pages()
    sign_in(bidder, "pauli", language="fi")
    bidder.goto(f"/bids/{bid_a.pk}/")
    bidder.locator(f'a[href="/bids/{bid_a.pk}/requests/{request.pk}/"]').click()
    bidder.locator("textarea[name=answer]").fill("Kaksi opettajaa kullakin ryhmällä.")
    bidder.locator("main form[method=post] button[type=submit]").click()
    bidder.wait_for_load_state()
    assert ProviderRequest.objects.get(pk=request.pk).answered_at is not None

    # the officer sees the answer beside the request
    officer.goto(f"/evaluation/{tender.pk}/requests/")
    row = officer.locator(f"#request-{request.pk}")
    assert "Kaksi opettajaa kullakin ryhmällä." in row.inner_text()
    assert "Vastattu" in row.inner_text()
    _fits(officer)
    check_page(officer, "officer-requests")

    # and the evaluator's scores side by side before setting the consensus
    officer.goto(f"/evaluation/{tender.pk}/scores/individual/")
    table = officer.locator("#side-by-side")
    assert "Eeva Arvioija" in table.inner_text()
    assert "Eevan perustelu: selkeä suunnitelma." in table.inner_text()
    _fits(officer)
    check_page(officer, "officer-individual-scores")
    assert not [e for e in page.console_errors if "favicon" not in e]
