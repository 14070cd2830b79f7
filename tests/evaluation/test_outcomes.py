"""Where a provider stands (evaluation.outcomes), on "My bids", on the call's page and on the bidders' comparison
page: the outcome only once the decision was sent to the provider, never another provider's, and every read of the
comparison on record."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from bids.models import Bid, LotOffer
from documents.models import GeneratedDocument
from documents.services import document_render
from procurement.models import AuditEvent, Notification
from procurement.notifications import notification_deliver
from tests.fixtures import factories
from tests.fixtures.portal import signed_in
from tests.fixtures.stages import decided_tender


def send_decision(tender, provider=None) -> None:
    """The decision and the letters are rendered and e-mailed (to one provider, or to every bidder)."""
    for document in GeneratedDocument.objects.filter(tender=tender, kind__in=["letter", "decision"]):
        document_render(document_id=document.pk)
    notifications = Notification.objects.filter(kind="decision", tender_id=tender.pk)
    if provider is not None:
        notifications = notifications.filter(provider=provider)
    for notification in notifications:
        assert notification_deliver(notification_id=notification.pk) == "sent"


def outcomes_of(html: str) -> list[str]:
    return re.findall(r'data-outcome="([a-z_]+)"', html)


@pytest.fixture
def three_bidders(authority, officer, provider_a, member_a, member_b):
    """A decided call (two lots) with three bidders: A cheapest (wins both lots), B second, C third."""
    provider_c = factories.ProviderFactory(name="Åbo Utbildning Ab")
    member_c = factories.provider_member_of(provider_c)
    tender = decided_tender(
        officer=officer,
        authority=authority,
        bidders=[(member_a, "9000"), (member_b, "9500"), (member_c, "9900")],
    )
    return tender, member_c


def test_before_the_decision_is_sent_my_bids_and_the_call_show_no_outcome(three_bidders, member_b):
    # given: the decision is made, its letters and PDF are rendered, but nothing has been sent
    tender, _member_c = three_bidders
    for document in GeneratedDocument.objects.filter(tender=tender, kind__in=["letter", "decision"]):
        document_render(document_id=document.pk)
    client = signed_in(member_b)

    # when
    mine = client.get(reverse("bids:mine")).content.decode()
    public_page = client.get(reverse("tenders:detail", args=[tender.pk])).content.decode()

    # then: pending in every lot, no rank, no letter, no comparison
    assert outcomes_of(mine) == ["pending", "pending"]
    assert "rank" not in mine.lower()
    assert "notification letter" not in mine
    assert reverse("tenders:comparison", args=[tender.pk]) not in mine + public_page
    assert outcomes_of(public_page) == ["pending", "pending"]


def test_after_the_sending_my_bids_shows_each_lot_with_its_rank_and_the_letter(three_bidders, member_b, provider_b):
    tender, _member_c = three_bidders
    send_decision(tender, provider_b)
    client = signed_in(member_b)

    mine = client.get(reverse("bids:mine")).content.decode()

    assert outcomes_of(mine) == ["not_chosen", "not_chosen"]
    assert "Not chosen (rank 2 of 3)" in mine
    letter = GeneratedDocument.objects.get(tender=tender, kind="letter", provider=provider_b)
    assert reverse("tenders:document", args=[tender.pk, letter.pk]) in mine
    assert reverse("tenders:comparison", args=[tender.pk]) in mine
    # Nothing of another bidder: not its name, not its letter.
    others = GeneratedDocument.objects.filter(tender=tender, kind="letter").exclude(provider=provider_b)
    for other in others:
        assert reverse("tenders:document", args=[tender.pk, other.pk]) not in mine
        assert other.provider.name not in mine


def test_the_winner_sees_it_won_and_the_call_no_longer_offers_to_continue_the_bid(three_bidders, member_a):
    tender, _member_c = three_bidders
    send_decision(tender)
    client = signed_in(member_a)

    public_page = client.get(reverse("tenders:detail", args=[tender.pk])).content.decode()
    mine = client.get(reverse("bids:mine")).content.decode()

    assert outcomes_of(public_page) == ["won", "won"]
    assert "Continue your bid" not in public_page and "Continue your bid" not in mine
    assert "View your bid" in public_page


def test_a_rejected_offer_shows_its_legal_ground_only_to_its_own_bidder(authority, officer, member_a, member_b):
    from evaluation.services import tender_decide, tender_evaluate, tender_propose
    from tenders.services import tender_close
    from tests.fixtures.stages import open_bids, qualify_all, score_all, seat_panel, submitted_tender

    # given: B fails its qualification (an exclusion ground); A wins
    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])

    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    bid_b = Bid.objects.get(tender=tender, created_by=member_b)
    qualify_all(tender, officer, failing={bid_b.pk})
    score_all(tender, officer, offers=LotOffer.objects.filter(bid__tender=tender).exclude(bid=bid_b))
    tender_evaluate(actor=officer, tender_id=tender.pk)
    tender_propose(actor=officer, tender_id=tender.pk)
    tender_decide(actor=officer, tender_id=tender.pk)
    send_decision(tender)

    b_page = signed_in(member_b).get(reverse("bids:mine")).content.decode()
    a_page = signed_in(member_a).get(reverse("bids:mine")).content.decode()

    assert outcomes_of(b_page) == ["rejected", "rejected"]
    assert "Exclusion ground under section" in b_page
    assert outcomes_of(a_page) == ["won", "won"]
    assert "Exclusion ground" not in a_page and bid_b.provider.name not in a_page


def test_the_comparison_page_is_not_found_for_a_non_bidder_and_before_the_sending(
    three_bidders, member_a, provider_a, officer
):
    tender, _member_c = three_bidders
    url = reverse("tenders:comparison", args=[tender.pk])
    stranger = factories.provider_member_of(factories.ProviderFactory())

    # Before the decision is sent, not even its bidders find it.
    assert signed_in(member_a).get(url).status_code == 404
    send_decision(tender)
    # A provider with no bid in the call, and an anonymous reader, never.
    assert signed_in(stranger).get(url).status_code == 404
    assert Client().get(url).status_code in (302, 404)
    assert not AuditEvent.objects.filter(action="comparison.read_by_bidder").exists()


def test_a_bidder_reads_the_comparison_after_the_sending_and_the_read_is_on_record(three_bidders, member_b):
    tender, _member_c = three_bidders
    send_decision(tender)

    response = signed_in(member_b).get(reverse("tenders:comparison", args=[tender.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    # Every ranked bidder with its comparison price, as the comparison report shows them (prices are never secret).
    for bid in Bid.objects.filter(tender=tender):
        assert bid.provider.name in html
    assert "Your offer" in html
    event = AuditEvent.objects.get(action="comparison.read_by_bidder")
    assert event.actor_id == member_b.pk and event.tender_id == tender.pk


def test_a_reason_about_a_business_secret_is_withheld_from_the_other_bidders(authority, officer, member_a, member_b):
    """The comparison report's rule (`bids.document_contexts.business_secrets`): A marks its answer to criterion 1 as a
    business secret; B reads the panel's public summary instead of the reason; A reads its own reason whole."""
    from django.utils import timezone

    from bids.services import bid_create, bid_submit, submission_receipt
    from evaluation.models import QualityScore
    from evaluation.services import tender_decide, tender_evaluate, tender_propose
    from tenders.models import Tender, TenderStatus
    from tenders.services import tender_close
    from tests.fixtures.stages import full_content, open_bids, qualify_all, score_all, seat_panel, submit_bid

    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    criterion = tender.criteria.order_by("number").first()
    content = full_content(tender)
    content["business_secrets"] = [f"quality:{criterion.pk}"]
    bid_a = bid_create(actor=member_a, tender_id=tender.pk, received_at=timezone.now(), content=content)
    submission_receipt(version_id=bid_submit(actor=member_a, bid_id=bid_a.pk, received_at=timezone.now()).pk)
    submit_bid(member_b, tender, "9500")
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now(), next_check=timezone.now())
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    qualify_all(tender, officer)
    score_all(tender, officer)
    QualityScore.objects.filter(lot_offer__bid=bid_a, criterion=criterion).update(
        reason="Salainen menetelmä X toimii.", public_reason="Menetelmä on hyvin perusteltu."
    )
    tender_evaluate(actor=officer, tender_id=tender.pk)
    tender_propose(actor=officer, tender_id=tender.pk)
    tender_decide(actor=officer, tender_id=tender.pk)
    send_decision(tender)
    url = reverse("tenders:comparison", args=[tender.pk])

    b_html = signed_in(member_b).get(url).content.decode()
    a_html = signed_in(member_a).get(url).content.decode()

    assert "Salainen menetelmä X" not in b_html
    assert "Menetelmä on hyvin perusteltu." in b_html
    assert "Salainen menetelmä X toimii." in a_html


