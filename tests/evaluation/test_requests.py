"""Clarifications and abnormally low prices (§96): no offer is rejected for its price before its explanation was
asked, flagged or not; a bidder silent past the time set may be rejected, one who answered only with an assessment."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from bids.models import Bid, LotOffer
from evaluation.clarifications import provider_request_answer, provider_request_create
from evaluation.models import LotResult, PriceRejection
from evaluation.services import quality_scores_record, tender_decide, tender_evaluate, tender_propose
from procurement.models import Membership, Role
from tenders.services import tender_close
from tests.fixtures import factories
from tests.fixtures.documents import pypdf_text
from tests.fixtures.stages import open_bids, qualify_all, seat_panel, submitted_tender


@pytest.fixture
def opened(authority, officer, member_a, member_b, provider_b):
    # B's price is far below A's: 3000 against 9000
    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000"), (member_b, "3000")])
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    qualify_all(tender, officer)
    return tender


def test_a_flagged_price_needs_an_answered_explanation_before_rejection(
    opened, officer, member_b, provider_b, client_for
):
    client = client_for(officer)
    flagged = client.get(f"/api/v1/tenders/{opened.pk}/abnormally_low/").json()
    low_offers = set(LotOffer.objects.filter(bid__provider=provider_b).values_list("pk", flat=True))
    assert {f["lot_offer"] for f in flagged} == low_offers
    offer_id = LotOffer.objects.get(bid__provider=provider_b, lot__number=1).pk
    reject = f"/api/v1/tenders/{opened.pk}/offers/{offer_id}/reject/"

    # rejecting straight away is refused
    refused = client.post(reject, {"reason": "Hinta on epärealistisen alhainen."}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "explanation_not_requested"

    # the officer asks about that offer, the bidder answers through its own API, then the rejection is possible
    bid_id = LotOffer.objects.get(pk=offer_id).bid_id
    asked = client.post(
        f"/api/v1/tenders/{opened.pk}/requests/",
        {
            "bid": bid_id,
            "lot_offer": offer_id,
            "kind": "price_explanation",
            "message": "Selvittäkää hinnan muodostuminen.",
            "deadline": (timezone.now() + timedelta(days=5)).isoformat(),
        },
        format="json",
    )
    assert asked.status_code == 201, asked.content
    bidder = client_for(member_b)
    seen = bidder.get(f"/api/v1/bids/{bid_id}/requests/").json()[0]
    assert (seen["kind"], seen["lot_offer"], seen["lot"]) == ("price_explanation", offer_id, 1)
    answered = bidder.post(
        f"/api/v1/bids/{bid_id}/requests/{asked.json()['id']}/answer/",
        {"answer": "Opettajat ovat vapaaehtoisia."},
        format="json",
    )
    assert answered.status_code == 200
    rejected = client.post(
        reject,
        {"reason": "Hinta ei kata palkkakustannuksia.", "assessment": "Selvitys ei ole hyväksyttävä."},
        format="json",
    )
    assert rejected.status_code == 204, rejected.content
    assert PriceRejection.objects.filter(lot_offer_id=offer_id).exists()


def test_a_rejected_offer_is_not_ranked(opened, officer, member_b, provider_b):
    from evaluation.clarifications import offer_reject_for_price
    from evaluation.models import ProviderRequest

    low = LotOffer.objects.filter(bid__provider=provider_b).first()
    ProviderRequest.objects.create(
        bid=low.bid,
        lot_offer=low,
        kind="price_explanation",
        message="?",
        deadline=timezone.now() + timedelta(days=1),
        requested_by=officer,
        answer="Selitys.",
        answered_by=member_b,
        answered_at=timezone.now(),
    )
    offer_reject_for_price(
        actor=officer, tender_id=opened.pk, lot_offer_id=low.pk, reason="Ei uskottava.", assessment="Ei selitä."
    )
    scores = [
        {"lot_offer": offer.pk, "criterion": c.pk, "points": 5, "reason": "x"}
        for offer in LotOffer.objects.filter(bid__tender=opened).exclude(pk=low.pk)
        for c in opened.criteria.all()
    ]
    quality_scores_record(actor=officer, tender_id=opened.pk, scores=scores)

    tender_evaluate(actor=officer, tender_id=opened.pk)

    assert not LotResult.objects.filter(lot_offer=low).exists()
    assert LotResult.objects.filter(lot=low.lot).count() == 1


def test_another_provider_cannot_see_or_answer_the_request(opened, officer, member_a, member_b, provider_b, client_for):
    from evaluation.clarifications import provider_request_create

    bid = opened.bids.get(provider=provider_b)
    request = provider_request_create(
        actor=officer,
        tender_id=opened.pk,
        bid_id=bid.pk,
        kind="clarification",
        message="Puuttuva liite?",
        deadline=timezone.now() + timedelta(days=3),
    )
    other = client_for(member_a)
    assert other.get(f"/api/v1/bids/{bid.pk}/requests/").status_code == 404
    assert (
        other.post(f"/api/v1/bids/{bid.pk}/requests/{request.pk}/answer/", {"answer": "x"}, format="json").status_code
        == 404
    )


def test_requests_and_answers_are_between_the_authority_and_the_bidder(
    opened, officer, authority, provider_a, member_a, member_b, client_for
):
    # given the panel asked A for a clarification during the evaluation, A answered, and the call was decided
    bid_a = Bid.objects.get(tender=opened, provider=provider_a)
    request = provider_request_create(
        actor=officer,
        tender_id=opened.pk,
        bid_id=bid_a.pk,
        kind="clarification",
        message="PYYNTO-7Q: tarkentakaa opettajien määrää.",
        deadline=timezone.now() + timedelta(days=3),
    )
    provider_request_answer(
        actor=member_a, bid_id=bid_a.pk, request_id=request.pk, answer="VASTAUS-7Q", received_at=timezone.now()
    )
    scores = [
        {"lot_offer": offer.pk, "criterion": criterion.pk, "reason": "Perusteltu.", "points": Decimal("5")}
        for offer in LotOffer.objects.filter(bid__tender=opened)
        for criterion in opened.criteria.all()
    ]
    quality_scores_record(actor=officer, tender_id=opened.pk, scores=scores)
    tender_evaluate(actor=officer, tender_id=opened.pk)
    tender_propose(actor=officer, tender_id=opened.pk)
    tender_decide(actor=officer, tender_id=opened.pk)
    unnamed_evaluator = factories.UserFactory()
    Membership.objects.create(user=unnamed_evaluator, role=Role.EVALUATOR, authority=authority)
    url = f"/api/v1/bids/{bid_a.pk}/requests/"

    # when each reads the requests to A's bid
    answers = {
        "owner": client_for(member_a).get(url),
        "panel": client_for(officer).get(url),
        "auditor": client_for(factories.auditor(authority)).get(url),
        "competitor": client_for(member_b).get(url),
        "unnamed evaluator": client_for(unnamed_evaluator).get(url),
    }

    # then A, the panel and the auditor read the request and its answer; the other bidder, which may read A's bid
    # after the decision, does not (not even that there were any); the evaluator off the panel is refused
    for who in ("owner", "panel", "auditor"):
        assert answers[who].status_code == 200, who
        assert [(r["message"][:9], r["answer"]) for r in answers[who].json()] == [("PYYNTO-7Q", "VASTAUS-7Q")], who
    assert client_for(member_b).get(f"/api/v1/bids/{bid_a.pk}/").status_code == 200
    assert answers["competitor"].status_code == 404 and "7Q" not in answers["competitor"].content.decode()
    assert answers["unnamed evaluator"].status_code == 403


# --- §96: a request comes first, flagged or not; the time set for the answer decides -----------------------------


def _ask_price(officer, tender, offer, *, days=3):
    """The officer asks, through the API, for an explanation of this offer's price within `days` days."""
    from evaluation.models import ProviderRequest
    from procurement.models import ApiToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.objects.create(user=officer)[1]}")
    asked = client.post(
        f"/api/v1/tenders/{tender.pk}/requests/",
        {
            "bid": offer.bid_id,
            "lot_offer": offer.pk,
            "kind": "price_explanation",
            "message": "Selvittäkää hinnan muodostuminen.",
            "deadline": (timezone.now() + timedelta(days=days)).isoformat(),
        },
        format="json",
    )
    assert asked.status_code == 201, asked.content
    return ProviderRequest.objects.get(pk=asked.json()["id"])


