"""The bids in the portal after the opening: the viewer of a lot's bids with their attachments, one attachment opened
in the browser, and every bid in one ZIP for the authority's officers."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from evaluation.panel import panel_add, panel_declare
from procurement.models import AuditEvent, Membership, Role
from tenders.models import Tender, TenderStatus
from tenders.services import tender_close
from tests.fixtures import factories
from tests.fixtures.files import PLAN, image_bytes
from tests.fixtures.portal import signed_in
from tests.fixtures.stages import bid_with_files, open_bids, seat_panel

PHOTO = image_bytes("PNG")


def _evaluator(authority):
    user = factories.UserFactory()
    Membership.objects.create(user=user, role=Role.EVALUATOR, authority=authority)
    return user


@pytest.fixture
def closed_tender(authority, officer, member_a, member_b):
    """A closed call, not yet opened: bidder A gave a PDF for criterion 1 and a PNG as another attachment."""
    tender = factories.TenderFactory(status=TenderStatus.PUBLISHED, published_at=timezone.now(), authority=authority)
    criterion = tender.criteria.order_by("number").first()
    bid_a = bid_with_files(
        member_a, tender, "9000", [("Suunnitelma.pdf", PLAN, f"criterion:{criterion.pk}"), ("Kuva.png", PHOTO, "other")]
    )
    bid_with_files(member_b, tender, "8000", [])
    past = timezone.now() - timedelta(seconds=1)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=past, next_check=past)
    tender_close(actor=officer, tender_id=tender.pk)
    tender.refresh_from_db()
    tender.bid_a = bid_a
    return tender


@pytest.fixture
def opened_tender(closed_tender, officer, officer2):
    seat_panel(closed_tender, officer)
    open_bids(closed_tender, officer, officer2)
    closed_tender.refresh_from_db()
    return closed_tender


def _files(tender):
    attachments = {a.content_type: a for a in tender.bid_a.attachments.all()}
    return attachments["application/pdf"], attachments["image/png"]


def _attachment_url(tender, attachment) -> str:
    return f"/evaluation/{tender.pk}/bids/{tender.bid_a.pk}/attachments/{attachment.pk}/"


def test_the_panel_reads_a_lots_bids_with_the_answers_beside_their_attachments(opened_tender, officer):
    # when a declared panel member opens the bids of lot 1
    response = signed_in(officer).get(f"/evaluation/{opened_tender.pk}/bids/")

    # then every bid is shown with its price and answers, the PDF linked under the criterion it answers
    assert response.status_code == 200
    page = response.content.decode()
    pdf, png = _files(opened_tender)
    criterion_at = page.index("1. Toteutussuunnitelma")
    assert page.index(_attachment_url(opened_tender, pdf)) > criterion_at
    assert _attachment_url(opened_tender, png) in page
    assert "Suunnitelma.pdf" in page and "Kuva.png" in page
    assert "Vastaus kriteeriin 1." in page
    assert "/bids/all.zip" in page  # an officer may download every bid
    assert AuditEvent.objects.filter(action="bid.read_all", actor=officer, tender_id=opened_tender.pk).exists()


def test_a_pdf_opens_inline_and_any_other_file_downloads_each_read_audited_as_the_apis(opened_tender, officer):
    client = signed_in(officer)
    pdf, png = _files(opened_tender)

    shown = client.get(_attachment_url(opened_tender, pdf))
    assert shown.status_code == 200
    assert b"".join(shown.streaming_content) == PLAN
    assert shown["Content-Type"] == "application/pdf"
    assert shown["Content-Disposition"].startswith("inline; filename=")
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in shown["Content-Security-Policy"]

    downloaded = client.get(_attachment_url(opened_tender, png))
    assert downloaded.status_code == 200
    assert downloaded["Content-Disposition"].startswith("attachment; filename=")
    assert downloaded["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert downloaded["X-Content-Type-Options"] == "nosniff"

    reads = AuditEvent.objects.filter(action="attachment.read", actor=officer).order_by("pk")
    assert [e.object_id for e in reads] == [str(pdf.pk), str(png.pk)]


def test_nothing_is_shown_before_the_opening(closed_tender, officer):
    # given an officer already on the panel, before the opening
    seat_panel(closed_tender, officer)
    client = signed_in(officer)
    pdf, _png = _files(closed_tender)

    viewer = client.get(f"/evaluation/{closed_tender.pk}/bids/")
    assert viewer.status_code == 403 and "Suunnitelma.pdf" not in viewer.content.decode()
    assert client.get(_attachment_url(closed_tender, pdf)).status_code == 404
    assert client.get(f"/evaluation/{closed_tender.pk}/bids/all.zip").status_code == 403
    assert not AuditEvent.objects.filter(action__in=["attachment.read", "bid.export_all"]).exists()


def test_a_provider_never_reads_the_bids_not_even_its_own_file_through_these_pages(opened_tender, member_a, member_b):
    pdf, _png = _files(opened_tender)
    for member in (member_a, member_b):
        client = signed_in(member)
        assert client.get(f"/evaluation/{opened_tender.pk}/bids/").status_code == 404
        assert client.get(_attachment_url(opened_tender, pdf)).status_code == 404
        assert client.get(f"/evaluation/{opened_tender.pk}/bids/all.zip").status_code == 404


def test_a_panel_member_without_a_signed_declaration_reads_no_bid(opened_tender, officer, authority):
    # given an evaluator named to the panel who has not declared on conflicts of interest
    evaluator = _evaluator(authority)
    panel_add(actor=officer, tender_id=opened_tender.pk, user_id=evaluator.pk)
    client = signed_in(evaluator)
    pdf, _png = _files(opened_tender)

    viewer = client.get(f"/evaluation/{opened_tender.pk}/bids/")
    assert viewer.status_code == 403 and "Suunnitelma.pdf" not in viewer.content.decode()
    refused = client.get(_attachment_url(opened_tender, pdf))
    assert refused.status_code == 403 and b"TOTEUTUSSUUNNITELMA" not in refused.content
    assert not AuditEvent.objects.filter(action="attachment.read").exists()


def test_the_zip_holds_every_bid_with_its_files_and_is_one_audit_event(opened_tender, officer):
    response = signed_in(officer).get(f"/evaluation/{opened_tender.pk}/bids/all.zip")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    bids = list(opened_tender.bids.order_by("submitted_at", "pk"))
    assert len([n for n in names if n.endswith("/bid.json")]) == 2
    folder_a = next(n.rsplit("/", 1)[0] for n in names if f"({opened_tender.bid_a.pk})/bid.json" in n)
    assert archive.read(f"{folder_a}/attachments/Suunnitelma.pdf") == PLAN
    assert archive.read(f"{folder_a}/attachments/Kuva.png") == PHOTO
    summary = json.loads(archive.read(f"{folder_a}/bid.json"))
    assert summary["provider"]["name"] == opened_tender.bid_a.provider.name
    assert summary["content"]["quality_answers"][0]["criterion_name"] == "Toteutussuunnitelma"
    assert {o["lot_number"] for o in summary["content"]["lot_offers"]} == {1, 2}

    events = AuditEvent.objects.filter(action="bid.export_all", tender_id=opened_tender.pk)
    assert events.count() == 1
    assert sorted(b["bid"] for b in events.get().detail["bids"]) == sorted(b.pk for b in bids)
    # the files in it are not each a read of their own: the one event names them
    assert not AuditEvent.objects.filter(action="attachment.read").exists()


def test_only_officers_download_every_bid(opened_tender, authority, officer):
    # given a declared evaluator and an auditor of the authority, who both read the bids
    evaluator = _evaluator(authority)
    panel_add(actor=officer, tender_id=opened_tender.pk, user_id=evaluator.pk)
    panel_declare(actor=evaluator, tender_id=opened_tender.pk, has_conflict=False)
    auditor = factories.auditor(authority)
    for user in (evaluator, auditor):
        client = signed_in(user)
        assert client.get(f"/evaluation/{opened_tender.pk}/bids/").status_code == 200
        refused = client.get(f"/evaluation/{opened_tender.pk}/bids/all.zip")
        assert refused.status_code == 403
        assert "/bids/all.zip" not in client.get(f"/evaluation/{opened_tender.pk}/bids/").content.decode()
    assert not AuditEvent.objects.filter(action="bid.export_all").exists()


def test_an_officer_off_the_panel_downloads_nothing(opened_tender, authority):
    other_officer = factories.officer_of(authority)
    refused = signed_in(other_officer).get(f"/evaluation/{opened_tender.pk}/bids/all.zip")
    assert refused.status_code == 403
    assert not AuditEvent.objects.filter(action="bid.export_all").exists()
