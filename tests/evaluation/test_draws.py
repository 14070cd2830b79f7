"""Ties settled by drawing lots: two officers, a committed seed, an order anyone can recompute, in the decision."""

import hashlib
import hmac
from datetime import timedelta

import pytest
from django.utils import timezone

from bids.models import Bid, LotOffer
from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_render
from evaluation.draws import ALGORITHM, draw_order, tie_draw_confirm, tie_draw_start, tie_draw_verify
from evaluation.models import AwardProposal, LotAward, LotResult, TieDraw
from evaluation.services import tender_decide, tender_propose
from procurement.errors import Conflict, Forbidden
from procurement.models import AuditEvent
from tests.fixtures import factories
from tests.fixtures.documents import pdftotext
from tests.fixtures.stages import evaluated_tie


def draw_lots(tender, officer, second, skip=()) -> dict[int, TieDraw]:
    """Two officers draw lots on every lot of the call (but those in `skip`)."""
    return {
        lot.pk: (
            tie_draw_start(actor=officer, tender_id=tender.pk, lot_number=lot.number),
            tie_draw_confirm(actor=second, tender_id=tender.pk, lot_number=lot.number),
        )[1]
        for lot in tender.lots.exclude(pk__in=skip).order_by("number")
    }


@pytest.fixture
def tie(authority, officer, member_a, member_b):
    return evaluated_tie(authority=authority, officer=officer, bidders=[(member_a, "9000"), (member_b, "9000")])


