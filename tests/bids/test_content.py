"""A bid's content (bids/content.py): ambiguous or stale content is refused, the current reduced VAT rate is
accepted, and the bidder can check its manifest against the hash on its receipt."""

import hashlib

import pytest

from tests.fixtures.stages import full_content


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (lambda c: c["quality_answers"].append(dict(c["quality_answers"][0])), "quality_answers", "duplicate_answer"),
        (lambda c: c.__setitem__("business_secrets", ["quality:999999"]), "business_secrets", "not_a_secret_part"),
        (lambda c: c["lot_offers"][0].__setitem__("vat_rate", "14"), "lot_offers", "invalid_vat_rate"),
    ],
)
def test_ambiguous_or_stale_content_is_refused(change, field, code, open_tender, member_a, client_for):
    content = full_content(open_tender)
    change(content)

    response = client_for(member_a).post("/api/v1/bids/", {"tender": open_tender.pk, **content}, format="json")

    assert response.status_code == 400, response.content
    assert code in [e["code"] for e in response.json()["errors"][field]]


def test_the_current_reduced_vat_rate_is_accepted(open_tender, member_a, client_for):
    content = full_content(open_tender)
    content["lot_offers"][0]["vat_rate"] = "13.5"
    response = client_for(member_a).post("/api/v1/bids/", {"tender": open_tender.pk, **content}, format="json")
    assert response.status_code == 201


def test_the_bidder_can_check_the_hash_on_its_receipt(open_tender, member_a, member_b, client_for):
    client = client_for(member_a)
    bid = client.post("/api/v1/bids/", {"tender": open_tender.pk, **full_content(open_tender)}, format="json").json()
    receipt = client.post(f"/api/v1/bids/{bid['id']}/submit/").json()

    manifest = client.get(f"/api/v1/bids/{bid['id']}/versions/1/manifest/")

    assert manifest.status_code == 200
    assert hashlib.sha256(manifest.content).hexdigest() == receipt["manifest_sha256"]
    assert client_for(member_b).get(f"/api/v1/bids/{bid['id']}/versions/1/manifest/").status_code == 404
