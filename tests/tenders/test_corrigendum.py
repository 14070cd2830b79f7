"""Corrigenda: a reason, a new numbered version, the old one readable, bids sent back, everyone told."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bids.models import Bid, BidStatus
from bids.services import bid_submit
from documents.models import GeneratedDocument
from procurement.models import AuditEvent, Notification
from tenders.models import TenderStatus
from tenders.services import tender_publish
from tests.fixtures import factories
from tests.fixtures.stages import submit_bid


@pytest.fixture
def published(authority, officer):
    tender = factories.TenderFactory(authority=authority, created_by=officer, status=TenderStatus.APPROVED)
    return tender_publish(actor=officer, tender_id=tender.pk)


def submit(member, tender):
    return submit_bid(member, tender, "9000", lots=[tender.lots.get(number=1)])


def test_publication_records_version_one_and_queues_its_document(published):
    assert published.version == 1
    assert list(published.versions.values_list("number", flat=True)) == [1]
    assert GeneratedDocument.objects.filter(tender=published, kind="call", version=1).exists()


def test_corrigendum_makes_a_new_version_and_sends_bids_back(published, officer, member_a, member_b, client_for):
    # given two providers: one submitted, one only viewed the call
    bid = submit(member_a, published)
    client_for(member_b).get(f"/api/v1/tenders/{published.pk}/")
    new_deadline = published.submission_deadline + timedelta(days=7)

    # when the officer publishes a corrigendum that moves the deadline
    response = client_for(officer).post(
        f"/api/v1/tenders/{published.pk}/amend/",
        {"reason": "Määräaikaa jatketaan lisäkysymysten vuoksi.", "submission_deadline": new_deadline.isoformat()},
        format="json",
    )

    # then the call is at version 2, the old version stays readable, and the bid is back in draft
    assert response.status_code == 200, response.content
    assert abs(published.__class__.objects.get(pk=published.pk).submission_deadline - new_deadline) < timedelta(
        seconds=1
    )
    versions = client_for(member_b).get(f"/api/v1/tenders/{published.pk}/versions/").json()
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[1]["changed_fields"] == ["submission_deadline"]
    assert versions[0]["snapshot"]["submission_deadline"] != versions[1]["snapshot"]["submission_deadline"]
    bid = Bid.objects.get(pk=bid.pk)
    assert bid.status == BidStatus.DRAFT and "lisäkysymysten" in bid.returned_reason
    # and everyone interested is told, the bidder also that it must resubmit
    told = set(Notification.objects.filter(kind="tender.amended").values_list("provider_id", flat=True))
    assert told == {member_a.memberships.get().provider_id, member_b.memberships.get().provider_id}
    assert Notification.objects.filter(kind="bid.sent_back", provider__memberships__user=member_a).exists()
    kinds = {n["kind"] for n in client_for(member_a).get("/api/v1/notifications/").json()["results"]}
    assert kinds == {"bid.receipt", "tender.amended", "bid.sent_back"}
    assert AuditEvent.objects.filter(action="tender.timeline_changed", object_id=str(published.pk)).exists()
    assert GeneratedDocument.objects.filter(tender=published, kind="call", version=2).exists()


def test_corrigendum_needs_a_reason_and_a_change(published, officer, client_for):
    client = client_for(officer)
    url = f"/api/v1/tenders/{published.pk}/amend/"

    assert client.post(url, {"title_fi": "Uusi otsikko"}, format="json").status_code == 400
    response = client.post(url, {"reason": "Ei muutosta", "title_fi": published.title_fi}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "nothing_changed"
    published.refresh_from_db()
    assert published.version == 1


def test_only_the_authoritys_officers_amend(published, member_a, other_authority, client_for):
    url = f"/api/v1/tenders/{published.pk}/amend/"
    for user in (member_a, factories.officer_of(other_authority)):
        response = client_for(user).post(url, {"reason": "x", "title_fi": "Hijacked"}, format="json")
        assert response.status_code == 403
    published.refresh_from_db()
    assert published.title_fi != "Hijacked"


def test_a_draft_is_edited_not_amended(authority, officer, client_for):
    tender = factories.TenderFactory(authority=authority)
    response = client_for(officer).post(
        f"/api/v1/tenders/{tender.pk}/amend/", {"reason": "x", "title_fi": "Uusi"}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "not_amendable"


def test_removing_a_lot_keeps_the_offer_on_the_other(published, officer, member_a, client_for):
    bid = submit(member_a, published)
    lot1 = published.lots.get(number=1)
    response = client_for(officer).post(
        f"/api/v1/tenders/{published.pk}/amend/",
        {"reason": "Osa 2 poistetaan.", "lots": [{"number": 1, "title": lot1.title, "students": 25}]},
        format="json",
    )

    assert response.status_code == 200, response.content
    lots = response.json()["lots"]
    assert [(lot["number"], lot["volume"]) for lot in lots] == [(1, "25.00")]
    assert lots[0]["id"] == lot1.pk  # updated in place, so the sealed draft's reference still holds
    draft = client_for(member_a).get(f"/api/v1/bids/{bid.pk}/").json()
    assert draft["status"] == "draft" and draft["content"]["lot_offers"][0]["lot_number"] == 1


def test_follow_and_interest_register(published, officer, member_a, client_for):
    client = client_for(member_a)
    assert client.post(f"/api/v1/tenders/{published.pk}/follow/", {"following": True}, format="json").json()[
        "following"
    ]

    register = client_for(officer).get(f"/api/v1/tenders/{published.pk}/interested/").json()

    assert [(r["provider"], r["following"]) for r in register] == [(member_a.memberships.get().provider_id, True)]
    assert client.get(f"/api/v1/tenders/{published.pk}/interested/").status_code == 403


def test_changed_volume_changes_the_comparison_price(published, officer, member_a, client_for):
    from tenders.services import tender_amend

    bid = submit(member_a, published)  # 9000 × 20 students
    lot = published.lots.get(number=1)
    tender_amend(
        actor=officer,
        tender_id=published.pk,
        reason="Opiskelijamäärä kasvaa.",
        fields={},
        children={
            "lots": [{"number": 1, "title": lot.title, "students": 40}, {"number": 2, "title": "B", "students": 15}]
        },
    )

    offer = client_for(member_a).get(f"/api/v1/bids/{bid.pk}/").json()["content"]["lot_offers"][0]
    assert offer["comparison_price"] == "360000.00"  # 9000 × 40


def test_resubmission_is_checked_against_the_new_version(published, officer, member_a):
    from procurement.errors import ValidationFailed
    from tenders.services import tender_amend

    bid = submit_bid(member_a, published, "100")
    tender_amend(
        actor=officer,
        tender_id=published.pk,
        reason="Yksi osa per tarjoaja.",
        fields={"max_lots_per_provider": 1},
        children={},
    )

    with pytest.raises(ValidationFailed) as error:
        bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now())
    assert error.value.errors["lot_offers"][0]["code"] == "too_many_lots"


def test_the_published_snapshot_holds_what_notices_need(published):
    snapshot = published.versions.get(number=1).snapshot

    assert (snapshot["contract_months"], snapshot["option_months"]) == (24, 12)
    assert snapshot["options_description"].startswith("Hankintayksiköllä")
    assert snapshot["hilma_statistics"] == factories.HILMA_STATISTICS
    assert [lot["nuts"] for lot in snapshot["lots"]] == ["FI1D2", "FI1D2"]


def test_corrigendum_changes_the_term_the_statistics_and_a_lots_region(published, officer, client_for):
    # given the officer's corrigendum to the contract's term, one statistics answer and lot 2's region
    answers = {**factories.HILMA_STATISTICS, "employmentCondition": True, "howManyOpportunitiesIsEstimated": 3}
    lots = [
        {"number": lot.number, "title": lot.title, "title_sv": lot.title_sv, "municipality": lot.municipality,
         "students": lot.students, "nuts": "FI1D3" if lot.number == 2 else lot.nuts}
        for lot in published.lots.order_by("number")
    ]  # fmt: skip

    response = client_for(officer).post(
        f"/api/v1/tenders/{published.pk}/amend/",
        {
            "reason": "Sopimuskausi ja työllistämisehto tarkennetaan.",
            "affects_bids": False,
            "affects_bids_reason": "Tarjousten sisältö ei muutu.",
            "contract_months": 36,
            "hilma_statistics": answers,
            "lots": lots,
        },
        format="json",
    )

    # then version 2 names the changes and its snapshot holds them
    assert response.status_code == 200, response.content
    version = published.versions.get(number=2)
    assert set(version.changed_fields) == {"contract_months", "hilma_statistics", "lots"}
    assert version.snapshot["contract_months"] == 36
    assert version.snapshot["hilma_statistics"]["howManyOpportunitiesIsEstimated"] == 3
    assert [lot["nuts"] for lot in version.snapshot["lots"]] == ["FI1D2", "FI1D3"]
    assert published.versions.get(number=1).snapshot["contract_months"] == 24


def test_corrigendum_refuses_a_follow_up_that_is_not_asked(published, officer, client_for):
    response = client_for(officer).post(
        f"/api/v1/tenders/{published.pk}/amend/",
        {
            "reason": "Tilastotiedot.",
            "hilma_statistics": {**factories.HILMA_STATISTICS, "howManyOpportunitiesIsEstimated": 3},
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"]["hilma_statistics"][0]["code"] == "statistics_not_asked"
    assert published.versions.count() == 1
