"""Requests for documents (evaluation.access_requests): who may ask and when, the officer's decision with its legal
grounds, the disclosed copies with the secrets gone from the bytes, the public form and its link, and who sees a
request."""

import shutil
import subprocess

import pytest
from django.core import mail

from bids import secrecy
from bids.secrecy import Withheld
from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_render, documents_visible_to
from evaluation.access_requests import (
    Asked,
    access_request_by_token,
    access_request_create,
    access_request_decide,
    access_request_get,
    access_request_public_create,
    access_requests_of_tender,
)
from evaluation.models import AccessRequest
from procurement.errors import Conflict, NotFound, ValidationFailed
from procurement.models import AuditEvent
from tests.fixtures import factories
from tests.fixtures.access import (
    ATTACHMENT_PDF,
    PUBLIC_LINE,
    SECRET,
    decided_with_attachments,
    send_decision_to_all,
    sign_contracts,
)
from tests.fixtures.documents import pdftotext
from tests.fixtures.stages import run_outbox


def text_of(data: bytes) -> str:
    out = subprocess.run(  # noqa: S603 (the test's own bytes, to a fixed program)
        [shutil.which("pdftotext"), "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    ).stdout
    return " ".join(out.decode("utf-8").split())


def pages_of(data: bytes) -> int:
    out = subprocess.run([shutil.which("pdfinfo"), "-"], input=data, capture_output=True, check=True).stdout  # noqa: S603
    return int(next(line for line in out.decode().splitlines() if line.startswith("Pages:")).split()[1])


@pytest.fixture
def decided(officer, member_a, member_b):
    """A decided call: A and B bid with a PDF attachment each; B marked its answer to criterion 1 a business secret."""
    from tenders.models import QualityCriterion

    tender, bid_b, attachment_b = decided_with_attachments(officer=officer, member_a=member_a, member_b=member_b)
    criterion = QualityCriterion.objects.filter(tender=tender).order_by("number").first()
    return tender, bid_b, attachment_b, criterion


@pytest.fixture
def secret_passages(monkeypatch):
    """What the authority's review withholds of B's bid: its first answer whole, and a passage of its attachment."""

    def install(bid, attachment, criterion):
        def withheld(tender):
            return {
                bid.pk: [
                    Withheld(part=f"quality:{criterion.pk}"),
                    Withheld(part=f"attachment:{attachment.pk}", passages=(SECRET,)),
                ]
            }

        monkeypatch.setattr(secrecy, "secrecy_withheld", withheld)

    return install


def test_a_bidder_asking_before_the_decision_is_sent_is_refused_with_a_code(decided, member_a):
    tender, bid_b, _attachment, _criterion = decided
    with pytest.raises(Conflict) as refused:
        access_request_create(actor=member_a, tender_id=tender.pk, asked=Asked(bids=[bid_b.pk]))
    assert refused.value.code == "decision_not_sent"
    assert not AccessRequest.objects.exists()


def test_a_request_granted_in_part_discloses_a_redacted_attachment_whose_secret_text_is_gone_from_the_bytes(
    decided, officer, member_a, member_b, secret_passages
):
    # given: the decision sent; A asks for B's bid; the authority withholds B's first answer and a passage
    tender, bid_b, attachment_b, criterion = decided
    send_decision_to_all(tender)
    secret_passages(bid_b, attachment_b, criterion)
    assert SECRET.encode() in ATTACHMENT_PDF  # the original carries it as written
    request = access_request_create(actor=member_a, tender_id=tender.pk, asked=Asked(bids=[bid_b.pk]))
    # when
    access_request_decide(
        actor=officer,
        request_id=request.pk,
        outcome="granted_in_part",
        grounds=["business_secret"],
        reason="Tarjoajan liikesalaisuudet poistettu.",
        reason_sv="Anbudsgivarens affärshemligheter har tagits bort.",
    )
    run_outbox("evaluation.access_request_disclose")
    run_outbox("documents.render")
    # then: the attachment's copy has no trace of the secret, and keeps the rest
    copies = GeneratedDocument.objects.filter(kind=DocumentKind.DISCLOSED_COPY, tender=tender)
    attachment_copy = copies.get(subject=f"access:{request.pk}:att:{attachment_b.pk}")
    with attachment_copy.file.open("rb") as handle:
        data = handle.read()
    assert b"SALAINEN" not in data and SECRET.encode() not in data
    text = text_of(data)
    assert "SALAINEN" not in text and "1,37" not in text
    assert PUBLIC_LINE in text and "Yhteenveto julkinen" in text and "opetussuunnitelma" in text
    assert pages_of(data) == 2
    # the answers' copy shows the withheld answer as its ground, the others as written
    answers = pdftotext(copies.get(subject=f"access:{request.pk}:bid:{bid_b.pk}"))
    assert "[Salassa pidettävä: JulkL 24 § 1 mom. 20 k]" in answers
    assert f"Vastaus kriteeriin {criterion.number}." not in answers
    assert "Vastaus kriteeriin 2." in answers
    assert "Pekka Tarjoaja" in answers  # the contact was not withheld
    # the decision, with its grounds and redress (a municipality: a claim for rectification first)
    request.refresh_from_db()
    decision = pdftotext(document_render(document_id=request.decision_document_id))
    assert "PÄÄTÖS ASIAKIRJAPYYNTÖÖN" in decision and "osittain" in decision
    assert "JulkL 24 § 1 mom. 20 k" in decision and "Oikaisuvaatimus" in decision and "hallinto-oikeuteen" in decision
    # the requester's provider reads them, another provider does not
    mine = set(documents_visible_to(user=member_a).filter(tender=tender).values_list("pk", flat=True))
    assert {attachment_copy.pk, request.decision_document_id} <= mine
    other = factories.provider_member_of(factories.ProviderFactory())
    assert not documents_visible_to(user=other).filter(kind__in=["access_decision", "disclosed_copy"]).exists()
    # and the audit chain has the request, the decision, the read of the sealed bid and each disclosed file
    actions = list(AuditEvent.objects.filter(tender_id=tender.pk).values_list("action", flat=True))
    assert {"access_request.create", "access_request.decide", "bid.read_for_disclosure"} <= set(actions)
    assert actions.count("access_request.disclose") == 2  # B's attachment and its answers
    disclosed = AuditEvent.objects.filter(action="access_request.disclose", detail__attachment=str(attachment_b.pk))
    assert disclosed.get().detail["sha256"] == attachment_copy.sha256


def test_disclosing_twice_makes_each_copy_once(decided, officer, member_a, secret_passages):
    tender, bid_b, attachment_b, criterion = decided
    send_decision_to_all(tender)
    secret_passages(bid_b, attachment_b, criterion)
    request = access_request_create(actor=member_a, tender_id=tender.pk, asked=Asked(bids=[bid_b.pk]))
    access_request_decide(actor=officer, request_id=request.pk, outcome="granted")
    from evaluation.access_requests import access_request_disclose

    assert access_request_disclose(request_id=request.pk) == 2
    assert access_request_disclose(request_id=request.pk) == 0
    assert GeneratedDocument.objects.filter(kind=DocumentKind.DISCLOSED_COPY, tender=tender).count() == 2


def test_a_refusal_needs_its_legal_ground_and_gives_no_copy(decided, officer, member_a):
    tender, bid_b, _attachment, _criterion = decided
    send_decision_to_all(tender)
    request = access_request_create(actor=member_a, tender_id=tender.pk, asked=Asked(bids=[bid_b.pk]))
    with pytest.raises(ValidationFailed) as invalid:
        access_request_decide(actor=officer, request_id=request.pk, outcome="refused", reason="Ei.")
    assert "grounds" in invalid.value.errors
    access_request_decide(
        actor=officer,
        request_id=request.pk,
        outcome="refused",
        grounds=["business_secret"],
        reason="Koko tarjous on liikesalaisuus.",
    )
    request.refresh_from_db()
    assert request.status == "refused" and request.grounds == ["business_secret"]
    assert not run_outbox("evaluation.access_request_disclose")
    text = pdftotext(document_render(document_id=request.decision_document_id))
    assert "Pyyntö hylätään" in text and "JulkL 24 § 1 mom. 20 k" in text and "liikesalaisuus" in text
    with pytest.raises(Conflict):
        access_request_decide(actor=officer, request_id=request.pk, outcome="granted")


def test_only_an_officer_decides(decided, member_a, member_b):
    tender, bid_b, _attachment, _criterion = decided
    send_decision_to_all(tender)
    request = access_request_create(actor=member_a, tender_id=tender.pk, asked=Asked(bids=[bid_b.pk]))
    with pytest.raises(Exception) as refused:
        access_request_decide(actor=member_a, request_id=request.pk, outcome="granted")
    assert refused.value.status_code == 403
    with pytest.raises(NotFound):
        access_request_decide(actor=member_b, request_id=request.pk, outcome="granted")


def test_a_public_request_before_the_contract_is_refused_and_after_it_is_taken_with_a_link(
    decided, officer, django_capture_on_commit_callbacks
):
    tender, bid_b, _attachment, _criterion = decided
    asked = Asked(bids=[bid_b.pk], comparison=True)
    with pytest.raises(Conflict) as refused:
        access_request_public_create(
            tender_id=tender.pk, name="Maija Meikäläinen", email="maija@example.org", asked=asked, link_base="http://x"
        )
    assert refused.value.code == "not_public_yet"
    sign_contracts(tender)
    with django_capture_on_commit_callbacks(execute=True):
        request, token = access_request_public_create(
            tender_id=tender.pk, name="Maija Meikäläinen", email="maija@example.org", asked=asked, link_base="http://x"
        )
    assert request.channel == "public" and request.provider_id is None
    assert token not in request.token_hash and len(request.token_hash) == 64
    assert access_request_by_token(token=token).pk == request.pk
    assert f"http://x/public/access/{token}/" in mail.outbox[-1].body
    with pytest.raises(NotFound):
        access_request_by_token(token=token + "x")
    # the officer's decision sends a new link; the first one stops working
    with django_capture_on_commit_callbacks(execute=True):
        access_request_decide(actor=officer, request_id=request.pk, outcome="granted", link_base="http://x")
    assert "/public/access/" in mail.outbox[-1].body and token not in mail.outbox[-1].body
    with pytest.raises(NotFound):
        access_request_by_token(token=token)


def test_an_expired_link_is_not_found(decided):
    from datetime import timedelta

    from django.utils import timezone

    tender, bid_b, _attachment, _criterion = decided
    sign_contracts(tender)
    request, token = access_request_public_create(
        tender_id=tender.pk, name="M", email="m@example.org", asked=Asked(bids=[bid_b.pk]), link_base="http://x"
    )
    AccessRequest.objects.filter(pk=request.pk).update(token_expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(NotFound):
        access_request_by_token(token=token)


def test_another_provider_cannot_see_a_request(decided, officer, member_a, member_b):
    tender, bid_b, _attachment, _criterion = decided
    send_decision_to_all(tender)
    request = access_request_create(actor=member_a, tender_id=tender.pk, asked=Asked(bids=[bid_b.pk]))
    assert access_request_get(user=member_a, request_id=request.pk).pk == request.pk
    assert access_request_get(user=officer, request_id=request.pk).pk == request.pk
    with pytest.raises(NotFound):
        access_request_get(user=member_b, request_id=request.pk)
    assert access_requests_of_tender(user=member_b, tender_id=tender.pk) == []
    assert [r.pk for r in access_requests_of_tender(user=officer, tender_id=tender.pk)] == [request.pk]


def test_a_request_must_name_bids_of_the_call_other_than_ones_own(decided, member_a):
    tender, bid_b, _attachment, _criterion = decided
    send_decision_to_all(tender)
    own = tender.bids.get(provider__members__user=member_a) if False else tender.bids.exclude(pk=bid_b.pk).get()
    for bids in ([own.pk], [999999], []):
        with pytest.raises(ValidationFailed):
            access_request_create(actor=member_a, tender_id=tender.pk, asked=Asked(bids=bids))


def test_the_decision_and_the_copy_in_swedish_for_a_state_authority_give_the_appeal_to_the_administrative_court(
    officer, member_a, member_b, secret_passages
):
    from procurement.models import ContractingAuthority
    from tests.fixtures.access import officer_authority

    ContractingAuthority.objects.filter(pk=officer_authority(officer).pk).update(
        kind=ContractingAuthority.Kind.STATE_AUTHORITY
    )
    tender, bid_b, attachment_b = decided_with_attachments(officer=officer, member_a=member_a, member_b=member_b)
    from tenders.models import QualityCriterion

    criterion = QualityCriterion.objects.filter(tender=tender).order_by("number").first()
    send_decision_to_all(tender)
    secret_passages(bid_b, attachment_b, criterion)
    request = access_request_create(
        actor=member_a, tender_id=tender.pk, asked=Asked(bids=[bid_b.pk], attachments=False), language="sv"
    )
    access_request_decide(
        actor=officer,
        request_id=request.pk,
        outcome="granted_in_part",
        grounds=["business_secret", "personal_data"],
        reason="Liikesalaisuudet poistettu.",
        reason_sv="Affärshemligheterna har tagits bort.",
    )
    run_outbox("evaluation.access_request_disclose")
    run_outbox("documents.render")
    request.refresh_from_db()
    decision = pdftotext(document_render(document_id=request.decision_document_id))
    assert "BESLUT OM BEGÄRAN OM ATT FÅ TA DEL AV HANDLINGAR" in decision
    assert "Begäran bifalls delvis" in decision and "Affärshemligheterna har tagits bort." in decision
    assert "OffL 24 § 1 mom. 20 p." in decision and "OffL 24 § 1 mom. 32 p." in decision
    assert "förvaltningsdomstolen inom 30 dagar" in decision and "omprövning" not in decision
    copy = pdftotext(
        GeneratedDocument.objects.get(kind=DocumentKind.DISCLOSED_COPY, subject=f"access:{request.pk}:bid:{bid_b.pk}")
    )
    assert "[Sekretessbelagt: OffL 24 § 1 mom. 20 p.]" in copy and "Bilagor" not in copy
    # only the answers were asked: no attachment is copied
    assert not GeneratedDocument.objects.filter(subject__startswith=f"access:{request.pk}:att:").exists()


def test_an_attachment_whose_withheld_passage_cannot_be_found_is_not_disclosed(decided, officer, member_a, monkeypatch):
    tender, bid_b, attachment_b, _criterion = decided
    send_decision_to_all(tender)
    monkeypatch.setattr(
        secrecy,
        "secrecy_withheld",
        lambda t: {bid_b.pk: [Withheld(part=f"attachment:{attachment_b.pk}", passages=("ei tiedostossa",))]},
    )
    request = access_request_create(actor=member_a, tender_id=tender.pk, asked=Asked(bids=[bid_b.pk]))
    access_request_decide(actor=officer, request_id=request.pk, outcome="granted")
    run_outbox("evaluation.access_request_disclose")
    assert not GeneratedDocument.objects.filter(subject=f"access:{request.pk}:att:{attachment_b.pk}").exists()
    request.refresh_from_db()
    assert request.granted["files"][str(attachment_b.pk)]["state"] == "withheld"


def test_a_waiting_request_is_an_officers_task_until_it_is_decided(decided, officer, member_a):
    from evaluation.worklist import tasks_for

    tender, bid_b, _attachment, _criterion = decided
    send_decision_to_all(tender)
    request = access_request_create(actor=member_a, tender_id=tender.pk, asked=Asked(bids=[bid_b.pk]))
    task = next(t for t in tasks_for(officer) if t.kind == "access_request")
    assert task.url == f"/access-requests/{request.pk}/" and (task.due - request.requested_at).days == 14
    access_request_decide(actor=officer, request_id=request.pk, outcome="granted")
    assert not [t for t in tasks_for(officer) if t.kind == "access_request"]


def test_a_bilingual_authoritys_copy_names_the_ground_in_each_language(
    bilingual, officer, member_a, member_b, secret_passages
):
    from tenders.models import QualityCriterion

    tender, bid_b, attachment_b = decided_with_attachments(officer=officer, member_a=member_a, member_b=member_b)
    criterion = QualityCriterion.objects.filter(tender=tender).order_by("number").first()
    send_decision_to_all(tender)
    secret_passages(bid_b, attachment_b, criterion)
    request = access_request_create(actor=member_a, tender_id=tender.pk, asked=Asked(bids=[bid_b.pk]), language="fi")
    access_request_decide(actor=officer, request_id=request.pk, outcome="granted")
    run_outbox("evaluation.access_request_disclose")
    run_outbox("documents.render")
    copy = pdftotext(
        GeneratedDocument.objects.get(kind=DocumentKind.DISCLOSED_COPY, subject=f"access:{request.pk}:bid:{bid_b.pk}")
    )
    assert "[Salassa pidettävä: JulkL 24 § 1 mom. 20 k]" in copy and "[Sekretessbelagt: OffL 24 § 1 mom. 20 p.]" in copy
    assert f"Vastaus kriteeriin {criterion.number}." not in copy
    request.refresh_from_db()
    decision = pdftotext(document_render(document_id=request.decision_document_id))
    assert "PÄÄTÖS ASIAKIRJAPYYNTÖÖN" in decision and "BESLUT OM BEGÄRAN" in decision
