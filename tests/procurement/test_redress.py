"""Redress by regime and authority type: the periods, the decision and the letters, read back from the PDFs in
Finnish and Swedish; every step under the rule set in force when the call was published."""

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_render
from evaluation.models import AwardDecision, LotContract
from evaluation.periods import decision_key, lot_periods_recompute, periods_from
from procurement import rules as rules_module
from procurement.models import DeliveryStatus, Notification
from procurement.periods import HELSINKI
from procurement.redress import Remedy, redress_for
from procurement.rules import Regime, rules_on
from tenders.models import Tender
from tests.fixtures.documents import pdftotext as pdf_text
from tests.fixtures.stages import (
    decided_tender,
    propose_tender,
    submitted_tender,
)


def pdftotext(document: GeneratedDocument) -> str:
    """The rendered PDF as text, the page numbers ("1/2") left out, so a sentence across a page break reads whole."""
    return re.sub(r" \d+/\d+(?= |$)", "", pdf_text(document))


def tender_of(authority, officer, members, *, kind, value, language="fi", cpv="80400000-8") -> Tender:
    authority.kind = kind
    authority.language_status = language
    authority.name_sv = "Testkommun"
    authority.save()
    return decided_tender(
        officer=officer,
        authority=authority,
        bidders=[(m, price) for m, price in zip(members, ("9000", "9500"), strict=False)],
        estimated_value=Decimal(value),
        cpv_main=cpv,
        language=language,
    )


def send_decision(tender: Tender, moment: datetime) -> None:
    """Every bidder was e-mailed the decision at `moment`: the sending starts the periods."""
    Notification.objects.filter(kind="decision", key=decision_key(tender.award_decision)).update(
        status=DeliveryStatus.SENT, sent_at=moment
    )
    lot_periods_recompute(tender_id=tender.pk)


def decision_text(tender: Tender) -> str:
    latest = GeneratedDocument.objects.filter(tender=tender, kind=DocumentKind.DECISION).order_by("-version").first()
    return pdftotext(document_render(document_id=latest.pk))


def letter_text(tender: Tender) -> str:
    letter = GeneratedDocument.objects.filter(tender=tender, kind=DocumentKind.LETTER).order_by("pk").first()
    return pdftotext(document_render(document_id=letter.pk))


# Thursday 11.3.2027 at 10.00 in Helsinki.
THURSDAY = datetime(2027, 3, 11, 10, 0, tzinfo=HELSINKI)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_a_municipality_below_the_threshold_gets_the_local_government_acts_claim_from_the_third_day(
    authority, officer, member_a, member_b, language
):
    # given: a municipality's call of 300 000 € under the education code (Annex E item 2, threshold 400 000 €)
    tender = tender_of(authority, officer, [member_a, member_b], kind="municipality", value="300000", language=language)
    assert tender.award_decision.regime == Regime.SMALL

    # when: the decision is e-mailed on Thursday 11.3.2027
    send_decision(tender, THURSDAY)

    # then, worked by hand: deemed received on the 3rd day after the sending, Sunday 14.3.2027 (a day off does not
    # move the receipt); 14 days from there is Sunday 28.3.2027, Easter Sunday; the next day is Easter Monday
    # 29.3, also a holiday, so the period ends on Tuesday 30.3.2027. No standstill, no appeal.
    contract = LotContract.objects.filter(decision=tender.award_decision).first()
    assert contract.self_correction_ends_on == date(2027, 3, 30)
    assert contract.standstill_ends_on is None and contract.appeal_deadline is None
    decision = AwardDecision.objects.get(pk=tender.award_decision.pk)
    assert (decision.self_correction_ends_on, decision.standstill_ends_on, decision.appeal_ends_on) == (
        date(2027, 3, 30),
        None,
        None,
    )
    for text in (decision_text(tender), letter_text(tender)):
        if language == "sv":
            assert "Anvisning om begäran om omprövning" in text
            assert "134–139 § i kommunallagen (410/2015)" in text
            assert "samt av kommunmedlemmarna" in text
            assert "beslutet sändes 11.3.2027 och anses ha delgetts 14.3.2027" in text
            assert "senast 30.3.2027" in text
            assert "ingen avtalsspärr" in text
            assert "Besvärsanvisning" not in text and "marknadsdomstolen (" not in text
        else:
            assert "Oikaisuvaatimusohje" in text
            assert "kuntalain (410/2015) 134–139 §:n mukaisesti" in text
            assert "sekä kunnan jäsen" in text
            assert "päätös on lähetetty 11.3.2027, ja sen katsotaan tulleen tiedoksi 14.3.2027" in text
            assert "viimeistään 30.3.2027" in text
            assert "odotusaikaa ei sovelleta" in text
            assert "Valitusosoitus" not in text and "asiointi.oikeus.fi" not in text


