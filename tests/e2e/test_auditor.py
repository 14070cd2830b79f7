"""The auditor's main flow in a real browser: browse calls read-only, download the evidence bundle, verify."""

import io
import json
import zipfile

from playwright.sync_api import expect

from documents.models import GeneratedDocument
from documents.services import document_render
from tests.fixtures import factories
from tests.fixtures.browser import check_page, sign_in
from tests.fixtures.stages import decided_tender


def test_an_auditor_downloads_the_evidence_bundle_and_verifies_the_chain(
    page, transactional_db, authority, officer, member_a, member_b
):
    tender = decided_tender(officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])
    for document in GeneratedDocument.objects.filter(tender=tender):
        document_render(document_id=document.pk)
    factories.auditor(authority, username="auditor", first_name="Aino", last_name="Tarkastaja")

    sign_in(page, "auditor")
    assert page.url.endswith("/records/audit/")
    check_page(page, "auditor-calls")
    page.get_by_label("Status").select_option("decided")
    page.get_by_role("button", name="Filter").click()
    row = page.get_by_role("row").filter(has_text=tender.title)
    row.get_by_role("link", name="Documents").click()
    check_page(page, "auditor-documents")
    assert page.get_by_role("link", name="Download PDF").count() >= 5
    assert page.get_by_role("button", name="Render again").count() == 0  # auditors change nothing

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the evidence bundle (ZIP)").click()
    bundle = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    manifest = json.loads(bundle.read("manifest.json"))
    assert manifest["audit_chain"]["intact"] is True

    page.get_by_role("link", name="Audit events of the call").click()
    # the actions in words, not their codes
    assert page.get_by_role("cell", name="Procurement decision made").count() == 1
    assert page.get_by_role("cell", name="tender.decide").count() == 0
    page.get_by_role("link", name="Back to the audit").click()
    page.get_by_role("button", name="Verify the audit chain").click()
    expect(page.get_by_text("The audit chain is intact.")).to_be_visible()
    check_page(page, "auditor-verify")
