"""Claims for rectification: filed by a bidder within its period (refused after it, with the last day), registered by
an officer, decided with a PDF that gives the reasons and the redress, and the suspension of contracting they bring."""

from datetime import timedelta

import pytest
from django.utils import timezone

from documents.models import GeneratedDocument
from evaluation.claims import claim_decide, claim_decision_issue, claim_is_late, claim_period_end
from evaluation.models import Claim, ContractStatus, LotContract
from procurement.audit import AuditEvent
from procurement.errors import Conflict
from procurement.models import Notification
from tests.fixtures import factories
from tests.fixtures.claims import filed_claim, lots_of, notified_tender, registered_claim, rejected_claim
from tests.fixtures.documents import pdftotext

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender(authority, officer, member_a, member_b):
    return notified_tender(
        officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")], sent_days_ago=2
    )


def _file(client, tender, lots, grounds="Pisteytys on virheellinen."):
    return client.post(
        f"/api/v1/tenders/{tender.pk}/claims/", {"lots": [lot.pk for lot in lots], "grounds": grounds}, format="json"
    )


def test_a_bidder_files_a_claim_within_its_period_and_the_lot_is_suspended(tender, member_a, officer, client_for):
    first = lots_of(tender)[0]
    response = _file(client_for(member_a), tender, [first])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "open" and body["kind"] == "procurement_act" and body["channel"] == "api"
    assert body["number"] == 1 and [lot["number"] for lot in body["lots"]] == [first.number]
    claim = Claim.objects.get(pk=body["id"])
    assert body["period_ends_on"] == claim_period_end(claim.decision, claim.provider_id).isoformat()
    assert LotContract.objects.get(lot=first).status == ContractStatus.SUSPENDED
    # the records name what suspends it, not only an appeal
    assert "oikaisuvaatimus" in LotContract.objects.get(lot=first).get_status_display()
    assert LotContract.objects.exclude(lot=first).get(lot__tender=tender).status != ContractStatus.SUSPENDED
    assert Notification.objects.filter(kind="claim.filed", user=officer).exists()
    assert AuditEvent.objects.filter(action="claim.file").exists()
    assert AuditEvent.objects.filter(action="contract.suspend", detail__claim=claim.pk).exists()


def test_a_claim_after_its_period_is_refused_with_the_last_day(authority, officer, member_a, member_b, client_for):
    tender = notified_tender(
        officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")], sent_days_ago=30
    )
    response = _file(client_for(member_a), tender, lots_of(tender)[:1])
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "claim_period_over"
    last_day = timezone.localdate().fromisoformat(body["last_day"])
    assert last_day < timezone.localdate()
    assert last_day.strftime("%d.%m.%Y") in body["detail"]
    assert not Claim.objects.exists()


def test_a_claim_before_the_decision_is_sent_to_the_bidder_is_refused(authority, officer, member_a, client_for):
    from tests.fixtures.stages import decided_tender

    tender = decided_tender(officer=officer, authority=authority, bidders=[(member_a, "9000")])
    response = _file(client_for(member_a), tender, lots_of(tender)[:1])
    assert response.status_code == 409 and response.json()["code"] == "decision_not_notified"


def test_a_claim_names_only_lots_of_the_decision_the_bidder_bid_in(tender, member_a, client_for):
    none = _file(client_for(member_a), tender, [])
    assert none.status_code == 400 and none.json()["errors"]["lots"][0]["code"] == "required"
    foreign = factories.TenderFactory().lots.first()
    other = _file(client_for(member_a), tender, [foreign])
    assert other.status_code == 400 and other.json()["errors"]["lots"][0]["code"] == "not_decided"
    assert not Claim.objects.exists()


def test_someone_without_a_bid_cannot_file(tender, client_for):
    outsider = factories.provider_member_of(factories.ProviderFactory())
    assert _file(client_for(outsider), tender, lots_of(tender)[:1]).status_code == 404