def _made_days_ago(request, *, asked: int, deadline: int):
    """As if the request had been sent `asked` days ago with `deadline` days to answer."""
    from evaluation.models import ProviderRequest

    now = timezone.now()
    ProviderRequest.objects.filter(pk=request.pk).update(
        requested_at=now - timedelta(days=asked), deadline=now - timedelta(days=asked - deadline)
    )


@pytest.fixture
def only_bidder(authority, officer, member_a):
    """One bid on the call (9 000 € a student in each lot): the only offer of each lot, so nothing is flagged."""
    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000")])
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    qualify_all(tender, officer)
    return tender


def test_the_only_offer_of_a_lot_is_not_rejected_for_its_price_without_a_request(only_bidder, officer, client_for):
    # given the only offer of lot 1, which the heuristic cannot flag (there is nothing to compare it with)
    offer = LotOffer.objects.get(bid__tender=only_bidder, lot__number=1)
    client = client_for(officer)
    assert client.get(f"/api/v1/tenders/{only_bidder.pk}/abnormally_low/").json() == []

    # when the officer rejects it for its price without having asked the bidder to explain it
    response = client.post(
        f"/api/v1/tenders/{only_bidder.pk}/offers/{offer.pk}/reject/",
        {"reason": "Hinta on liian alhainen laadukkaaseen koulutukseen."},
        format="json",
    )

    # then it is refused (§96), in the user's language, and nothing is recorded
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "explanation_not_requested"
    assert not PriceRejection.objects.filter(lot_offer=offer).exists()
    finnish = client.post(
        f"/api/v1/tenders/{only_bidder.pk}/offers/{offer.pk}/reject/",
        {"reason": "Liian alhainen."},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fi",
    )
    assert "96 §" in finnish.json()["detail"]


