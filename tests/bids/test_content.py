"""Holes found in review, kept shut: each test would fail on the code before its fix."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from bids.filetypes import FileRefused, detect
from bids.models import Bid
from procurement.models import AuditEvent, Membership
from tenders.models import Tender, TenderStatus
from tests.fixtures import factories
from tests.fixtures.pdfs import pdf_xfa_form
from tests.fixtures.stages import full_content, submit_bid


def test_an_official_made_a_provider_member_reads_no_bid(open_tender, officer, provider_a, member_a, client_for):
    bid = submit_bid(member_a, open_tender)
    Membership.objects.create(user=officer, role="provider_member", provider=provider_a)  # e.g. through the shell

    response = client_for(officer).get(f"/api/v1/bids/{bid.pk}/")

    assert response.status_code == 404
    assert "9000" not in response.content.decode()


def test_an_invitation_is_for_its_addressee_only(db, provider_a, officer, client_for):
    from procurement.services import invitation_create

    admin = factories.UserFactory(email="admin@provider.example")
    Membership.objects.create(user=admin, role="provider_admin", provider=provider_a)
    _invitation, token = invitation_create(
        actor=admin, provider_id=provider_a.pk, email="uusi@provider.example", role="provider_member"
    )
    stranger = factories.UserFactory(email="joku@muu.example")

    assert client_for(stranger).post("/api/v1/invitations/accept/", {"token": token}, format="json").status_code == 403
    assert client_for(officer).post("/api/v1/invitations/accept/", {"token": token}, format="json").status_code == 403
    assert not Membership.objects.filter(provider=provider_a).exclude(user=admin).exists()


def test_an_idempotency_key_is_not_replayed_for_a_superseded_version(open_tender, member_a, client_for):
    client = client_for(member_a)
    bid = client.post("/api/v1/bids/", {"tender": open_tender.pk, **full_content(open_tender)}, format="json").json()
    assert client.post(f"/api/v1/bids/{bid['id']}/submit/", HTTP_IDEMPOTENCY_KEY="k1").status_code == 200
    client.post(f"/api/v1/bids/{bid['id']}/reopen/")

    response = client.post(f"/api/v1/bids/{bid['id']}/submit/", HTTP_IDEMPOTENCY_KEY="k1")

    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_reused"
    assert Bid.objects.get(pk=bid["id"]).status == "draft"


def test_the_opening_record_waits_for_the_decision_before_bidders_see_it(
    authority, officer, officer2, member_a, client_for
):
    from documents.models import GeneratedDocument
    from tests.fixtures.stages import seat_panel

    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    submit_bid(member_a, tender)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    client_for(officer).post(f"/api/v1/tenders/{tender.pk}/close/")
    seat_panel(tender, officer)
    client_for(officer).post(f"/api/v1/tenders/{tender.pk}/open/")
    client_for(officer2).post(f"/api/v1/tenders/{tender.pk}/open/")
    record = GeneratedDocument.objects.get(tender=tender, kind="opening_record")

    assert client_for(member_a).get(f"/api/v1/documents/{record.pk}/").status_code == 404
    assert client_for(officer).get(f"/api/v1/documents/{record.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (lambda c: c["quality_answers"].append(dict(c["quality_answers"][0])), "quality_answers", "duplicate_answer"),
        (lambda c: c.__setitem__("business_secrets", ["quality:999999"]), "business_secrets", "not_a_secret_part"),
        (lambda c: c["lot_offers"][0].__setitem__("vat_rate", "14"), "lot_offers", "invalid_vat_rate"),
    ],
)
def test_ambiguous_or_stale_content_is_refused(change, field, code, open_tender, member_a, client_for):
    content = full_content(open_tender)
    change(content)

    response = client_for(member_a).post("/api/v1/bids/", {"tender": open_tender.pk, **content}, format="json")

    assert response.status_code == 400, response.content
    assert code in [e["code"] for e in response.json()["errors"][field]]


def test_the_current_reduced_vat_rate_is_accepted(open_tender, member_a, client_for):
    content = full_content(open_tender)
    content["lot_offers"][0]["vat_rate"] = "13.5"
    response = client_for(member_a).post("/api/v1/bids/", {"tender": open_tender.pk, **content}, format="json")
    assert response.status_code == 201


def test_the_bidder_can_check_the_hash_on_its_receipt(open_tender, member_a, member_b, client_for):
    client = client_for(member_a)
    bid = client.post("/api/v1/bids/", {"tender": open_tender.pk, **full_content(open_tender)}, format="json").json()
    receipt = client.post(f"/api/v1/bids/{bid['id']}/submit/").json()

    manifest = client.get(f"/api/v1/bids/{bid['id']}/versions/1/manifest/")

    assert manifest.status_code == 200
    assert hashlib.sha256(manifest.content).hexdigest() == receipt["manifest_sha256"]
    assert client_for(member_b).get(f"/api/v1/bids/{bid['id']}/versions/1/manifest/").status_code == 404


def test_a_broken_seal_is_on_record_although_the_opening_rolls_back(authority, officer, officer2, member_a, member_b):
    from bids.models import BidVersion
    from evaluation.services import tender_open
    from procurement.errors import Conflict
    from tenders.services import tender_close

    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    submit_bid(member_a, tender)
    submit_bid(member_b, tender)
    first, second = BidVersion.objects.order_by("pk")
    BidVersion.objects.filter(pk=first.pk).update(sealed_manifest=second.sealed_manifest)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    tender_close(actor=officer, tender_id=tender.pk)
    tender_open(actor=officer, tender_id=tender.pk)

    with pytest.raises(Conflict):
        tender_open(actor=officer2, tender_id=tender.pk)

    assert AuditEvent.objects.filter(action="bid.seal_broken", tender_id=tender.pk, outcome="denied").exists()


def _zip(entries: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.docx", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>", "word/embeddings/o.bin": b"x"})),
        ("a.docx", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>", "word/activeX/a.xml": b"x"})),
        ("a.odt", _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "Basic/Standard/M.xml": b"x"})),
        ("a.pdf", pdf_xfa_form()),
    ],
)
def test_active_content_is_refused(name, data):
    with pytest.raises(FileRefused) as refused:
        detect(data, filename=name, max_file_bytes=10_000_000)
    assert refused.value.code == "active_content"


def test_lookalike_usernames_are_one_name(db, client_for):
    def register(username, business_id):
        return client_for().post(
            "/api/v1/providers/register/",
            {
                "organisation": {"name": "X Oy", "business_id": business_id, "email": "x@x.example"},
                "admin": {"username": username, "email": "x@x.example", "password": "kotoutuminen-2027!"},
            },
            format="json",
        )

    assert register("alice", "3345678-4").status_code == 201
    response = register("ａｌｉｃｅ", "3234567-9")  # fullwidth letters
    assert response.status_code == 400 and response.json()["errors"]["username"][0]["code"] == "username_taken"
