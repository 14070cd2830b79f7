"""A bilingual authority's call, comparison, decision and letters carry every officer-written text in Swedish too:
publishing, finishing the evaluation, proposing and deciding are refused while one is missing, naming each one
(tenders.languages). A Finnish-only authority writes Finnish only."""

from decimal import Decimal

import pytest
from django.test import Client

from bids.models import LotOffer
from documents.models import GeneratedDocument
from documents.services import document_render
from evaluation.models import AwardDecision, QualificationCheck, QualityScore
from evaluation.qualification import qualification_record, required_subjects
from evaluation.services import quality_scores_record, tender_decide, tender_evaluate, tender_propose
from procurement.errors import ValidationFailed
from tenders.languages import Stage, swedish_texts_missing
from tenders.models import Lot, Tender, TenderStatus
from tenders.services import lot_cancel, tender_cancel, tender_close, tender_publish, tender_submit_for_approval
from tests.fixtures.documents import pdftotext
from tests.fixtures.stages import approved_tender, open_bids, qualify_all, seat_panel, submitted_tender


def scores(tender: Tender, *, without_swedish: LotOffer | None = None) -> list[dict]:
    """The consensus, 5 points a criterion, with the reason in both languages except on `without_swedish`."""
    return [
        {
            "lot_offer": offer.pk,
            "criterion": criterion.pk,
            "points": Decimal("5"),
            "reason": "Suunnitelma on selkeä.",
            "reason_sv": "" if offer == without_swedish else "Planen är tydlig.",
        }
        for offer in LotOffer.objects.filter(bid__tender=tender).order_by("pk")
        for criterion in tender.criteria.all()
    ]


def opened(authority, officer, member_a, member_b) -> Tender:
    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    return tender


# --- the call ---------------------------------------------------------------------------------------------------


def test_a_bilingual_call_without_a_lots_swedish_title_is_refused_at_publication_naming_it(
    bilingual, officer, client_for
):
    # given an approved call of a bilingual authority whose lot 2 has no Swedish title
    tender = approved_tender(bilingual, officer)
    Lot.objects.filter(tender=tender, number=2).update(title_sv="")

    # when the officer publishes it
    response = client_for(officer).post(f"/api/v1/tenders/{tender.pk}/publish/", HTTP_ACCEPT_LANGUAGE="en")

    # then it is refused with the stable code, naming the missing text, and nothing is published
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "swedish_text_missing"
    assert body["missing"] == ["lots.2.title_sv"]
    assert body["errors"]["swedish"] == [
        {"code": "swedish_text_missing", "field": "lots.2.title_sv", "message": "Lot 2: title in Swedish"}
    ]
    tender.refresh_from_db()
    assert tender.status == TenderStatus.APPROVED and tender.published_at is None
    assert not GeneratedDocument.objects.filter(tender=tender, kind="call").exists()


def test_each_missing_swedish_text_of_the_call_is_named_before_submission(bilingual, officer):
    # given a draft with a criterion, its guidance and a requirement's evidence lacking their Swedish text
    tender = approved_tender(bilingual, officer, status=TenderStatus.DRAFT, description_fi="Kuvaus.")
    tender.criteria.filter(number=1).update(name_sv="", guidance="0–10 pistettä: suunnitelman laatu")
    tender.requirements.filter(number=1).update(evidence_sv="")

    with pytest.raises(ValidationFailed) as refused:
        tender_submit_for_approval(actor=officer, tender_id=tender.pk)

    assert refused.value.code == "swedish_text_missing"
    assert [m["field"] for m in refused.value.errors["swedish"]] == [
        "description_sv",
        "criteria.1.name_sv",
        "criteria.1.guidance_sv",
        "requirements.1.evidence_sv",
    ]
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.DRAFT