def test_a_request_about_another_offer_of_the_same_bid_does_not_count(only_bidder, officer):
    from evaluation.clarifications import offer_reject_for_price
    from procurement.errors import Conflict

    lot_1 = LotOffer.objects.get(bid__tender=only_bidder, lot__number=1)
    lot_2 = LotOffer.objects.get(bid__tender=only_bidder, lot__number=2)
    _made_days_ago(_ask_price(officer, only_bidder, lot_2), asked=5, deadline=3)

    with pytest.raises(Conflict) as refused:
        offer_reject_for_price(actor=officer, tender_id=only_bidder.pk, lot_offer_id=lot_1.pk, reason="Liian halpa.")

    assert refused.value.code == "explanation_not_requested"


def test_a_flagged_offer_is_not_rejected_for_its_price_without_a_request(opened, officer, provider_b):
    from evaluation.clarifications import abnormally_low_offers, offer_reject_for_price
    from procurement.errors import Conflict

    low = LotOffer.objects.get(bid__provider=provider_b, lot__number=1)
    assert low.pk in abnormally_low_offers(opened)  # 3 000 against 9 000: 66.7 % below

    with pytest.raises(Conflict) as refused:
        offer_reject_for_price(actor=officer, tender_id=opened.pk, lot_offer_id=low.pk, reason="Liian halpa.")

    assert refused.value.code == "explanation_not_requested"
    assert not PriceRejection.objects.exists()


def test_a_silent_bidder_is_rejected_once_the_time_set_has_passed(opened, officer, provider_b, client_for):
    from procurement.models import AuditEvent

    # given B (3 000 against 9 000, flagged) was asked 5 days ago to explain its price within 3 days and is silent
    low = LotOffer.objects.get(bid__provider=provider_b, lot__number=1)
    request = _ask_price(officer, opened, low)
    _made_days_ago(request, asked=5, deadline=3)

    # when the officer rejects the offer for its price
    response = client_for(officer).post(
        f"/api/v1/tenders/{opened.pk}/offers/{low.pk}/reject/",
        {"reason": "Hinta alittaa opettajien palkkakustannukset."},
        format="json",
    )

    # then the silence does not block it: the rejection records §96, the request and that no answer came
    assert response.status_code == 204, response.content
    rejection = PriceRejection.objects.get(lot_offer=low)
    assert (rejection.ground, rejection.basis, rejection.explanation_request_id) == (
        "abnormally_low",
        "no_explanation",
        request.pk,
    )
    assert rejection.reason == "Hinta alittaa opettajien palkkakustannukset."
    event = AuditEvent.objects.get(action="evaluation.reject_for_price", tender_id=opened.pk)
    assert event.detail["basis"] == "no_explanation" and event.detail["request"] == request.pk
    assert AuditEvent.objects.filter(action="request.price_explanation", tender_id=opened.pk).exists()


