"""The eForms XML of a call's notices, built from its published version: identifiers, languages, what the call's
data says in the notice, and the XSD. (The Schematron checks are in test_eforms_validate, which pays for loading
the rules once.)"""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from lxml import etree

from tenders.eforms.build import (
    ChangeInfo,
    Texts,
    UnsupportedNotice,
    award_notice_xml,
    contract_notice_xml,
    nuts_code,
)
from tenders.eforms.namespaces import NS
from tenders.eforms.statistics import lot_answers, statistics_problems
from tenders.eforms.validate import field_label, term_of, xsd_findings
from tenders.models import Lot
from tests.fixtures.notices import STATISTICS, notice_authority, notice_ready_tender


def build(tender, subtype="E3", *, change=None, notice_uuid=None, version=1):
    snapshot = tender.versions.order_by("-number").first().snapshot
    xml = contract_notice_xml(
        tender,
        snapshot,
        subtype=subtype,
        notice_uuid=notice_uuid or str(uuid.uuid4()),
        version=version,
        issued_at=timezone.now(),
        change=change,
    )
    return etree.fromstring(xml)


def texts(document, path):
    return [str(value) for value in document.xpath(path, namespaces=NS)]


def test_contract_notice_names_the_procedure_lots_and_organisations_by_stable_identifiers(db):
    # given a published call of two lots
    tender = notice_ready_tender()
    notice_uuid = str(uuid.uuid4())

    # when its E3 notice is built twice (two versions of the notice)
    first = build(tender, notice_uuid=notice_uuid, version=1)
    second = build(tender, notice_uuid=notice_uuid, version=2)

    # then both name the procedure, the lots and the organisations the same way; only the version differs
    for document in (first, second):
        assert texts(document, "/*/cbc:ContractFolderID/text()") == [str(tender.procedure_uuid)]
        assert texts(document, "/*/cbc:ID[@schemeName='notice-id']/text()") == [notice_uuid]
        assert texts(document, "/*/cac:ProcurementProjectLot/cbc:ID/text()") == ["LOT-0001", "LOT-0002"]
        assert texts(document, "//efac:Organization/efac:Company/cac:PartyIdentification/cbc:ID/text()") == [
            "ORG-0001",
            "ORG-0002",
        ]
        assert texts(document, "/*/cbc:CustomizationID/text()") == ["eforms-sdk-1.13"]
        assert xsd_findings(document) == []
    assert texts(first, "/*/cbc:VersionID/text()") == ["01"]
    assert texts(second, "/*/cbc:VersionID/text()") == ["02"]


def test_contract_notice_says_what_the_call_says(db):
    tender = notice_ready_tender()

    document = build(tender)

    buyer = "//efac:Organization[1]/efac:Company"
    assert texts(document, f"{buyer}/cac:PartyLegalEntity/cbc:CompanyID/text()") == [tender.authority.business_id]
    assert texts(document, f"{buyer}/cac:PostalAddress/cbc:CityName/text()") == ["Kuopio"]
    court = "//efac:Organization[2]/efac:Company"
    assert texts(document, f"{court}/cac:PartyName/cbc:Name/text()") == ["Markkinaoikeus"]
    assert texts(document, f"{court}/cac:PostalAddress/cbc:StreetName/text()") == ["Radanrakentajantie 5"]
    assert texts(
        document, "/*/cac:ProcurementProject/cac:MainCommodityClassification/cbc:ItemClassificationCode/text()"
    ) == ["80400000"]
    assert texts(
        document, "/*/cac:ProcurementProject/cac:AdditionalCommodityClassification/cbc:ItemClassificationCode/text()"
    ) == ["80580000"]
    assert texts(document, "//cbc:EstimatedOverallContractAmount/text()") == ["450000.00"]
    lot = "/*/cac:ProcurementProjectLot[1]"
    assert texts(lot_document := document, f"{lot}/cac:ProcurementProject/cbc:Name/text()") == ["Kuopio, perustaso"]
    assert texts(lot_document, f"{lot}/cac:ProcurementProject/cac:PlannedPeriod/cbc:DurationMeasure/text()") == ["24"]
    assert texts(
        lot_document, f"{lot}/cac:TenderingProcess/cac:FrameworkAgreement/cbc:MaximumOperatorQuantity/text()"
    ) == ["2"]
    # the price and the two quality criteria, with the weights that make 100
    weights = texts(document, f"{lot}//efac:AwardCriterionParameter/efbc:ParameterNumeric/text()")
    kinds = texts(document, f"{lot}//cbc:AwardingCriterionTypeCode/text()")
    assert list(zip(kinds, weights, strict=True)) == [("quality", "25"), ("quality", "15"), ("price", "60")]
    deadline = texts(document, f"{lot}/cac:TenderingProcess/cac:TenderSubmissionDeadlinePeriod/cbc:EndDate/text()")
    assert deadline == [f"{timezone.localtime(tender.submission_deadline):%Y-%m-%d}+02:00"]
    assert texts(document, f"{lot}/cac:TenderingTerms/cac:AppealTerms//cbc:ID/text()") == ["ORG-0002"]