def test_an_employment_area_below_the_threshold_is_answered_by_its_responsible_municipalitys_body(
    authority, officer, member_a
):
    tender = tender_of(authority, officer, [member_a], kind="employment_area", value="250000")

    # Sent on Thursday 3.12.2026: deemed received Sunday 6.12 (Independence Day); 14 days: Sunday 20.12.2026,
    # so the period ends on Monday 21.12.2026.
    send_decision(tender, datetime(2026, 12, 3, 9, 0, tzinfo=HELSINKI))

    contract = LotContract.objects.filter(decision=tender.award_decision).first()
    assert contract.self_correction_ends_on == date(2026, 12, 21)
    text = decision_text(tender)
    assert "kuntalain (410/2015) 134–139 §:n mukaisesti" in text
    assert "työllisyysalueen vastuukunnan toimielin" in text
    assert "tulleen tiedoksi 6.12.2026" in text and "viimeistään 21.12.2026" in text


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_a_state_authority_below_the_threshold_states_that_no_procurement_law_remedy_applies(
    authority, officer, member_a, language
):
    tender = tender_of(authority, officer, [member_a], kind="state_authority", value="300000", language=language)

    send_decision(tender, THURSDAY)

    contract = LotContract.objects.filter(decision=tender.award_decision).first()
    assert contract.self_correction_ends_on is None and contract.standstill_ends_on is None
    assert contract.appeal_deadline is None
    assert AwardDecision.objects.get(pk=tender.award_decision.pk).self_correction_ends_on is None
    for text in (decision_text(tender), letter_text(tender)):
        if language == "sv":
            assert "inget annat rättsmedel enligt upphandlingslagen står till buds" in text
            assert "ingen avtalsspärr" in text
            assert "omprövning" not in text and "Besvärsanvisning" not in text
        else:
            assert "eikä siihen ole muuta hankintalain mukaista oikeussuojakeinoa" in text
            assert "odotusaikaa ei sovelleta" in text
            assert "Oikaisuvaatimus" not in text and "Valitusosoitus" not in text and "viimeistään" not in text


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_above_the_threshold_the_decision_gives_hankintaoikaisu_and_the_market_court_with_its_e_service(
    authority, officer, member_a, member_b, language
):
    tender = tender_of(authority, officer, [member_a, member_b], kind="municipality", value="450000", language=language)
    assert tender.award_decision.regime == Regime.NATIONAL

    send_decision(tender, THURSDAY)

    # Sent and received on Thursday 11.3.2027; 14 days: Thursday 25.3.2027, a working day; the appeal by 16.15.
    contract = LotContract.objects.filter(decision=tender.award_decision).first()
    assert contract.standstill_ends_on == date(2027, 3, 25)
    assert contract.self_correction_ends_on == date(2027, 3, 25)
    assert contract.appeal_deadline == datetime(2027, 3, 25, 16, 15, tzinfo=HELSINKI)
    for text in (decision_text(tender), letter_text(tender)):
        assert "https://asiointi.oikeus.fi" in text.replace(" ", "")  # the address may break after "//"
        if language == "sv":
            assert "Avtalsspärren löper ut 25.3.2027" in text
            assert "Anvisning om upphandlingsrättelse" in text
            assert "senast 25.3.2027 kl. 16.15" in text
            assert "Banbyggarvägen 5, 00520 Helsingfors" in text and "domstolarnas e-tjänst" in text
            assert "Till besvären ska fogas: det beslut som överklagas med besvärsanvisning" in text
            assert "utredning om vilken dag beslutet har delgetts" in text
            assert "yrkandena" in text and "kontaktuppgifter" in text
        else:
            assert "Odotusaika päättyy 25.3.2027" in text
            assert "hankintaoikaisua" in text and "Valitusosoitus markkinaoikeuteen" in text
            assert "viimeistään 25.3.2027 klo 16.15" in text
            assert "Radanrakentajantie 5, 00520 Helsinki" in text and "sähköisen asiointipalvelun" in text
            assert "Valitukseen on liitettävä: päätös, johon haetaan muutosta, valitusosoituksineen" in text
            assert "selvitys siitä, minä päivänä päätös on saatu tiedoksi" in text
            assert "vaatimusten perusteet" in text and "valittajan nimi ja yhteystiedot" in text


