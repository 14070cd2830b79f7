"""Corrections of the decision: what they reopen, the new edition for the corrected lots only, its letters, its
periods and its PDF; the replaced edition stays on record."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from config.demo.builders import consensus_scores_record
from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_render
from evaluation.clarifications import offer_reject_nonconforming
from evaluation.corrections import claim_correct, correction_decide, correction_start, offer_rejection_withdraw
from evaluation.models import (
    Appeal,
    AwardDecision,
    Claim,
    ConformityRejection,
    ContractStatus,
    Correction,
    DecisionEdition,
    LotAward,
    LotContract,
)
from evaluation.periods import decision_key
from evaluation.qualification import qualification_record
from procurement.errors import Conflict, Forbidden, ValidationFailed
from procurement.models import Notification
from tenders.models import LotStatus
from tests.fixtures import factories
from tests.fixtures.corrections import corrected_world, edition_send, resolved_appeal
from tests.fixtures.documents import pdftotext


@pytest.fixture
def bilingual(db):
    return factories.AuthorityFactory(language_status="bilingual")


@pytest.fixture
def clerk(bilingual):
    return factories.officer_of(bilingual)


@pytest.fixture
def world(bilingual, clerk, member_a, member_b):
    return corrected_world(authority=bilingual, officer=clerk, member_a=member_a, member_b=member_b)


def _rescore(officer, tender, offers, criterion, points):
    return consensus_scores_record(
        actor=officer,
        tender=tender,
        offers=offers,
        criteria=[criterion],
        points=points,
        reason="Arvioitu uudelleen.",
        reason_sv="Bedömd på nytt.",
    )


def _claim(world, clerk, *, channel, claimant_name="B", grounds="Väärin.", lots=()):
    """A claim for rectification under the Procurement Act of the world's decision, recorded by the clerk as it
    arrived today, about `lots`."""
    claim = Claim.objects.create(
        decision=world["decision"],
        number=1,
        kind=Claim.Kind.PROCUREMENT_ACT,
        channel=channel,
        claimant_name=claimant_name,
        arrived_on=timezone.localdate(),
        grounds=grounds,
        filed_by=clerk,
    )
    if lots:
        claim.lots.set(lots)
    return claim


def _offer(bid, lot):
    return bid.lot_offers.get(lot=lot)


def _rescore_correction(world, clerk):
    """Lot 1 reopened for criterion 1, B scored 10 and A 0 there: B wins lot 1 in edition 2."""
    tender, lot1 = world["tender"], world["lot1"]
    criterion = tender.criteria.order_by("number").first()
    correction = correction_start(
        actor=clerk,
        tender=tender,
        cause=Correction.Cause.OWN_MOTION,
        lots=[lot1],
        criteria=[criterion],
        reason="Kriteerin 1 pisteytys oli virheellinen.",
        reason_sv="Poängsättningen av kriterium 1 var felaktig.",
    )
    _rescore(clerk, tender, [_offer(world["bid_b"], lot1)], criterion, "10")
    _rescore(clerk, tender, [_offer(world["bid_a"], lot1)], criterion, "0")
    return correction


def test_a_correction_rescoring_one_criterion_makes_edition_2_with_new_periods_for_that_lot_only(world, clerk):
    # given: the decision sent a week ago, both lots in their standstill
    tender, lot1, lot2 = world["tender"], world["lot1"], world["lot2"]
    lot2_before = LotContract.objects.get(lot=lot2)
    lot1_before = LotContract.objects.get(lot=lot1)
    assert lot1_before.status == lot2_before.status == ContractStatus.STANDSTILL

    # when: lot 1 is reopened for one criterion, scored again and decided again
    correction = _rescore_correction(world, clerk)
    assert LotContract.objects.get(lot=lot1).status == ContractStatus.SUSPENDED
    edition = correction_decide(actor=clerk, tender_id=tender.pk)
    edition_send(tender, sent=timezone.now(), edition=2)

    # then: edition 2 decides lot 1 only, with B as its winner
    assert edition.number == 2 and edition.correction == correction
    assert [lot.pk for lot in edition.lots.all()] == [lot1.pk]
    assert LotAward.objects.get(lot=lot1).winner.bid == world["bid_b"]
    assert LotAward.objects.get(lot=lot2).winner.bid == world["bid_a"]
    correction.refresh_from_db()
    assert correction.status == Correction.Status.DECIDED
    # lot 1's periods run from the new sending, lot 2's are unchanged
    lot1_after, lot2_after = LotContract.objects.get(lot=lot1), LotContract.objects.get(lot=lot2)
    assert lot1_after.status == ContractStatus.STANDSTILL
    assert lot1_after.notified_at > lot1_before.notified_at
    assert lot1_after.standstill_ends_on > lot1_before.standstill_ends_on
    assert lot1_after.appeal_deadline > lot1_before.appeal_deadline
    assert (lot2_after.notified_at, lot2_after.standstill_ends_on, lot2_after.appeal_deadline) == (
        lot2_before.notified_at,
        lot2_before.standstill_ends_on,
        lot2_before.appeal_deadline,
    )
    assert lot2_after.status == ContractStatus.STANDSTILL
    assert LotAward.objects.filter(lot=lot1).count() == 1
    assert lot1.__class__.objects.get(pk=lot1.pk).status == LotStatus.AWARDED


def test_the_replaced_edition_stays_on_record_with_the_reason(world, clerk):
    _rescore_correction(world, clerk)

    edition = correction_decide(actor=clerk, tender_id=world["tender"].pk)

    first = DecisionEdition.objects.get(decision=world["decision"], number=1)
    assert first.replaced_by == edition
    assert first.replaced_at is not None
    assert first.replaced_reason == "Kriteerin 1 pisteytys oli virheellinen."
    assert first.document is not None and edition.document is not None and first.document != edition.document
    assert sorted(lot.number for lot in first.lots.all()) == [1, 2]  # still in force for lot 2


def test_letters_go_only_to_the_bidders_of_the_corrected_lot(world, clerk):
    # given: C offered lot 2 only
    _rescore_correction(world, clerk)

    correction_decide(actor=clerk, tender_id=world["tender"].pk)

    sent_to = set(
        Notification.objects.filter(kind="decision", key=decision_key(world["decision"], 2)).values_list(
            "provider_id", flat=True
        )
    )
    assert sent_to == {world["bid_a"].provider_id, world["bid_b"].provider_id}
    letters = GeneratedDocument.objects.filter(tender=world["tender"], kind="letter", version=2)
    assert {d.subject for d in letters} == {f"bid:{world['bid_a'].pk}", f"bid:{world['bid_b'].pk}"}


def test_the_edition_2_decision_has_the_edition_header_in_finnish_and_swedish(world, clerk):
    _rescore_correction(world, clerk)

    edition = correction_decide(actor=clerk, tender_id=world["tender"].pk)

    text = " ".join(pdftotext(document_render(document_id=edition.document.pk)).split())
    assert "Oikaistu päätös, versio 2" in text
    assert "korvaa" in text and "version 1 osan 1 osalta" in text
    assert "Oikaisun syy: Kriteerin 1 pisteytys oli virheellinen." in text
    assert "Rättat beslut, version 2, ersätter version 1" in text
    assert "för delområde 1" in text
    assert "Skäl till rättelsen: Poängsättningen av kriterium 1 var felaktig." in text
    # the edition decides lot 1 only
    assert "Idensalmi" not in text and "Iisalmi" not in text


def test_touching_what_the_correction_does_not_reopen_is_refused(world, clerk):
    tender, lot1, lot2 = world["tender"], world["lot1"], world["lot2"]
    first, second = list(tender.criteria.order_by("number"))
    correction_start(
        actor=clerk,
        tender=tender,
        cause="own_motion",
        lots=[lot1],
        criteria=[first],
        reason="Virhe pisteissä.",
        reason_sv="Fel i poängen.",
    )

    with pytest.raises(Conflict) as other_criterion:
        _rescore(clerk, tender, [_offer(world["bid_a"], lot1)], second, "1")
    with pytest.raises(Conflict) as other_lot:
        _rescore(clerk, tender, [_offer(world["bid_a"], lot2)], first, "1")
    with pytest.raises(Conflict) as other_bid:
        qualification_record(
            actor=clerk,
            tender_id=tender.pk,
            checks=[{"bid": world["bid_b"].pk, "subject": "exclusion", "passed": True, "reason": "Ok."}],
        )

    with pytest.raises(Conflict) as other_rejection:
        offer_reject_nonconforming(
            actor=clerk, tender_id=tender.pk, lot_offer_id=_offer(world["bid_a"], lot1).pk, reason="Ei vastaa."
        )

    assert other_criterion.value.code == other_lot.value.code == other_bid.value.code == "not_reopened"
    assert other_rejection.value.code == "not_reopened"


def test_own_motion_is_refused_more_than_90_days_after_the_decision(world, clerk):
    AwardDecision.objects.filter(pk=world["decision"].pk).update(decided_at=timezone.now() - timedelta(days=91))

    with pytest.raises(Conflict) as refused:
        correction_start(
            actor=clerk,
            tender=world["tender"],
            cause="own_motion",
            lots=[world["lot1"]],
            reason="Myöhässä.",
            reason_sv="Sent.",
        )

    assert refused.value.code == "correction_period_over"
    assert not Correction.objects.exists()
    assert LotContract.objects.get(lot=world["lot1"]).status == ContractStatus.STANDSTILL


def test_an_annulment_is_followed_by_a_new_evaluation_and_edition_2(world, clerk):
    # given: C's offer on lot 2 was rejected as not conforming, and the court annulled lot 2's decision
    tender, lot2 = world["tender"], world["lot2"]
    offer_c = _offer(world["bid_c"], lot2)
    ConformityRejection.objects.create(
        lot_offer=offer_c, reason="Ei vastaa.", reason_sv="Motsvarar inte.", rejected_by=clerk
    )
    appeal = resolved_appeal(decision=world["decision"], lots=[lot2], officer=clerk)
    dismissed = resolved_appeal(
        decision=world["decision"], lots=[lot2], officer=clerk, outcome=Appeal.Outcome.DISMISSED, reference="MAO:2/26"
    )
    with pytest.raises(Conflict) as not_correcting:
        correction_start(
            actor=clerk, tender=tender, cause="appeal", appeal=dismissed, lots=[lot2], reason="x", reason_sv="x"
        )
    assert not_correcting.value.code == "appeal_outcome_not_correcting"

    # when: the annulment reopens lot 2 for C, whose rejection is withdrawn, qualification confirmed and offer scored
    correction = correction_start(
        actor=clerk,
        tender=tender,
        cause="appeal",
        appeal=appeal,
        lots=[lot2],
        bids=[world["bid_c"]],
        reason="Markkinaoikeus kumosi päätöksen osan 2 osalta.",
        reason_sv="Marknadsdomstolen upphävde beslutet för del 2.",
    )
    with pytest.raises(Conflict):  # A's offer is not reinstated
        offer_rejection_withdraw(
            actor=clerk, tender_id=tender.pk, lot_offer_id=_offer(world["bid_a"], lot2).pk, reason="x"
        )
    offer_rejection_withdraw(actor=clerk, tender_id=tender.pk, lot_offer_id=offer_c.pk, reason="Tarjous vastaa.")
    qualification_record(
        actor=clerk,
        tender_id=tender.pk,
        checks=[
            {"bid": world["bid_c"].pk, "subject": "exclusion", "passed": True, "reason": "Ei poissulkemisperustetta."}
        ],
    )
    for criterion in tender.criteria.all():  # every criterion of a reinstated bid's offer
        _rescore(clerk, tender, [offer_c], criterion, "10")
    edition = correction_decide(actor=clerk, tender_id=tender.pk)

    # then: C wins lot 2 in edition 2; lot 1 stays with A in edition 1
    assert not ConformityRejection.objects.filter(lot_offer=offer_c).exists()
    assert edition.number == 2 and edition.correction == correction
    assert LotAward.objects.get(lot=lot2).winner.bid == world["bid_c"]
    assert LotAward.objects.get(lot=world["lot1"]).winner.bid == world["bid_a"]
    assert LotContract.objects.get(lot=lot2).status == ContractStatus.NOTIFYING
    assert LotContract.objects.get(lot=world["lot1"]).status == ContractStatus.STANDSTILL
    assert edition.winners == {str(lot2.pk): [offer_c.pk]}


def test_a_claim_corrects_the_decision_through_a_correction(world, clerk):
    claim = _claim(
        world,
        clerk,
        channel=Claim.Channel.EMAIL,
        claimant_name="Tarjoaja B",
        grounds="Pisteytys on väärä.",
        lots=[world["lot1"]],
    )

    correction = claim_correct(
        actor=clerk,
        claim=claim,
        lots=[world["lot1"]],
        criteria=[world["tender"].criteria.first()],
        bids=[],
        reason="Vaatimus hyväksytään.",
        reason_sv="Begäran godkänns.",
    )

    claim.refresh_from_db()
    assert claim.status == Claim.Status.CORRECTED and claim.decided_by == clerk
    assert correction.cause == "claim" and correction.claim == claim
    with pytest.raises(Conflict) as second:
        correction_start(actor=clerk, tender=world["tender"], cause="own_motion", lots=[world["lot2"]], reason="x")
    assert second.value.code == "correction_open"


def test_a_signed_contract_refuses_the_correction_of_its_lot(world, clerk):
    LotContract.objects.filter(lot=world["lot1"]).update(status=ContractStatus.SIGNED)

    with pytest.raises(Conflict) as refused:
        correction_start(
            actor=clerk, tender=world["tender"], cause="own_motion", lots=[world["lot1"]], reason="x", reason_sv="x"
        )

    assert refused.value.code == "contract_signed"


def test_only_the_authoritys_officers_start_a_correction(world, member_a):
    # A bidder reads the published call, but may not correct its decision.
    with pytest.raises(Forbidden):
        correction_start(actor=member_a, tender=world["tender"], cause="own_motion", lots=[world["lot1"]], reason="x")

    assert not Correction.objects.exists()


# ---- API ------------------------------------------------------------------------------------------------------------


def test_an_officer_starts_a_correction_and_decides_it_through_the_api(world, clerk, client_for):
    tender, lot1 = world["tender"], world["lot1"]
    criterion = tender.criteria.order_by("number").first()
    api = client_for(clerk)

    started = api.post(
        f"/api/v1/tenders/{tender.pk}/corrections/",
        {"cause": "own_motion", "lots": [lot1.pk], "criteria": [criterion.pk], "reason": "Virhe.", "reason_sv": "Fel."},
        format="json",
    )
    locked = api.post(
        f"/api/v1/tenders/{tender.pk}/scores/",
        {
            "scores": [
                {
                    "lot_offer": _offer(world["bid_a"], world["lot2"]).pk,
                    "criterion": criterion.pk,
                    "points": "1",
                    "reason": "x",
                    "reason_sv": "x",
                }
            ]
        },
        format="json",
    )
    decided = api.post(f"/api/v1/tenders/{tender.pk}/decide/")
    listed = api.get(f"/api/v1/tenders/{tender.pk}/corrections/")
    editions = api.get(f"/api/v1/tenders/{tender.pk}/decision/editions/")

    assert started.status_code == 201, started.json()
    assert started.json()["lots"] == [1] and started.json()["status"] == "open"
    assert locked.status_code == 409 and locked.json()["code"] == "not_reopened"
    assert decided.status_code == 201, decided.json()
    assert listed.json()[0]["status"] == "decided" and listed.json()[0]["edition"] == 2
    rows = editions.json()
    assert [(r["number"], r["status"], r["in_force_for"]) for r in rows] == [
        (1, "partly_replaced", [2]),
        (2, "current", [1]),
    ]
    assert rows[0]["replaced_by"] == 2 and rows[0]["replaced_reason"] == "Virhe."


def test_a_bidder_sees_an_edition_only_once_it_was_sent_to_it(world, clerk, member_a, client_for):
    _rescore_correction(world, clerk)
    correction_decide(actor=clerk, tender_id=world["tender"].pk)
    api = client_for(member_a)
    url = f"/api/v1/tenders/{world['tender'].pk}/decision/editions/"

    before = api.get(url).json()
    edition_send(world["tender"], sent=timezone.now(), edition=2)
    after = api.get(url).json()
    outsider = client_for(world["member_c"]).get(url).json()

    assert [r["number"] for r in before] == [1]
    assert [(r["number"], r["status"]) for r in after] == [(1, "partly_replaced"), (2, "current")]
    assert [r["number"] for r in outsider] == [1]  # C offered lot 2 only: edition 2 was not sent to it


def test_a_claim_is_accepted_with_a_correction_through_the_api(world, clerk, member_a, client_for):
    claim = _claim(world, clerk, channel=Claim.Channel.PORTAL)
    body = {"lots": [world["lot1"].pk], "criteria": [], "reason": "Hyväksytään.", "reason_sv": "Godkänns."}

    refused = client_for(member_a).post(f"/api/v1/claims/{claim.pk}/correct/", body, format="json")
    accepted = client_for(clerk).post(f"/api/v1/claims/{claim.pk}/correct/", body, format="json")

    assert refused.status_code == 403
    assert accepted.status_code == 201 and accepted.json()["cause"] == "claim"
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CORRECTED


# ---- portal ---------------------------------------------------------------------------------------------------------


def test_an_officer_corrects_the_decision_through_the_pages(world, clerk, member_a, browser_for):
    # given: the decision page offers to start a correction
    tender, lot1 = world["tender"], world["lot1"]
    first = tender.criteria.order_by("number").first()
    client = browser_for(clerk)
    page = client.get(f"/evaluation/{tender.pk}/decision/").content.decode()
    assert "Start a correction" in page and "Editions of the decision" in page

    # when: a correction without a lot is refused on the page, then one on lot 1's first criterion is started
    refused = client.post(f"/evaluation/{tender.pk}/corrections/", {"cause": "own_motion", "reason": "x"})
    started = client.post(
        f"/evaluation/{tender.pk}/corrections/",
        {"cause": "own_motion", "lots": [lot1.pk], "criteria": [first.pk], "reason": "Virhe.", "reason_sv": "Fel."},
    )

    # then: the scores page offers lot 1's first criterion only, and says what is reopened
    assert refused.status_code == 400 and "Start a correction" in refused.content.decode()
    assert started.status_code == 302
    scores = client.get(f"/evaluation/{tender.pk}/scores/").content.decode()
    assert "The decision is being corrected (correction 1)" in scores
    offered = {key.split("_", 1)[1] for key in re.findall(r'name="(points_[0-9-]+)"', scores)}
    assert offered == {
        f"{_offer(world['bid_a'], lot1).pk}-{first.pk}",
        f"{_offer(world['bid_b'], lot1).pk}-{first.pk}",
    }
    decision_page = client.get(f"/evaluation/{tender.pk}/decision/").content.decode()
    assert "Decide the reopened lots again" in decision_page

    # and deciding again makes edition 2, listed with edition 1 replaced for lot 1
    decided = client.post(f"/evaluation/{tender.pk}/decide/", follow=True).content.decode()
    assert 'id="edition-2"' in decided and "In force for lot 2" in decided and "Virhe." in decided


def test_the_bidders_outcome_shows_the_current_edition_and_the_replaced_one(world, clerk, member_a, browser_for):
    _rescore_correction(world, clerk)
    correction_decide(actor=clerk, tender_id=world["tender"].pk)
    edition_send(world["tender"], sent=timezone.now(), edition=2)

    page = browser_for(member_a).get("/bids/").content.decode()

    assert "Editions of the decision" in page
    assert 'data-edition="2" data-status="current"' in page
    assert 'data-edition="1" data-status="partly_replaced"' in page
    assert "Kriteerin 1 pisteytys oli virheellinen." in page


def test_an_award_notice_already_made_follows_the_new_edition(world, clerk):
    # given: an award notice made (valid, not sent) before the correction
    from procurement.models import AuditEvent
    from tenders.models import NoticeState
    from tests.fixtures.notices import valid_notice

    notice = valid_notice(world["tender"], subtype="E4")
    _rescore_correction(world, clerk)

    correction_decide(actor=clerk, tender_id=world["tender"].pk)

    # then: it is to be made anew from the corrected decision, on record
    notice.refresh_from_db()
    assert notice.state == NoticeState.DRAFT
    follow = AuditEvent.objects.get(action="award_notice.follow_correction")
    assert follow.detail == {"edition": 2, "follow": "remake"}


def test_a_bilingual_authoritys_correction_needs_its_reason_in_swedish(world, clerk):
    with pytest.raises(ValidationFailed) as refused:
        correction_start(actor=clerk, tender=world["tender"], cause="own_motion", lots=[world["lot1"]], reason="x")

    assert set(refused.value.errors) == {"reason_sv"}
    assert not Correction.objects.exists()


def test_accepting_a_claim_issues_the_decision_on_the_claim(world, clerk):
    claim = _claim(world, clerk, channel=Claim.Channel.POST, lots=[world["lot1"]])

    claim_correct(actor=clerk, claim=claim, lots=[world["lot1"]], reason="Hyväksytään.", reason_sv="Godkänns.")

    # the claim's decision (evaluation.claims.claim_decision_issue) is made in the same step, for the lot's bidders
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CORRECTED
    decisions = GeneratedDocument.objects.filter(tender=world["tender"], kind=DocumentKind.CLAIM_DECISION)
    assert decisions.exists()


def test_the_procedure_report_records_the_new_edition(world, clerk):
    _rescore_correction(world, clerk)

    correction_decide(actor=clerk, tender_id=world["tender"].pk)

    report = GeneratedDocument.objects.filter(tender=world["tender"], kind="procedure_report").order_by("-version")[0]
    text = " ".join(pdftotext(document_render(document_id=report.pk)).split())
    assert "Päätöksen versio 2" in text and "osa 1." in text
    assert "Kriteerin 1 pisteytys oli virheellinen." in text
