"""The authority decides on the business secrets a bidder marked (bids/secrecy.py): per part, told to the bidder
first, and what it decides counts everywhere the bid is shown to the others."""

import pytest
from django.urls import reverse
from django.utils import timezone

from bids.models import Bid, SecrecyReview, SecrecyReviewStatus
from bids.secrecy import (
    SECRECY_NOTICE_DAYS,
    Withheld,
    secrecy_decide_part,
    secrecy_review_notify,
    secrecy_withheld,
)
from documents.models import GeneratedDocument
from documents.services import document_render
from procurement.errors import Conflict
from procurement.models import AuditEvent, Notification
from procurement.periods import HELSINKI
from tests.fixtures.documents import pdftotext
from tests.fixtures.portal import signed_in
from tests.fixtures.secrecy import (
    PUBLIC_REASON,
    SECRET_ANSWER,
    SECRET_PASSAGE,
    SECRET_REASON,
    marked_decided_tender,
    notice_period_over,
)
from tests.fixtures.stages import send_decision


@pytest.fixture
def marked(authority, officer, member_a, member_b):
    """A decided call in which A marked its answer to criterion 1 and its contact; (tender, A's bid, criterion)."""
    tender, bid = marked_decided_tender(authority=authority, officer=officer, member_a=member_a, member_b=member_b)
    return tender, bid, tender.criteria.order_by("number").first()


def _competitor_answers(client, bid: Bid) -> dict[int, str]:
    response = client.get(f"/api/v1/bids/{bid.pk}/")
    assert response.status_code == 200
    return {a["criterion"]: a["text"] for a in response.json()["content"]["quality_answers"]}


def test_an_override_is_disclosed_only_after_the_bidder_was_told_and_the_period_ran(
    marked, officer, member_b, client_for
):
    tender, bid, criterion = marked
    part = f"quality:{criterion.pk}"
    send_decision(tender, sent=timezone.now())
    as_b = client_for(member_b)
    comparison = reverse("tenders:comparison", args=[tender.pk])

    # when the officer overrides A's marking of its answer, and upholds its contact
    secrecy_decide_part(actor=officer, bid=bid, part=part, outcome="overridden", reason="Yleisesti tunnettu menetelmä.")
    secrecy_decide_part(actor=officer, bid=bid, part="contact", outcome="upheld", reason="Henkilötieto.")

    # then before A is told, nothing changes for the others
    assert SecrecyReview.objects.get(bid=bid).status == SecrecyReviewStatus.DECIDED
    assert part in {w.part for w in secrecy_withheld(tender)[bid.pk]}
    assert criterion.pk not in _competitor_answers(as_b, bid)
    assert SECRET_REASON not in signed_in(member_b).get(comparison).content.decode()

    # nor once A is told, while the notice period runs
    review = secrecy_review_notify(actor=officer, bid=bid)
    assert review.status == SecrecyReviewStatus.NOTIFIED
    assert (review.effective_from - review.notified_at).days >= SECRECY_NOTICE_DAYS
    assert part in {w.part for w in secrecy_withheld(tender)[bid.pk]}
    assert criterion.pk not in _competitor_answers(as_b, bid)

    # and after the period the answer and the panel's reason about it are disclosed; the contact stays secret
    notice_period_over(review)
    assert secrecy_withheld(tender)[bid.pk] == [Withheld(part="contact")]
    assert _competitor_answers(as_b, bid)[criterion.pk] == SECRET_ANSWER
    assert as_b.get(f"/api/v1/bids/{bid.pk}/").json()["content"]["contact"] == {}
    html = signed_in(member_b).get(comparison).content.decode()
    assert SECRET_REASON in html
    assert PUBLIC_REASON not in html


def test_upheld_in_part_returns_the_passages_that_stay_secret(marked, officer, member_b, client_for):
    tender, bid, criterion = marked
    part = f"quality:{criterion.pk}"
    secrecy_decide_part(
        actor=officer, bid=bid, part=part, outcome="upheld_in_part", passages=[SECRET_PASSAGE], reason="Osin salainen."
    )
    secrecy_decide_part(actor=officer, bid=bid, part="contact", outcome="upheld", reason="Henkilötieto.")
    # before the bidder is told the whole part is withheld
    assert Withheld(part=part) in secrecy_withheld(tender)[bid.pk]

    notice_period_over(secrecy_review_notify(actor=officer, bid=bid))

    withheld = {w.part: w for w in secrecy_withheld(tender)[bid.pk]}
    assert withheld[part].passages == (SECRET_PASSAGE,)
    text = _competitor_answers(client_for(member_b), bid)[criterion.pk]
    assert SECRET_PASSAGE not in text
    assert "Menetelmämme on yleinen." in text and "[…]" in text