def test_personnel_training_at_100_000_is_above_the_standard_national_threshold(
    authority, officer, member_a, client_for
):
    # 79632000-3 is outside Annex E: 100 000 € is above the standard regime's 60 000 € (the old rule: small).
    tender = tender_of(authority, officer, [member_a], kind="municipality", value="100000", cpv="79632000-3")

    assert tender.award_decision.regime == Regime.NATIONAL
    assert tender.award_decision.standstill_ends_on is not None
    redress = redress_for(tender=tender, regime=tender.award_decision.regime)
    assert redress.remedy == Remedy.PROCUREMENT_ACT and redress.classification.category == "standard"
    body = client_for(officer).get(f"/api/v1/tenders/{tender.pk}/").json()
    assert body["regime"] == "national"
    assert body["rules"]["category"] == "standard" and body["rules"]["annex_e_item"] is None
    assert body["rules"]["national_threshold"] == "60000" and body["rules"]["notice"] == "E3"
    assert body["rules"]["standstill"] is True and body["rules"]["remedy"] == "procurement_act"
    text = decision_text(tender)
    assert "kansallisen kynnysarvon ylittävä palveluhankinta, joka ei kuulu hankintalain liitteeseen E" in text
    assert "Odotusaika päättyy" in text and "Valitusosoitus markkinaoikeuteen" in text


def test_a_call_decided_after_a_later_rule_set_keeps_the_rule_set_of_its_publication(
    authority, officer, member_a, member_b, monkeypatch, client_for
):
    # given: a municipality's call of 450 000 € published on 2.6.2025
    authority.kind = "municipality"
    authority.save()
    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])
    Tender.objects.filter(pk=tender.pk).update(published_at=datetime(2025, 6, 2, 9, 0, tzinfo=HELSINKI))
    propose_tender(tender, officer)
    # and a rule set in force from 1.12.2026 (inserted by the test) that raises Annex E's threshold to 500 000 €
    # and shortens the standstill to 10 days
    later = rules_on(date(2026, 12, 1))
    annex = dict(later.thresholds)
    raised = replace(annex["annex_e_1_4"], national=Decimal("500000"))
    inserted = replace(
        later,
        valid_from=date(2026, 12, 1),
        thresholds=tuple((name, raised if name == "annex_e_1_4" else value) for name, value in later.thresholds),
        standstill_days=10,
    )
    monkeypatch.setattr(rules_module, "RULE_SETS", (*rules_module.RULE_SETS, inserted))
    assert rules_on(timezone.localdate()).regime_for(Decimal("450000")) == Regime.SMALL

    # when: decided (through the API) and sent on Thursday 3.12.2026
    response = client_for(officer).post(f"/api/v1/tenders/{tender.pk}/decide/")
    assert response.status_code == 201, response.content
    assert response.json()["redress"]["rules_valid_from"] == "2024-01-01"
    assert response.json()["redress"]["standstill_days"] == 14
    decision = AwardDecision.objects.get(tender=tender)
    send_decision(Tender.objects.get(pk=tender.pk), datetime(2026, 12, 3, 9, 0, tzinfo=HELSINKI))

    # then: the publication's rules: above 400 000 €, a 14-day standstill (3.12 + 14 = Thursday 17.12.2026)
    assert decision.regime == Regime.NATIONAL
    contract = LotContract.objects.filter(decision=decision).first()
    assert contract.standstill_ends_on == date(2026, 12, 17)
    text = decision_text(Tender.objects.get(pk=tender.pk))
    assert "Odotusaika päättyy 17.12.2026 (14 päivää" in text


