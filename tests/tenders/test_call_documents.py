"""The call's own files (tenders/tender_documents.py) and the corrigendum that changes them, its effect on submitted
bids and an earlier deadline (tenders.services.tender_amend)."""

import base64
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from bids.models import Bid, BidStatus
from procurement.models import AuditEvent, Notification
from procurement.notifications import notification_summary
from tenders.models import Tender, TenderDocument, TenderStatus
from tenders.services import tender_amend
from tenders.tender_documents import Upload, tender_document_add
from tests.fixtures import factories
from tests.fixtures.files import docx_bytes, pdf_bytes
from tests.fixtures.stages import submit_bid


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def draft(authority, officer):
    return factories.TenderFactory(authority=authority, created_by=officer)


def upload(client, tender, name="palvelukuvaus.pdf", content=None, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/api/v1/tenders/{tender.pk}/call-files/",
        {
            "kind": "service_description",
            "title_fi": "Palvelukuvaus",
            **fields,
            "file": SimpleUploadedFile(name, pdf_bytes() if content is None else content),
        },
        format="multipart",
    )


def add_file(tender, officer, name="palvelukuvaus.pdf", content=None):
    return tender_document_add(
        actor=officer,
        tender_id=tender.pk,
        kind="service_description",
        title_fi="Palvelukuvaus",
        upload=Upload(name, pdf_bytes() if content is None else content),
    )


def publish(tender):
    Tender.objects.filter(pk=tender.pk).update(status=TenderStatus.PUBLISHED, published_at=timezone.now())
    tender = Tender.objects.get(pk=tender.pk)
    tender.versions.create(number=1, created_by=tender.created_by, snapshot={})
    return tender


# --- files while drafting ---------------------------------------------------------------------------------------


def test_an_officer_adds_a_checked_file_to_a_draft_and_it_is_audited(draft, officer, client_for):
    response = upload(client_for(officer), draft)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "service_description" and body["content_type"] == "application/pdf"
    assert body["number"] == 1 and body["added_in_version"] == 1 and body["withdrawn_in_version"] is None
    assert len(body["sha256"]) == 64 and body["size"] == len(pdf_bytes())
    assert AuditEvent.objects.filter(action="call_document.add", tender_id=draft.pk).exists()


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("ohjelma.exe", b"MZ\x90\x00" * 10, "unsupported_type"),
        ("palvelukuvaus.pdf", b"just text, not a PDF", "unsupported_type"),
        ("palvelukuvaus.pdf", docx_bytes(), "content_mismatch"),
        ("tyhja.pdf", b"", "empty_file"),
    ],
)
def test_a_file_of_the_wrong_type_is_refused_with_a_stable_code(draft, officer, client_for, name, content, code):
    response = upload(client_for(officer), draft, name=name, content=content)

    assert response.status_code == 400
    assert code in str(response.json())
    assert not TenderDocument.objects.exists()


def test_a_file_over_the_size_limit_is_refused(draft, officer, client_for, settings):
    settings.HANKINTA = {**settings.HANKINTA, "ATTACHMENT_MAX_BYTES": 100}

    response = upload(client_for(officer), draft)

    assert response.status_code == 400 and "file_too_large" in str(response.json())
    assert not TenderDocument.objects.exists()


def test_a_provider_cannot_see_or_download_a_drafts_files(draft, officer, member_a, client_for):
    document = add_file(draft, officer)
    provider = client_for(member_a)

    assert provider.get(f"/api/v1/tenders/{draft.pk}/call-files/").status_code == 404
    assert provider.get(f"/api/v1/tenders/{draft.pk}/call-files/{document.pk}/").status_code == 404
    browser = Client()
    browser.force_login(member_a)
    assert browser.get(f"/calls/{draft.pk}/files/{document.pk}/").status_code == 404
    assert Client().get(f"/calls/{draft.pk}/files/{document.pk}/").status_code == 404
    # the authority's officer does
    assert client_for(officer).get(f"/api/v1/tenders/{draft.pk}/call-files/{document.pk}/").status_code == 200