def test_an_unflagged_offer_is_rejected_once_asked_and_the_time_has_passed(only_bidder, officer):
    from evaluation.clarifications import offer_reject_for_price

    offer = LotOffer.objects.get(bid__tender=only_bidder, lot__number=1)
    _made_days_ago(_ask_price(officer, only_bidder, offer), asked=4, deadline=2)

    rejection = offer_reject_for_price(
        actor=officer, tender_id=only_bidder.pk, lot_offer_id=offer.pk, reason="Hinta ei kata kustannuksia."
    )

    assert rejection.basis == "no_explanation"


def test_before_the_time_set_a_silent_bidder_is_not_cut_short(opened, officer, provider_b, client_for):
    # given B was asked today with 3 days to answer, and has not answered yet
    low = LotOffer.objects.get(bid__provider=provider_b, lot__number=1)
    request = _ask_price(officer, opened, low, days=3)

    response = client_for(officer).post(
        f"/api/v1/tenders/{opened.pk}/offers/{low.pk}/reject/", {"reason": "Liian halpa."}, format="json"
    )

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "explanation_pending"
    assert response.json()["deadline"] == request.deadline.isoformat()
    assert not PriceRejection.objects.exists()


def test_an_answered_explanation_is_rejected_only_with_the_officers_assessment(
    opened, officer, member_b, provider_b, client_for
):
    from procurement.models import AuditEvent

    # given B answered within the time set
    low = LotOffer.objects.get(bid__provider=provider_b, lot__number=1)
    request = _ask_price(officer, opened, low)
    provider_request_answer(
        actor=member_b,
        bid_id=low.bid_id,
        request_id=request.pk,
        answer="Opettajamme ovat osa-aikaisia.",
        received_at=timezone.now(),
    )
    url = f"/api/v1/tenders/{opened.pk}/offers/{low.pk}/reject/"
    client = client_for(officer)

    # a rejection without the assessment of the answer is refused, and one with it is recorded
    missing = client.post(url, {"reason": "Liian halpa."}, format="json")
    assert missing.status_code == 400, missing.content
    assert missing.json()["errors"]["assessment"][0]["code"] == "assessment_required"
    assert not PriceRejection.objects.exists()
    done = client.post(
        url,
        {
            "reason": "Hinta ei kata työehtosopimuksen mukaisia palkkoja.",
            "assessment": "Osa-aikaisuus ei selitä 67 %:n eroa muihin tarjouksiin.",
        },
        format="json",
    )
    assert done.status_code == 204, done.content
    rejection = PriceRejection.objects.get(lot_offer=low)
    assert rejection.basis == "explanation_not_accepted"
    assert rejection.assessment == "Osa-aikaisuus ei selitä 67 %:n eroa muihin tarjouksiin."
    assert AuditEvent.objects.filter(action="request.answer", tender_id=opened.pk).exists()
    event = AuditEvent.objects.get(action="evaluation.reject_for_price", tender_id=opened.pk)
    assert event.detail["assessment"] == rejection.assessment and event.detail["flagged"] is True


def test_a_price_explanation_names_the_offer_of_the_bid(opened, officer, provider_a, provider_b, client_for):
    bid_b = Bid.objects.get(tender=opened, provider=provider_b)
    offer_a = LotOffer.objects.get(bid__provider=provider_a, lot__number=1)
    url = f"/api/v1/tenders/{opened.pk}/requests/"
    body = {
        "bid": bid_b.pk,
        "kind": "price_explanation",
        "message": "Selvittäkää hinta.",
        "deadline": (timezone.now() + timedelta(days=3)).isoformat(),
    }
    client = client_for(officer)

    unnamed = client.post(url, body, format="json")
    elsewhere = client.post(url, {**body, "lot_offer": offer_a.pk}, format="json")

    assert unnamed.status_code == 400 and unnamed.json()["errors"]["lot_offer"][0]["code"] == "required"
    assert elsewhere.status_code == 400 and elsewhere.json()["errors"]["lot_offer"][0]["code"] == "unknown_offer"


