"""The officers' pages for what only the API did: requests to bidders with their answers, and the evaluators' own
scores side by side before the consensus."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bids.models import Bid, LotOffer
from evaluation.clarifications import provider_request_create
from evaluation.models import IndividualScore, ProviderRequest, QualityScore
from evaluation.panel import panel_add, panel_declare
from procurement.models import AuditEvent, Membership, Role
from tenders.services import tender_close
from tests.fixtures import factories
from tests.fixtures.portal import signed_in
from tests.fixtures.stages import open_bids, qualify_all, seat_panel, submitted_tender


def _evaluator(authority, **kwargs):
    user = factories.UserFactory(**kwargs)
    Membership.objects.create(user=user, role=Role.EVALUATOR, authority=authority)
    return user


@pytest.fixture
def opened(authority, officer, officer2, member_a, member_b):
    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000"), (member_b, "8000")])
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer, officer2)
    qualify_all(tender, officer)
    return tender


def _wall(delta: timedelta) -> str:
    """A Helsinki wall time as the form's datetime-local field sends it."""
    from procurement.periods import HELSINKI

    return (timezone.now() + delta).astimezone(HELSINKI).strftime("%Y-%m-%dT%H:%M")


# --- requests to bidders -----------------------------------------------------------------------------------------


def test_an_officer_asks_in_the_portal_the_bidder_answers_in_its_own_and_the_officer_reads_the_answer(
    opened, officer, provider_a, member_a
):
    bid = Bid.objects.get(tender=opened, provider=provider_a)
    officer_page = signed_in(officer)
    url = f"/evaluation/{opened.pk}/requests/"
    assert "Send a request" in officer_page.get(url).content.decode()

    # when the officer sends a clarification request with a deadline
    sent = officer_page.post(
        url,
        {
            "request-bid": bid.pk,
            "request-kind": "clarification",
            "request-lot_offer": "",
            "request-message": "PYYNTO-3K: montako opettajaa?",
            "request-deadline": _wall(timedelta(days=3)),
        },
    )
    assert sent.status_code == 302
    request = ProviderRequest.objects.get(bid=bid)
    assert request.kind == "clarification" and request.requested_by == officer
    assert "Waiting for the answer" in officer_page.get(url).content.decode()

    # then the bidder finds it on its bid and answers it in the portal
    bidder = signed_in(member_a)
    assert f"/bids/{bid.pk}/requests/{request.pk}/" in bidder.get(f"/bids/{bid.pk}/").content.decode()
    answered = bidder.post(f"/bids/{bid.pk}/requests/{request.pk}/", {"answer": "VASTAUS-3K: kolme."})
    assert answered.status_code == 302

    # and the officer sees the answer and its status
    page = officer_page.get(url).content.decode()
    assert "VASTAUS-3K: kolme." in page and "Answered" in page


def test_a_deadline_in_the_past_is_refused_next_to_its_field_with_a_stable_code(
    opened, officer, provider_a, client_for
):
    bid = Bid.objects.get(tender=opened, provider=provider_a)
    refused = signed_in(officer).post(
        f"/evaluation/{opened.pk}/requests/",
        {
            "request-bid": bid.pk,
            "request-kind": "clarification",
            "request-message": "Tarkentakaa.",
            "request-deadline": _wall(-timedelta(hours=1)),
        },
    )
    assert refused.status_code == 400
    assert refused.context["form"].errors["deadline"] == ["Give a deadline in the future."]
    assert "Tarkentakaa." in refused.content.decode()  # what was typed is kept
    api = client_for(officer).post(
        f"/api/v1/tenders/{opened.pk}/requests/",
        {"bid": bid.pk, "kind": "clarification", "message": "x", "deadline": "2000-01-01T00:00:00Z"},
        format="json",
    )
    assert api.status_code == 400 and api.json()["errors"]["deadline"][0]["code"] == "deadline_in_past"
    assert not ProviderRequest.objects.exists()


def test_a_price_explanation_names_the_offer(opened, officer, provider_a):
    bid = Bid.objects.get(tender=opened, provider=provider_a)
    refused = signed_in(officer).post(
        f"/evaluation/{opened.pk}/requests/",
        {
            "request-bid": bid.pk,
            "request-kind": "price_explanation",
            "request-message": "Selvittäkää hinta.",
            "request-deadline": _wall(timedelta(days=2)),
        },
    )
    assert refused.status_code == 400
    assert refused.context["form"].errors["lot_offer"] == ["Name the offer whose price is to be explained."]
    assert not ProviderRequest.objects.exists()


