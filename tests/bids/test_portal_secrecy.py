"""The bidder's page of the authority's decision on its business secrets (bids/portal/views.py `secrecy`)."""

from django.urls import reverse

from bids.secrecy import secrecy_decide_part, secrecy_review_notify
from procurement.periods import HELSINKI
from tests.fixtures.portal import signed_in
from tests.fixtures.secrecy import marked_decided_tender


def test_the_bidder_sees_the_decision_and_the_date_from_which_overrides_apply(authority, officer, member_a, member_b):
    tender, bid = marked_decided_tender(authority=authority, officer=officer, member_a=member_a, member_b=member_b)
    criterion = tender.criteria.order_by("number").first()
    url = reverse("bids:secrecy", args=[bid.pk])
    assert url in signed_in(member_a).get(reverse("bids:bid", args=[bid.pk])).content.decode()

    secrecy_decide_part(
        actor=officer, bid=bid, part=f"quality:{criterion.pk}", outcome="overridden", reason="Yleisesti tunnettu."
    )
    secrecy_decide_part(actor=officer, bid=bid, part="contact", outcome="upheld", reason="Henkilötieto.")
    before = signed_in(member_a).get(url).content.decode()
    assert 'id="secrecy-pending"' in before
    assert "Yleisesti tunnettu." not in before

    review = secrecy_review_notify(actor=officer, bid=bid)
    after = signed_in(member_a).get(url).content.decode()
    assert "Yleisesti tunnettu." in after and "Not secret" in after
    assert review.effective_from.astimezone(HELSINKI).strftime("%-d.%-m.%Y") in after
    assert signed_in(member_b).get(url).status_code == 404