def test_lot_description_is_written_from_the_lots_data_in_each_language(db):
    # given a bilingual authority's call whose lots have no description of their own
    tender = notice_ready_tender(authority=notice_authority(bilingual=True), estimated_value="800000")

    document = build(tender, "20")

    assert texts(document, "/*/cbc:NoticeLanguageCode/text()") == ["FIN"]
    assert texts(document, "/*/cac:AdditionalNoticeLanguage/cbc:ID/text()") == ["SWE"]
    description = "/*/cac:ProcurementProjectLot[1]/cac:ProcurementProject/cbc:Description"
    finnish = texts(document, f"{description}[@languageID='FIN']/text()")[0]
    swedish = texts(document, f"{description}[@languageID='SWE']/text()")[0]
    assert "Kuopio" in finnish and "20" in finnish and "opiskelija" in finnish
    assert "Kuopio" in swedish and "studerande" in swedish
    # every organisation is named in both languages
    assert texts(document, "//efac:Organization[2]//cac:PartyName/cbc:Name/text()") == [
        "Markkinaoikeus",
        "Marknadsdomstolen",
    ]


def test_region_is_given_with_the_nuts_2024_code_the_sdk_knows(db):
    tender = notice_ready_tender()  # Pohjois-Savo, FI1D2 in NUTS 2021

    document = build(tender)

    assert nuts_code("FI1D2") == "FI1DB" and nuts_code("FI1B1") == "FI1B1"
    assert set(texts(document, "//cac:RealizedLocation/cac:Address/cbc:CountrySubentityCode/text()")) == {"FI1DB"}


def test_lot_without_a_region_gets_its_municipalitys(db):
    tender = notice_ready_tender()
    Lot.objects.filter(tender=tender).update(nuts="")  # the call's rows, which the version predates

    document = build(tender)

    assert set(texts(document, "/*/cac:ProcurementProjectLot//cbc:CountrySubentityCode/text()")) == {"FI1DB"}


def test_statistics_answers_become_lot_fields_in_notice_20_but_not_in_e3(db):
    eu = build(notice_ready_tender(estimated_value="800000"), "20")
    national = build(notice_ready_tender(), "E3")

    lot = "/*/cac:ProcurementProjectLot[1]/cac:ProcurementProject"
    assert texts(eu, f"{lot}/cbc:SMESuitableIndicator/text()") == ["true"]
    assert sorted(texts(eu, f"{lot}/cac:ProcurementAdditionalType/cbc:ProcurementTypeCode/text()")) == [
        "circ-econ",
        "hum-right",
        "work-cond",
    ]
    assert texts(national, f"{lot}/cac:ProcurementAdditionalType") == []
    assert texts(national, f"{lot}/cbc:SMESuitableIndicator") == []


