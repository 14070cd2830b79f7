"""The names generated documents are downloaded and e-mailed under: call reference, kind, party and version, ASCII
only, and a bidder named only in its own documents."""

from django.test import Client
from django.urls import reverse

from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_filename, document_render
from tests.fixtures import factories
from tests.fixtures.stages import submitted_tender


def test_three_bidders_receipts_have_names_that_tell_them_apart(authority):
    # given: three bidders, one with a name outside ASCII
    members = [
        factories.provider_member_of(factories.ProviderFactory(name=name))
        for name in ("Opintotalo Oy", "Åbo Utbildning Ab", "Kieli & Työ ry")
    ]
    tender = submitted_tender(authority=authority, reference="HANK-2026-0008", bidders=[(m, "9000") for m in members])

    # when: their receipts are rendered
    receipts = [
        document_render(document_id=d.pk)
        for d in GeneratedDocument.objects.filter(tender=tender, kind=DocumentKind.RECEIPT).order_by("pk")
    ]

    # then
    assert sorted(r.filename for r in receipts) == [
        "HANK-2026-0008_receipt_Abo-Utbildning-Ab_v1.pdf",
        "HANK-2026-0008_receipt_Kieli-Tyo-ry_v1.pdf",
        "HANK-2026-0008_receipt_Opintotalo-Oy_v1.pdf",
    ]


def test_the_provider_downloads_its_receipt_under_its_name(authority):
    member = factories.provider_member_of(factories.ProviderFactory(name="Åbo Utbildning Ab"))
    tender = submitted_tender(authority=authority, reference="HANK-2026-0009", bidders=[(member, "9000")])
    receipt = document_render(document_id=GeneratedDocument.objects.get(tender=tender, kind="receipt").pk)
    client = Client()
    client.force_login(member)

    response = client.get(reverse("tenders:document", args=[tender.pk, receipt.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="HANK-2026-0009_receipt_Abo-Utbildning-Ab_v1.pdf"'


def test_the_documents_of_the_whole_call_name_no_bidder(authority):
    """The call's own documents and those every bidder reads (the comparison, the decision) name the call and what
    they are about, never a bidder."""
    member = factories.provider_member_of(factories.ProviderFactory(name="Opintotalo Oy"))
    tender = submitted_tender(authority=authority, reference="", bidders=[(member, "9000")])
    lot = tender.lots.order_by("number").first()
    kinds = {
        DocumentKind.CALL: ("", "fi"),
        DocumentKind.COMPARISON: (f"lot:{lot.pk}", "fi"),
        DocumentKind.DECISION: ("", "fi"),
        DocumentKind.OPENING_RECORD: ("", "fi"),
    }
    names = {
        kind: document_filename(GeneratedDocument(kind=kind, tender=tender, subject=subject, language=language))
        for kind, (subject, language) in kinds.items()
    }

    assert names == {
        DocumentKind.CALL: f"call-{tender.pk}_call_fi_v1.pdf",
        DocumentKind.COMPARISON: f"call-{tender.pk}_comparison_lot-1_v1.pdf",
        DocumentKind.DECISION: f"call-{tender.pk}_decision_v1.pdf",
        DocumentKind.OPENING_RECORD: f"call-{tender.pk}_opening_record_v1.pdf",
    }
