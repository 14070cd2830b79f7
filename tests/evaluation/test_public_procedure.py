"""The public record of a procedure (evaluation/public_procedure.py), stage by stage."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bids.models import LotOffer
from bids.services import bid_create, bid_submit
from evaluation.models import ContractStatus, LotContract, QualityScore
from evaluation.public_procedure import Stage, public_record, public_record_json, public_stage, public_tender_list
from procurement.errors import NotFound
from procurement.money import format_money
from tenders.models import Tender, TenderStatus
from tenders.services import tender_cancel
from tests.fixtures import factories
from tests.fixtures.stages import decide_submitted, full_content

pytestmark = pytest.mark.django_db

SECRET = "SALAINEN-VASTAUS-Q7"
SECRET_REASON = "PANEELIN-PERUSTELU-SALAISESTA-R3"


def bidders():
    a = factories.ProviderFactory(name="Alfa Koulutus Oy")
    b = factories.ProviderFactory(name="Beeta Opisto Oy")
    return a, factories.provider_member_of(a), b, factories.provider_member_of(b)


def sign(tender, lot_numbers=None):
    """What the contract step records once a lot's contract is signed."""
    contracts = LotContract.objects.filter(lot__tender=tender)
    if lot_numbers is not None:
        contracts = contracts.filter(lot__number__in=lot_numbers)
    contracts.update(
        status=ContractStatus.SIGNED,
        signed_on=timezone.localdate(),
        signatories=["Olli Ostaja"],
        contract_reference="SOP-7",
    )


def submit(member, tender, price: str, *, secret: bool = False):
    content = full_content(tender, price)
    if secret:
        first = tender.criteria.order_by("number").first()
        content["quality_answers"][0]["text"] = SECRET
        content["business_secrets"] = [f"quality:{first.pk}"]
    bid = bid_create(actor=member, tender_id=tender.pk, received_at=timezone.now(), content=content)
    bid_submit(actor=member, bid_id=bid.pk, received_at=timezone.now())


def decided(officer, *, secret: bool = False):
    """A call of two lots decided on bids of A (9000, its first answer a business secret if `secret`) and B
    (9500)."""
    a, member_a, _b, member_b = bidders()
    tender = published(officer)
    submit(member_a, tender, "9000", secret=secret)
    submit(member_b, tender, "9500")
    past = timezone.now() - timedelta(seconds=1)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=past, next_check=past)
    return decide_submitted(Tender.objects.get(pk=tender.pk), officer=officer), a


def published(officer, **fields):
    authority = officer.memberships.get().authority
    return factories.TenderFactory(
        authority=authority, created_by=officer, status=TenderStatus.PUBLISHED, published_at=timezone.now(), **fields
    )


@pytest.fixture
def officer():
    authority = factories.AuthorityFactory(name_fi="Kuopion kaupunki")
    return factories.officer_of(authority, first_name="Olga", last_name="Päättäjä")


def test_a_published_call_shows_the_call_only(officer):
    # given
    tender = published(officer)
    # when
    record = public_record(tender_id=tender.pk)
    # then
    assert record.stage == Stage.OPEN
    assert str(record.title) == tender.title_fi
    assert record.authority.name.fi == "Kuopion kaupunki"
    assert [lot.number for lot in record.lots] == [1, 2]
    assert [c.number for c in record.criteria] == [1, 2]
    assert all(lot.comparison is None and not lot.winners and lot.contract is None for lot in record.lots)
    assert record.decided_at is None


def test_a_draft_and_a_call_awaiting_approval_are_not_found(officer):
    for status in (TenderStatus.DRAFT, TenderStatus.PENDING_APPROVAL, TenderStatus.APPROVED):
        tender = factories.TenderFactory(authority=officer.memberships.get().authority, status=status)
        with pytest.raises(NotFound):
            public_record(tender_id=tender.pk)
        assert tender not in public_tender_list()
    with pytest.raises(NotFound):
        public_record(tender_id="nonsense")


def test_a_decided_call_without_a_contract_names_the_winners_but_shows_no_comparison(officer):
    # given
    tender, _a = decided(officer)
    # when
    record = public_record(tender_id=tender.pk)
    # then
    assert record.stage == Stage.DECIDED
    assert record.decided_at is not None
    assert record.decided_by == ""  # the decision itself is public with the contract
    for lot in record.lots:
        assert [w.name.fi for w in lot.winners] == ["Alfa Koulutus Oy"]
        assert lot.comparison is None and lot.contract is None and lot.rejected == []
    text = str(public_record_json(record))
    assert "9000" not in text and "9500" not in text