def test_a_published_calls_file_is_public_and_sent_as_it_was_checked(draft, officer):
    document = add_file(draft, officer)
    publish(draft)

    response = Client().get(f"/calls/{draft.pk}/files/{document.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert 'attachment; filename="palvelukuvaus.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == pdf_bytes()
    page = Client().get(f"/calls/{draft.pk}/").content.decode()
    assert f"/calls/{draft.pk}/files/{document.pk}/" in page and "Palvelukuvaus" in page


def test_a_published_calls_files_change_only_through_a_corrigendum(draft, officer, client_for):
    document = add_file(draft, officer)
    publish(draft)
    client = client_for(officer)
    from django.core.files.uploadedfile import SimpleUploadedFile

    added = upload(client, draft)
    replaced = client.post(
        f"/api/v1/tenders/{draft.pk}/call-files/{document.pk}/replace/",
        {"file": SimpleUploadedFile("uusi.pdf", pdf_bytes(text="uusi"))},
        format="multipart",
    )
    removed = client.post(f"/api/v1/tenders/{draft.pk}/call-files/{document.pk}/remove/")

    for response in (added, replaced, removed):
        assert response.status_code == 409 and response.json()["code"] == "call_published"
    assert list(TenderDocument.objects.values_list("pk", flat=True)) == [document.pk]


def test_a_drafts_file_is_replaced_and_removed(draft, officer, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    document = add_file(draft, officer)
    client = client_for(officer)

    response = client.post(
        f"/api/v1/tenders/{draft.pk}/call-files/{document.pk}/replace/",
        {"file": SimpleUploadedFile("kuvaus-2.pdf", pdf_bytes(text="toinen"))},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert response.json()["filename"] == "kuvaus-2.pdf" and response.json()["title_fi"] == "Palvelukuvaus"
    assert not TenderDocument.objects.filter(pk=document.pk).exists()  # never published: nothing to keep
    new_id = response.json()["id"]
    assert client.post(f"/api/v1/tenders/{draft.pk}/call-files/{new_id}/remove/").status_code == 204
    assert not TenderDocument.objects.exists()
    assert AuditEvent.objects.filter(action="call_document.remove").exists()


# --- corrigenda ----------------------------------------------------------------------------------------------------


@pytest.fixture
def published(authority, officer):
    tender = factories.TenderFactory(authority=authority, created_by=officer)
    add_file(tender, officer)
    return publish(tender)


def test_a_corrigendum_replaces_a_published_file_and_keeps_the_old_one(published, officer, member_a, client_for):
    old = published.tender_documents.get()

    response = client_for(officer).post(
        f"/api/v1/tenders/{published.pk}/amend/",
        {
            "reason": "Palvelukuvaus päivitetty.",
            "affects_bids": True,
            "affects_bids_reason": "Palvelun sisältö muuttui.",
            "call_files": [
                {
                    "action": "replace",
                    "document_id": old.pk,
                    "filename": "palvelukuvaus-v2.pdf",
                    "content_base64": base64.b64encode(pdf_bytes(text="v2")).decode(),
                }
            ],
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    old.refresh_from_db()
    new = TenderDocument.objects.get(replaces=old)
    assert old.withdrawn_in_version == 2 and new.added_in_version == 2 and new.number == 2
    version = published.versions.get(number=2)
    assert version.changed_fields == ["call_documents"]
    listing = client_for(member_a).get(f"/api/v1/tenders/{published.pk}/call-files/").json()
    assert {(d["filename"], d["withdrawn_in_version"]) for d in listing} == {
        ("palvelukuvaus.pdf", 2),
        ("palvelukuvaus-v2.pdf", None),
    }


def test_a_corrigendum_with_a_hostile_file_is_refused_and_changes_nothing(published, officer, client_for):
    old = published.tender_documents.get()

    response = client_for(officer).post(
        f"/api/v1/tenders/{published.pk}/amend/",
        {
            "reason": "Uusi kuvaus.",
            "call_files": [
                {
                    "action": "replace",
                    "document_id": old.pk,
                    "filename": "kuvaus.pdf",
                    "content_base64": base64.b64encode(b"not a pdf").decode(),
                }
            ],
        },
        format="json",
    )

    assert response.status_code == 400 and "unsupported_type" in str(response.json())
    old.refresh_from_db()
    published.refresh_from_db()
    assert old.withdrawn_in_version is None and published.version == 1 and TenderDocument.objects.count() == 1


def test_a_corrigendum_that_does_not_affect_bids_keeps_them_submitted(published, officer, member_a):
    bid = submit_bid(member_a, published, lots=[published.lots.get(number=1)])

    tender_amend(
        actor=officer,
        tender_id=published.pk,
        reason="Kirjoitusvirhe kuvauksessa.",
        fields={"description_fi": "Korjattu kuvaus."},
        children={},
        affects_bids=False,
        affects_bids_reason="Vain kirjoitusasu muuttui.",
    )

    bid.refresh_from_db()
    assert bid.status == BidStatus.SUBMITTED and bid.returned_at is None
    version = published.versions.get(number=2)
    assert version.affects_bids is False and version.affects_bids_reason == "Vain kirjoitusasu muuttui."
    event = AuditEvent.objects.get(action="tender.amend", object_id=str(published.pk))
    assert event.detail["affects_bids"] is False and event.detail["affects_bids_reason"] == "Vain kirjoitusasu muuttui."
    assert not Notification.objects.filter(kind="bid.sent_back").exists()
    assert Notification.objects.filter(kind="tender.amended").exists()


def test_a_corrigendum_that_affects_bids_sends_them_back_and_tells_the_bidder_what_to_do(published, officer, member_a):
    bid = submit_bid(member_a, published, lots=[published.lots.get(number=1)])

    tender_amend(
        actor=officer,
        tender_id=published.pk,
        reason="Uusi vaatimus.",
        fields={},
        children={
            "requirements": [{"number": 1, "kind": "technical", "text": "Opettajilla S2-pätevyys", "evidence": ""}]
        },
        affects_bids=True,
        affects_bids_reason="Tarjoajan on osoitettava uusi vaatimus.",
    )

    bid = Bid.objects.get(pk=bid.pk)
    assert bid.status == BidStatus.DRAFT and bid.returned_at is not None
    version = published.versions.get(number=2)
    assert version.affects_bids is True and version.changed_fields == ["requirements"]
    notification = Notification.objects.get(kind="bid.sent_back")
    assert notification.payload["affects_bids_reason"] == "Tarjoajan on osoitettava uusi vaatimus."
    from procurement.notifications import _message

    body = _message(notification, []).body
    assert "Tarjoajan on osoitettava uusi vaatimus." in body
    assert published.submission_deadline.astimezone(timezone.get_default_timezone()).strftime("%d.%m.%Y") in body
    assert notification_summary(notification)
    # and its bid page says what changed, why, and by when to submit again
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(member_a)
    page = browser.get(f"/bids/{bid.pk}/").content.decode()
    assert "Your bid went back to draft" in page
    assert "Suitability requirements" in page and "Tarjoajan on osoitettava uusi vaatimus." in page


def test_the_api_without_the_question_sends_bids_back_as_before(published, officer, member_a, client_for):
    bid = submit_bid(member_a, published, lots=[published.lots.get(number=1)])

    response = client_for(officer).post(
        f"/api/v1/tenders/{published.pk}/amend/", {"reason": "Otsikko korjattu.", "title_fi": "Uusi"}, format="json"
    )

    assert response.status_code == 200
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.DRAFT
    assert published.versions.get(number=2).affects_bids is True


def test_the_answer_to_the_question_needs_its_reason(published, officer, client_for):
    response = client_for(officer).post(
        f"/api/v1/tenders/{published.pk}/amend/",
        {"reason": "Otsikko korjattu.", "title_fi": "Uusi", "affects_bids": False},
        format="json",
    )

    assert response.status_code == 400 and "affects_bids_reason" in response.json()["errors"]


def test_an_earlier_deadline_needs_confirmation(published, officer, client_for):
    client = client_for(officer)
    earlier = published.submission_deadline - timedelta(days=2)
    body = {
        "reason": "Aikataulu kiristyy.",
        "submission_deadline": earlier.isoformat(),
        "affects_bids": False,
        "affects_bids_reason": "Tarjoukset pysyvät ennallaan.",
    }

    refused = client.post(f"/api/v1/tenders/{published.pk}/amend/", body, format="json")

    assert refused.status_code == 409 and refused.json()["code"] == "deadline_shortened"
    published.refresh_from_db()
    assert published.version == 1
    confirmed = client.post(
        f"/api/v1/tenders/{published.pk}/amend/", {**body, "confirm_shorter_deadline": True}, format="json"
    )
    assert confirmed.status_code == 200, confirmed.content
    event = AuditEvent.objects.get(action="tender.amend", object_id=str(published.pk))
    assert event.detail["deadline_shortened"] is True


def test_a_deadline_in_the_past_is_refused_even_when_confirmed(published, officer, client_for):
    response = client_for(officer).post(
        f"/api/v1/tenders/{published.pk}/amend/",
        {
            "reason": "Aikaistetaan.",
            "submission_deadline": (timezone.now() - timedelta(hours=1)).isoformat(),
            "confirm_shorter_deadline": True,
        },
        format="json",
    )

    assert response.status_code == 400 and "deadline_in_past" in str(response.json())


def test_a_corrigendum_adds_a_file_and_withdraws_another(published, officer, member_a, client_for):
    old = published.tender_documents.get()

    response = client_for(officer).post(
        f"/api/v1/tenders/{published.pk}/amend/",
        {
            "reason": "Hintalomake lisätty, vanha kuvaus poistettu.",
            "affects_bids": True,
            "affects_bids_reason": "Hinnat annetaan lomakkeella.",
            "call_files": [
                {
                    "action": "add",
                    "kind": "price_form",
                    "title_fi": "Hintalomake",
                    "filename": "hintalomake.pdf",
                    "content_base64": base64.b64encode(pdf_bytes(text="hinnat")).decode(),
                },
                {"action": "remove", "document_id": old.pk},
            ],
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    old.refresh_from_db()
    assert old.withdrawn_in_version == 2
    current = client_for(member_a).get(f"/api/v1/tenders/{published.pk}/call-files/").json()
    assert [(d["kind"], d["withdrawn_in_version"]) for d in current if d["withdrawn_in_version"] is None] == [
        ("price_form", None)
    ]
    # the withdrawn file stays readable, as the version that had it
    assert client_for(member_a).get(f"/api/v1/tenders/{published.pk}/call-files/{old.pk}/").status_code == 200
    event = AuditEvent.objects.get(action="tender.amend", object_id=str(published.pk))
    assert [change["action"] for change in event.detail["call_documents"]] == ["add", "remove"]
