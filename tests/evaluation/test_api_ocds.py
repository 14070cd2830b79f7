"""The public OCDS feed at /api/v1/ocds/: access, published calls only, pagination and filters, caching headers, and
nothing sealed, secret or personal in its bytes at any stage of a call."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from bids.services import bid_create, bid_submit
from evaluation import ocds
from evaluation.services import tender_decide, tender_evaluate, tender_propose
from tenders.models import Tender, TenderStatus
from tenders.services import (
    answers_publish,
    question_answer,
    question_ask,
    question_edit,
    tender_close,
    tender_declare_unsuccessful,
)
from tests.fixtures import factories
from tests.fixtures.stages import open_bids, qualify_all, score_all, seat_panel

pytestmark = pytest.mark.django_db

RELEASES = "/api/v1/ocds/releases/"
RECORDS = "/api/v1/ocds/records/"


def published(authority=None, **fields) -> Tender:
    fields.setdefault("published_at", timezone.now())
    return factories.TenderFactory(
        authority=authority or factories.AuthorityFactory(), status=TenderStatus.PUBLISHED, **fields
    )


def test_the_feed_is_public_and_read_only():
    tender = published()
    client = APIClient()
    response = client.get(RELEASES)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert [r["ocid"] for r in response.json()["releases"]] == [ocds.ocid_of(tender)]
    assert client.get(f"{RECORDS}{ocds.ocid_of(tender)}/").status_code == 200
    assert client.post(RELEASES, {}, format="json").status_code == 405


@pytest.mark.parametrize("status", [TenderStatus.DRAFT, TenderStatus.PENDING_APPROVAL, TenderStatus.APPROVED])
def test_a_call_never_published_is_not_in_the_feed(status):
    draft = factories.TenderFactory(status=status)
    client = APIClient()
    assert client.get(RELEASES).json()["releases"] == []
    assert client.get(RECORDS).json()["records"] == []
    for url in (f"{RECORDS}{ocds.ocid_of(draft)}/", f"{RELEASES}{ocds.ocid_of(draft)}/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_an_unknown_ocid_is_not_found():
    client = APIClient()
    assert client.get(f"{RECORDS}ocds-other-1/").status_code == 404
    assert client.get(f"{RECORDS}ocds-hnkdev-not-a-uuid/").status_code == 404


def test_releases_are_paginated_with_link_headers():
    # given
    for _ in range(3):
        published()
    client = APIClient()
    # when
    first = client.get(RELEASES, {"page_size": 2})
    second = client.get(RELEASES, {"page_size": 2, "page": 2})
    # then
    assert first["X-Total-Count"] == "3"
    assert len(first.json()["releases"]) == 2
    assert 'rel="next"' in first["Link"] and "page=2" in first["Link"]
    assert len(second.json()["releases"]) == 1
    assert 'rel="prev"' in second["Link"] and 'rel="next"' not in second["Link"]
    ids = [r["id"] for r in first.json()["releases"] + second.json()["releases"]]
    assert len(set(ids)) == 3


def test_records_are_paginated_by_call():
    for _ in range(3):
        published()
    response = APIClient().get(RECORDS, {"page_size": 2, "page": 2})
    assert response["X-Total-Count"] == "3"
    assert len(response.json()["records"]) == 1


def test_a_bad_page_is_refused():
    assert APIClient().get(RELEASES, {"page": "zero"}).status_code == 400
    assert APIClient().get(RELEASES, {"page": 0}).status_code == 400


def test_releases_filter_by_authority_and_date():
    # given
    authority, other = factories.AuthorityFactory(), factories.AuthorityFactory()
    old = published(authority, published_at=timezone.now() - timedelta(days=30))
    new = published(authority)
    published(other)
    client = APIClient()
    # when
    by_business_id = client.get(RELEASES, {"authority": authority.business_id}).json()["releases"]
    by_id = client.get(RELEASES, {"authority": str(authority.pk)}).json()["releases"]
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    recent = client.get(RELEASES, {"authority": authority.business_id, "since": since}).json()["releases"]
    until = client.get(RELEASES, {"until": since}).json()["releases"]
    # then
    assert {r["ocid"] for r in by_business_id} == {ocds.ocid_of(old), ocds.ocid_of(new)}
    assert by_id == by_business_id
    assert [r["ocid"] for r in recent] == [ocds.ocid_of(new)]
    assert [r["ocid"] for r in until] == [ocds.ocid_of(old)]
    assert client.get(RELEASES, {"since": "yesterday"}).status_code == 400


def test_an_unchanged_feed_answers_304_to_its_etag():
    tender = published()
    client = APIClient()
    url = f"{RECORDS}{ocds.ocid_of(tender)}/"
    first = client.get(url)
    assert first["ETag"] and first["Last-Modified"]
    assert first["Cache-Control"] == "public, no-cache"
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="sv")["ETag"] == first["ETag"]  # one feed, whatever the language
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


# --- the leak matrix ---------------------------------------------------------------------------------------------

# Every string below is sealed, secret or personal: none may appear in the feed's bytes at the stages named.
BID_TEXTS = ["SALAINEN-VASTAUS-QX1", "SALAINEN-VASTAUS-QX2", "TODISTE-EV77", "LIIKESALAISUUS-BS9"]
PRICES = ["7321.37", "7321,37", "8456.19", "8456,19", "146427", "169123"]  # the unit prices and 20 x each
CONTACTS = ["Pirkko Yhteyshenkilo", "pirkko.yhteys@bidder.example"]
QUESTIONER = ["Kysyjaorganisaatio Oy", "Kalle Kysyja", "kalle.kysyja@asker.example", "KYSYJA-ALKUPERAINEN"]
OFFICERS = ["Olavi", "Virkamiehelainen", "olavi.virkamies@authority.example", "Outilda", "Toissijainen"]
BIDDERS = ["Voittava Koulutus Oy", "Haviava Opisto Oy"]
LOSER = ["Haviava Opisto Oy"]


def bid_content(tender, *, price: str, marker: str) -> dict:
    """A complete bid whose answer to the first criterion is marked a business secret."""
    criteria = list(tender.criteria.order_by("number"))
    return {
        "lot_offers": [{"lot": lot.pk, "unit_price": price, "vat_rate": "0"} for lot in tender.lots.all()],
        "quality_answers": [
            {"criterion": criteria[0].pk, "text": f"LIIKESALAISUUS-BS9 {marker}"},
            *({"criterion": c.pk, "text": marker} for c in criteria[1:]),
        ],
        "exclusion_declaration": dict.fromkeys(tender.exclusion_grounds, False),
        "suitability_evidence": [{"requirement": r.pk, "text": "TODISTE-EV77"} for r in tender.requirements.all()],
        "contact": {"name": "Pirkko Yhteyshenkilo", "email": "pirkko.yhteys@bidder.example", "phone": ""},
        "business_secrets": [f"quality:{criteria[0].pk}", "contact"],
    }


def build_stage(stage: str) -> Tender:
    """A call at `stage`, with a published question from a named asker and two bids full of sealed text."""
    authority = factories.AuthorityFactory(email="kirjaamo@authority.example")
    officer = factories.officer_of(
        authority, first_name="Olavi", last_name="Virkamiehelainen", email="olavi.virkamies@authority.example"
    )
    second = factories.officer_of(authority, first_name="Outilda", last_name="Toissijainen")
    tender = published(authority, created_by=officer)
    asker = factories.provider_member_of(
        factories.ProviderFactory(name="Kysyjaorganisaatio Oy"),
        first_name="Kalle",
        last_name="Kysyja",
        email="kalle.kysyja@asker.example",
    )
    question = question_ask(
        actor=asker, tender_id=tender.pk, text="KYSYJA-ALKUPERAINEN: saako etäopetusta?", received_at=timezone.now()
    )
    question_edit(actor=officer, tender_id=tender.pk, question_id=question.pk, text="Saako etäopetusta?")
    question_answer(actor=officer, tender_id=tender.pk, question_id=question.pk, answer="Enintään 20 %.")
    answers_publish(actor=officer, tender_id=tender.pk)
    for name, price, marker in (
        ("Voittava Koulutus Oy", "7321.37", "SALAINEN-VASTAUS-QX1"),
        ("Haviava Opisto Oy", "8456.19", "SALAINEN-VASTAUS-QX2"),
    ):
        member = factories.provider_member_of(factories.ProviderFactory(name=name))
        bid = bid_create(
            actor=member,
            tender_id=tender.pk,
            received_at=timezone.now(),
            content=bid_content(tender, price=price, marker=marker),
        )
        bid_submit(actor=member, bid_id=bid.pk, received_at=timezone.now())
    if stage == "published":
        return tender
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=now - timedelta(seconds=1), next_check=now)
    tender_close(actor=officer, tender_id=tender.pk)
    if stage == "after_deadline":
        return tender
    seat_panel(tender, officer)
    open_bids(tender, officer, second)
    if stage == "after_opening":
        return tender
    if stage == "interrupted":
        tender_declare_unsuccessful(actor=officer, tender_id=tender.pk, reason="Ei hyväksyttäviä tarjouksia.")
        return tender
    qualify_all(tender, officer)
    score_all(tender, officer)
    tender_evaluate(actor=officer, tender_id=tender.pk)
    tender_propose(actor=officer, tender_id=tender.pk)
    tender_decide(actor=second, tender_id=tender.pk)
    return tender


def feed_bytes(tender: Tender) -> bytes:
    client = APIClient()
    ocid = ocds.ocid_of(tender)
    responses = [client.get(url) for url in (RELEASES, RECORDS, f"{RELEASES}{ocid}/", f"{RECORDS}{ocid}/")]
    assert all(response.status_code == 200 for response in responses)
    return b"\n".join(response.content for response in responses)


SENSITIVE = {
    "published": BID_TEXTS + PRICES + CONTACTS + QUESTIONER + OFFICERS + BIDDERS,
    "after_deadline": BID_TEXTS + PRICES + CONTACTS + QUESTIONER + OFFICERS + BIDDERS,
    "after_opening": BID_TEXTS + CONTACTS + QUESTIONER + OFFICERS + BIDDERS,
    "interrupted": BID_TEXTS + CONTACTS + QUESTIONER + OFFICERS + BIDDERS,
    # the prices are public with the contract, not with the decision (the bidders see them then, not the public)
    "after_decision": BID_TEXTS + PRICES + CONTACTS + QUESTIONER + OFFICERS + LOSER,
}


@pytest.mark.parametrize("stage", list(SENSITIVE))
def test_nothing_sealed_secret_or_personal_leaves_through_the_feed(stage):
    # given
    tender = build_stage(stage)
    # when
    data = feed_bytes(tender).decode()
    # then
    leaked = [text for text in SENSITIVE[stage] if text.lower() in data.lower()]
    assert leaked == []
    assert "Saako etäopetusta?" in data  # the published wording is there
    assert "kirjaamo@authority.example" in data  # the authority's generic contact is


def test_the_decided_winner_is_named():
    # the matrix above can see what it looks for: after the decision the winner is public
    data = feed_bytes(build_stage("after_decision")).decode()
    assert "Voittava Koulutus Oy" in data


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-02-30"},
        {"until": "2026-13-01T10:00:00"},
        {"since": "2026-03-29T03:30:00"},  # no such wall time in Helsinki
        {"page_size": "1e10"},
        {"page": str(10**17)},  # an offset beyond the database's integers
    ],
)
def test_a_malformed_filter_is_refused_not_a_crash(params):
    response = APIClient().get(RELEASES, params)
    assert response.status_code == 400
    if set(params) <= {"page", "page_size"}:  # the records are paged by call, not dated
        assert APIClient().get("/api/v1/ocds/records/", params).status_code == 400


@pytest.mark.parametrize("authority", ["²", "\x00", "1\x002", "x" * 500])
def test_an_authority_that_is_no_id_nor_business_id_names_nothing(authority):
    published()
    for url in (RELEASES, "/api/v1/ocds/records/"):
        response = APIClient().get(url, {"authority": authority})
        assert response.status_code == 200, (url, authority)


def test_an_authority_id_beyond_the_integers_names_nothing():
    published()
    response = APIClient().get(RELEASES, {"authority": "9" * 30})
    assert response.status_code == 200
    assert response.json()["releases"] == []


def test_the_feed_reads_a_fixed_number_of_queries_per_call(django_assert_max_num_queries):
    # given: each call with a published answer (two releases each)
    def call_with_answers():
        tender = published()
        officer = factories.officer_of(tender.authority)
        member = factories.provider_member_of(factories.ProviderFactory())
        question = question_ask(actor=member, tender_id=tender.pk, text="Kysymys?", received_at=timezone.now())
        question_answer(actor=officer, tender_id=tender.pk, question_id=question.pk, answer="Vastaus.")
        answers_publish(actor=officer, tender_id=tender.pk)

    call_with_answers()
    client = APIClient()
    with CaptureQueriesContext(connection) as one:
        client.get(RELEASES)
    for _ in range(3):
        call_with_answers()
    # then: three more calls cost three times one call's queries, not more (no query per release or per lot)
    per_call = len(one.captured_queries)
    with django_assert_max_num_queries(4 * per_call):
        response = client.get(RELEASES)
    assert len(response.json()["releases"]) == 8