def test_a_cancelled_call_shows_the_interruption_instead_of_continue_your_bid(authority, officer, member_a):
    from django.utils import timezone

    from tenders.models import TenderStatus
    from tenders.services import tender_cancel
    from tests.fixtures.stages import submit_bid

    # given: a call still open for bids, with A's submitted bid, cancelled and the decision sent
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    submit_bid(member_a, tender)
    client = signed_in(member_a)
    assert "Continue your bid" in client.get(reverse("tenders:detail", args=[tender.pk])).content.decode()
    tender_cancel(actor=officer, tender_id=tender.pk, reason="Määrärahat eivät riitä.")
    for document in GeneratedDocument.objects.filter(tender=tender, kind="interruption"):
        document_render(document_id=document.pk)
    for notification in Notification.objects.filter(tender_id=tender.pk, kind="tender.cancelled"):
        assert notification_deliver(notification_id=notification.pk) == "sent"

    # when
    public_page = client.get(reverse("tenders:detail", args=[tender.pk])).content.decode()
    mine = client.get(reverse("bids:mine")).content.decode()

    # then
    for html in (public_page, mine):
        assert "Continue your bid" not in html
        assert outcomes_of(html) == ["interrupted", "interrupted"]
        assert "Määrärahat eivät riitä." in html
        assert "The decision to interrupt (PDF)" in html
