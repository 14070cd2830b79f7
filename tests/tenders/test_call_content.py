"""What a call must contain: CPV codes from the list, exclusion grounds, framework data, volumes, per-lot criteria."""

from datetime import timedelta

import pytest
from django.utils import timezone

from procurement.models import Notification
from tenders.models import LotStatus, Tender, TenderStatus
from tests.fixtures import factories
from tests.fixtures.payloads import tender_payload


def post(client, authority, **overrides):
    return client.post("/api/v1/tenders/", tender_payload(authority, **overrides), format="json")


@pytest.mark.parametrize(
    ("override", "field", "code"),
    [
        ({"cpv_main": "80400000-9"}, "cpv_main", "unknown_cpv"),
        ({"cpv_additional": ["80580000-3", "12345678-9"]}, "cpv_additional", "unknown_cpv"),
        ({"exclusion_grounds": ["bankruptcy"]}, "exclusion_grounds", "mandatory_ground_missing"),
        ({"is_framework": True}, "framework_providers_per_lot", "required"),
        ({"framework_providers_per_lot": 3}, "framework_providers_per_lot", "not_a_framework"),
        (
            {"lots": [{"number": 1, "title": "Kuopio", "students": 20, "pricing_unit": "per_student_day"}]},
            "lots",
            "volume_missing",
        ),
        (
            {"criteria": [{"number": 1, "name": "x", "weight": "40", "lot_number": 7}]},
            "criteria",
            "unknown_lot",
        ),
    ],
)
def test_bad_call_content_is_refused(override, field, code, authority, officer, client_for):
    response = post(client_for(officer), authority, **override)

    assert response.status_code == 400, response.content
    assert code in [e["code"] for e in response.json()["errors"][field]]
    assert not Tender.objects.exists()


def test_volume_follows_the_pricing_unit(authority, officer, client_for):
    lots = [
        {"number": 1, "title": "A", "students": 20, "pricing_unit": "per_student"},
        {"number": 2, "title": "B", "students": 15, "training_days": 120, "pricing_unit": "per_student_day"},
        {"number": 3, "title": "C", "students": 32, "groups": 2, "pricing_unit": "per_group"},
    ]
    response = post(client_for(officer), authority, lots=lots)

    assert response.status_code == 201, response.content
    assert [lot["volume"] for lot in response.json()["lots"]] == ["20.00", "1800.00", "2.00"]


def test_criteria_per_lot_make_100_for_each_lot(authority, officer, client_for):
    lots = [{"number": 1, "title": "A", "students": 20}, {"number": 2, "title": "B", "students": 10}]
    good = [
        {"number": 1, "name": "Suunnitelma", "weight": "30"},
        {"number": 2, "name": "Ruotsinkielinen opetus", "weight": "10", "lot_number": 1},
        {"number": 3, "name": "Etäopetus", "weight": "10", "lot_number": 2},
    ]
    client = client_for(officer)
    assert post(client, authority, price_weight="60", lots=lots, criteria=good).status_code == 201

    bad = [*good[:2]]  # lot 2 now adds up to 90
    response = post(client, authority, price_weight="60", lots=lots, criteria=bad)
    assert response.status_code == 400
    assert response.json()["errors"]["criteria"][0]["code"] == "weights_not_100"


def test_bilingual_authority_needs_both_titles(officer, authority, client_for):
    authority.language_status = "bilingual"
    authority.save()

    response = post(client_for(officer), authority)

    assert response.status_code == 400
    assert "title_sv" in response.json()["errors"]


def test_provider_filters(authority, other_authority, member_a, client_for):
    now = timezone.now()
    kuopio = factories.TenderFactory(
        authority=authority,
        status=TenderStatus.PUBLISHED,
        published_at=now,
        cpv_additional=["80580000-3"],
        submission_deadline=now + timedelta(days=10),
    )
    other = factories.TenderFactory(
        authority=other_authority,
        status=TenderStatus.PUBLISHED,
        published_at=now,
        bid_languages=["sv"],
        title_fi="Svenskspråkig integrationsutbildning",
        submission_deadline=now + timedelta(days=40),
    )
    client = client_for(member_a)

    def ids(query):
        return [t["id"] for t in client.get(f"/api/v1/tenders/?{query}").json()["results"]]

    assert ids(f"authority={authority.pk}") == [kuopio.pk]
    assert ids("cpv=80580000-3") == [kuopio.pk]
    assert ids("bid_language=sv") == [other.pk]
    assert ids("municipality=kuopio") == [other.pk, kuopio.pk]
    assert ids("q=svenskspråkig") == [other.pk]
    deadline = (now + timedelta(days=20)).isoformat().replace("+", "%2B")
    assert ids(f"deadline_before={deadline}") == [kuopio.pk]


def test_lot_cancelled_alone(authority, officer, member_a, client_for):
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    client_for(member_a).get(f"/api/v1/tenders/{tender.pk}/")

    response = client_for(officer).post(
        f"/api/v1/tenders/{tender.pk}/lots/2/cancel/", {"reason": "Ryhmää ei saada kokoon."}, format="json"
    )

    assert response.status_code == 200
    statuses = {lot["number"]: lot["status"] for lot in response.json()["lots"]}
    assert statuses == {1: LotStatus.OPEN, 2: LotStatus.CANCELLED}
    assert Notification.objects.filter(kind="lot.cancelled").count() == 1
    again = client_for(officer).post(f"/api/v1/tenders/{tender.pk}/lots/2/cancel/", {"reason": "x"}, format="json")
    assert again.status_code == 409


def test_cancelling_a_call_tells_bidders_and_followers(authority, officer, member_a, client_for):
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    client_for(member_a).post(f"/api/v1/tenders/{tender.pk}/follow/", {"following": True}, format="json")

    response = client_for(officer).post(
        f"/api/v1/tenders/{tender.pk}/cancel/", {"reason": "Määrärahat eivät riitä."}, format="json"
    )

    assert response.json()["status"] == "cancelled"
    inbox = client_for(member_a).get("/api/v1/notifications/").json()["results"]
    assert [(n["kind"], n["payload"]["reason"]) for n in inbox] == [("tender.cancelled", "Määrärahat eivät riitä.")]


def test_absurd_volumes_are_refused(authority, officer, client_for):
    lots = [
        {"number": 1, "title": "A", "students": 1_000_000, "training_days": 30_000, "pricing_unit": "per_student_day"}
    ]

    response = post(client_for(officer), authority, lots=lots)

    assert response.status_code == 400
    assert set(response.json()["errors"]["lots"]["0"]) == {"students", "training_days"}
