"""The whole life of a call through the HTTP API, with the decision PDF rendered by a real Celery worker."""

import io
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from procurement.models import AuditEvent
from tenders.models import Tender
from tenders.tasks import close_due_tenders
from tests.fixtures import factories


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def token_client(client_for, username: str, password: str):
    client = client_for()
    response = client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


@pytest.mark.worker
def test_tender_lifecycle_end_to_end(celery_worker_redis, client_for):
    # given: an authority with two officers, two providers and an auditor, who sign in with passwords
    authority = factories.AuthorityFactory(name_fi="Pohjois-Savon työllisyysalue")
    officer = factories.officer_of(authority, username="olli")
    factories.officer_of(authority, username="outi")
    provider_a = factories.ProviderFactory(name="Savon Kieliopisto Oy")
    provider_b = factories.ProviderFactory(name="Kotoutumisen Tuki ry")
    factories.provider_member_of(provider_a, username="pekka")
    factories.provider_member_of(provider_b, username="paula")
    factories.auditor(username="aino")
    password = "correct horse battery staple"
    officer_api = token_client(client_for, "olli", password)
    outi = token_client(client_for, "outi", password)
    pekka = token_client(client_for, "pekka", password)
    paula = token_client(client_for, "paula", password)
    auditor_api = token_client(client_for, "aino", password)

    # when: the officer drafts and publishes a call (its notice in Hilma needs a real time limit: a month), and the
    # clock is then brought to a few seconds before the deadline
    deadline = timezone.now() + timedelta(days=30)
    response = officer_api.post(
        "/api/v1/tenders/",
        {
            "authority": authority.pk,
            "title_fi": "Kotoutumiskoulutus 2027, Kuopio",
            "description_fi": "Suomen kielen kotoutumiskoulutus aikuisille maahanmuuttajille.",
            "estimated_value": "480000.00",
            "price_weight": "60",
            "submission_deadline": deadline.isoformat(),
            "lots": [{"number": 1, "title": "Kuopio, perustaso", "municipality": "Kuopio", "students": 20}],
            "criteria": [
                {"number": 1, "name": "Toteutussuunnitelma", "weight": "25", "max_points": "10"},
                {"number": 2, "name": "Työelämäyhteistyö", "weight": "15", "max_points": "10"},
            ],
            # what its notice in Hilma (E3, at this value) states besides: the term, the statistics answers
            "contract_months": 24,
            "hilma_statistics": dict(factories.HILMA_STATISTICS),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    tender = response.json()
    assert tender["status"] == "draft" and tender["regime"] == "national"
    tender_id, lot_id = tender["id"], tender["lots"][0]["id"]
    assert officer_api.post(f"/api/v1/tenders/{tender_id}/submit_for_approval/").status_code == 200
    assert officer_api.post(f"/api/v1/tenders/{tender_id}/approve/").status_code == 403  # four eyes
    assert outi.post(f"/api/v1/tenders/{tender_id}/approve/", {"comment": "Hyvä."}, format="json").status_code == 200
    response = officer_api.post(f"/api/v1/tenders/{tender_id}/publish/")
    assert response.status_code == 200, response.content
    # its national notice was made with it, checked valid and kept unsent (no Hilma here)
    notices = officer_api.get(f"/api/v1/tenders/{tender_id}/notices/").json()
    assert [(n["kind"], n["subtype"], n["state"]) for n in notices] == [("contract", "E3", "valid")]
    deadline = timezone.now() + timedelta(seconds=10)
    Tender.objects.filter(pk=tender_id).update(submission_deadline=deadline, next_check=deadline)
    assert response.json()["status"] == "published"

    # and two providers submit their bids
    bids = {}
    published = response.json()
    for client, price, name in ((pekka, "9000.00", "Pekka"), (paula, "10000.00", "Paula")):
        bid = {
            "tender": tender_id,
            "lot_offers": [{"lot": lot_id, "unit_price": price, "vat_rate": "0"}],
            "quality_answers": [
                {"criterion": c["id"], "text": "Suunnitelma liitteenä."} for c in published["criteria"]
            ],
            "exclusion_declaration": dict.fromkeys(published["exclusion_grounds"], False),
            "contact": {"name": name, "email": f"{name.lower()}@provider.example"},
        }
        response = client.post("/api/v1/bids/", bid, format="json")
        assert response.status_code == 201, response.content
        bid_id = response.json()["id"]
        response = client.post(f"/api/v1/bids/{bid_id}/submit/", HTTP_IDEMPOTENCY_KEY=f"submit-{name}")
        assert response.status_code == 200, response.content
        assert len(response.json()["manifest_sha256"]) == 64
        bids[client] = bid_id

    # and before the deadline the officer cannot read them
    assert officer_api.get(f"/api/v1/tenders/{tender_id}/bids/").status_code == 403
    assert officer_api.get(f"/api/v1/bids/{bids[pekka]}/").status_code == 404

    # then: once the deadline has passed, a late submission is refused, although the call is not closed yet
    wait_until(lambda: timezone.now() > deadline + timedelta(milliseconds=200), timeout=15)
    assert pekka.post(f"/api/v1/bids/{bids[pekka]}/reopen/").status_code == 409
    response = paula.post(f"/api/v1/bids/{bids[paula]}/withdraw/")
    assert response.status_code == 409 and response.json()["code"] == "deadline_passed"
    assert officer_api.get(f"/api/v1/tenders/{tender_id}/").json()["status"] == "published"

    # and the periodic task, run by the worker, closes the call
    close_due_tenders.delay()
    wait_until(lambda: officer_api.get(f"/api/v1/tenders/{tender_id}/").json()["status"] == "closed")

    # when: the officer names the panel, which declares no conflict of interest, then two officers open the bids
    olli_id = officer.pk
    assert officer_api.post(f"/api/v1/tenders/{tender_id}/panel/", {"user": olli_id}, format="json").status_code == 201
    assert officer_api.get(f"/api/v1/tenders/{tender_id}/bids/").status_code == 403  # still sealed
    declared = officer_api.post(f"/api/v1/tenders/{tender_id}/declaration/", {"has_conflict": False}, format="json")
    assert declared.status_code == 200 and declared.json()["has_conflict"] is False
    assert officer_api.post(f"/api/v1/tenders/{tender_id}/open/").status_code == 202  # one officer asks…
    assert officer_api.post(f"/api/v1/tenders/{tender_id}/open/").json()["code"] == "second_officer_required"
    assert outi.post(f"/api/v1/tenders/{tender_id}/open/").json()["status"] == "opened"  # …a second confirms
    submitted = officer_api.get(f"/api/v1/tenders/{tender_id}/bids/").json()
    assert {b["provider_name"] for b in submitted} == {"Savon Kieliopisto Oy", "Kotoutumisen Tuki ry"}
    criteria = officer_api.get(f"/api/v1/tenders/{tender_id}/").json()["criteria"]
    points = {"Savon Kieliopisto Oy": "6", "Kotoutumisen Tuki ry": "9"}
    offer_of = {b["provider_name"]: b["content"]["lot_offers"][0]["lot_offer"] for b in submitted}
    checks = [
        {"bid": b["id"], "subject": "exclusion", "passed": True, "reason": "Ei poissulkemisperusteita."}
        for b in submitted
    ]
    response = officer_api.post(f"/api/v1/tenders/{tender_id}/qualification/", {"checks": checks}, format="json")
    assert response.status_code == 200, response.content
    scores = [
        {"lot_offer": offer_of[name], "criterion": c["id"], "points": p, "reason": "Perusteltu arviointimuistiossa."}
        for name, p in points.items()
        for c in criteria
    ]
    response = officer_api.post(f"/api/v1/tenders/{tender_id}/scores/", {"scores": scores}, format="json")
    assert response.status_code == 200, response.content
    assert officer_api.post(f"/api/v1/tenders/{tender_id}/evaluate/").json()["status"] == "evaluated"
    ranking = officer_api.get(f"/api/v1/tenders/{tender_id}/results/").json()
    # Pekka: 60 price + 24 quality = 84.00; Paula: 54 price + 36 quality = 90.00
    assert [(r["provider"], r["total_points"]) for r in ranking] == [
        ("Kotoutumisen Tuki ry", "90.00"),
        ("Savon Kieliopisto Oy", "84.00"),
    ]
    assert officer_api.post(f"/api/v1/tenders/{tender_id}/decide/").json()["code"] == "award_not_proposed"
    assert (
        officer_api.post(f"/api/v1/tenders/{tender_id}/propose/", {"note": "Ehdotus."}, format="json").status_code
        == 201
    )
    response = officer_api.post(f"/api/v1/tenders/{tender_id}/decide/")
    assert response.status_code == 201, response.content
    decision = response.json()
    assert decision["lot_awards"][0]["winner_provider"] == "Kotoutumisen Tuki ry"
    assert decision["standstill_ends_on"]

    # then: the worker renders the decision PDF, which a bidder and the auditor can download
    def ready_document():
        documents = paula.get(f"/api/v1/documents/?tender={tender_id}&kind=decision").json()["results"]
        return documents[0] if documents and documents[0]["status"] == "ready" else None

    document = wait_until(ready_document, timeout=60)
    for client in (pekka, auditor_api):
        response = client.get(document["download_url"])
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        pdf = b"".join(response.streaming_content)
        assert pdf.startswith(b"%PDF-")
        import hashlib

        assert hashlib.sha256(pdf).hexdigest() == document["sha256"]
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        assert "HANKINTAPÄÄTÖS" in text
        assert "Valittu palveluntuottaja: Kotoutumisen Tuki ry" in text
        assert "Valitusosoitus markkinaoikeuteen" in text

    # and each bidder got its receipt by e-mail, with the PDF
    receipts = [m for m in mail.outbox if m.attachments and "_receipt_" in m.attachments[0][0]]
    assert sorted(address for m in receipts for address in m.to) == sorted(
        ["paula@example.invalid", "pekka@example.invalid", provider_a.email, provider_b.email]
    )
    assert all(m.attachments[0][2] == "application/pdf" for m in receipts)

    # and the audit log holds the whole story
    actions = list(AuditEvent.objects.filter(tender_id=tender_id).values_list("action", flat=True))
    for expected in (
        "tender.create",
        "tender.submit_for_approval",
        "tender.approve",
        "tender.publish",
        "bid.submit",
        "tender.close",
        "tender.open",
        "tender.evaluate",
        "tender.decide",
        "document.rendered",
        "document.download",
    ):
        assert expected in actions
    # the two refusals of the call's bids before the opening, tied to the call; the bid's own id answered as an id
    # that no bid has, and was recorded as such (the path, tied to no call)
    assert AuditEvent.objects.filter(action="bid.read_sealed", outcome="denied", actor=officer).count() == 2
    probe = AuditEvent.objects.get(
        action="access.not_found", actor=officer, detail__path=f"/api/v1/bids/{bids[pekka]}/"
    )
    assert probe.tender_id is None and probe.object_id == ""
