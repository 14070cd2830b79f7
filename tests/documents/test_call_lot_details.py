"""The call PDF shows each lot's facts, the suitability requirements and how each criterion is scored (fi and sv)."""

from datetime import date
from decimal import Decimal

from documents.models import GeneratedDocument
from documents.services import document_render
from tenders.models import Lot, QualityCriterion
from tenders.services import tender_publish
from tests.fixtures import factories
from tests.fixtures.documents import pdftotext
from tests.fixtures.stages import approved_tender


def test_the_call_tells_a_bidder_everything_about_each_lot(bilingual, officer):
    tender = approved_tender(bilingual, officer, with_structure=False)
    tender.contract_months, tender.option_months = 24, 12
    tender.options_description, tender.options_description_sv = "Optio: jatko 12 kk.", "Option: förlängning 12 mån."
    tender.save(update_fields=["contract_months", "option_months", "options_description", "options_description_sv"])
    Lot.objects.create(
        tender=tender,
        number=1,
        title="Pori, hidas polku",
        title_sv="Björneborg, långsam stig",
        municipality="Pori",
        language_of_instruction="sv",
        study_path="slow",
        students=32,
        groups=2,
        training_days=180,
        credits=Decimal("60"),
        planned_start=date(2027, 8, 16),
        pricing_unit="per_student_day",
        volume=Decimal("5760"),
    )
    factories.suitability_requirement(tender)
    QualityCriterion.objects.create(
        tender=tender,
        number=1,
        name="Toteutussuunnitelma",
        name_sv="Genomförandeplan",
        weight=Decimal("40"),
        guidance="0–10: suunnitelman laatu",
        guidance_sv="0–10: planens kvalitet",
    )
    tender_publish(actor=officer, tender_id=tender.pk)

    text = pdftotext(document_render(document_id=GeneratedDocument.objects.get(tender=tender, kind="call").pk))

    finnish, swedish = text.split("ANBUDSFÖRFRÅGAN", 1)
    for expected in (
        "Osa 1. Pori, hidas polku",
        "Sijainti Pori",
        "Opetuskieli ruotsi",
        "Opintopolku hidas polku",
        "Opiskelijamäärä 32",
        "Ryhmät 2",
        "Määrä 5 760",
        "Suunniteltu alkamisaika 16.8.2027",
        "Opintopisteet 60",
        "Koulutuspäivät 180",
        "Soveltuvuusvaatimukset",
        "Vastuuopettajalla 5 vuoden kokemus",
        "0–10: suunnitelman laatu",
        "Pisteet = 60 × halvin hinta ÷ tarjouksen hinta.",
        "Optio: jatko 12 kk.",
    ):
        assert expected.lower() in finnish.lower(), expected
    for expected in (
        "Delområde 1. Björneborg, långsam stig",
        "Den ansvariga läraren har 5 års erfarenhet",
        "Genomförandeplan",
        "0–10: planens kvalitet",
        "Undervisningsspråk svenska",
        "Planerad start 16.8.2027",
        "Lämplighetskrav",
        "Poäng = 60 × lägsta pris ÷ anbudets pris.",
        "Option: förlängning 12 mån.",
    ):
        assert expected.lower() in swedish.lower(), expected
