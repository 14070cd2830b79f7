"""Market Court appeals: registered on lots (which are then suspended: no contract is signed), ruled on (dismissed,
withdrawn, compensation and fine release the lots; an annulment, a re-evaluation or a ban keep them suspended until a
new edition of the decision), and the one suspension that claims and appeals share."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from evaluation.appeals import lot_suspension_sync, lot_suspensions
from evaluation.models import Appeal, ContractStatus, Correction, LotContract
from procurement.audit import AuditEvent
from procurement.models import Notification
from tests.fixtures.claims import filed_claim, lots_of, notified_tender, registered_appeal

pytestmark = pytest.mark.django_db


@pytest.fixture
def after_standstill(authority, officer, member_a, member_b):
    """The decision was sent 20 days ago: the standstill is over, the claim period too."""
    return notified_tender(
        officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")], sent_days_ago=20
    )


def _contract(tender, number=1) -> LotContract:
    return LotContract.objects.get(lot__tender=tender, lot__number=number)


def _clear(client, contract):
    return client.post(f"/api/v1/contracts/{contract.pk}/clear/", {"confirmed": True}, format="json")


def _sign(client, contract):
    return client.post(
        f"/api/v1/contracts/{contract.pk}/sign/",
        {"signed_on": timezone.localdate().isoformat(), "signatories": ["Maija Meikäläinen"]},
        format="json",
    )


def _register(client, tender, lots, diary_number="MAO:77/2026"):
    return client.post(
        f"/api/v1/tenders/{tender.pk}/appeals/",
        {
            "lots": [lot.pk for lot in lots],
            "diary_number": diary_number,
            "informed_on": timezone.localdate().isoformat(),
            "appellant_name": "Valittaja Oy",
        },
        format="json",
    )


def _resolve(client, appeal_id, outcome, **extra):
    return client.post(
        f"/api/v1/appeals/{appeal_id}/resolve/",
        {"outcome": outcome, "decided_on": timezone.localdate().isoformat(), **extra},
        format="json",
    )


def test_an_appeal_suspends_contracting_and_its_dismissal_releases_it(after_standstill, officer, member_a, client_for):
    tender, client = after_standstill, client_for(officer)
    contract = _contract(tender)
    assert _clear(client, contract).status_code == 200
    # given an appeal about the first lot
    registered = _register(client, tender, [contract.lot])
    assert registered.status_code == 201, registered.json()
    appeal_id = registered.json()["id"]
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUSPENDED and contract.cleared_at is None
    assert _contract(tender, 2).status != ContractStatus.SUSPENDED
    assert Notification.objects.filter(kind="appeal.registered", key=f"appeal:{appeal_id}").count() == 2
    # when the officer tries to sign, it is refused, naming the appeal
    refused = _sign(client, contract)
    assert refused.status_code == 409 and refused.json()["code"] == "lot_suspended"
    assert "MAO:77/2026" in refused.json()["detail"]
    assert _clear(client, contract).json()["code"] == "lot_suspended"
    # then the court dismisses it: the lot is released, checked again and signed
    dismissed = _resolve(client, appeal_id, "dismissed", note="Valitus hylättiin.")
    assert dismissed.status_code == 200 and dismissed.json()["outcome"] == "dismissed"
    contract.refresh_from_db()
    assert contract.status == ContractStatus.CONTRACTING
    assert AuditEvent.objects.filter(action="contract.release", detail__appeal=appeal_id).exists()
    assert Notification.objects.filter(kind="appeal.dismissed").count() == 2
    assert _clear(client, contract).status_code == 200
    assert _sign(client, contract).status_code == 200


def test_an_annulment_is_recorded_and_keeps_the_lot_suspended_until_a_new_edition(
    after_standstill, officer, client_for
):
    tender, client = after_standstill, client_for(officer)
    contract = _contract(tender)
    appeal_id = _register(client, tender, [contract.lot]).json()["id"]
    annulled = _resolve(client, appeal_id, "annulled", note="Päätös kumottiin; uusi vertailu.")
    assert annulled.status_code == 200
    assert annulled.json()["outcome"] == "annulled" and annulled.json()["new_evaluation_needed"] is True
    event = AuditEvent.objects.get(action="appeal.resolve")
    assert event.after["new_evaluation_needed"] is True
    assert _contract(tender).status == ContractStatus.SUSPENDED
    assert _sign(client, contract).json()["code"] == "lot_suspended"
    assert Notification.objects.filter(kind="appeal.annulled").exists()
    # the correction that makes the new edition releases the lot (evaluation.corrections calls the sync)
    appeal = Appeal.objects.get(pk=appeal_id)
    correction = Correction.objects.create(
        decision=appeal.decision, number=1, cause="appeal", appeal=appeal, reason="Uusi vertailu.", started_by=officer
    )
    correction.lots.add(contract.lot)
    Correction.objects.filter(pk=correction.pk).update(status=Correction.Status.DECIDED)
    lot_suspension_sync(actor=officer, lot_ids=[contract.lot_id], cause={"correction": correction.pk})
    assert _contract(tender).status == ContractStatus.CONTRACTING


@pytest.mark.parametrize("outcome", ["compensation", "fine"])
def test_a_compensation_or_a_fine_needs_its_amount(after_standstill, officer, client_for, outcome):
    tender, client = after_standstill, client_for(officer)
    appeal_id = _register(client, tender, lots_of(tender)).json()["id"]
    missing = _resolve(client, appeal_id, outcome)
    assert missing.status_code == 400 and missing.json()["errors"]["amount"][0]["code"] == "required"
    recorded = _resolve(client, appeal_id, outcome, amount="15000.00")
    assert recorded.status_code == 200 and Decimal(recorded.json()["amount"]) == Decimal("15000.00")
    assert {c.status for c in LotContract.objects.filter(lot__tender=tender)} == {ContractStatus.CONTRACTING}


@pytest.mark.parametrize("outcome", ["re_evaluate", "contracting_ban"])
def test_a_re_evaluation_or_a_ban_keeps_the_lots_suspended(after_standstill, officer, client_for, outcome):
    tender, client = after_standstill, client_for(officer)
    appeal_id = _register(client, tender, lots_of(tender)[:1]).json()["id"]
    assert _resolve(client, appeal_id, outcome).status_code == 200
    assert _contract(tender).status == ContractStatus.SUSPENDED


def test_an_appeal_is_resolved_once_and_registered_once(after_standstill, officer, client_for):
    tender, client = after_standstill, client_for(officer)
    appeal_id = _register(client, tender, lots_of(tender)[:1]).json()["id"]
    assert _register(client, tender, lots_of(tender)[:1]).json()["code"] == "appeal_exists"
    assert _resolve(client, appeal_id, "withdrawn").status_code == 200
    again = _resolve(client, appeal_id, "dismissed")
    assert again.status_code == 409 and again.json()["code"] == "appeal_resolved"


def test_a_ruling_cannot_precede_the_filing_or_lie_in_the_future(after_standstill, officer, client_for):
    tender, client = after_standstill, client_for(officer)
    appeal_id = _register(client, tender, lots_of(tender)[:1]).json()["id"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert _resolve(client, appeal_id, "dismissed", decided_on=tomorrow).status_code == 400
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert _resolve(client, appeal_id, "dismissed", decided_on=yesterday).json()["code"] == "invalid"


def test_appeals_are_the_authoritys(after_standstill, officer, member_a, auditor_user, client_for):
    tender = after_standstill
    appeal = registered_appeal(tender=tender, officer=officer)
    assert client_for(member_a).get(f"/api/v1/tenders/{tender.pk}/appeals/").status_code == 404
    assert _resolve(client_for(member_a), appeal.pk, "dismissed").status_code == 404
    listed = client_for(officer).get(f"/api/v1/tenders/{tender.pk}/appeals/").json()
    assert [a["diary_number"] for a in listed] == ["MAO:123/2026"]


def test_a_claim_and_an_appeal_on_one_lot_both_hold_it(authority, officer, member_a, member_b, client_for):
    tender = notified_tender(
        officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")], sent_days_ago=2
    )
    claim = filed_claim(tender=tender, member=member_a)
    lot = claim.lots.get()
    appeal = registered_appeal(tender=tender, officer=officer, lots=[lot])
    assert [s.cause for s in lot_suspensions(lot_ids=[lot.pk])[lot.pk]] == ["claim", "appeal"]
    client_for(member_a).post(f"/api/v1/claims/{claim.pk}/withdraw/")
    assert LotContract.objects.get(lot=lot).status == ContractStatus.SUSPENDED  # the appeal still holds it
    assert _resolve(client_for(officer), appeal.pk, "dismissed").status_code == 200
    # released within the standstill: the lot waits for its end again
    assert LotContract.objects.get(lot=lot).status == ContractStatus.STANDSTILL


def test_the_procedure_report_lists_every_claim_and_appeal_with_its_course(authority, officer, member_a, member_b):
    from documents.services import document_render, procedure_report_request
    from tests.fixtures.claims import rejected_claim
    from tests.fixtures.documents import pdftotext

    tender = notified_tender(
        officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")], sent_days_ago=2
    )
    rejected_claim(tender=tender, member=member_a, officer=officer, render=False)
    appeal = registered_appeal(tender=tender, officer=officer, reference="MAO:55/2026")
    from evaluation.appeals import appeal_resolve

    appeal_resolve(
        actor=officer,
        appeal_id=appeal.pk,
        outcome="compensation",
        decided_on=timezone.localdate(),
        amount=Decimal("5000"),
    )
    text = pdftotext(document_render(document_id=procedure_report_request(tender=tender).pk))
    assert "Oikaisuvaatimukset ja markkinaoikeusvalitukset" in text
    assert "Oikaisuvaatimus nro 1" in text and "Oikaisuvaatimus hylätty" not in text
    assert "Pisteytys on tehty vertailuperusteiden mukaisesti." in text
    assert "Markkinaoikeusvalitus MAO:55/2026" in text and "Hyvitysmaksu määrätty" in text
