"""What a framework call states: how its call-offs are made (and a combination's rule), its term within four years
or the especially justified reason, each lot's maximum value; and where it says so: the call PDF and its notice."""

import uuid

import pytest
from django.utils import timezone
from lxml import etree

from documents.models import GeneratedDocument
from documents.services import document_render
from procurement.errors import ValidationFailed
from tenders.eforms.build import contract_notice_xml
from tenders.eforms.namespaces import NS
from tenders.eforms.validate import xsd_findings
from tenders.models import Lot, Tender, TenderStatus
from tenders.services import tender_publish, tender_submit_for_approval
from tests.fixtures import factories
from tests.fixtures.documents import pdftotext
from tests.fixtures.notices import notice_ready_tender
from tests.fixtures.payloads import tender_payload

pytestmark = pytest.mark.django_db

FRAMEWORK = {"is_framework": True, "framework_providers_per_lot": 3, "call_off_method": "preference"}


def post(client, authority, **overrides):
    return client.post("/api/v1/tenders/", tender_payload(authority, **overrides), format="json")


@pytest.mark.parametrize(
    ("override", "field", "code"),
    [
        ({**FRAMEWORK, "call_off_method": ""}, "call_off_method", "required"),
        ({**FRAMEWORK, "call_off_method": "combined"}, "call_off_rule", "required"),
        ({**FRAMEWORK, "contract_months": 36, "option_months": 24}, "framework_long_term_reason", "framework_too_long"),
        ({"call_off_method": "preference"}, "call_off_method", "not_a_framework"),
        ({"call_off_rule": "Sääntö"}, "call_off_rule", "not_a_framework"),
        ({"framework_long_term_reason": "Syy"}, "framework_long_term_reason", "not_a_framework"),
        (
            {"lots": [{"number": 1, "title": "Kuopio", "students": 20, "max_value": "100000"}]},
            "lots",
            "not_a_framework",
        ),
    ],
)
def test_bad_framework_content_is_refused(override, field, code, authority, officer, client_for):
    response = post(client_for(officer), authority, **override)

    assert response.status_code == 400, response.content
    assert code in [e["code"] for e in response.json()["errors"][field]]
    assert not Tender.objects.exists()


def test_a_framework_over_four_years_is_accepted_with_its_especially_justified_reason(authority, officer, client_for):
    response = post(
        client_for(officer),
        authority,
        **FRAMEWORK,
        contract_months=36,
        option_months=24,
        framework_long_term_reason="Investoinnit edellyttävät pidempää kautta.",
        lots=[{"number": 1, "title": "Kuopio", "students": 20, "max_value": "400000", "max_volume": "60"}],
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["framework_long_term_reason"].startswith("Investoinnit")
    assert body["lots"][0]["max_value"] == "400000.00" and body["lots"][0]["max_volume"] == "60.00"


def test_a_framework_call_without_a_lots_maximum_value_is_not_submitted(authority, officer):
    tender = factories.TenderFactory(authority=authority, created_by=officer, **FRAMEWORK)
    Lot.objects.filter(tender=tender, number=2).update(max_value=None)

    with pytest.raises(ValidationFailed) as refused:
        tender_submit_for_approval(actor=officer, tender_id=tender.pk)

    assert refused.value.errors["lots.2.max_value"][0]["code"] == "required"
    assert "lots.1.max_value" not in refused.value.errors


def test_a_bilingual_authority_states_the_combination_rule_in_swedish_too(bilingual, officer):
    tender = factories.TenderFactory(
        authority=bilingual,
        created_by=officer,
        status=TenderStatus.APPROVED,
        **{**FRAMEWORK, "call_off_method": "combined", "call_off_rule": "Yli 20 opiskelijaa: kevennetty kilpailutus."},
    )
    with pytest.raises(ValidationFailed) as refused:
        tender_publish(actor=officer, tender_id=tender.pk)
    assert "call_off_rule_sv" in refused.value.extra["missing"]


def test_the_call_pdf_states_the_call_off_method_its_rule_and_each_lots_maximum(bilingual, officer):
    tender = factories.TenderFactory(
        authority=bilingual,
        created_by=officer,
        status=TenderStatus.APPROVED,
        **{
            **FRAMEWORK,
            "call_off_method": "combined",
            "call_off_rule": "Yli 20 opiskelijan tilaukset kevennetyllä kilpailutuksella.",
            "call_off_rule_sv": "Beställningar över 20 studerande med förnyad konkurrensutsättning.",
        },
    )
    Lot.objects.filter(tender=tender, number=1).update(max_volume=60)
    tender_publish(actor=officer, tender_id=tender.pk)

    text = pdftotext(document_render(document_id=GeneratedDocument.objects.get(tender=tender, kind="call").pk))

    finnish, swedish = text.split("ANBUDSFÖRFRÅGAN", 1)
    assert "Yli 20 opiskelijan tilaukset kevennetyllä kilpailutuksella." in finnish
    assert "500 000,00" in finnish
    assert "Beställningar över 20 studerande med förnyad konkurrensutsättning." in swedish
    assert "500 000,00" in swedish
    assert finnish.count("500 000,00") == 2  # each lot's maximum


def _notice(tender):
    snapshot = tender.versions.order_by("-number").first().snapshot
    return contract_notice_xml(
        tender,
        snapshot,
        subtype="E3",
        notice_uuid=str(uuid.uuid4()),
        version=1,
        issued_at=timezone.now(),
        change=None,
    )


@pytest.mark.parametrize(
    ("method", "code"), [("preference", "fa-wo-rc"), ("mini_competition", "fa-w-rc"), ("combined", "fa-mix")]
)
def test_the_notice_states_the_framework_by_its_call_off_method_and_each_lots_maximum(method, code):
    rule = {"call_off_rule": "Sääntö."} if method == "combined" else {}
    tender = notice_ready_tender(call_off_method=method, **rule)

    xml = _notice(tender)
    document = etree.fromstring(xml)

    systems = document.xpath(
        "//cac:ProcurementProjectLot/cac:TenderingProcess/cac:ContractingSystem"
        "/cbc:ContractingSystemTypeCode[@listName='framework-agreement']/text()",
        namespaces=NS,
    )
    assert systems == [code, code]
    maximums = document.xpath(
        "//cac:ProcurementProjectLot/cac:ProcurementProject/cac:RequestedTenderTotal//efbc:FrameworkMaximumAmount",
        namespaces=NS,
    )
    assert [(m.text, m.get("currencyID")) for m in maximums] == [("500000.00", "EUR"), ("500000.00", "EUR")]
    assert xsd_findings(document) == []


def test_the_draft_asks_a_framework_how_call_offs_are_made_and_each_lots_maximum(bilingual, officer, browser_for):
    tender = factories.TenderFactory(authority=bilingual, created_by=officer, **FRAMEWORK)
    client = browser_for(officer)

    basics = client.get(f"/calls/ours/{tender.pk}/draft/basics/").content.decode()
    lots = client.get(f"/calls/ours/{tender.pk}/draft/lots/").content.decode()

    for name in ("call_off_method", "call_off_rule", "call_off_rule_sv", "framework_long_term_reason"):
        assert f'name="{name}"' in basics, name
    assert 'name="lots-0-max_value"' in lots and 'name="lots-0-max_volume"' in lots
    assert 'value="500000.00"' in lots