def test_an_officer_registers_a_late_claim_flagged_late_and_decides_it_inadmissible(tender, officer, client_for):
    late_day = timezone.localdate()
    claim = registered_claim(tender=tender, officer=officer, arrived_on=late_day)
    assert claim.channel == "email" and claim.claimant_name == "Kuntalainen Matti"
    assert not claim_is_late(claim)
    # a claim that arrived after the period (the decision's own) is flagged late
    Claim.objects.filter(pk=claim.pk).update(arrived_on=claim.decision.self_correction_ends_on + timedelta(days=1))
    claim.refresh_from_db()
    assert claim_is_late(claim)
    detail = client_for(officer).get(f"/api/v1/claims/{claim.pk}/").json()
    assert detail["late"] is True
    decided = client_for(officer).post(
        f"/api/v1/claims/{claim.pk}/decide/",
        {"outcome": "inadmissible", "reason": "Vaatimus saapui määräajan jälkeen."},
        format="json",
    )
    assert decided.status_code == 200, decided.json()
    assert decided.json()["status"] == "inadmissible"


def test_a_rejected_claim_has_its_pdf_with_the_reasons_and_the_redress(
    tender, member_a, provider_a, provider_b, officer
):
    claim = rejected_claim(tender=tender, member=member_a, officer=officer)
    assert claim.status == Claim.Status.REJECTED
    documents = GeneratedDocument.objects.filter(tender=tender, kind="claim_decision")
    # the claimant's copy and the other bidder's of the lot
    assert {d.provider_id for d in documents} == {provider_a.pk, provider_b.pk}
    text = pdftotext(documents.get(subject=f"claim:{claim.pk}"))
    assert "PÄÄTÖS HANKINTAOIKAISUVAATIMUKSEEN" in text
    assert "Pisteytys on tehty vertailuperusteiden mukaisesti." in text
    assert "markkinaoikeu" in text and "Vaatimus hylätään" in text
    assert Notification.objects.filter(kind="claim.rejected", provider_id=claim.provider_id).exists()
    # the lot is released: no other claim holds it
    assert LotContract.objects.get(lot=claim.lots.get()).status != ContractStatus.SUSPENDED


def test_a_bilingual_authoritys_decision_on_a_claim_is_in_both_languages(bilingual, officer, member_a, member_b):
    tender = notified_tender(officer=officer, authority=bilingual, bidders=[(member_a, "9000"), (member_b, "9500")])
    claim = rejected_claim(tender=tender, member=member_a, officer=officer)
    text = pdftotext(GeneratedDocument.objects.get(subject=f"claim:{claim.pk}"))
    assert "PÄÄTÖS HANKINTAOIKAISUVAATIMUKSEEN" in text and "UPPHANDLINGSRÄTTELSE" in text
    assert "Poängsättningen har gjorts enligt jämförelsegrunderna." in text
    assert "marknadsdomstolen" in text


def test_a_bilingual_authority_needs_the_swedish_reasons(bilingual, officer, member_a):
    tender = notified_tender(officer=officer, authority=bilingual, bidders=[(member_a, "9000")])
    claim = filed_claim(tender=tender, member=member_a)
    with pytest.raises(Exception) as refused:
        claim_decide(actor=officer, claim_id=claim.pk, outcome="rejected", reason="Ei perusteita.")
    assert refused.value.errors["reason_sv"][0]["code"] == "required"


def test_a_bidder_cannot_see_anothers_claim(tender, member_a, member_b, client_for):
    claim = filed_claim(tender=tender, member=member_a)
    assert client_for(member_b).get(f"/api/v1/claims/{claim.pk}/").status_code == 404
    assert client_for(member_b).get(f"/api/v1/tenders/{tender.pk}/claims/").json() == []
    assert client_for(member_a).get(f"/api/v1/claims/{claim.pk}/").status_code == 200
    assert [c["id"] for c in client_for(member_a).get(f"/api/v1/tenders/{tender.pk}/claims/").json()] == [claim.pk]


