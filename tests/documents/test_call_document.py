"""The call document (tarjouspyyntö) is rendered from the version it records, in the call's languages."""

from pypdf import PdfReader

from documents.models import GeneratedDocument
from documents.services import document_render
from tenders.models import TenderStatus
from tenders.services import tender_amend, tender_publish
from tests.fixtures import factories
from tests.fixtures.documents import pypdf_text
from tests.fixtures.stages import approved_tender


def test_each_version_renders_its_own_document(authority, officer):
    tender = factories.TenderFactory(
        authority=authority, created_by=officer, status=TenderStatus.APPROVED, title_fi="Kotoutumiskoulutus Kuopio"
    )
    tender_publish(actor=officer, tender_id=tender.pk)
    tender_amend(
        actor=officer,
        tender_id=tender.pk,
        reason="Otsikko tarkennettu.",
        fields={"title_fi": "Kotoutumiskoulutus Kuopio ja Siilinjärvi"},
        children={},
    )

    first = document_render(document_id=GeneratedDocument.objects.get(tender=tender, kind="call", version=1).pk)
    second = document_render(document_id=GeneratedDocument.objects.get(tender=tender, kind="call", version=2).pk)

    assert "TARJOUSPYYNTÖ" in pypdf_text(first) and "Kotoutumiskoulutus Kuopio" in pypdf_text(first)
    assert "Siilinjärvi" not in pypdf_text(first)
    assert "Kotoutumiskoulutus Kuopio ja Siilinjärvi" in pypdf_text(second)
    assert "Otsikko tarkennettu." in pypdf_text(second)
    assert first.sha256 != second.sha256


def test_bilingual_authority_gets_finnish_and_swedish(officer, bilingual):
    tender = approved_tender(bilingual, officer)
    tender_publish(actor=officer, tender_id=tender.pk)

    text = pypdf_text(document_render(document_id=GeneratedDocument.objects.get(tender=tender, kind="call").pk))

    assert "TARJOUSPYYNTÖ" in text and "Kotoutumiskoulutus" in text
    assert "ANBUDSFÖRFRÅGAN" in text and "Integrationsutbildning" in text and "Testkommun" in text


def test_every_provider_may_download_a_published_call(authority, officer, member_a, client_for):
    tender = factories.TenderFactory(authority=authority, created_by=officer, status=TenderStatus.APPROVED)
    tender_publish(actor=officer, tender_id=tender.pk)
    document = document_render(document_id=GeneratedDocument.objects.get(tender=tender, kind="call").pk)

    response = client_for(member_a).get(f"/api/v1/documents/{document.pk}/download/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_an_interrupted_call_gets_its_decision_with_instructions(authority, officer, client_for):
    import io as _io

    tender = factories.TenderFactory(authority=authority, created_by=officer, status=TenderStatus.APPROVED)
    tender_publish(actor=officer, tender_id=tender.pk)

    response = client_for(officer).post(
        f"/api/v1/tenders/{tender.pk}/cancel/", {"reason": "Määrärahat eivät riitä hankintaan."}, format="json"
    )

    assert response.status_code == 200
    document = document_render(document_id=GeneratedDocument.objects.get(tender=tender, kind="interruption").pk)
    with document.file.open("rb") as handle:
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(_io.BytesIO(handle.read())).pages).split())
    assert "PÄÄTÖS HANKINNAN KESKEYTTÄMISESTÄ" in text and "Määrärahat eivät riitä hankintaan." in text
    assert "Valitusosoitus markkinaoikeuteen" in text and "klo 16.15" in text


def test_anonymous_downloads_of_a_public_call_write_nothing_into_the_audit_chain(authority, officer, member_a):
    # given a published call with its document rendered
    from django.test import Client

    from procurement.models import AuditEvent

    tender = factories.TenderFactory(authority=authority, created_by=officer, status=TenderStatus.APPROVED)
    tender_publish(actor=officer, tender_id=tender.pk)
    document = document_render(document_id=GeneratedDocument.objects.get(tender=tender, kind="call").pk)
    chain = AuditEvent.objects.count()

    # when anyone downloads it thirty times
    for _n in range(30):
        response = Client().get(f"/calls/{tender.pk}/documents/{document.pk}/")
        assert response.status_code == 200 and response["X-Content-SHA256"] == document.sha256
        if response.file_to_stream is not None:
            response.file_to_stream.close()  # response.close() would also close the test's database connection

    # then the chain did not grow (a public document names no one and reads nothing sealed); a signed-in reader's
    # download is still on record
    assert AuditEvent.objects.count() == chain
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(member_a)
    response = client.get(f"/api/v1/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="document.download", actor=member_a).count() == 1