def test_with_every_swedish_text_the_call_pdf_shows_them_in_its_swedish_section(bilingual, officer):
    # given a bilingual authority's call with its Swedish texts (the factory writes them)
    tender = approved_tender(bilingual, officer)
    tender.criteria.filter(number=1).update(guidance="0–10: suunnitelman laatu", guidance_sv="0–10: planens kvalitet")

    # when it is published and its PDF read back
    tender_publish(actor=officer, tender_id=tender.pk)
    text = pdftotext(document_render(document_id=GeneratedDocument.objects.get(tender=tender, kind="call").pk))

    # then the Swedish section has the Swedish lot titles, criteria and requirement, and the Finnish one the Finnish
    finnish, swedish = text.split("ANBUDSFÖRFRÅGAN", 1)
    for expected in (
        "Integrationsutbildning Österbotten",
        "Delområde 2. Idensalmi, långsam stig",
        "Genomförandeplan",
        "Samarbete med arbetslivet",
        "0–10: planens kvalitet",
        "Den ansvariga läraren har 5 års erfarenhet",
    ):
        assert expected in swedish, expected
    for expected in ("Osa 2. Iisalmi, hidas polku", "Toteutussuunnitelma", "Vastuuopettajalla 5 vuoden kokemus"):
        assert expected in finnish and expected not in swedish, expected
    assert "Idensalmi" not in finnish and "Genomförandeplan" not in finnish


def test_a_finnish_only_authority_publishes_without_swedish_texts(authority, officer):
    # given a Finnish authority's call with no Swedish text at all
    tender = approved_tender(authority, officer)
    Lot.objects.filter(tender=tender).update(title_sv="")
    tender.criteria.update(name_sv="")
    tender.requirements.update(text_sv="", evidence_sv="")

    assert swedish_texts_missing(tender, stage=Stage.CALL) == []
    tender_publish(actor=officer, tender_id=tender.pk)

    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.PUBLISHED


# --- the evaluation and the decision -----------------------------------------------------------------------------


def test_the_evaluation_is_refused_while_a_consensus_reason_lacks_swedish(
    bilingual, officer, member_a, member_b, provider_b
):
    # given the panel's scores, with provider B's lot 1 reasons in Finnish only
    tender = opened(bilingual, officer, member_a, member_b)
    qualify_all(tender, officer)
    offer = LotOffer.objects.get(bid__tender=tender, bid__provider=provider_b, lot__number=1)
    quality_scores_record(actor=officer, tender_id=tender.pk, scores=scores(tender, without_swedish=offer))

    # when the evaluation is finished: refused, naming each score by lot, bidder and criterion
    with pytest.raises(ValidationFailed) as refused:
        tender_evaluate(actor=officer, tender_id=tender.pk)

    assert refused.value.code == "swedish_text_missing"
    messages = [m["message"] for m in refused.value.errors["swedish"]]
    assert messages == [
        f"Lot 1: the quality score of {provider_b.name} on criterion 1: reason in Swedish",
        f"Lot 1: the quality score of {provider_b.name} on criterion 2: reason in Swedish",
    ]
    tender.refresh_from_db()
    assert tender.status == TenderStatus.OPENED and not tender.lots.filter(results__isnull=False).exists()

    # and once the Swedish reasons are written the evaluation goes through, with the comparison reports
    quality_scores_record(actor=officer, tender_id=tender.pk, scores=scores(tender))
    tender_evaluate(actor=officer, tender_id=tender.pk)
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.EVALUATED


def test_the_comparison_report_shows_each_reason_in_its_own_language(bilingual, officer, member_a, member_b):
    tender = opened(bilingual, officer, member_a, member_b)
    qualify_all(tender, officer)
    quality_scores_record(actor=officer, tender_id=tender.pk, scores=scores(tender))
    tender_evaluate(actor=officer, tender_id=tender.pk)

    report = GeneratedDocument.objects.filter(tender=tender, kind="comparison").order_by("pk").first()
    text = pdftotext(document_render(document_id=report.pk))

    finnish, swedish = text.split("Jämförelserapport för delområde", 1)
    assert "Suunnitelma on selkeä." in finnish and "Toteutussuunnitelma" in finnish
    assert "Planen är tydlig." in swedish and "Genomförandeplan" in swedish
    assert "Kuopio, grundläggande stig" in swedish
    assert "Suunnitelma on selkeä." not in swedish