def test_a_signed_contract_makes_the_lots_comparison_parties_and_value_public(officer):
    # given
    tender, a = decided(officer)
    sign(tender, lot_numbers=[1])
    # when
    record = public_record(tender_id=tender.pk)
    # then
    assert record.stage == Stage.CONTRACTED
    assert record.decided_by == "Olga Päättäjä"
    first, second = record.lots
    assert [(row.rank, row.provider.name.fi, row.won) for row in first.comparison] == [
        (1, "Alfa Koulutus Oy", True),
        (2, "Beeta Opisto Oy", False),
    ]
    winner = first.comparison[0]
    assert winner.comparison_price > 0 and winner.total_points > first.comparison[1].total_points
    assert [c.criterion for c in winner.criteria] == [1, 2]
    assert all(c.points == Decimal(5) and str(c.reason) == "Perusteltu." for c in winner.criteria)
    assert first.contract.value == winner.comparison_price
    assert first.contract.reference == "SOP-7"
    assert [(p.name.fi, p.business_id) for p in first.contract.parties] == [
        ("Kuopion kaupunki", tender.authority.business_id),
        ("Alfa Koulutus Oy", a.business_id),
    ]
    # the second lot's contract is not signed: its prices stay with the bidders
    assert second.comparison is None and second.contract is None
    assert [w.name.fi for w in second.winners] == ["Alfa Koulutus Oy"]
    data = public_record_json(record)
    assert data["lots"][0]["comparison"][0]["comparison_price"] == str(winner.comparison_price)
    assert "Olli Ostaja" not in str(data)  # the signatories are persons: not on the public record


def test_a_reason_about_a_business_secret_is_withheld_but_the_points_are_shown(officer):
    # given
    tender, a = decided(officer, secret=True)
    first_criterion = tender.criteria.order_by("number").first()
    QualityScore.objects.filter(lot_offer__bid__provider=a, criterion=first_criterion).update(reason=SECRET_REASON)
    sign(tender)
    # when
    record = public_record(tender_id=tender.pk)
    # then
    row = next(r for r in record.lots[0].comparison if r.provider.name.fi == "Alfa Koulutus Oy")
    assert row.criteria[0].points == Decimal(5)
    assert row.criteria[0].reason is None  # withheld: no public summary written
    assert str(row.criteria[1].reason) == "Perusteltu."
    text = str(public_record_json(record))
    assert SECRET not in text and SECRET_REASON not in text


def test_the_public_summary_of_a_secret_reason_is_shown(officer):
    # given
    tender, a = decided(officer, secret=True)
    first_criterion = tender.criteria.order_by("number").first()
    QualityScore.objects.filter(lot_offer__bid__provider=a, criterion=first_criterion).update(
        reason=SECRET_REASON, public_reason="Suunnitelma on selkeä."
    )
    sign(tender)
    # when
    record = public_record(tender_id=tender.pk)
    # then
    row = next(r for r in record.lots[0].comparison if r.provider.name.fi == "Alfa Koulutus Oy")
    assert str(row.criteria[0].reason) == "Suunnitelma on selkeä."


def test_an_interrupted_call_shows_the_interruption_decision_and_no_winner(officer):
    # given
    tender, _a = decided(officer)
    tender_cancel(
        actor=officer, tender_id=tender.pk, reason="Määrärahat eivät riitä.", reason_sv="Anslagen räcker inte."
    )
    # when
    record = public_record(tender_id=tender.pk)
    # then
    assert record.stage == Stage.INTERRUPTED
    assert [(i.kind, i.lot, str(i.reason)) for i in record.interruptions] == [
        ("call_cancelled", None, "Määrärahat eivät riitä.")
    ]
    assert all(not lot.winners and lot.comparison is None for lot in record.lots)


def test_the_list_finds_by_title_and_authority_and_tells_the_stage(officer):
    # given
    tender, _a = decided(officer)
    sign(tender)
    other = factories.TenderFactory(
        title_fi="Ruotsin kielen koulutus", status=TenderStatus.PUBLISHED, published_at=timezone.now()
    )
    # when / then
    found = list(public_tender_list(query=tender.title_fi.split()[-1]))
    assert tender in found and other not in found
    assert list(public_tender_list(authority="kuopion")) == [tender]
    assert list(public_tender_list(authority=tender.authority.business_id)) == [tender]
    listed = {t.pk: t for t in public_tender_list()}
    assert public_stage(listed[tender.pk]) == Stage.CONTRACTED
    assert public_stage(listed[other.pk]) == Stage.OPEN


# --- the API -------------------------------------------------------------------------------------------------------


def test_anyone_reads_the_record_and_the_list_as_json_without_signing_in(officer, client):
    # given
    tender, a = decided(officer)
    sign(tender, lot_numbers=[1])
    # when
    record = client.get(f"/api/v1/public/tenders/{tender.pk}/")
    listed = client.get("/api/v1/public/tenders/", {"authority": "Kuopion"})
    # then
    assert record.status_code == 200
    assert "public" in record["Cache-Control"]
    body = record.json()
    assert body["stage"] == "contracted"
    assert body["lots"][0]["comparison"][0]["provider"]["business_id"] == a.business_id
    assert body["lots"][1]["comparison"] is None
    assert listed.status_code == 200
    assert [t["id"] for t in listed.json()["results"]] == [tender.pk]
    assert listed.json()["results"][0]["stage"] == "contracted"