def test_a_passage_not_in_the_text_is_refused(marked, officer, client_for):
    _tender, bid, criterion = marked
    response = client_for(officer).post(
        f"/api/v1/bids/{bid.pk}/secrecy/",
        {"part": f"quality:{criterion.pk}", "outcome": "upheld_in_part", "passages": ["ei ole"], "reason": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["passages"][0]["code"] == "passage_not_found"


def test_a_price_part_cannot_be_upheld(marked, officer, client_for):
    tender, bid, _criterion = marked
    lot = tender.lots.first()
    response = client_for(officer).post(
        f"/api/v1/bids/{bid.pk}/secrecy/",
        {"part": f"price:{lot.pk}", "outcome": "upheld", "reason": "Hinta on salainen."},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["part"][0]["code"] == "price_never_secret"
    assert not SecrecyReview.objects.filter(bid=bid).exists()


def test_the_bidder_cannot_review_and_another_provider_finds_nothing(marked, member_a, member_b, client_for):
    _tender, bid, criterion = marked
    body = {"part": f"quality:{criterion.pk}", "outcome": "overridden", "reason": "x"}

    assert client_for(member_a).post(f"/api/v1/bids/{bid.pk}/secrecy/", body, format="json").status_code == 403
    assert client_for(member_a).post(f"/api/v1/bids/{bid.pk}/secrecy/notify/").status_code == 403
    assert client_for(member_b).post(f"/api/v1/bids/{bid.pk}/secrecy/", body, format="json").status_code == 404
    assert client_for(member_b).get(f"/api/v1/bids/{bid.pk}/secrecy/").status_code == 404
    assert client_for(member_b).post(f"/api/v1/bids/{bid.pk}/secrecy/notify/").status_code == 404
    assert not SecrecyReview.objects.filter(bid=bid).exists()


def test_the_bidder_sees_the_decisions_once_told(marked, officer, member_a, client_for):
    _tender, bid, criterion = marked
    part = f"quality:{criterion.pk}"
    as_officer, as_a = client_for(officer), client_for(member_a)
    decided = as_officer.post(
        f"/api/v1/bids/{bid.pk}/secrecy/", {"part": part, "outcome": "overridden", "reason": "Julkinen."}, format="json"
    )
    assert decided.status_code == 200, decided.json()
    as_officer.post(
        f"/api/v1/bids/{bid.pk}/secrecy/", {"part": "contact", "outcome": "upheld", "reason": "Henkilö."}, format="json"
    )

    # the officer reads each marked part with its text (a read of sealed content, on record)
    review = as_officer.get(f"/api/v1/bids/{bid.pk}/secrecy/").json()
    assert review["status"] == "decided"
    parts = {p["part"]: p for p in review["parts"]}
    assert parts[part]["text"] == SECRET_ANSWER and parts[part]["decision"]["outcome"] == "overridden"
    assert AuditEvent.objects.filter(action="secrecy.read", actor=officer, object_id=str(bid.pk)).exists()
    assert AuditEvent.objects.filter(action="secrecy.decide", actor=officer).count() == 2

    # the bidder sees its markings, not yet the decisions
    before = as_a.get(f"/api/v1/bids/{bid.pk}/secrecy/").json()
    assert before["status"] == "pending"
    assert {p["part"] for p in before["parts"]} == {part, "contact"}
    assert all(p["decision"] is None and p["text"] is None for p in before["parts"])

    notified = as_officer.post(f"/api/v1/bids/{bid.pk}/secrecy/notify/")
    assert notified.status_code == 200
    after = as_a.get(f"/api/v1/bids/{bid.pk}/secrecy/").json()
    assert after["status"] == "notified" and after["effective_from"]
    assert {p["part"]: p["decision"]["outcome"] for p in after["parts"]} == {part: "overridden", "contact": "upheld"}
    assert Notification.objects.filter(kind="secrecy.decision", provider=bid.provider).exists()


def test_the_bidder_is_told_only_when_every_marking_is_decided_and_then_the_decision_stands(marked, officer):
    _tender, bid, criterion = marked
    secrecy_decide_part(actor=officer, bid=bid, part="contact", outcome="upheld", reason="Henkilötieto.")
    with pytest.raises(Conflict) as refused:
        secrecy_review_notify(actor=officer, bid=bid)
    assert refused.value.code == "parts_undecided"

    secrecy_decide_part(actor=officer, bid=bid, part=f"quality:{criterion.pk}", outcome="upheld", reason="Salainen.")
    secrecy_review_notify(actor=officer, bid=bid)
    with pytest.raises(Conflict) as changed:
        secrecy_decide_part(actor=officer, bid=bid, part="contact", outcome="overridden", reason="Julkinen.")
    assert changed.value.code == "secrecy_notified"


def test_personal_data_the_bidder_did_not_mark_is_withheld_at_once(marked, officer):
    tender, bid, _criterion = marked
    requirement = tender.requirements.order_by("number").first()
    part = f"evidence:{requirement.pk}"
    assert part not in {w.part for w in secrecy_withheld(tender)[bid.pk]}

    secrecy_decide_part(
        actor=officer, bid=bid, part=part, outcome="upheld", ground="personal_data", reason="Opettajien CV:t."
    )

    assert Withheld(part=part, ground="personal_data") in secrecy_withheld(tender)[bid.pk]


def test_the_decision_pdf_shows_the_parts_and_reasons_in_finnish_and_swedish(bilingual, officer, member_a, member_b):
    tender, bid = marked_decided_tender(authority=bilingual, officer=officer, member_a=member_a, member_b=member_b)
    criterion = tender.criteria.order_by("number").first()
    secrecy_decide_part(
        actor=officer,
        bid=bid,
        part=f"quality:{criterion.pk}",
        outcome="overridden",
        reason="Menetelmä on yleisesti tunnettu.",
        reason_sv="Metoden är allmänt känd.",
    )
    secrecy_decide_part(
        actor=officer,
        bid=bid,
        part="contact",
        outcome="upheld",
        ground="personal_data",
        reason="Yhteyshenkilön tiedot ovat henkilötietoja.",
        reason_sv="Kontaktpersonens uppgifter är personuppgifter.",
    )
    review = secrecy_review_notify(actor=officer, bid=bid)

    text = pdftotext(document_render(document_id=review.document_id))

    assert "PÄÄTÖS LIIKESALAISUUKSISTA" in text and "BESLUT OM AFFÄRSHEMLIGHETER" in text
    assert f"Vastaus laatukriteeriin {criterion.number}" in text
    assert f"Svar på kvalitetskriteriet {criterion.number}" in text
    assert "Menetelmä on yleisesti tunnettu." in text and "Metoden är allmänt känd." in text
    assert "Ei salassa pidettävä" in text and "Inte sekretessbelagd" in text
    assert "Henkilötiedot (JulkL 24 § 1 mom. 32 k)" in text
    assert "Kontaktpersonens uppgifter är personuppgifter." in text
    assert review.effective_from.astimezone(HELSINKI).strftime("%-d.%-m.%Y") in text
    document = GeneratedDocument.objects.get(pk=review.document_id)
    assert document.kind == "secrecy_decision" and document.provider_id == bid.provider_id


def test_an_overridden_attachment_is_shown_to_the_others_once_the_period_ran(
    authority, officer, member_a, member_b, client_for
):
    from bids.selectors import bid_get
    from tests.fixtures.secrecy import attachment_marked_tender

    tender, bid, attachment_id = attachment_marked_tender(
        authority=authority, officer=officer, member_a=member_a, member_b=member_b
    )
    part = f"attachment:{attachment_id}"
    assert bid_get(user=member_b, bid_id=bid.pk).hidden_attachments == {attachment_id}

    # the officer's page offers the file to open beside the decision
    page = signed_in(officer).get(reverse("evaluation:secrecy", args=[tender.pk, bid.pk])).content.decode()
    assert reverse("evaluation:bid_attachment", args=[tender.pk, bid.pk, attachment_id]) in page
    assert "opettajan-cv.pdf" in page

    secrecy_decide_part(actor=officer, bid=bid, part=part, outcome="overridden", reason="Ei salainen.")
    review = secrecy_review_notify(actor=officer, bid=bid)
    assert bid_get(user=member_b, bid_id=bid.pk).hidden_attachments == {attachment_id}

    notice_period_over(review)
    assert bid_get(user=member_b, bid_id=bid.pk).hidden_attachments == set()
    assert secrecy_withheld(tender)[bid.pk] == []
