"""The pages of requests for documents (evaluation/portal/access_requests.py): a bidder asks from its outcome, the
officer lists and decides, the requester reads the decision and the files; the public form and its link page."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from evaluation.models import AccessRequest
from tests.fixtures.access import decided_with_attachments, send_decision_to_all, sign_contracts
from tests.fixtures.portal import signed_in
from tests.fixtures.stages import run_outbox


@pytest.fixture
def decided(officer, member_a, member_b):
    tender, bid_b, _attachment = decided_with_attachments(officer=officer, member_a=member_a, member_b=member_b)
    return tender, bid_b


def test_a_bidder_asks_from_its_outcome_and_the_officer_grants_in_part_and_the_bidder_downloads(
    decided, officer, member_a, member_b
):
    tender, bid_b = decided
    send_decision_to_all(tender)
    bidder = signed_in(member_a)
    assert reverse("access:ask", args=[tender.pk]) in bidder.get(reverse("bids:mine")).content.decode()
    page = bidder.get(reverse("access:ask", args=[tender.pk]))
    assert page.status_code == 200 and f'value="{bid_b.pk}"' in page.content.decode()
    response = bidder.post(
        reverse("access:ask", args=[tender.pk]), {"bids": [bid_b.pk], "answers": "on", "attachments": "on"}
    )
    assert response.status_code == 302
    request = AccessRequest.objects.get()
    assert response["Location"] == reverse("access:detail", args=[request.pk])
    # another bidder does not see it
    assert signed_in(member_b).get(reverse("access:detail", args=[request.pk])).status_code == 404
    # the officer lists and decides
    desk = signed_in(officer)
    listed = desk.get(reverse("access:list", args=[tender.pk]))
    assert listed.status_code == 200 and reverse("access:detail", args=[request.pk]) in listed.content.decode()
    form_page = desk.get(reverse("access:detail", args=[request.pk])).content.decode()
    assert 'id="access-withheld"' in form_page  # what each bid withholds, before deciding
    refused = desk.post(reverse("access:detail", args=[request.pk]), {"outcome": "granted_in_part", "bids": [bid_b.pk]})
    assert refused.status_code == 400  # no grounds, no reasons
    decided_page = desk.post(
        reverse("access:detail", args=[request.pk]),
        {"outcome": "granted_in_part", "bids": [bid_b.pk], "grounds": ["business_secret"], "reason": "Osittain."},
    )
    assert decided_page.status_code == 302
    run_outbox("evaluation.access_request_disclose")
    run_outbox("documents.render")
    # the bidder reads the decision and downloads the copies
    page = bidder.get(reverse("access:detail", args=[request.pk])).content.decode()
    links = re.findall(r'href="(/access-requests/\d+/files/\d+/)"', page)
    assert len(links) == 3  # the decision, the answers' copy, the attachment's copy
    for link in links:
        download = bidder.get(link)
        assert download.status_code == 200
        assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert signed_in(member_b).get(links[0]).status_code == 404


def test_the_public_form_answers_409_before_the_contract_and_takes_a_request_after_it(
    decided, officer, django_capture_on_commit_callbacks
):
    tender, bid_b = decided
    anonymous = Client()
    url = reverse("access_public:request", args=[tender.pk])
    before = anonymous.get(url)
    assert before.status_code == 409 and 'data-code="not_public_yet"' in before.content.decode()
    sign_contracts(tender)
    assert anonymous.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = anonymous.post(
            url, {"name": "Maija Meikäläinen", "email": "maija@example.org", "bids": [bid_b.pk], "answers": "on"}
        )
    assert response.status_code == 302 and "/public/access/" in response["Location"]
    assert mail.outbox and response["Location"] in mail.outbox[-1].body
    page = anonymous.get(response["Location"])
    assert page.status_code == 200 and "Maija Meikäläinen" in page.content.decode()
    assert page["Referrer-Policy"] == "no-referrer"
    assert anonymous.get("/public/access/wrong-token/").status_code == 404


def test_the_public_form_is_throttled_per_address(decided, settings, monkeypatch):
    from evaluation.portal import access_requests as pages

    tender, bid_b = decided
    sign_contracts(tender)
    monkeypatch.setattr(pages, "PUBLIC_REQUESTS_PER_HOUR", 1)
    url = reverse("access_public:request", args=[tender.pk])
    body = {"name": "M", "email": "m@example.org", "bids": [bid_b.pk], "answers": "on"}
    assert Client().post(url, body).status_code == 302
    assert Client().post(url, body).status_code == 429
    assert AccessRequest.objects.count() == 1
