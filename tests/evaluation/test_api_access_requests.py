"""The API of requests for documents (evaluation/api_access_requests.py): a bidder asks and reads its own, the
authority reads every one, the officer decides; another provider is not told a request exists."""

import pytest

from evaluation.models import AccessRequest
from tests.fixtures.access import decided_with_attachments, send_decision_to_all


@pytest.fixture
def decided(officer, member_a, member_b):
    tender, bid_b, _attachment = decided_with_attachments(officer=officer, member_a=member_a, member_b=member_b)
    return tender, bid_b


def test_a_bidder_asks_through_the_api_and_the_officer_decides(decided, officer, member_a, member_b, client_for):
    tender, bid_b = decided
    url = f"/api/v1/tenders/{tender.pk}/access-requests/"
    early = client_for(member_a).post(url, {"bids": [bid_b.pk]}, format="json")
    assert early.status_code == 409 and early.json()["code"] == "decision_not_sent"
    send_decision_to_all(tender)
    created = client_for(member_a).post(url, {"bids": [bid_b.pk], "comparison": True}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "received" and body["bids"] == [bid_b.pk] and body["channel"] == "api"
    request_id = body["id"]
    assert [r["id"] for r in client_for(member_a).get(url).json()] == [request_id]
    assert client_for(member_b).get(url).json() == []
    assert client_for(member_b).get(f"/api/v1/access-requests/{request_id}/").status_code == 404
    assert client_for(officer).get(f"/api/v1/access-requests/{request_id}/").status_code == 200
    decide = f"/api/v1/access-requests/{request_id}/decide/"
    assert client_for(member_a).post(decide, {"outcome": "granted"}, format="json").status_code == 403
    refused = client_for(officer).post(decide, {"outcome": "refused"}, format="json")
    assert refused.status_code == 400 and "grounds" in refused.json()["errors"]
    done = client_for(officer).post(
        decide,
        {"outcome": "granted_in_part", "grounds": ["business_secret"], "reason": "Osittain.", "items": {"bids": []}},
        format="json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "granted_in_part" and done.json()["granted"]["comparison"] is True
    assert done.json()["decision_document"] is not None
    assert AccessRequest.objects.get().decided_by == officer
    again = client_for(officer).post(decide, {"outcome": "granted"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
