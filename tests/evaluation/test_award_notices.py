"""The award notice of a decided call (E4 national, 33 EU light regime): each lot's winners with their values and
the number of tenders, a lot without a winner with its reason; valid against every check."""

from decimal import Decimal

import pytest
from lxml import etree

from evaluation.award_notices import award_notice_generate, lot_outcomes, winner_of
from procurement.errors import Conflict
from tenders.eforms.namespaces import NS
from tenders.interruption import lot_interrupt
from tenders.models import InterruptionKind, NoticeKind, NoticeState
from tenders.notices import hilma_statistics_payload, notice_check
from tests.fixtures import factories
from tests.fixtures.notices import contracts_signed, decided_notice_tender, notice_authority, notice_ready_tender


@pytest.fixture(autouse=True)
def review_body_id(settings):
    settings.EFORMS_REVIEW_BODY_BUSINESS_ID = "2296962-1"  # a stand-in: a valid business ID, not the Market Court's


def bidders(*prices):
    return [
        (
            factories.provider_member_of(
                factories.ProviderFactory(address="Kauppakatu 1, 70100 Kuopio", company_size="small")
            ),
            price,
        )
        for price in prices
    ]


def texts(xml: str, path: str) -> list[str]:
    return [str(value) for value in etree.fromstring(xml.encode()).xpath(path, namespaces=NS)]


@pytest.mark.parametrize(("value", "bilingual", "subtype"), [("450000", False, "E4"), ("800000", True, "33")])
def test_award_notice_of_a_decided_call_is_valid(db, value, bilingual, subtype):
    # given a call decided between three bidders (a framework of two providers per lot)
    authority = notice_authority(bilingual=bilingual)
    officer = factories.officer_of(authority)
    tender = decided_notice_tender(
        bidders=bidders("9000", "9500", "12000"), authority=authority, officer=officer, estimated_value=value
    )

    # when the officer generates the award notice and checks it
    notice = award_notice_generate(actor=officer, tender_id=tender.pk)
    checked = notice_check(actor=officer, notice_id=notice.pk)

    # then it names each lot's two winners with their values and the three tenders received, and nothing fails
    assert (notice.kind, notice.subtype) == (NoticeKind.AWARD, subtype)
    assert checked.findings == [] and checked.state == NoticeState.VALID
    result = "//efac:NoticeResult"
    assert texts(notice.xml, f"{result}/efac:LotResult/cbc:TenderResultCode/text()") == ["selec-w", "selec-w"]
    assert texts(notice.xml, f"{result}/efac:LotResult//efbc:StatisticsNumeric/text()") == ["3", "3"]
    assert len(texts(notice.xml, f"{result}/efac:LotTender/cbc:ID/text()")) == 4
    winners = texts(notice.xml, "//efac:Organization/efac:Company/cac:PartyLegalEntity/cbc:CompanyID/text()")[2:]
    assert len(winners) == 2 and all(len(business_id) == 9 for business_id in winners)
    assert list(hilma_statistics_payload(checked)) == ["LOT-0001", "LOT-0002"]


def test_an_interrupted_lot_is_announced_without_a_winner_with_its_reason(db):
    # given a published call whose second lot is cancelled before the deadline
    tender = notice_ready_tender()
    officer = tender.created_by
    lot_interrupt(
        actor=officer,
        tender_id=tender.pk,
        lot_number=2,
        reason="Osan koulutustarve on poistunut.",
        kind=InterruptionKind.LOT_CANCELLED,
    )

    outcomes = lot_outcomes(tender, None)
    notice = award_notice_generate(actor=officer, tender_id=tender.pk)
    checked = notice_check(actor=officer, notice_id=notice.pk)

    assert [(o.lot_number, o.result_code, o.non_award_reason) for o in outcomes] == [(2, "clos-nw", "other")]
    assert texts(notice.xml, "//efac:LotResult/efac:DecisionReason/efbc:DecisionReasonCode/text()") == ["other"]
    assert checked.findings == []
    assert texts(notice.xml, "/*/cac:ProcurementProjectLot/cbc:ID/text()") == ["LOT-0002"]
    # no lot won, so Hilma takes no statistics answers
    assert hilma_statistics_payload(notice) == {}


def test_no_award_notice_before_a_decision(db):
    tender = notice_ready_tender()

    with pytest.raises(Conflict) as refused:
        award_notice_generate(actor=tender.created_by, tender_id=tender.pk)

    assert refused.value.code == "not_decided"


def test_winner_postal_address_is_read_from_its_address_line(db):
    provider = factories.ProviderFactory(address="Kauppakatu 1 B 12, 70100 Kuopio", company_size="micro")

    winner = winner_of(provider, amount=Decimal("180000"), rank=1)

    assert (winner.street, winner.postal_code, winner.town, winner.nuts, winner.size) == (
        "Kauppakatu 1 B 12",
        "70100",
        "Kuopio",
        "FI1D2",
        "micro",
    )


def test_no_award_notice_before_the_contracts_are_signed(db):
    # given a decided call whose contracts are not signed yet (the standstill runs)
    authority = notice_authority()
    officer = factories.officer_of(authority)
    tender = decided_notice_tender(bidders=bidders("9000", "9500"), authority=authority, officer=officer, signed=False)

    # the award notice is refused: it announces concluded contracts, with their date
    with pytest.raises(Conflict) as refused:
        award_notice_generate(actor=officer, tender_id=tender.pk)
    assert refused.value.code == "contract_not_signed"

    # once they are signed, it is made
    contracts_signed(tender)
    assert award_notice_generate(actor=officer, tender_id=tender.pk).kind == NoticeKind.AWARD
