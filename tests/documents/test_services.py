"""The decision document: its content, rendered once, and who may download it."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from bids.services import bid_withdraw
from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from documents.services import document_render
from procurement.models import AuditEvent
from tenders.models import Tender, TenderStatus
from tenders.services import tender_close
from tests.fixtures import factories
from tests.fixtures.documents import pypdf_text
from tests.fixtures.stages import decided_tender, open_bids, seat_panel, submit_bid


@pytest.fixture
def decided(authority, officer, member_a, member_b, provider_b):
    return decided_tender(
        officer=officer,
        authority=authority,
        bidders=[(member_a, "9000"), (member_b, "9500")],
        quality={provider_b.pk: 9},
        title_fi='Kotoutumiskoulutus <img src="file:///etc/passwd">',
    )


def test_decision_is_rendered_with_what_the_law_asks(decided, provider_b):
    document = GeneratedDocument.objects.get(tender=decided, kind=DocumentKind.DECISION)
    assert document.status == DocumentStatus.QUEUED  # queued by the decision, rendered by the worker

    document = document_render(document_id=document.pk)

    assert document.status == DocumentStatus.READY and len(document.sha256) == 64
    text = pypdf_text(document)
    decision = decided.award_decision
    assert f"Valittu palveluntuottaja: {provider_b.name}" in text
    assert "Vertailuperusteet" in text and "Oikaisuohje" in text and "Valitusosoitus markkinaoikeuteen" in text
    assert f"Odotusaika päättyy {decision.standstill_ends_on:%-d.%-m.%Y}" in text
    assert "klo 16.15" in text
    assert '<img src="file:///etc/passwd">' in text  # markup prints as text


def test_rendering_twice_stores_one_document(decided):
    document = GeneratedDocument.objects.get(tender=decided, kind="decision")
    first = document_render(document_id=document.pk)

    again = document_render(document_id=document.pk)

    assert (again.sha256, again.file.name, again.attempts) == (first.sha256, first.file.name, 1)
    assert GeneratedDocument.objects.filter(tender=decided, kind="decision").count() == 1
    assert AuditEvent.objects.filter(action="document.rendered", object_id=str(document.pk)).count() == 1


def test_small_procurement_has_no_standstill_or_appeal(authority, officer, member_a):
    tender = decided_tender(
        officer=officer, authority=authority, bidders=[(member_a, "100")], estimated_value=Decimal("120000")
    )
    document = document_render(document_id=GeneratedDocument.objects.get(tender=tender, kind="decision").pk)

    text = pypdf_text(document)
    assert tender.award_decision.standstill_ends_on is None
    # A municipality below the threshold: no standstill, no Market Court, the Local Government Act's claim
    # (tests/procurement/test_redress.py has the dates).
    assert "Valitusosoitus" not in text and "odotusaikaa ei sovelleta" in text
    assert "kuntalain (410/2015) 134–139 §:n mukaisesti" in text


def status_of(client, url) -> int:
    response = client.get(url)
    if getattr(response, "file_to_stream", None) is not None:
        response.file_to_stream.close()  # response.close() would also close the test's database connection
    return response.status_code


def test_who_may_download_the_decision(decided, officer, member_a, other_authority, client_for):
    document = GeneratedDocument.objects.get(tender=decided, kind="decision")
    url = f"/api/v1/documents/{document.pk}/download/"
    assert status_of(client_for(member_a), url) == 409  # not rendered yet
    document_render(document_id=document.pk)
    outsider = factories.provider_member_of(factories.ProviderFactory())
    other_officer = factories.officer_of(other_authority)

    assert status_of(client_for(member_a), url) == 200
    assert status_of(client_for(officer), url) == 200
    assert status_of(client_for(factories.auditor()), url) == 200
    assert status_of(client_for(outsider), url) == 404
    assert status_of(client_for(other_officer), url) == 404
    assert client_for(outsider).get("/api/v1/documents/").json()["results"] == []
    assert AuditEvent.objects.filter(action="document.download", object_id=str(document.pk)).count() == 3


def test_documents_are_pdf_a_3b_with_their_source_data(decided, provider_b):
    import json

    document = document_render(document_id=GeneratedDocument.objects.get(tender=decided, kind="decision").pk)

    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    xmp = reader.xmp_metadata
    xml = xmp.rdf_root.toxml()
    assert 'pdfaid:part="3"' in xml and 'pdfaid:conformance="B"' in xml  # PDF/A-3b
    source = json.loads(reader.attachments["source.json"][0])
    assert source["document"] == {
        "kind": "decision",
        "tender": decided.pk,
        "version": 1,
        "subject": "",
        "language": "fi",
        "template_version": document.template_version,
        "renderer": document.renderer,
    }
    assert source["data"]["lots"][0]["winners"] == [provider_b.business_id]


def test_a_failed_document_is_queued_again_by_an_officer(decided, officer, member_a, client_for):
    document = GeneratedDocument.objects.get(tender=decided, kind="decision")
    GeneratedDocument.objects.filter(pk=document.pk).update(status="failed", error="RuntimeError: font missing")
    url = f"/api/v1/documents/{document.pk}/retry/"

    assert client_for(member_a).post(url).status_code in (403, 404)
    response = client_for(officer).post(url)

    assert response.status_code == 200 and response.json()["status"] == "queued" and response.json()["error"] == ""
    assert client_for(officer).post(url).status_code == 409  # only a failed one
    assert document_render(document_id=document.pk).status == "ready"


def test_the_evidence_bundle_holds_what_its_manifest_says(decided, auditor_user, officer, client_for):
    import hashlib
    import json
    import zipfile

    for document in GeneratedDocument.objects.filter(tender=decided):
        document_render(document_id=document.pk)

    response = client_for(auditor_user).get(f"/api/v1/tenders/{decided.pk}/evidence/")

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["audit_chain"]["intact"] is True
    names = {f["name"] for f in manifest["files"]}
    assert "audit-events.json" in names and any(n.startswith("documents/decision-") for n in names)
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"]
    events = json.loads(archive.read("audit-events.json"))
    assert {"tender.decide", "tender.bids_unsealed"} <= {e["action"] for e in events}
    assert client_for(officer).get(f"/api/v1/tenders/{decided.pk}/evidence/").status_code == 403


def test_auditors_change_nothing(decided, auditor_user, client_for):
    from tests.fixtures.payloads import tender_payload

    client = client_for(auditor_user)
    writes = [
        ("post", f"/api/v1/tenders/{decided.pk}/cancel/", {"reason": "x"}),
        ("patch", f"/api/v1/tenders/{decided.pk}/", {"title_fi": "x"}),
        ("post", f"/api/v1/tenders/{decided.pk}/complete/", {}),
        (
            "post",
            f"/api/v1/tenders/{decided.pk}/scores/",
            {"scores": [{"lot_offer": 1, "criterion": 1, "points": 1, "reason": "x"}]},
        ),
        ("post", "/api/v1/tenders/", tender_payload(decided.authority)),
        ("post", "/api/v1/bids/", {"tender": decided.pk}),
        ("post", f"/api/v1/tenders/{decided.pk}/panel/", {"user": auditor_user.pk}),
    ]
    for method, path, data in writes:
        response = getattr(client, method)(path, data, format="json")
        assert response.status_code == 403, (path, response.status_code, response.content)


@pytest.mark.parametrize(
    ("language_status", "present", "absent"),
    [
        (
            "bilingual",
            [
                "HANKINTAPÄÄTÖS",
                "UPPHANDLINGSBESLUT",
                "Besvärsanvisning till marknadsdomstolen",
                "Valitusosoitus markkinaoikeuteen",
                "Avtalsspärren löper ut",
            ],
            [],
        ),
        (
            "sv",
            ["UPPHANDLINGSBESLUT", "Anvisning om upphandlingsrättelse", "Vald tjänsteleverantör"],
            ["HANKINTAPÄÄTÖS"],
        ),
    ],
)
def test_the_decision_binds_in_the_authoritys_languages(
    language_status, present, absent, authority, officer, member_a, member_b
):
    authority.language_status = language_status
    authority.name_sv = "Testkommun"
    authority.save()
    tender = decided_tender(
        officer=officer,
        authority=authority,
        bidders=[(member_a, "9000"), (member_b, "9500")],
        title_sv="Integrationsutbildning",
        language="sv" if language_status == "sv" else "fi",
    )
    document = GeneratedDocument.objects.get(tender=tender, kind="decision")

    text = pypdf_text(document_render(document_id=document.pk))

    for phrase in present:
        assert phrase in text, phrase
    for phrase in absent:
        assert phrase not in text, phrase
    assert "kl. 16.15" in text  # the Market Court's closing time on the last day


def test_each_bidder_gets_its_own_letter(decided, provider_a, provider_b, member_a, member_b, client_for):
    letters = {d.provider_id: d for d in GeneratedDocument.objects.filter(tender=decided, kind="letter")}
    assert set(letters) == {provider_a.pk, provider_b.pk}

    text_a = pypdf_text(document_render(document_id=letters[provider_a.pk].pk))
    text_b = pypdf_text(document_render(document_id=letters[provider_b.pk].pk))

    assert "ILMOITUS HANKINTAPÄÄTÖKSESTÄ" in text_a and provider_a.name in text_a
    assert "Tarjouksenne ei tullut valituksi" in text_a and f"Valittu palveluntuottaja: {provider_b.name}" in text_a
    assert "Tarjouksenne valittiin." in text_b
    assert "Odotusaika päättyy" in text_a and "klo 16.15" in text_a
    # a letter is its bidder's own
    assert client_for(member_b).get(f"/api/v1/documents/{letters[provider_a.pk].pk}/").status_code == 404
    assert client_for(member_a).get(f"/api/v1/documents/{letters[provider_a.pk].pk}/").status_code == 200


def test_the_decision_and_the_letters_are_read_as_the_comparison_and_by_the_one_who_decided(
    authority, officer, member_a, member_b, provider_a, provider_b, client_for
):
    # They show the whole comparison (every bidder's prices, points and ranks): the authority reads them behind
    # the panel's gate, as it reads the comparison; the decision-maker who decided reads what they signed.
    from evaluation.panel import panel_add, panel_declare
    from procurement.models import Membership, Role

    authority.officers_may_decide = False
    authority.save()
    decision_maker, other_decision_maker = factories.UserFactory(), factories.UserFactory()
    for user in (decision_maker, other_decision_maker):
        Membership.objects.create(user=user, role=Role.DECISION_MAKER, authority=authority)
    tender = decided_tender(
        officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")], decider=decision_maker
    )
    conflicted, undeclared = factories.UserFactory(), factories.UserFactory()
    for user in (conflicted, undeclared):
        Membership.objects.create(user=user, role=Role.EVALUATOR, authority=authority)
        panel_add(actor=officer, tender_id=tender.pk, user_id=user.pk)
    panel_declare(actor=conflicted, tender_id=tender.pk, has_conflict=True, statement="Entinen työnantaja.")
    documents = {
        (d.kind, d.provider_id): d.pk
        for d in GeneratedDocument.objects.filter(tender=tender, kind__in=[DocumentKind.DECISION, "letter"])
    }
    comparison = GeneratedDocument.objects.filter(tender=tender, kind=DocumentKind.COMPARISON).first().pk
    readers = {
        "officer on the panel": (officer, 200),
        "auditor": (factories.auditor(), 200),
        "decision-maker who decided": (decision_maker, 200),
        "another decision-maker": (other_decision_maker, 403),
        "evaluator with a conflict": (conflicted, 403),
        "evaluator without a declaration": (undeclared, 403),
        "officer off the panel": (factories.officer_of(authority), 403),
    }

    answers = {
        (who, kind, provider): client_for(user).get(f"/api/v1/documents/{pk}/").status_code
        for who, (user, _want) in readers.items()
        for (kind, provider), pk in documents.items()
    }

    assert answers == {
        (who, kind, provider): want for who, (_user, want) in readers.items() for (kind, provider) in documents
    }
    # the gate's answers are the comparison's own
    for who, (user, want) in readers.items():
        if who != "decision-maker who decided":
            assert client_for(user).get(f"/api/v1/documents/{comparison}/").status_code == want, who
    # the bidders: the decision, and only their own letter
    assert client_for(member_a).get(f"/api/v1/documents/{documents['decision', None]}/").status_code == 200
    assert client_for(member_a).get(f"/api/v1/documents/{documents['letter', provider_a.pk]}/").status_code == 200
    assert client_for(member_a).get(f"/api/v1/documents/{documents['letter', provider_b.pk]}/").status_code == 404


def test_every_provider_told_of_an_interruption_reads_its_decision(authority, officer, client_for):
    # given a published call that one provider viewed, one follows, one has a draft in and one a submitted bid
    from bids.services import bid_create
    from procurement.models import Notification
    from tenders.models import TenderInterest
    from tenders.services import tender_cancel
    from tests.fixtures.stages import full_content

    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    members = {
        name: factories.provider_member_of(factories.ProviderFactory())
        for name in ("viewed", "follows", "draft", "bid", "none")
    }
    provider = {name: member.memberships.get().provider_id for name, member in members.items()}
    TenderInterest.objects.create(tender=tender, provider_id=provider["viewed"])
    TenderInterest.objects.create(
        tender=tender, provider_id=provider["follows"], following=True, followed_at=timezone.now()
    )
    bid_create(
        actor=members["draft"], tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender, "9000")
    )
    submit_bid(members["bid"], tender)

    # when the call is interrupted
    tender_cancel(actor=officer, tender_id=tender.pk, reason="Määrärahat loppuivat.")

    # then every provider the decision was sent to reads it, and no other
    notified = set(
        Notification.objects.filter(tender_id=tender.pk, kind="tender.cancelled").values_list("provider_id", flat=True)
    )
    interruption = GeneratedDocument.objects.get(tender=tender, kind=DocumentKind.INTERRUPTION)
    assert (
        interruption.pk
        in Notification.objects.get(
            tender_id=tender.pk, kind="tender.cancelled", provider_id=provider["draft"]
        ).documents
    )
    answers = {
        name: client_for(member).get(f"/api/v1/documents/{interruption.pk}/").status_code
        for name, member in members.items()
    }
    assert notified == {provider[name] for name in ("viewed", "follows", "draft", "bid")}
    assert answers == {"viewed": 200, "follows": 200, "draft": 200, "bid": 200, "none": 404}


def test_the_procedure_report_tells_the_procedure_in_order(decided):
    report = GeneratedDocument.objects.get(tender=decided, kind="procedure_report")

    text = pypdf_text(document_render(document_id=report.pk))

    assert "MENETTELYKERTOMUS" in text and "124 §" in text
    sentences = ("tarjouspyyntö suljettiin", "Tarjoukset avattiin", "Tarjousten vertailu", "Hankintapäätös tehtiin")
    order = [text.find(sentence) for sentence in sentences]
    assert all(position >= 0 for position in order) and order == sorted(order)


def test_each_lot_gets_a_comparison_report_with_its_calculation(decided, provider_b):
    reports = GeneratedDocument.objects.filter(tender=decided, kind="comparison")
    assert reports.count() == decided.lots.count()

    text = pypdf_text(document_render(document_id=reports.order_by("pk").first().pk))

    assert "Osan vertailuraportti" in text
    assert provider_b.name in text and "→" in text


def test_a_bilingual_authoritys_documents_carry_both_languages(bilingual, officer, member_a, member_b, provider_b):
    authority = bilingual
    provider_b.preferred_language = "sv"
    provider_b.save()
    tender = decided_tender(
        officer=officer,
        authority=authority,
        bidders=[(member_a, "9000"), (member_b, "9500")],
        title_sv="Integrationsutbildning",
    )
    headings = {
        "receipt": ("TARJOUKSEN VASTAANOTTOKUITTAUS", "MOTTAGNINGSKVITTO FÖR ANBUD"),
        "opening_record": ("AVAUSPÖYTÄKIRJA", "PROTOKOLL ÖVER ÖPPNANDET AV ANBUD"),
        "comparison": ("Osan vertailuraportti", "Jämförelserapport för delområde"),
        "procedure_report": ("MENETTELYKERTOMUS", "REDOGÖRELSE FÖR FÖRFARANDET"),
        "letter": ("ILMOITUS HANKINTAPÄÄTÖKSESTÄ", "MEDDELANDE OM UPPHANDLINGSBESLUT"),
    }
    for kind, (finnish, swedish) in headings.items():
        document = GeneratedDocument.objects.filter(tender=tender, kind=kind).order_by("pk").first()
        text = pypdf_text(document_render(document_id=document.pk))
        assert finnish in text and swedish in text, kind
        # The recipient's own language comes first.
        first, second = (swedish, finnish) if document.language == "sv" else (finnish, swedish)
        assert text.index(first) < text.index(second), kind
    letter_b = GeneratedDocument.objects.get(tender=tender, kind="letter", provider=provider_b)
    assert letter_b.language == "sv"
    text = pypdf_text(document_render(document_id=letter_b.pk))
    assert text.index("MEDDELANDE OM UPPHANDLINGSBESLUT") < text.index("ILMOITUS HANKINTAPÄÄTÖKSESTÄ")
    assert "Integrationsutbildning" in text


def test_only_an_officer_who_may_read_a_document_queues_it_again(decided, officer, authority, client_for):
    # given the opening record failed to render, and an officer of the authority who is not on the call's panel
    record = GeneratedDocument.objects.get(tender=decided, kind=DocumentKind.OPENING_RECORD)
    GeneratedDocument.objects.filter(pk=record.pk).update(status=DocumentStatus.FAILED, error="Boom")
    off_the_panel = factories.officer_of(authority)
    url = f"/api/v1/documents/{record.pk}/retry/"

    # when each asks to render it again
    refused = client_for(off_the_panel).post(url)
    queued = client_for(officer).post(url)

    # then only the panel's officer may: the record lists every price, which the other reads as the bids, not at all
    assert refused.status_code == 403 and refused.json()["code"] == "not_on_panel"
    assert queued.status_code == 200 and queued.json()["status"] == DocumentStatus.QUEUED


def test_a_withdrawn_bids_receipt_stays_its_providers_after_the_opening(
    authority, officer, provider_a, member_a, member_b, client_for
):
    # given A submitted a bid (and got its receipt) but withdrew it before the deadline, and the bids were opened
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    bid_a = submit_bid(member_a, tender, "9000")
    submit_bid(member_b, tender, "9500")
    bid_withdraw(actor=member_a, bid_id=bid_a.pk, received_at=timezone.now())
    past = timezone.now() - timedelta(seconds=1)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=past, next_check=past)
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    receipt = GeneratedDocument.objects.get(tender=tender, kind=DocumentKind.RECEIPT, provider=provider_a)

    # when A and the panel's officer read it
    as_owner = client_for(member_a).get(f"/api/v1/documents/{receipt.pk}/")
    as_panel = client_for(officer).get(f"/api/v1/documents/{receipt.pk}/")

    # then it is A's; to the authority a withdrawn bid does not exist, as the bid itself answers
    assert as_owner.status_code == 200
    assert as_panel.status_code == 404
    assert client_for(officer).get(f"/api/v1/bids/{bid_a.pk}/").status_code == 404
    listed = client_for(officer).get(f"/api/v1/documents/?tender={tender.pk}").json()["results"]
    assert receipt.pk not in {row["id"] for row in listed}