def test_a_tie_at_the_winner_refuses_the_proposal_and_the_decision_until_lots_are_drawn(tie, officer, client_for):
    lot = tie.lots.order_by("number").first()
    bids = sorted(tie.bids.values_list("pk", flat=True))
    # Hand-worked: 9000 € each → 60 price points each; 5/10 on each criterion → the same quality points: equal.
    results = list(LotResult.objects.filter(lot=lot))
    assert {r.rank for r in results} == {1} and len({r.total_points for r in results}) == 1

    response = client_for(officer).post(f"/api/v1/tenders/{tie.pk}/propose/", {"note": ""}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "tie_needs_draw"
    assert body["ties"][0]["lot"] == lot.pk and body["ties"][0]["bids"] == bids
    # Nor a decision on a proposal made otherwise (e.g. before this rule).
    AwardProposal.objects.create(tender=tie, proposed_by=officer, winners={})
    with pytest.raises(Conflict) as refused:
        tender_decide(actor=officer, tender_id=tie.pk)
    assert refused.value.code == "tie_needs_draw"


def test_two_officers_draw_lots_and_the_ranking_follows_the_order_drawn(tie, officer, officer2, client_for):
    lot = tie.lots.order_by("number").first()
    first, second = client_for(officer), client_for(officer2)

    started = first.post(f"/api/v1/tenders/{tie.pk}/lots/{lot.number}/draw/")

    assert started.status_code == 201
    record = started.json()
    assert record["seed"] is None and len(record["commitment"]) == 64 and record["order"] == []
    assert record["algorithm"] == ALGORITHM

    confirmed = second.post(f"/api/v1/tenders/{tie.pk}/lots/{lot.number}/draw/confirm/")

    assert confirmed.status_code == 200
    record = confirmed.json()
    assert hashlib.sha256(bytes.fromhex(record["seed"])).hexdigest() == record["commitment"]
    assert sorted(record["order"]) == record["tied_bids"] and record["verified"] is True
    assert record["started_by"] == officer.pk and record["confirmed_by"] == officer2.pk
    results = {r.lot_offer.bid_id: r for r in LotResult.objects.filter(lot=lot).select_related("lot_offer")}
    assert [results[b].rank for b in record["order"]] == [1, 2]
    drawn = [results[b].lot_offer_id for b in record["order"]]
    assert all(r.calculation["drawn"] == drawn and not r.tied_with for r in results.values())
    actions = list(AuditEvent.objects.filter(tender_id=tie.pk, action__startswith="evaluation.draw_"))
    assert [e.action for e in actions] == ["evaluation.draw_started", "evaluation.draw_confirmed"]
    assert "seed" not in actions[0].detail and actions[1].detail["seed"] == record["seed"]
    assert first.get(f"/api/v1/tenders/{tie.pk}/lots/{lot.number}/draw/").json()[0]["seed"] == record["seed"]

    draw_lots(tie, officer, officer2, skip=[lot.pk])  # the call's other lot is tied too
    tender_propose(actor=officer, tender_id=tie.pk)
    tender_decide(actor=officer, tender_id=tie.pk)

    assert LotAward.objects.get(lot=lot).winner.bid_id == record["order"][0]


def test_the_same_officer_cannot_confirm_their_own_draw(tie, officer, client_for, member_a):
    lot = tie.lots.order_by("number").first()
    tie_draw_start(actor=officer, tender_id=tie.pk, lot_number=lot.number)

    again = client_for(officer).post(f"/api/v1/tenders/{tie.pk}/lots/{lot.number}/draw/confirm/")

    assert again.status_code == 409 and again.json()["code"] == "second_officer_required"
    with pytest.raises(Forbidden):
        tie_draw_confirm(actor=member_a, tender_id=tie.pk, lot_number=lot.number)  # a bidder draws nothing
    draw = TieDraw.objects.get(lot=lot)
    assert draw.confirmed_at is None and draw.order == []
    with pytest.raises(Conflict) as refused:
        tender_propose(actor=officer, tender_id=tie.pk)
    assert refused.value.code == "tie_needs_draw"


def test_an_expired_draw_cannot_be_confirmed(tie, officer, officer2):
    lot = tie.lots.order_by("number").first()
    draw = tie_draw_start(actor=officer, tender_id=tie.pk, lot_number=lot.number)
    TieDraw.objects.filter(pk=draw.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(Conflict) as refused:
        tie_draw_confirm(actor=officer2, tender_id=tie.pk, lot_number=lot.number)

    assert refused.value.code == "no_pending_draw"


def test_the_order_is_recomputed_from_the_record(tie, officer, officer2):
    lot = tie.lots.order_by("number").first()
    tie_draw_start(actor=officer, tender_id=tie.pk, lot_number=lot.number)
    draw = tie_draw_confirm(actor=officer2, tender_id=tie.pk, lot_number=lot.number)
    seed = bytes.fromhex(draw.seed)

    # Recomputed here by hand from the record, with the standard library only.
    marks = {b: hmac.new(seed, f"{lot.pk}:{b}".encode(), hashlib.sha256).hexdigest() for b in draw.tied_bids}
    assert draw.order == sorted(draw.tied_bids, key=lambda b: marks[b])
    assert draw_order(seed=seed, lot_id=lot.pk, bid_ids=reversed(draw.tied_bids)) == draw.order  # the same seed
    assert tie_draw_verify(draw)
    draw.order = list(reversed(draw.order))
    assert not tie_draw_verify(draw)  # a changed order does not verify
    draw.order = list(reversed(draw.order))
    draw.seed = "00" * 32
    assert not tie_draw_verify(draw)  # nor another seed: the commitment binds it


def test_a_known_seed_gives_a_known_order():
    # Worked out beforehand: HMAC-SHA256(32 zero bytes, "5:11") = cb8bc209…, "5:12" → 07490ae1…, "5:13" → 156c78a9…
    assert draw_order(seed=bytes(32), lot_id=5, bid_ids=[11, 12, 13]) == [12, 13, 11]
    assert draw_order(seed=bytes(32), lot_id=5, bid_ids=[13, 11, 12]) == [12, 13, 11]


def test_the_time_of_receipt_does_not_order_equal_offers(authority, officer, member_a, member_b):
    tender = evaluated_tie(authority=authority, officer=officer, bidders=[(member_a, "9000"), (member_b, "9000")])
    lot = tender.lots.order_by("number").first()
    before = {r.lot_offer.bid_id: r.rank for r in LotResult.objects.filter(lot=lot).select_related("lot_offer")}
    earlier, later = sorted(tender.bids.all(), key=lambda b: b.submitted_at)

    swapped = evaluated_tie(authority=authority, officer=officer, bidders=[(member_b, "9000"), (member_a, "9000")])
    after = {
        r.lot_offer.bid_id: r.rank
        for r in LotResult.objects.filter(lot=swapped.lots.order_by("number").first()).select_related("lot_offer")
    }

    # Whoever submitted first, the two are tied at the 1st place: the receipt time is no criterion.
    assert before == {earlier.pk: 1, later.pk: 1}
    assert set(after.values()) == {1}
    assert Bid.objects.get(pk=earlier.pk).submitted_at < Bid.objects.get(pk=later.pk).submitted_at


def test_a_framework_needs_a_draw_only_where_the_tie_touches_its_places(
    authority, officer, officer2, member_a, member_b
):
    third = factories.provider_member_of(factories.ProviderFactory())
    # The cheapest is alone at the 1st place; the two others tie at the 2nd, the last place of a framework of 2.
    tender = evaluated_tie(
        authority=authority,
        officer=officer,
        bidders=[(member_a, "9000"), (member_b, "9000"), (third, "8000")],
        is_framework=True,
        framework_providers_per_lot=2,
    )
    lot = tender.lots.order_by("number").first()

    with pytest.raises(Conflict) as refused:
        tender_propose(actor=officer, tender_id=tender.pk)
    assert refused.value.extra["ties"][0]["rank"] == 2
    draw = draw_lots(tender, officer, officer2)[lot.pk]
    proposal = tender_propose(actor=officer, tender_id=tender.pk)

    chosen = [LotOffer.objects.get(pk=pk).bid_id for pk in proposal.winners[str(lot.pk)]]
    assert chosen[1] == draw.order[0] and draw.order[1] not in chosen


@pytest.mark.parametrize("kind", [DocumentKind.DECISION, DocumentKind.COMPARISON])
@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_decision_and_the_comparison_report_show_the_draw(
    authority, officer, officer2, member_a, member_b, language, kind
):
    authority.language_status = language
    authority.save()
    tender = evaluated_tie(
        authority=authority, officer=officer, bidders=[(member_a, "9000"), (member_b, "9000")], language=language
    )
    lot = tender.lots.order_by("number").first()
    draw = draw_lots(tender, officer, officer2)[lot.pk]
    tender_propose(actor=officer, tender_id=tender.pk)
    tender_decide(actor=officer, tender_id=tender.pk)
    # The decision; the lot's comparison report in the version made after the draw.
    documents = GeneratedDocument.objects.filter(tender=tender, kind=kind)
    if kind == DocumentKind.COMPARISON:
        documents = documents.filter(subject=f"lot:{lot.pk}")
    text = pdftotext(document_render(document_id=documents.order_by("-version").first().pk))
    names = dict(Bid.objects.filter(tender=tender).values_list("pk", "provider__name"))
    first, second = (names[b] for b in draw.order)

    if language == "sv":
        assert "Lika anbud avgjordes genom lottdragning." in text
        assert f"Utlottad ordning: 1. {first}, 2. {second}." in text
        assert "i närvaro av två tjänstemän" in text
        assert kind == DocumentKind.COMPARISON or "slutligen lottdragning" in text  # the decision states the rule
    else:
        assert "Tasapisteet ratkaistiin arvalla." in text
        assert f"Arvottu järjestys: 1. {first}, 2. {second}." in text
        assert "kahden viranhaltijan läsnä ollessa" in text
        assert kind == DocumentKind.COMPARISON or "lopuksi arvonta" in text
    assert (officer.get_full_name() or officer.username) in text
    assert (officer2.get_full_name() or officer2.username) in text
    assert draw.seed in text.replace(" ", "") and draw.commitment in text.replace(" ", "")
    assert ALGORITHM in text


def test_the_bidder_who_lost_the_draw_reads_it_in_its_letter(authority, officer, officer2, member_a, member_b):
    tender = evaluated_tie(authority=authority, officer=officer, bidders=[(member_a, "9000"), (member_b, "9000")])
    lot = tender.lots.order_by("number").first()
    draw = draw_lots(tender, officer, officer2)[lot.pk]
    tender_propose(actor=officer, tender_id=tender.pk)
    tender_decide(actor=officer, tender_id=tender.pk)
    loser = Bid.objects.get(pk=draw.order[1])

    letter = GeneratedDocument.objects.get(tender=tender, kind=DocumentKind.LETTER, provider=loser.provider)
    text = pdftotext(document_render(document_id=letter.pk))

    assert "Tarjouksenne ei tullut valituksi" in text and "Tasapisteet ratkaistiin arvalla." in text
    assert draw.seed in text.replace(" ", "")