def test_officer_only_actions_are_refused_to_bidders(tender, member_a, client_for):
    claim = filed_claim(tender=tender, member=member_a)
    client = client_for(member_a)
    decided = client.post(f"/api/v1/claims/{claim.pk}/decide/", {"outcome": "rejected", "reason": "x"}, format="json")
    assert decided.status_code == 403
    appeal = client.post(
        f"/api/v1/tenders/{tender.pk}/appeals/",
        {"lots": [lots_of(tender)[0].pk], "diary_number": "MAO:1/2026", "informed_on": timezone.localdate()},
        format="json",
    )
    assert appeal.status_code == 404  # the call's appeals are the authority's


def test_illegal_transitions_are_refused(tender, member_a, officer, client_for):
    claim = rejected_claim(tender=tender, member=member_a, officer=officer, render=False)
    again = client_for(officer).post(
        f"/api/v1/claims/{claim.pk}/decide/", {"outcome": "rejected", "reason": "Uudelleen."}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "transition_not_allowed"
    withdrawn = client_for(member_a).post(f"/api/v1/claims/{claim.pk}/withdraw/")
    assert withdrawn.status_code == 409


def test_a_withdrawn_claim_releases_the_lot(tender, member_a, client_for):
    claim = filed_claim(tender=tender, member=member_a)
    lot = claim.lots.get()
    assert LotContract.objects.get(lot=lot).status == ContractStatus.SUSPENDED
    response = client_for(member_a).post(f"/api/v1/claims/{claim.pk}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert LotContract.objects.get(lot=lot).status != ContractStatus.SUSPENDED
    assert AuditEvent.objects.filter(action="contract.release", detail__claim=claim.pk).exists()


def test_the_decision_on_a_claim_can_be_issued_only_once_decided(tender, member_a, officer):
    claim = filed_claim(tender=tender, member=member_a)
    with pytest.raises(Conflict):
        claim_decision_issue(actor=officer, claim=claim)


def test_an_open_claim_is_a_task_of_the_officers_until_it_is_decided(tender, member_a, officer):
    from evaluation.worklist import tasks_for

    claim = filed_claim(tender=tender, member=member_a)
    tasks = [t for t in tasks_for(officer) if t.kind == "claim_decide"]
    assert len(tasks) == 1 and tasks[0].url == f"/evaluation/{tender.pk}/claims/"
    claim_decide(actor=officer, claim_id=claim.pk, outcome="rejected", reason="Ei perusteita.")
    assert not [t for t in tasks_for(officer) if t.kind == "claim_decide"]


def test_below_the_threshold_a_municipalitys_decision_gets_the_local_government_claim(authority, officer, member_a):
    from decimal import Decimal

    # given a municipality's small procurement whose decision was e-mailed 10 days ago: its claim period runs 14 days
    # from the third day after the sending
    authority.kind = "municipality"
    authority.save(update_fields=["kind"])
    tender = notified_tender(
        officer=officer,
        authority=authority,
        bidders=[(member_a, "100")],
        sent_days_ago=10,
        estimated_value=Decimal("120000"),
    )
    claim = rejected_claim(tender=tender, member=member_a, officer=officer)
    assert claim.kind == Claim.Kind.LOCAL_GOVERNMENT
    assert claim_period_end(claim.decision, claim.provider_id) >= timezone.localdate()
    text = pdftotext(GeneratedDocument.objects.get(subject=f"claim:{claim.pk}"))
    assert "PÄÄTÖS OIKAISUVAATIMUKSEEN" in text and "hallinto-oikeuteen" in text and "kunnallisvalitus" in text
    assert "markkinaoikeu" not in text


def test_a_state_authoritys_small_procurement_has_no_claim(authority, officer, member_a, client_for):
    from decimal import Decimal

    authority.kind = "state_authority"
    authority.save(update_fields=["kind"])
    tender = notified_tender(
        officer=officer, authority=authority, bidders=[(member_a, "100")], estimated_value=Decimal("120000")
    )
    refused = _file(client_for(member_a), tender, lots_of(tender)[:1])
    assert refused.status_code == 409 and refused.json()["code"] == "no_claim"
