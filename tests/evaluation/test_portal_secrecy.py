"""The officer's page of a bid's business secrets (evaluation/portal/secrecy.py): each marked part with its text,
a decision per part, and telling the bidder."""

from django.urls import reverse

from bids.models import SecrecyReview, SecrecyReviewStatus
from procurement.models import Notification
from tests.fixtures.portal import signed_in
from tests.fixtures.secrecy import SECRET_ANSWER, SECRET_PASSAGE, marked_decided_tender


def test_the_officer_decides_each_marked_part_and_tells_the_bidder(authority, officer, member_a, member_b):
    # given a decided call in which A marked its answer to criterion 1 and its contact
    tender, bid = marked_decided_tender(authority=authority, officer=officer, member_a=member_a, member_b=member_b)
    url = reverse("evaluation:secrecy", args=[tender.pk, bid.pk])
    client = signed_in(officer)

    # the bids page leads to it, and it shows each marked part with its text
    bids_page = client.get(reverse("evaluation:bids", args=[tender.pk])).content.decode()
    assert url in bids_page
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert SECRET_ANSWER in html and "Pekka Tarjoaja" in html

    # when the officer keeps the answer secret in part, and the contact whole (the parts in order of their names:
    # "contact" first, then "quality:<id>")
    contact_index = 0
    posted = client.post(
        url,
        {
            "form": "part-1",
            "part-1-outcome": "upheld_in_part",
            "part-1-passages": SECRET_PASSAGE,
            "part-1-ground": "business_secret",
            "part-1-reason": "Menetelmän kuvaus on liikesalaisuus.",
        },
    )
    assert posted.status_code == 302, posted.content.decode()
    client.post(
        url,
        {
            "form": f"part-{contact_index}",
            f"part-{contact_index}-outcome": "upheld",
            f"part-{contact_index}-ground": "personal_data",
            f"part-{contact_index}-reason": "Henkilötieto.",
        },
    )
    review = SecrecyReview.objects.get(bid=bid)
    assert review.status == SecrecyReviewStatus.DECIDED
    assert review.decisions.get(part="contact").ground == "personal_data"

    # and tells the bidder
    told = client.post(reverse("evaluation:secrecy_notify", args=[tender.pk, bid.pk]))
    assert told.status_code == 302
    review.refresh_from_db()
    assert review.status == SecrecyReviewStatus.NOTIFIED
    assert Notification.objects.filter(kind="secrecy.decision", provider=bid.provider).exists()
    assert "Tell the bidder of the decision" not in client.get(url).content.decode()


def test_a_passage_not_in_the_text_is_shown_on_the_form(authority, officer, member_a, member_b):
    tender, bid = marked_decided_tender(authority=authority, officer=officer, member_a=member_a, member_b=member_b)
    url = reverse("evaluation:secrecy", args=[tender.pk, bid.pk])
    answer = signed_in(officer).post(
        url,
        {
            "form": "part-1",
            "part-1-outcome": "upheld_in_part",
            "part-1-passages": "Tätä ei ole tekstissä.",
            "part-1-ground": "business_secret",
            "part-1-reason": "Osin.",
        },
    )
    assert answer.status_code == 400
    assert "Tätä ei ole tekstissä." in answer.content.decode()
    assert not SecrecyReview.objects.filter(bid=bid, decisions__isnull=False).exists()


def test_the_bidder_and_another_provider_cannot_review(authority, officer, member_a, member_b):
    tender, bid = marked_decided_tender(authority=authority, officer=officer, member_a=member_a, member_b=member_b)
    url = reverse("evaluation:secrecy", args=[tender.pk, bid.pk])
    body = {"form": "part-0", "part-0-outcome": "overridden", "part-0-ground": "business_secret", "part-0-reason": "x"}
    assert signed_in(member_a).post(url, body).status_code == 404  # not the authority's page to a provider
    assert signed_in(member_b).get(url).status_code == 404
    assert not SecrecyReview.objects.filter(bid=bid).exists()