def test_a_failed_qualifications_reason_without_swedish_stops_the_evaluation(
    bilingual, officer, member_a, member_b, provider_a
):
    # given provider A's bid failing qualification, its reasons given in Finnish only
    tender = opened(bilingual, officer, member_a, member_b)
    failing = tender.bids.get(provider=provider_a)
    qualify_all(tender, officer)
    qualification_record(
        actor=officer,
        tender_id=tender.pk,
        checks=[
            {
                "bid": failing.pk,
                "subject": subject,
                "passed": False,
                "reason": "Selvitys puuttuu.",
                "ground": tender.exclusion_grounds[0] if subject == "exclusion" else "",
            }
            for subject in required_subjects(tender)
        ],
    )
    compared = [s for s in scores(tender) if s["lot_offer"] not in set(failing.lot_offers.values_list("pk", flat=True))]
    quality_scores_record(actor=officer, tender_id=tender.pk, scores=compared)

    with pytest.raises(ValidationFailed) as refused:
        tender_evaluate(actor=officer, tender_id=tender.pk)

    assert refused.value.code == "swedish_text_missing"
    assert [m["field"].split(".")[0] for m in refused.value.errors["swedish"]] == ["qualification", "qualification"]
    assert f"Qualification of {provider_a.name}, grounds for exclusion: reason in Swedish" in [
        m["message"] for m in refused.value.errors["swedish"]
    ]


def test_deciding_is_refused_while_a_consensus_reason_lacks_swedish(bilingual, officer, member_a, member_b):
    # given a bilingual authority's call evaluated and proposed (its Swedish reasons then complete)
    tender = opened(bilingual, officer, member_a, member_b)
    qualify_all(tender, officer)
    quality_scores_record(actor=officer, tender_id=tender.pk, scores=scores(tender))
    tender_evaluate(actor=officer, tender_id=tender.pk)
    tender_propose(actor=officer, tender_id=tender.pk)
    # ... and one score's Swedish reason gone (a call evaluated before the rule has none)
    score = QualityScore.objects.filter(lot_offer__bid__tender=tender).order_by("pk").first()
    QualityScore.objects.filter(pk=score.pk).update(reason_sv="")

    # when the decision-maker decides: refused, nothing decided, no document or letter queued
    with pytest.raises(ValidationFailed) as refused:
        tender_decide(actor=officer, tender_id=tender.pk)

    assert refused.value.code == "swedish_text_missing"
    assert [m["field"] for m in refused.value.errors["swedish"]] == [f"scores.{score.pk}.reason_sv"]
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.EVALUATED
    assert not AwardDecision.objects.filter(tender=tender).exists()
    assert not GeneratedDocument.objects.filter(tender=tender, kind__in=["decision", "letter"]).exists()
    with pytest.raises(ValidationFailed):
        tender_propose(actor=officer, tender_id=tender.pk)


def test_a_finnish_only_authority_decides_without_swedish_reasons(authority, officer, member_a, member_b):
    tender = opened(authority, officer, member_a, member_b)
    qualify_all(tender, officer)
    QualificationCheck.objects.filter(bid__tender=tender).update(reason_sv="")
    finnish_only = [{**s, "reason_sv": ""} for s in scores(tender)]
    quality_scores_record(actor=officer, tender_id=tender.pk, scores=finnish_only)

    tender_evaluate(actor=officer, tender_id=tender.pk)
    tender_propose(actor=officer, tender_id=tender.pk)
    decision = tender_decide(actor=officer, tender_id=tender.pk)

    assert decision.pk and Tender.objects.get(pk=tender.pk).status == TenderStatus.DECIDED


# --- interruption -----------------------------------------------------------------------------------------------


