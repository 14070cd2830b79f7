"""Amounts and CPV names in the rendered PDFs, read back with pdftotext (and pypdf) in Finnish and Swedish."""

import io
import subprocess
from decimal import Decimal

from pypdf import PdfReader

from documents.models import GeneratedDocument
from documents.services import document_render
from tenders.models import TenderStatus
from tenders.services import tender_publish
from tests.fixtures import factories
from tests.fixtures.stages import decided_tender

# Django's fi and sv formats group thousands with a no-break space (U+00A0); the euro sign follows after another,
# so an amount never breaks across lines. pdftotext prints U+00A0 as a plain space, pypdf keeps it: the tests read
# with both, the one for the words and the other for the exact space.
AMOUNT = "420\xa0000,00\xa0€"
OTHER_AMOUNT = "430\xa0000,00\xa0€"


def read_back(document: GeneratedDocument) -> tuple[str, str]:
    """(pdftotext's text, pypdf's text) of a rendered document."""
    with document.file.open("rb") as handle:
        raw = handle.read()
    command = ["pdftotext", "-enc", "UTF-8", "-", "-"]
    text = subprocess.run(command, input=raw, capture_output=True, check=True).stdout.decode("utf-8")  # noqa: S603
    exact = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages)
    return text, exact


def plain(amount: str) -> str:
    return amount.replace("\xa0", " ")


def test_the_call_shows_the_amount_and_the_official_cpv_names_in_finnish_and_swedish(bilingual, officer):
    tender = factories.TenderFactory(
        authority=bilingual,
        created_by=officer,
        status=TenderStatus.APPROVED,
        title_fi="Kotoutumiskoulutus",
        title_sv="Integrationsutbildning",
        bid_languages=["fi", "sv"],
        estimated_value=Decimal("420000"),
        cpv_main="80400000-8",
        cpv_additional=["80580000-3"],
    )
    tender_publish(actor=officer, tender_id=tender.pk)

    text, exact = read_back(document_render(document_id=GeneratedDocument.objects.get(tender=tender, kind="call").pk))

    finnish, swedish = text.split("ANBUDSFÖRFRÅGAN", 1)
    # The official names, as eForms SDK 1.13.3's translations/code_fi.xml and code_sv.xml give them.
    assert "80400000-8 Aikuiskoulutuspalvelut ja muut koulutuspalvelut" in finnish
    assert "80580000-3 Kielikurssien järjestäminen" in finnish
    assert "80400000-8 Vuxen- och annan undervisning" in swedish
    assert "80580000-3 Tillhandahållande av språkkurser" in swedish
    assert plain(AMOUNT) in finnish and plain(AMOUNT) in swedish
    assert exact.count(AMOUNT) == 2


def test_every_document_of_a_decided_call_groups_amounts_as_finnish_and_swedish_do(
    bilingual, officer, member_a, member_b, provider_a
):
    # Lot 1 has 20 students: unit prices of 21 000 and 21 500 € compare as 420 000 and 430 000 €.
    tender = decided_tender(
        officer=officer,
        authority=bilingual,
        bidders=[(member_a, "21000"), (member_b, "21500")],
        title_sv="Integrationsutbildning",
        estimated_value=Decimal("420000"),
    )
    documents = GeneratedDocument.objects.filter(tender=tender)
    read = {}
    for kind in ("decision", "comparison", "opening_record", "procedure_report"):
        read[kind] = read_back(document_render(document_id=documents.filter(kind=kind).order_by("pk").first().pk))
    read["letter"] = read_back(document_render(document_id=documents.get(kind="letter", provider=provider_a).pk))

    for kind in ("decision", "procedure_report"):  # the estimated value, in Finnish and in Swedish
        text, exact = read[kind]
        assert text.count(plain(AMOUNT)) >= 2 and exact.count(AMOUNT) >= 2, kind
    for kind in ("decision", "comparison", "opening_record"):  # a comparison price
        text, exact = read[kind]
        assert plain(OTHER_AMOUNT) in text and OTHER_AMOUNT in exact, kind
    text, exact = read["letter"]  # the bidder's own comparison price, in Finnish and in Swedish
    assert text.count(plain(AMOUNT)) == 2 and exact.count(AMOUNT) == 2
    decision = " ".join(read["decision"][0].split())
    assert "CPV-koodi 80400000-8 Aikuiskoulutuspalvelut ja muut koulutuspalvelut" in decision
    assert "CPV-kod 80400000-8 Vuxen- och annan undervisning" in decision
    assert not any("420000" in text or "420 000.00" in text for text, _exact in read.values())
