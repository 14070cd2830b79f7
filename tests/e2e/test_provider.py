"""The provider's main flow in a real browser: find a call, follow it, prepare a bid with an attachment uploaded
in chunks, submit it and download the receipt rendered by a real Celery worker."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from bids.content import attachments_unseal
from bids.models import Bid, BidAttachment, BidStatus
from tenders.models import TenderInterest, TenderStatus
from tests.fixtures import factories
from tests.fixtures.browser import check_page, sign_in
from tests.fixtures.files import pdf_bytes


def test_a_provider_finds_a_call_prepares_a_bid_uploads_submits_and_gets_the_receipt(
    page, celery_worker_redis, tmp_path, authority, provider_a
):
    # given a published call and a member of a training provider
    tender = factories.TenderFactory(
        authority=authority,
        title_fi="Kotoutumiskoulutus Pohjois-Savo",
        status=TenderStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    factories.TenderFactory(
        authority=authority, title_fi="Toinen koulutus", status=TenderStatus.PUBLISHED, published_at=timezone.now()
    )
    factories.provider_member_of(provider_a, username="maija", first_name="Maija")
    attachment = tmp_path / "ansioluettelo.pdf"
    attachment.write_bytes(pdf_bytes(lines=400))

    # she finds the call
    sign_in(page, "maija")
    page.goto("/calls/")
    check_page(page, "provider-calls")
    page.get_by_label("Search in titles and descriptions").fill("Pohjois-Savo")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Toinen koulutus").count() == 0
    page.get_by_role("link", name="Kotoutumiskoulutus Pohjois-Savo").click()
    page.wait_for_load_state()

    # she reads it and follows it
    assert page.get_by_role("heading", level=1).inner_text() == "Kotoutumiskoulutus Pohjois-Savo"
    check_page(page, "provider-call")
    page.get_by_role("button", name="Follow this call").click()
    page.get_by_role("button", name="Unfollow").wait_for()
    assert TenderInterest.objects.get(tender=tender, provider=provider_a).following

    # she prepares a bid: a price for lot 1, answers, the declaration, evidence and a contact
    page.get_by_role("link", name="Prepare a bid").click()
    page.wait_for_load_state()
    page.get_by_label("We bid for lot 1").check()
    page.get_by_label("Lot 1: unit price").fill("8900")
    page.get_by_label("1. Toteutussuunnitelma").fill("Opetus etenee ryhmän tahdissa.")
    page.get_by_label("2. Työelämäyhteistyö").fill("Harjoittelu paikallisissa yrityksissä.")
    page.get_by_label("None of the grounds listed below applies to us.").check()
    page.get_by_label("Requirement 1:").fill("Ansioluettelo liitteenä.")
    page.get_by_label("Contact person").fill("Maija Tarjoaja")
    page.get_by_label("Contact e-mail").fill("maija@provider.example")
    page.get_by_role("button", name="Save as a draft").click()
    page.wait_for_load_state()
    expect(page.get_by_role("status").filter(has_text="saved as a draft")).to_be_visible()
    bid = Bid.objects.get(tender=tender, provider=provider_a)
    check_page(page, "provider-bid")

    # she uploads an attachment in chunks (small ones here, so that there are several) and sees the progress finish
    page.locator("form[data-upload]").evaluate("form => form.setAttribute('data-chunk', '4096')")
    page.get_by_label(re.compile(r"^File\b")).set_input_files(str(attachment))
    page.get_by_label("What the file is for").select_option(label="Requirement 1")
    page.get_by_role("button", name="Upload", exact=True).click()
    page.locator("[data-upload-status]").filter(has_text="Upload complete.").wait_for()
    progress = page.locator("progress")
    expect(progress).to_be_visible()
    assert progress.evaluate("bar => bar.value === bar.max")
    page.locator("#attachments").get_by_role("link", name="ansioluettelo.pdf").wait_for()
    (stored,) = attachments_unseal(bid.tender_id, [BidAttachment.objects.get(bid=bid)])
    assert stored.status == "ready" and stored.purpose.startswith("requirement:") and stored.chunks > 1
    assert stored.sha256 in page.locator("#attachments").inner_text()

    # she submits, confirms on the summary and gets the receipt
    page.get_by_role("button", name="Submit the bid").click()
    page.wait_for_url(f"**/bids/{bid.pk}/summary/")
    page.get_by_role("button", name="Confirm and submit the bid").click()
    page.wait_for_url(f"**/bids/{bid.pk}/receipts/1/")
    bid.refresh_from_db()
    assert bid.status == BidStatus.SUBMITTED
    assert bid.versions.get().manifest_sha256 in page.locator("main").inner_text()
    check_page(page, "provider-receipt")

    # the receipt PDF, rendered by the worker, appears without reloading and downloads
    link = page.get_by_role("link", name="Download the receipt (PDF)")
    link.wait_for(timeout=60_000)
    with page.expect_download() as download_info:
        link.click()
    path = download_info.value.path()
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    # and her bids list shows the submitted bid with its receipt
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My bids").click()
    page.wait_for_load_state()
    expect(page.get_by_role("link", name="Receipt of version 1")).to_be_visible()
    # no script error on the way (the browser's own request for /favicon.ico answers 404, which is not ours)
    assert not [e for e in page.console_errors if "Failed to load resource" not in e], page.console_errors