def test_interrupting_a_published_bilingual_call_needs_the_reason_in_swedish(bilingual, officer, member_a, member_b):
    tender = submitted_tender(authority=bilingual, bidders=[(member_a, "9000"), (member_b, "9500")])

    for interrupt in (
        lambda **sv: lot_cancel(actor=officer, tender_id=tender.pk, lot_number=2, reason="Tarve poistui.", **sv),
        lambda **sv: tender_cancel(actor=officer, tender_id=tender.pk, reason="Määräraha poistui.", **sv),
    ):
        with pytest.raises(ValidationFailed) as refused:
            interrupt()
        assert refused.value.code == "swedish_text_missing"

    lot = lot_cancel(
        actor=officer, tender_id=tender.pk, lot_number=2, reason="Tarve poistui.", reason_sv="Behovet upphörde."
    )
    cancelled = tender_cancel(
        actor=officer, tender_id=tender.pk, reason="Määräraha poistui.", reason_sv="Anslaget drogs in."
    )
    assert lot.status_reason_sv == "Behovet upphörde."
    assert cancelled.status == TenderStatus.CANCELLED and cancelled.cancel_reason_sv == "Anslaget drogs in."


# --- the portal -------------------------------------------------------------------------------------------------


def test_the_officer_sees_what_is_missing_in_swedish_beside_the_publish_button(bilingual, officer):
    tender = approved_tender(bilingual, officer)
    Lot.objects.filter(tender=tender, number=2).update(title_sv="")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(officer)

    page = client.get(f"/calls/ours/{tender.pk}/").content.decode()

    assert 'id="swedish-missing"' in page and "Lot 2: title in Swedish" in page
    refused = client.post(f"/calls/ours/{tender.pk}/do/publish/")
    assert refused.status_code == 400
    assert "write the missing Swedish texts first" in refused.content.decode()


def test_the_portal_draft_asks_a_bilingual_authority_for_the_lots_swedish_title(bilingual, authority, officer):
    tender = approved_tender(bilingual, officer, status=TenderStatus.DRAFT)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(officer)

    page = client.get(f"/calls/ours/{tender.pk}/draft/lots/").content.decode()

    assert 'name="lots-0-title_sv"' in page and 'value="Kuopio, grundläggande stig"' in page


def test_the_panel_writes_each_reason_in_swedish_on_the_scores_page_before_evaluating(
    bilingual, officer, member_a, member_b, provider_a
):
    # given a bilingual authority's opened and qualified call, and the officer on the scores page
    tender = opened(bilingual, officer, member_a, member_b)
    qualify_all(tender, officer)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(officer)
    keys = [
        f"{offer.pk}-{criterion.pk}"
        for offer in LotOffer.objects.filter(bid__tender=tender)
        for criterion in tender.criteria.all()
    ]
    finnish = {**{f"points_{k}": "6" for k in keys}, **{f"reason_{k}": "Perusteltu." for k in keys}}

    # when the reasons are recorded in Finnish only: recorded, but the page names what the evaluation still needs
    assert client.post(f"/evaluation/{tender.pk}/scores/", finnish).status_code == 302
    page = client.get(f"/evaluation/{tender.pk}/scores/").content.decode()
    assert 'id="swedish-missing"' in page and f"the quality score of {provider_a.name} on criterion 1" in page
    refused = client.post(f"/evaluation/{tender.pk}/evaluate/")
    assert refused.status_code == 400 and "write the missing Swedish texts first" in refused.content.decode()

    # then with the Swedish reasons the evaluation goes through
    swedish = {**finnish, **{f"reason_sv_{k}": "Motiverat." for k in keys}}
    assert client.post(f"/evaluation/{tender.pk}/scores/", swedish).status_code == 302
    assert set(QualityScore.objects.filter(lot_offer__bid__tender=tender).values_list("reason_sv", flat=True)) == {
        "Motiverat."
    }
    assert 'id="swedish-missing"' not in client.get(f"/evaluation/{tender.pk}/scores/").content.decode()
    assert client.post(f"/evaluation/{tender.pk}/evaluate/").status_code == 302
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.EVALUATED