def test_change_notice_names_the_changed_notice_its_sections_and_reason(db):
    tender = notice_ready_tender()
    change = ChangeInfo(
        changed_notice="2d1c9d1e-6a0e-4f57-9b5f-0a9d6c1f4e11-01",
        sections=["LOT-0001"],
        reason=Texts({"fi": "Tarjousten määräaikaa jatketaan."}),
    )

    document = build(tender, change=change)

    changes = "//efext:EformsExtension/efac:Changes"
    assert texts(document, f"{changes}/efbc:ChangedNoticeIdentifier/text()") == [change.changed_notice]
    assert texts(document, f"{changes}/efac:Change/efac:ChangedSection/efbc:ChangedSectionIdentifier/text()") == [
        "LOT-0001"
    ]
    assert texts(document, f"{changes}/efac:ChangeReason/efbc:ReasonDescription/text()") == [
        "Tarjousten määräaikaa jatketaan."
    ]
    assert xsd_findings(document) == []


def test_questions_deadline_is_given_when_the_call_has_one(db):
    tender = notice_ready_tender(questions_deadline=timezone.now() + timedelta(days=10))

    document = build(tender)

    assert texts(document, "//cac:AdditionalInformationRequestPeriod/cbc:EndDate/text()")


def test_a_regime_without_a_supported_notice_is_refused(db):
    tender = notice_ready_tender()
    snapshot = tender.versions.get().snapshot

    with pytest.raises(UnsupportedNotice):
        contract_notice_xml(tender, snapshot, subtype="16", notice_uuid="x", version=1, issued_at=timezone.now())
    with pytest.raises(UnsupportedNotice):
        award_notice_xml(
            tender,
            snapshot,
            subtype="E3",
            notice_uuid="x",
            version=1,
            issued_at=timezone.now(),
            outcomes=[],
            award_date=timezone.now().date(),
        )


def test_rule_identifiers_name_their_business_term_in_the_users_language():
    assert term_of("BR-BT-00005-0013") == "BT-05"
    assert term_of("BR-BT-05071-0154") == "BT-5071"
    assert term_of("BR-OPP-00122-0055") == "OPP-122"
    assert term_of("BT-500-Organization-Company_B") == "BT-500"
    assert term_of("ND-TendererQualificationRequest-E4") == ""
    assert field_label("BT-21", "fi") == "Ilmoituksen nimi"
    assert field_label("BT-21", "sv") == "Titel"
    assert field_label("BT-21", "en") == "Title"


def test_statistics_payload_problems_name_the_lot():
    complete = lot_answers(STATISTICS, subtype="20")
    assert statistics_problems({"LOT-0001": complete}, lots=["LOT-0001"], subtype="20") == []
    missing_follow_up = {**complete, "listedGreenCriteriaUsed": None}
    problems = statistics_problems(
        {"LOT-0001": missing_follow_up, "LOT-0009": complete}, lots=["LOT-0001", "LOT-0002"], subtype="20"
    )
    assert [lot for lot, _message in problems] == ["LOT-0002", "LOT-0009", "LOT-0001"]
    assert "listedGreenCriteriaUsed" in problems[-1][1]
    # in an award notice only the lots won carry the answers
    assert (
        statistics_problems({"LOT-0001": complete}, lots=["LOT-0001", "LOT-0002"], subtype="33", won={"LOT-0001"}) == []
    )
    # national notices do not ask about service users
    assert lot_answers(STATISTICS, subtype="E3")["endUserInvolved"] is None


def test_a_call_without_a_description_is_described_by_its_title(db):
    tender = notice_ready_tender(description_fi="")

    document = build(tender)

    assert texts(document, "/*/cac:ProcurementProject/cbc:Description/text()") == [tender.title_fi]
    assert xsd_findings(document) == []