def test_periods_from_keeps_its_positional_use_and_an_unknown_kind_gets_the_cautious_claim():
    above = periods_from(date(2026, 11, 2), Regime.EU)
    assert above.standstill_ends_on == date(2026, 11, 16) and above.received_on == date(2026, 11, 2)
    # Below the threshold with no authority kind: the claim for rectification from the 3rd day (5.11 + 14 = 19.11).
    below = periods_from(date(2026, 11, 2), Regime.SMALL)
    assert below.self_correction_ends_on == date(2026, 11, 19) and below.standstill_ends_on is None
    state = periods_from(date(2026, 11, 2), Regime.SMALL, authority_kind="state_authority")
    assert state.self_correction_ends_on is None and state.received_on == date(2026, 11, 2)


def test_the_officer_sees_which_rules_apply_while_drafting(authority, officer):
    from django.test import Client

    from tests.fixtures import factories

    tender = factories.TenderFactory(
        authority=authority, created_by=officer, estimated_value=Decimal("100000"), cpv_main="79632000-3"
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="fi")
    client.force_login(officer)

    for url in (f"/calls/ours/{tender.pk}/draft/basics/", f"/calls/ours/{tender.pk}/"):
        page = client.get(url).content.decode()
        assert 'id="rules-overview"' in page and 'data-category="standard"' in page
        assert 'data-regime="national"' in page and 'data-remedy="procurement_act"' in page
        assert "79632000-3" in page
        assert "Yleinen menettely: CPV 79632000-3 ei kuulu liitteeseen E." in page
        assert "Hankintaoikaisu (14 päivää) ja valitus markkinaoikeuteen" in page


def test_an_additional_code_of_another_category_warns_the_officer(authority, officer):
    from tenders.rules_check import tender_findings
    from tests.fixtures import factories

    tender = factories.TenderFactory(
        authority=authority, created_by=officer, cpv_main="80400000-8", cpv_additional=["79632000-3"]
    )
    _errors, warnings = tender_findings(tender, publication=timezone.now() + timedelta(days=1))

    assert [w.code for w in warnings if w.field == "cpv_additional"] == ["cpv_category_differs"]


@pytest.mark.parametrize(
    ("kind", "regime", "heading_fi", "heading_sv"),
    [
        ("municipality", Regime.SMALL, "Oikaisuvaatimusohje", "Anvisning om begäran om omprövning"),
        ("other", Regime.SMALL, "hallintolain (434/2003) 7 a luvun", "7 a kap. i förvaltningslagen (434/2003)"),
        ("state_authority", Regime.SMALL, "Muutoksenhaku", "Ändringssökande"),
        ("state_authority", Regime.EU, "Valitusosoitus markkinaoikeuteen", "Besvärsanvisning till marknadsdomstolen"),
    ],
)
def test_the_redress_partials_need_only_redress_periods_and_the_authority(
    authority, kind, regime, heading_fi, heading_sv
):
    """The contract an interruption decision uses too: `redress`, `periods` and `authority`, nothing else."""
    from django.template.loader import render_to_string

    from procurement.redress import redress_rule

    authority.kind = kind
    redress = redress_rule(regime=regime, authority_kind=kind, rules=rules_on(date(2026, 12, 3)))
    periods = periods_from(date(2026, 12, 3), regime, redress=redress)
    context = {"redress": redress, "periods": periods, "authority": authority}

    finnish = " ".join(render_to_string("documents/redress_fi.html", context).split())
    swedish = " ".join(render_to_string("documents/redress_sv.html", context).split())

    assert heading_fi in finnish and heading_sv in swedish
    if redress.self_correction_days:
        # Sent Thursday 3.12.2026; below the threshold received Sunday 6.12 → Sunday 20.12 → Monday 21.12.2026;
        # above it received the same day → Thursday 17.12.2026.
        expected = "21.12.2026" if regime == Regime.SMALL else "17.12.2026"
        assert expected in finnish and expected in swedish