def test_the_flag_compares_an_offer_with_the_others_of_its_own_lot(authority, officer, member_a, member_b, provider_b):
    from bids.services import bid_create, bid_submit, submission_receipt
    from evaluation.clarifications import abnormally_low_offers
    from tenders.models import Tender, TenderStatus
    from tests.fixtures.stages import full_content

    # given two lots at different price levels (a student costs about 9 000 € in lot 1 and 3 000 € in lot 2):
    #   lot 1: A 9 000, B 8 000 -> B is 11.1 % below A: not flagged (threshold 20 %)
    #   lot 2: A 3 000, B 2 000 -> B is 33.3 % below A: flagged
    # a mean over the whole call (A 6 000, B 5 000) would flag neither; comparing B's 3 000-level lot 2 price with
    # the call's other offers would flag lots that are only cheaper places to teach
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    lot_1, lot_2 = tender.lots.order_by("number")
    for member, prices in ((member_a, ("9000", "3000")), (member_b, ("8000", "2000"))):
        content = full_content(tender)
        content["lot_offers"] = [
            {"lot": lot_1.pk, "unit_price": prices[0], "vat_rate": "0"},
            {"lot": lot_2.pk, "unit_price": prices[1], "vat_rate": "0"},
        ]
        bid = bid_create(actor=member, tender_id=tender.pk, received_at=timezone.now(), content=content)
        submission_receipt(version_id=bid_submit(actor=member, bid_id=bid.pk, received_at=timezone.now()).pk)
    past = timezone.now() - timedelta(seconds=1)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=past, next_check=past)
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)

    flagged = abnormally_low_offers(tender)

    low = LotOffer.objects.get(bid__provider=provider_b, lot=lot_2)
    assert list(flagged) == [low.pk]
    assert flagged[low.pk]["below_percent"] == "33.3" and flagged[low.pk]["lot"] == lot_2.pk
    assert flagged[low.pk]["threshold_percent"] == "20"


def test_the_decision_and_the_letter_state_the_section_96_rejection_in_finnish_and_swedish(
    authority, officer, member_a, member_b, provider_b
):
    from documents.models import GeneratedDocument
    from documents.services import document_render
    from evaluation.clarifications import offer_reject_for_price

    # given a bilingual authority's call, B (3 000 against 9 000) asked about its lot 1 price and silent past the time
    authority.language_status = "bilingual"
    authority.save(update_fields=["language_status"])
    provider_b.preferred_language = "sv"
    provider_b.save(update_fields=["preferred_language"])
    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000"), (member_b, "3000")])
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    qualify_all(tender, officer)
    low = LotOffer.objects.get(bid__provider=provider_b, lot__number=1)
    _made_days_ago(_ask_price(officer, tender, low), asked=5, deadline=3)
    offer_reject_for_price(
        actor=officer, tender_id=tender.pk, lot_offer_id=low.pk, reason="PERUSTE-96X", reason_sv="GRUND-96X"
    )

    # when the call is decided and the decision and B's letter are rendered
    scores = [
        {"lot_offer": offer.pk, "criterion": c.pk, "points": 5, "reason": "Perusteltu.", "reason_sv": "Motiverat."}
        for offer in LotOffer.objects.filter(bid__tender=tender).exclude(pk=low.pk)
        for c in tender.criteria.all()
    ]
    quality_scores_record(actor=officer, tender_id=tender.pk, scores=scores)
    tender_evaluate(actor=officer, tender_id=tender.pk)
    tender_propose(actor=officer, tender_id=tender.pk)
    tender_decide(actor=officer, tender_id=tender.pk)
    documents = GeneratedDocument.objects.filter(tender=tender)
    decision = pypdf_text(document_render(document_id=documents.get(kind="decision").pk))
    letter = pypdf_text(document_render(document_id=documents.get(kind="letter", provider=provider_b).pk))

    # then each states, under the lot, the legal ground, that no explanation came and the officer's reason, in each
    # language (the Swedish section with the reason's Swedish text)
    finnish = [
        "Tarjous on hylätty poikkeuksellisen alhaisena (hankintalain 96 §)",
        "Tarjoaja ei antanut selvitystä asetetussa määräajassa. Perustelu: PERUSTE-96X",
    ]
    swedish = [
        "Anbudet har förkastats som onormalt lågt (96 § i upphandlingslagen)",
        "Anbudsgivaren lämnade ingen utredning inom utsatt tid. Motivering: GRUND-96X",
    ]
    lot_1_fi = decision.split("Osa 1:")[1].split("Osa 2:")[0]
    assert all(part in lot_1_fi for part in finnish) and all(part in decision for part in swedish)
    assert all(part in letter for part in swedish)