def test_the_requests_page_is_the_panels(opened, officer, authority, provider_a, member_a):
    bid = Bid.objects.get(tender=opened, provider=provider_a)
    provider_request_create(
        actor=officer,
        tender_id=opened.pk,
        bid_id=bid.pk,
        kind="clarification",
        message="SALAINEN-PYYNTO",
        deadline=timezone.now() + timedelta(days=1),
    )
    url = f"/evaluation/{opened.pk}/requests/"
    undeclared = _evaluator(authority)
    panel_add(actor=officer, tender_id=opened.pk, user_id=undeclared.pk)
    off_panel = factories.officer_of(authority)
    for user, status in ((member_a, 404), (undeclared, 403), (off_panel, 403)):
        response = signed_in(user).get(url)
        assert response.status_code == status
        assert "SALAINEN-PYYNTO" not in response.content.decode()
    # nor may they send one
    sent = signed_in(undeclared).post(
        url,
        {
            "request-bid": bid.pk,
            "request-kind": "clarification",
            "request-message": "x",
            "request-deadline": _wall(timedelta(days=1)),
        },
    )
    assert sent.status_code == 403 and ProviderRequest.objects.count() == 1


# --- individual scores -------------------------------------------------------------------------------------------


def _score_data(tender, points: str, reason: str) -> dict:
    data = {}
    for offer in LotOffer.objects.filter(bid__tender=tender):
        for criterion in tender.criteria.all():
            if criterion.lot_id in (None, offer.lot_id):
                data[f"points_{offer.pk}-{criterion.pk}"] = points
                data[f"reason_{offer.pk}-{criterion.pk}"] = reason
    return data


def test_evaluators_score_on_their_own_and_the_officer_sees_them_side_by_side(opened, officer, authority):
    # given two declared evaluators on the panel
    eeva = _evaluator(authority, username="eeva", first_name="Eeva", last_name="Arvioija")
    ville = _evaluator(authority, username="ville", first_name="Ville", last_name="Arvioija")
    for evaluator in (eeva, ville):
        panel_add(actor=officer, tender_id=opened.pk, user_id=evaluator.pk)
        panel_declare(actor=evaluator, tender_id=opened.pk, has_conflict=False)
    url = f"/evaluation/{opened.pk}/scores/individual/"

    # when each records their own scores in the portal
    assert signed_in(eeva).post(url, _score_data(opened, "7", "EEVAN-PERUSTE")).status_code == 302
    assert signed_in(ville).post(url, _score_data(opened, "4", "VILLEN-PERUSTE")).status_code == 302

    # then they are on record as individual scores, and no consensus score was made
    assert set(IndividualScore.objects.values_list("evaluator__username", "points").distinct()) == {
        ("eeva", Decimal("7")),
        ("ville", Decimal("4")),
    }
    assert not QualityScore.objects.exists()
    assert AuditEvent.objects.filter(action="evaluation.score_individual", actor=eeva).exists()

    # the officer sees both side by side; an evaluator sees only their own
    page = signed_in(officer).get(url).content.decode()
    assert "Eeva Arvioija" in page and "Ville Arvioija" in page
    assert "EEVAN-PERUSTE" in page and "VILLEN-PERUSTE" in page
    own = signed_in(eeva).get(url).content.decode()
    assert "EEVAN-PERUSTE" in own and "VILLEN-PERUSTE" not in own


def test_a_reason_is_needed_and_points_over_the_maximum_are_refused(opened, authority, officer):
    url = f"/evaluation/{opened.pk}/scores/individual/"
    client = signed_in(officer)
    data = _score_data(opened, "5", "")
    missing = client.post(url, data)
    assert missing.status_code == 400 and "Give the reason." in missing.content.decode()
    over = client.post(url, _score_data(opened, "99", "Liikaa."))
    assert over.status_code == 400
    assert not IndividualScore.objects.exists()


def test_individual_scores_are_the_panels_only(opened, officer, authority, member_a):
    url = f"/evaluation/{opened.pk}/scores/individual/"
    undeclared = _evaluator(authority)
    panel_add(actor=officer, tender_id=opened.pk, user_id=undeclared.pk)
    assert signed_in(member_a).get(url).status_code == 404
    assert signed_in(undeclared).get(url).status_code == 403
    assert signed_in(undeclared).post(url, _score_data(opened, "5", "x")).status_code == 403
    assert not IndividualScore.objects.exists()
