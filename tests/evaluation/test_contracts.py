"""After the decision: the standstill, a Market Court appeal, the liability documents and the signing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from documents.models import GeneratedDocument
from documents.services import document_render
from evaluation.models import ContractStatus, LotContract
from procurement.models import Notification
from procurement.notifications import notification_deliver
from procurement.timers import timers_run_due
from tests.fixtures.stages import decided_tender


@pytest.fixture
def notified(authority, officer, member_a, member_b):
    """A decided call whose decision was e-mailed to both bidders 20 days ago: the standstill is over."""
    tender = decided_tender(officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])
    for document in GeneratedDocument.objects.filter(tender=tender, kind__in=["letter", "decision"]):
        document_render(document_id=document.pk)
    sent = timezone.now() - timedelta(days=20)
    for notification in Notification.objects.filter(kind="decision", tender_id=tender.pk):
        assert notification_deliver(notification_id=notification.pk, now=sent) == "sent"
    return tender


def test_the_standstill_end_notifies_but_an_appeal_suspends_the_lot(notified, officer, client_for):
    contracts = list(LotContract.objects.filter(lot__tender=notified).order_by("lot__number"))
    assert [c.status for c in contracts] == [ContractStatus.STANDSTILL] * 2
    first, second = contracts
    response = client_for(officer).post(
        f"/api/v1/contracts/{second.pk}/appeals/",
        {"filed_on": timezone.localdate().isoformat(), "reference": "MAO:123/2026"},
    )
    assert response.status_code == 201 and response.json()["status"] == "suspended"
    # the same appeal twice is refused
    again = client_for(officer).post(
        f"/api/v1/contracts/{second.pk}/appeals/",
        {"filed_on": timezone.localdate().isoformat(), "reference": "MAO:123/2026"},
    )
    assert again.status_code == 409 and again.json()["code"] == "appeal_exists"

    assert timers_run_due() == 2  # both standstill timers were due; the suspended lot stays suspended
    assert timers_run_due() == 0
    first.refresh_from_db()
    second.refresh_from_db()
    # the timer only tells the officers that the check is due; it makes no lot ready for contracting
    assert (first.status, second.status) == (ContractStatus.STANDSTILL, ContractStatus.SUSPENDED)
    assert Notification.objects.filter(kind="standstill.ended", tender_id=notified.pk, user=officer).count() == 1

    appeal_id = response.json()["appeals"][0]["id"]
    resolved = client_for(officer).post(
        f"/api/v1/contracts/{second.pk}/appeals/{appeal_id}/resolve/",
        {"outcome": "dismissed", "resolved_on": timezone.localdate().isoformat()},
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "contracting"


def test_signing_warns_of_stale_liability_documents_and_is_recorded(notified, officer, client_for):
    timers_run_due()
    contract = LotContract.objects.filter(lot__tender=notified).order_by("lot__number").first()
    client = client_for(officer)
    assert client.post(f"/api/v1/contracts/{contract.pk}/clear/", {"confirmed": True}).status_code == 200
    today = timezone.localdate()
    for kind, age in (("tax_debt", 10), ("pension_insurance", 130), ("trade_register", 5)):
        response = client.post(
            f"/api/v1/contracts/{contract.pk}/liability-documents/",
            {"kind": kind, "issued_on": (today - timedelta(days=age)).isoformat()},
        )
        assert response.status_code == 201
    future = client.post(
        f"/api/v1/contracts/{contract.pk}/liability-documents/",
        {"kind": "tax_debt", "issued_on": (today + timedelta(days=1)).isoformat()},
    )
    assert future.status_code == 400 and future.json()["errors"]["issued_on"][0]["code"] == "in_future"
    assert (
        client.post(
            f"/api/v1/contracts/{contract.pk}/sign/", {"signed_on": today.isoformat(), "signatories": []}
        ).status_code
        == 400
    )

    signed = client.post(
        f"/api/v1/contracts/{contract.pk}/sign/",
        {"signed_on": today.isoformat(), "signatories": ["Anna Hankkija", "Pekka Tuottaja"], "reference": "SOP-1"},
        format="json",
    )

    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    codes = [w["code"] for w in signed.json()["warnings"]]
    assert codes.count("liability_too_old") == 1  # the pension insurance certificate is over 3 months old
    assert "liability_missing" in codes
    again = client.post(
        f"/api/v1/contracts/{contract.pk}/sign/", {"signed_on": today.isoformat(), "signatories": ["X"]}, format="json"
    )
    assert again.status_code == 409


def test_no_signing_during_the_standstill(authority, officer, member_a, member_b, client_for):
    tender = decided_tender(officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])
    for document in GeneratedDocument.objects.filter(tender=tender, kind__in=["letter", "decision"]):
        document_render(document_id=document.pk)
    for notification in Notification.objects.filter(kind="decision", tender_id=tender.pk):
        notification_deliver(notification_id=notification.pk)
    contract = LotContract.objects.filter(lot__tender=tender).first()

    response = client_for(officer).post(
        f"/api/v1/contracts/{contract.pk}/sign/",
        {"signed_on": timezone.localdate().isoformat(), "signatories": ["Anna"]},
        format="json",
    )

    assert response.status_code == 400 and response.json()["errors"]["signed_on"][0]["code"] == "in_standstill"


def test_only_the_authoritys_officers_touch_the_contract_step(notified, auditor_user, member_a, client_for):
    contract = LotContract.objects.filter(lot__tender=notified).first()
    body = {"filed_on": timezone.localdate().isoformat(), "reference": "MAO:1/2026"}

    assert client_for(auditor_user).get(f"/api/v1/tenders/{notified.pk}/contracts/").status_code == 200
    assert client_for(auditor_user).post(f"/api/v1/contracts/{contract.pk}/appeals/", body).status_code == 403
    assert client_for(member_a).get(f"/api/v1/tenders/{notified.pk}/contracts/").status_code == 404
    assert client_for(member_a).post(f"/api/v1/contracts/{contract.pk}/appeals/", body).status_code == 404
    contract.refresh_from_db()
    assert contract.status == ContractStatus.STANDSTILL and not contract.appeals.exists()
