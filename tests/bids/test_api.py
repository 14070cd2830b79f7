"""The tender box through the API: own bids only, sealed until opening, the server's receipt time decides."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bids.models import Bid, BidStatus, BidVersion, LotOffer
from procurement.models import AuditEvent, Membership
from tenders.models import Tender
from tests.fixtures import factories
from tests.fixtures.stages import full_content, run_outbox, seat_panel, submit_bid


def make_bid(client, tender, price="9000.00", **content):
    payload = {"tender": tender.pk, **full_content(tender, price, lots=[tender.lots.get(number=1)]), **content}
    response = client.post("/api/v1/bids/", payload, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_provider_submits_and_gets_a_receipt(open_tender, member_a, client_for):
    client = client_for(member_a)
    bid = make_bid(client, open_tender, price="9000.00")
    assert bid["status"] == "draft"
    assert bid["content"]["lot_offers"][0]["comparison_price"] == "180000.00"  # 9000 × 20 students

    response = client.post(f"/api/v1/bids/{bid['id']}/submit/")

    assert response.status_code == 200, response.content
    receipt = response.json()
    assert receipt["number"] == 1 and len(receipt["manifest_sha256"]) == 64 and receipt["received_at"]
    # the receipt's PDF is queued by the task that follows the commit, out of the request
    assert receipt["receipt_document"] is None
    assert run_outbox("bids.after_submit") == 1
    assert client.get(f"/api/v1/bids/{bid['id']}/versions/").json()[0]["receipt_document"]
    assert client.get(f"/api/v1/bids/{bid['id']}/").json()["status"] == "submitted"


def test_an_incomplete_bid_is_not_submitted(open_tender, member_a, client_for):
    client = client_for(member_a)
    lot = open_tender.lots.get(number=1)
    bid = client.post(
        "/api/v1/bids/",
        {"tender": open_tender.pk, "lot_offers": [{"lot": lot.pk, "unit_price": "10"}]},
        format="json",
    ).json()

    response = client.post(f"/api/v1/bids/{bid['id']}/submit/")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bid_incomplete"
    assert set(body["errors"]) == {"quality_answers", "exclusion_declaration", "suitability_evidence", "contact"}
    assert not BidVersion.objects.exists()


def test_idempotent_retry_returns_the_same_receipt(open_tender, member_a, client_for):
    client = client_for(member_a)
    bid = make_bid(client, open_tender)

    first = client.post(f"/api/v1/bids/{bid['id']}/submit/", HTTP_IDEMPOTENCY_KEY="abc-123")
    again = client.post(f"/api/v1/bids/{bid['id']}/submit/", HTTP_IDEMPOTENCY_KEY="abc-123")

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert BidVersion.objects.filter(bid_id=bid["id"]).count() == 1
    assert client.post(f"/api/v1/bids/{bid['id']}/submit/", HTTP_IDEMPOTENCY_KEY="other").status_code == 409


def test_resubmission_makes_a_new_version_and_keeps_the_old(open_tender, member_a, client_for):
    client = client_for(member_a)
    bid = make_bid(client, open_tender, price="9000")
    first = client.post(f"/api/v1/bids/{bid['id']}/submit/").json()
    client.post(f"/api/v1/bids/{bid['id']}/reopen/")
    client.patch(
        f"/api/v1/bids/{bid['id']}/",
        {"lot_offers": [{"lot": open_tender.lots.get(number=1).pk, "unit_price": "8500"}]},
        format="json",
    )
    second = client.post(f"/api/v1/bids/{bid['id']}/submit/").json()

    versions = client.get(f"/api/v1/bids/{bid['id']}/versions/").json()
    assert [v["number"] for v in versions] == [1, 2]
    assert first["manifest_sha256"] != second["manifest_sha256"]
    assert Bid.objects.get(pk=bid["id"]).version == 2


def test_provider_cannot_read_or_change_another_providers_bid(open_tender, member_a, member_b, client_for):
    bid = make_bid(client_for(member_a), open_tender)
    other = client_for(member_b)

    assert other.get(f"/api/v1/bids/{bid['id']}/").status_code == 404
    assert other.post(f"/api/v1/bids/{bid['id']}/submit/").status_code == 404
    assert other.post(f"/api/v1/bids/{bid['id']}/withdraw/").status_code == 404
    assert other.get(f"/api/v1/bids/{bid['id']}/versions/").status_code == 404
    assert (
        other.patch(
            f"/api/v1/bids/{bid['id']}/", {"contact": {"name": "x", "email": "x@x.fi"}}, format="json"
        ).status_code
        == 404
    )
    assert other.get("/api/v1/bids/").json()["results"] == []
    assert Bid.objects.get(pk=bid["id"]).status == BidStatus.DRAFT


@pytest.mark.parametrize("role", ["officer", "auditor"])
def test_authority_cannot_read_bids_before_opening(role, open_tender, officer, auditor_user, member_a, client_for):
    bid = make_bid(client_for(member_a), open_tender)
    client_for(member_a).post(f"/api/v1/bids/{bid['id']}/submit/")
    reader = {"officer": officer, "auditor": auditor_user}[role]
    client = client_for(reader)

    # a bid's own address answers as if it did not exist: even its existence is sealed
    response = client.get(f"/api/v1/bids/{bid['id']}/")
    assert response.status_code == 404 and "9000" not in response.content.decode()
    response = client.get(f"/api/v1/tenders/{open_tender.pk}/bids/")
    assert response.status_code == 403 and response.json()["code"] == "bids_sealed"
    assert "9000" not in response.content.decode()
    # on record: the call's refusal tied to the call, the bid's id as any id that no bid has (the path, no call)
    assert AuditEvent.objects.filter(action="bid.read_sealed", actor=reader, outcome="denied").count() == 1
    probe = AuditEvent.objects.get(action="access.not_found", actor=reader)
    assert probe.detail["path"] == f"/api/v1/bids/{bid['id']}/" and probe.tender_id is None
    assert client.get(f"/api/v1/documents/?tender={open_tender.pk}&kind=receipt").json()["results"] == []


def test_officer_reads_bids_after_opening_and_the_read_is_logged(open_tender, officer, member_a, client_for):
    provider = client_for(member_a)
    bid = make_bid(provider, open_tender)
    receipt = provider.post(f"/api/v1/bids/{bid['id']}/submit/").json()
    Tender.objects.filter(pk=open_tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    client = client_for(officer)
    assert client.post(f"/api/v1/tenders/{open_tender.pk}/close/").status_code == 200
    assert client.get(f"/api/v1/tenders/{open_tender.pk}/bids/").status_code == 403  # closed is still sealed
    assert not LotOffer.objects.exists()  # no price exists in plain form before the opening
    assert client.post(f"/api/v1/tenders/{open_tender.pk}/open/").status_code == 202  # one asks…
    second = client_for(factories.officer_of(open_tender.authority))
    assert second.post(f"/api/v1/tenders/{open_tender.pk}/open/").status_code == 200  # …another confirms

    assert client.get(f"/api/v1/bids/{bid['id']}/").json()["code"] == "not_on_panel"
    seat_panel(open_tender, officer)
    response = client.get(f"/api/v1/bids/{bid['id']}/")

    assert response.status_code == 200
    offer = response.json()["content"]["lot_offers"][0]
    assert offer["unit_price"] == "9000.00" and offer["lot_offer"] == LotOffer.objects.get().pk
    assert LotOffer.objects.get().comparison_price == 180000
    assert AuditEvent.objects.filter(action="bid.read", actor=officer, object_id=str(bid["id"])).exists()
    unsealed = AuditEvent.objects.get(action="tender.bids_unsealed")
    assert unsealed.detail["bids"][0]["manifest_sha256"] == receipt["manifest_sha256"]


def test_officer_of_another_authority_sees_nothing(open_tender, other_authority, member_a, client_for):
    bid = make_bid(client_for(member_a), open_tender)
    stranger = factories.officer_of(other_authority)

    assert client_for(stranger).get(f"/api/v1/bids/{bid['id']}/").status_code == 404


def test_submission_after_deadline_is_refused_before_the_scheduler_closes(open_tender, member_a, client_for):
    # given a drafted bid, and a deadline that passed a moment ago (the call is still "published")
    client = client_for(member_a)
    bid = make_bid(client, open_tender)
    Tender.objects.filter(pk=open_tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))

    # when the provider submits
    response = client.post(f"/api/v1/bids/{bid['id']}/submit/")

    # then the server refuses, saying the deadline and when it received the request
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "deadline_passed"
    assert body["deadline"] and body["received_at"]
    assert Bid.objects.get(pk=bid["id"]).status == BidStatus.DRAFT


def test_one_second_before_the_deadline_counts_one_second_after_does_not(open_tender, member_a):
    from bids.services import bid_create, bid_submit
    from procurement.errors import Conflict

    deadline = open_tender.submission_deadline
    on_time = bid_create(
        actor=member_a, tender_id=open_tender.pk, received_at=timezone.now(), content=full_content(open_tender)
    )
    version = bid_submit(actor=member_a, bid_id=on_time.pk, received_at=deadline - timedelta(seconds=1))
    assert version.received_at == deadline - timedelta(seconds=1)

    late = bid_create(
        actor=factories.provider_member_of(factories.ProviderFactory()),
        tender_id=open_tender.pk,
        received_at=timezone.now(),
        content=full_content(open_tender),
    )
    with pytest.raises(Conflict) as refused:
        bid_submit(actor=late.created_by, bid_id=late.pk, received_at=deadline + timedelta(seconds=1))
    assert refused.value.code == "deadline_passed"


@pytest.mark.parametrize(
    ("price", "code"),
    [
        ("-5", "min_value"),
        ("0", "min_value"),
        ("abc", "invalid"),
        ("1e400", "max_digits"),
        ("99999999999", "max_whole_digits"),
        ("10000000", "max_value"),
        ("12.345", "max_decimal_places"),
    ],
)
def test_bad_prices_are_refused_and_nothing_is_stored(price, code, open_tender, member_a, client_for):
    lot = open_tender.lots.first()

    response = client_for(member_a).post(
        "/api/v1/bids/", {"tender": open_tender.pk, "lot_offers": [{"lot": lot.pk, "unit_price": price}]}, format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["errors"]["lot_offers"]["0"]["unit_price"][0]["code"] == code
    assert not Bid.objects.exists()


def test_offer_for_a_lot_of_another_call_is_refused(open_tender, member_a, client_for):
    other_lot = factories.TenderFactory().lots.first()

    response = client_for(member_a).post(
        "/api/v1/bids/",
        {"tender": open_tender.pk, "lot_offers": [{"lot": other_lot.pk, "unit_price": "10"}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"]["lot_offers"][0]["code"] == "unknown_lot"
    assert not Bid.objects.exists()


def test_prices_cannot_be_marked_secret(open_tender, member_a, client_for):
    response = client_for(member_a).post(
        "/api/v1/bids/", {"tender": open_tender.pk, "business_secrets": ["lot_offers"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["business_secrets"][0]["code"] == "not_a_secret_part"


def test_second_bid_for_the_same_call_points_to_the_first(open_tender, member_a, client_for):
    client = client_for(member_a)
    first = make_bid(client, open_tender)

    response = client.post("/api/v1/bids/", {"tender": open_tender.pk}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "bid_exists" and response.json()["bid"] == first["id"]


def test_nobody_bids_on_a_draft_call(authority, member_a, client_for):
    draft = factories.TenderFactory(authority=authority)
    response = client_for(member_a).post("/api/v1/bids/", {"tender": draft.pk}, format="json")
    assert response.status_code == 404


def test_officer_cannot_bid(open_tender, officer, client_for):
    response = client_for(officer).post("/api/v1/bids/", {"tender": open_tender.pk}, format="json")
    assert response.status_code == 403


def test_withdraw_and_reopen_before_deadline(open_tender, member_a, client_for):
    client = client_for(member_a)
    bid = make_bid(client, open_tender)
    client.post(f"/api/v1/bids/{bid['id']}/submit/")

    assert client.post(f"/api/v1/bids/{bid['id']}/withdraw/").json()["status"] == "withdrawn"
    assert client.post(f"/api/v1/bids/{bid['id']}/withdraw/").status_code == 409
    assert client.post(f"/api/v1/bids/{bid['id']}/reopen/").json()["status"] == "draft"
    lot2 = open_tender.lots.get(number=2)
    response = client.patch(
        f"/api/v1/bids/{bid['id']}/", {"lot_offers": [{"lot": lot2.pk, "unit_price": "50"}]}, format="json"
    )
    assert response.status_code == 200
    assert [o["lot_number"] for o in response.json()["content"]["lot_offers"]] == [2]


def test_anonymous_gets_401(open_tender, client_for):
    response = client_for().get("/api/v1/bids/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_offers_beyond_the_lot_limit_are_refused(open_tender, member_a, client_for):
    Tender.objects.filter(pk=open_tender.pk).update(max_lots_per_provider=1)
    offers = [{"lot": lot.pk, "unit_price": "100"} for lot in open_tender.lots.all()]

    response = client_for(member_a).post(
        "/api/v1/bids/", {"tender": open_tender.pk, "lot_offers": offers}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["lot_offers"][0]["code"] == "too_many_lots"
    assert not Bid.objects.exists()


def test_implausible_price_for_the_pricing_unit_is_refused(open_tender, member_a, client_for):
    lot = open_tender.lots.get(number=1)  # priced per student

    response = client_for(member_a).post(
        "/api/v1/bids/",
        {"tender": open_tender.pk, "lot_offers": [{"lot": lot.pk, "unit_price": "75000"}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"]["lot_offers"][0]["code"] == "price_implausible"
    assert not Bid.objects.exists()


@pytest.mark.parametrize(("price", "code"), [("0", "min_value"), ("99999999.99", "max_value")])
def test_the_api_and_the_portal_refuse_a_price_out_of_bounds_alike(open_tender, member_a, client_for, price, code):
    """Issue 20: one validation of the unit price (bids.content.unit_price_field) for the serializer and the form."""
    from bids.models import MAX_UNIT_PRICE
    from bids.portal.forms import BidForm

    lot = open_tender.lots.get(number=1)
    response = client_for(member_a).post(
        "/api/v1/bids/",
        {"tender": open_tender.pk, "lot_offers": [{"lot": lot.pk, "unit_price": price}]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    form = BidForm({f"lot_{lot.pk}_offer": "on", f"lot_{lot.pk}_unit_price": price}, tender=open_tender)
    form.is_valid()

    assert response.status_code == 400
    (error,) = response.json()["errors"]["lot_offers"]["0"]["unit_price"]
    assert error["code"] == code
    assert [error["message"]] == form.errors[f"lot_{lot.pk}_unit_price"]
    if code == "max_value":
        assert error["message"] == f"The price is larger than any plausible price (at most {MAX_UNIT_PRICE})."


def test_an_official_made_a_provider_member_reads_no_bid(open_tender, officer, provider_a, member_a, client_for):
    bid = submit_bid(member_a, open_tender)
    Membership.objects.create(user=officer, role="provider_member", provider=provider_a)  # e.g. through the shell

    response = client_for(officer).get(f"/api/v1/bids/{bid.pk}/")

    assert response.status_code == 404
    assert "9000" not in response.content.decode()


def test_an_idempotency_key_is_not_replayed_for_a_superseded_version(open_tender, member_a, client_for):
    client = client_for(member_a)
    bid = client.post("/api/v1/bids/", {"tender": open_tender.pk, **full_content(open_tender)}, format="json").json()
    assert client.post(f"/api/v1/bids/{bid['id']}/submit/", HTTP_IDEMPOTENCY_KEY="k1").status_code == 200
    client.post(f"/api/v1/bids/{bid['id']}/reopen/")

    response = client.post(f"/api/v1/bids/{bid['id']}/submit/", HTTP_IDEMPOTENCY_KEY="k1")

    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_reused"
    assert Bid.objects.get(pk=bid["id"]).status == "draft"