def test_a_draft_is_not_found_in_the_api(officer, client):
    draft = factories.TenderFactory(authority=officer.memberships.get().authority, status=TenderStatus.DRAFT)
    response = client.get(f"/api/v1/public/tenders/{draft.pk}/")
    assert response.status_code == 404
    assert draft.pk not in [t["id"] for t in client.get("/api/v1/public/tenders/").json()["results"]]


def test_the_api_limits_the_requests_of_one_address(officer, client, settings):
    # given
    from django.core.cache import cache

    cache.clear()
    tender = published(officer)
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], public_record="3/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    # when
    statuses = [client.get(f"/api/v1/public/tenders/{tender.pk}/").status_code for _ in range(4)]
    cache.clear()
    # then
    assert statuses == [200, 200, 200, 429]


# --- the portal's pages ------------------------------------------------------------------------------------------


def test_anyone_finds_a_procedure_and_reads_its_record_on_the_portal(officer, client):
    # given
    tender, a = decided(officer)
    sign(tender, lot_numbers=[1])
    # when
    listed = client.get("/public/calls/", {"q": tender.title_fi, "authority": "Kuopion"})
    page = client.get(f"/public/calls/{tender.pk}/")
    # then
    assert listed.status_code == 200
    assert f'href="/public/calls/{tender.pk}/"' in listed.content.decode()
    assert page.status_code == 200
    assert "private" in page["Cache-Control"]
    text = page.content.decode()
    assert "Alfa Koulutus Oy" in text and "Beeta Opisto Oy" in text and a.business_id in text
    assert 'id="lot-1-heading"' in text and 'id="lot-2-heading"' not in text  # lot 2's contract is not signed
    assert "Olga Päättäjä" in text
    assert "Olli Ostaja" not in text


def test_before_the_contract_the_page_says_the_comparison_comes_later(officer, client):
    tender, _a = decided(officer)
    text = client.get(f"/public/calls/{tender.pk}/").content.decode()
    assert 'id="comparison-later"' in text
    assert "Beeta Opisto Oy" not in text  # B did not win: named with the comparison only
    for offer in LotOffer.objects.filter(bid__tender=tender):
        assert format_money(offer.comparison_price) not in text


def test_a_draft_has_no_public_page(officer, client):
    draft = factories.TenderFactory(authority=officer.memberships.get().authority, status=TenderStatus.DRAFT)
    assert client.get(f"/public/calls/{draft.pk}/").status_code == 404


def test_the_front_page_links_to_the_public_records(client):
    text = client.get("/calls/").content.decode()
    assert 'href="/public/calls/"' in text


def test_the_ask_for_documents_button_is_shown_once_a_contract_is_signed_where_the_request_form_exists(officer, client):
    from django.urls import NoReverseMatch, reverse

    # given
    tender, _a = decided(officer)
    before = client.get(f"/public/calls/{tender.pk}/").content.decode()
    sign(tender)
    # when
    after = client.get(f"/public/calls/{tender.pk}/").content.decode()
    # then
    assert "Ask for documents" not in before  # before the contract only the bidders may ask
    try:
        url = reverse("access_public:request", args=[tender.pk])
    except NoReverseMatch:  # the access requests' form is not installed
        assert "Ask for documents" not in after
    else:
        assert f'href="{url}"' in after


def test_the_editions_of_the_decision_are_listed_with_the_replaced_one_marked(officer):
    from evaluation.models import AwardDecision, DecisionEdition

    # given: a second edition of the decision for lot 1 replaced the first
    tender, _a = decided(officer)
    decision = AwardDecision.objects.get(tender=tender)
    first = DecisionEdition.objects.get(decision=decision, number=1)
    second = DecisionEdition.objects.create(decision=decision, number=2, decided_by=officer)
    second.lots.set(tender.lots.filter(number=1))
    DecisionEdition.objects.filter(pk=first.pk).update(
        replaced_by=second, replaced_at=timezone.now(), replaced_reason="SISÄINEN-PERUSTELU"
    )
    # when
    record = public_record(tender_id=tender.pk)
    # then
    assert [(e.number, e.lots, e.replaced_at is not None) for e in record.editions] == [
        (1, [1, 2], True),
        (2, [1], False),
    ]


def test_the_list_costs_the_same_queries_for_more_procedures(officer, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/public/calls/").status_code == 200
            assert client.get("/api/v1/public/tenders/").status_code == 200
        return len(captured)

    published(officer)
    few = queries()
    for _ in range(4):
        published(officer)
    assert queries() == few
