"""The call PDF states the published tie rule: the stated criteria, then drawing lots (never the time of receipt)."""

import io

import pytest
from pypdf import PdfReader

from documents.models import GeneratedDocument
from documents.services import document_render
from tenders.models import TenderStatus
from tenders.services import tender_publish
from tests.fixtures import factories


@pytest.mark.parametrize(
    ("language", "rule", "expected"),
    [
        (
            "fi",
            "quality_price_lot",
            "Tasapisteissä ratkaisee parempi laatupistemäärä, sitten alempi hinta ja lopuksi arvonta.",
        ),
        (
            "sv",
            "price_quality_lot",
            "Vid lika poäng avgör det lägre priset, därefter det högre kvalitetspoängtalet och slutligen lottdragning.",
        ),
    ],
)
def test_the_call_states_the_tie_rule_ending_in_drawing_lots(authority, officer, language, rule, expected):
    authority.language_status = language
    authority.save()
    tender = factories.TenderFactory(
        authority=authority,
        created_by=officer,
        status=TenderStatus.APPROVED,
        tie_break=rule,
        language=language,
        title_sv="Integrationsutbildning",
    )
    tender_publish(actor=officer, tender_id=tender.pk)
    document = document_render(document_id=GeneratedDocument.objects.get(tender=tender, kind="call").pk)

    with document.file.open("rb") as handle:
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    text = " ".join(text.split())

    assert expected in text
    assert "aiemmin" not in text and "tidigare inlämnade" not in text and "earlier receipt" not in text
