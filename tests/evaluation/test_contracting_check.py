"""No automatic contracting: after the standstill an officer confirms that no claim or appeal has arrived, and only
then may the contract be signed; the call is completed only when every lot is finished."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from evaluation.models import ContractStatus, LotContract
from procurement.models import AuditEvent, Notification
from procurement.timers import timers_run_due
from tenders.models import TenderStatus
from tests.fixtures.stages import decided_tender, send_decision


@pytest.fixture
def after_standstill(authority, officer, member_a, member_b):
    """A two-lot call whose decision was e-mailed 20 days ago: the standstill is over, its timers are due."""
    tender = decided_tender(officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])
    send_decision(tender, sent=timezone.now() - timedelta(days=20))
    return tender


def _contracts(tender):
    return list(LotContract.objects.filter(lot__tender=tender).order_by("lot__number"))


def _sign(client, contract):
    return client.post(
        f"/api/v1/contracts/{contract.pk}/sign/",
        {"signed_on": timezone.localdate().isoformat(), "signatories": ["Anna Hankkija"]},
        format="json",
    )


def _clear(client, contract, **body):
    return client.post(f"/api/v1/contracts/{contract.pk}/clear/", {"confirmed": True, **body}, format="json")


def test_the_standstill_timer_does_not_make_the_lot_ready_to_sign(after_standstill, officer, client_for):
    assert timers_run_due() == 2
    first, _second = _contracts(after_standstill)

    assert first.status == ContractStatus.STANDSTILL and first.cleared_at is None
    # the officers are told that the check is due
    assert (
        Notification.objects.filter(kind="standstill.ended", tender_id=after_standstill.pk, user=officer).count() == 2
    )
    refused = _sign(client_for(officer), first)
    assert refused.status_code == 409 and refused.json()["code"] == "contracting_not_cleared"
    first.refresh_from_db()
    assert first.status == ContractStatus.STANDSTILL and first.signed_on is None


def test_the_check_is_refused_while_the_standstill_runs(authority, officer, member_a, member_b, client_for):
    tender = decided_tender(officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])
    send_decision(tender, sent=timezone.now())
    contract = _contracts(tender)[0]

    response = _clear(client_for(officer), contract)

    assert response.status_code == 409
    assert response.json()["code"] == "standstill_running"
    assert response.json()["standstill_ends_on"] == contract.standstill_ends_on.isoformat()
    contract.refresh_from_db()
    assert contract.cleared_at is None and contract.status == ContractStatus.STANDSTILL


def test_the_check_needs_the_confirmation_and_only_an_officer_gives_it(
    after_standstill, officer, auditor_user, member_a, client_for
):
    contract = _contracts(after_standstill)[0]

    assert client_for(member_a).post(f"/api/v1/contracts/{contract.pk}/clear/", {}).status_code == 404
    assert client_for(auditor_user).post(f"/api/v1/contracts/{contract.pk}/clear/", {}).status_code == 403
    unconfirmed = client_for(officer).post(f"/api/v1/contracts/{contract.pk}/clear/", {"confirmed": False})
    assert unconfirmed.status_code == 400 and unconfirmed.json()["errors"]["confirmed"][0]["code"] == "required"
    contract.refresh_from_db()
    assert contract.cleared_at is None


def test_the_check_then_the_signing(after_standstill, officer, client_for):
    timers_run_due()
    contract = _contracts(after_standstill)[0]
    client = client_for(officer)

    cleared = _clear(client, contract, note="Kirjaamo ja sähköposti tarkistettu.")

    assert cleared.status_code == 200
    body = cleared.json()
    assert body["status"] == "contracting" and body["cleared_by"] == officer.pk and body["cleared_at"]
    assert body["clearance_note"] == "Kirjaamo ja sähköposti tarkistettu."
    event = AuditEvent.objects.get(action="contract.clear", object_id=str(contract.pk))
    assert event.actor_id == officer.pk and event.after["no_claim_or_appeal"] is True
    assert _clear(client, contract).json()["code"] == "already_cleared"
    signed = _sign(client, contract)
    assert signed.status_code == 200 and signed.json()["status"] == "signed"


def test_an_appeal_after_the_check_needs_a_new_check(after_standstill, officer, client_for):
    contract = _contracts(after_standstill)[0]
    client = client_for(officer)
    assert _clear(client, contract).status_code == 200
    today = timezone.localdate().isoformat()
    appeal = client.post(f"/api/v1/contracts/{contract.pk}/appeals/", {"filed_on": today, "reference": "MAO:9/2026"})
    appeal_id = appeal.json()["appeals"][0]["id"]
    client.post(
        f"/api/v1/contracts/{contract.pk}/appeals/{appeal_id}/resolve/", {"outcome": "dismissed", "resolved_on": today}
    )

    assert _sign(client, contract).json()["code"] == "contracting_not_cleared"
    assert _clear(client, contract).status_code == 200
    assert _sign(client, contract).status_code == 200


def _small_procurement(authority, kind, officer, member_a):
    """A decided procurement of 120 000 € (below the national threshold) of `authority`, made a `kind`."""
    authority.kind = kind
    authority.save(update_fields=["kind"])
    return decided_tender(
        officer=officer, authority=authority, bidders=[(member_a, "100")], estimated_value=Decimal("120000")
    )


def test_a_small_procurement_without_standstill_still_needs_the_check(authority, officer, member_a, client_for):
    # a state authority's small procurement: no standstill and no claim period, the check once it is notified
    tender = _small_procurement(authority, "state_authority", officer, member_a)
    send_decision(tender, sent=timezone.now())
    contract = _contracts(tender)[0]
    assert contract.standstill_ends_on is None and contract.status == ContractStatus.CONTRACTING
    assert contract.self_correction_ends_on is None
    client = client_for(officer)

    assert _sign(client, contract).json()["code"] == "contracting_not_cleared"
    assert _clear(client, contract).status_code == 200
    assert _sign(client, contract).status_code == 200


def test_a_municipalitys_small_procurement_is_checked_after_its_claim_period(authority, officer, member_a, client_for):
    # a municipality's small procurement: the Local Government Act's claim can be made for 14 days from the third
    # day after sending, and a contract signed before that would make a claim pointless
    tender = _small_procurement(authority, "municipality", officer, member_a)
    send_decision(tender, sent=timezone.now() - timedelta(days=10))
    contract = _contracts(tender)[0]
    assert contract.standstill_ends_on is None and contract.self_correction_ends_on >= timezone.localdate()
    client = client_for(officer)

    refused = _clear(client, contract)
    assert refused.status_code == 409 and refused.json()["code"] == "claim_period_running"
    contract.refresh_from_db()
    assert contract.cleared_at is None
    assert _sign(client, contract).json()["code"] == "contracting_not_cleared"

    # once the period has run (history: the decision was e-mailed 20 days ago), the check and the signing
    from evaluation.periods import lot_periods_recompute

    Notification.objects.filter(kind="decision", tender_id=tender.pk).update(
        sent_at=timezone.now() - timedelta(days=20)
    )
    lot_periods_recompute(tender_id=tender.pk)
    contract.refresh_from_db()
    assert contract.self_correction_ends_on < timezone.localdate()
    assert _clear(client, contract).status_code == 200
    assert _sign(client, contract).status_code == 200


def test_the_call_completes_only_when_every_lot_is_finished(after_standstill, officer, client_for):
    timers_run_due()
    first, second = _contracts(after_standstill)
    client = client_for(officer)
    url = f"/api/v1/tenders/{after_standstill.pk}/complete/"
    _clear(client, first)
    assert _sign(client, first).status_code == 200

    # the second lot's standstill runs again (its decision re-sent), though the call's own date has passed
    LotContract.objects.filter(pk=second.pk).update(standstill_ends_on=timezone.localdate() + timedelta(days=5))
    running = client.post(url)
    assert running.status_code == 409
    assert running.json()["code"] == "lots_not_finished" and running.json()["lots"] == [2]
    LotContract.objects.filter(pk=second.pk).update(standstill_ends_on=timezone.localdate() - timedelta(days=5))
    # the standstill is over, but the lot is not yet checked and signed
    assert client.post(url).json()["lots"] == [2]
    after_standstill.refresh_from_db()
    assert after_standstill.status == TenderStatus.DECIDED

    _clear(client, second)
    assert _sign(client, second).status_code == 200
    completed = client.post(url)
    assert completed.status_code == 200
    after_standstill.refresh_from_db()
    assert after_standstill.status == TenderStatus.COMPLETED
