"""Who bids in a mini-competition: only the framework's active providers, whichever other organisations their users
belong to, and only while they stay in the framework (404 otherwise: the call is not theirs to know of)."""

import pytest
from django.utils import timezone

from bids.models import Bid, BidStatus
from bids.services import bid_create, bid_submit, bid_update
from procurement.errors import NotFound, ValidationFailed
from procurement.models import Membership, Role
from tests.fixtures import factories
from tests.fixtures.frameworks import (
    member_leaves,
    mini_competition_framework,
    published_mini_competition,
)
from tests.fixtures.portal import form_data
from tests.fixtures.stages import full_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework(authority, officer, member_a, member_b):
    return mini_competition_framework(authority=authority, officer=officer, member_a=member_a, member_b=member_b)


@pytest.fixture
def tender(framework, officer):
    return published_mini_competition(framework, officer=officer)


@pytest.fixture
def outsider():
    """A provider organisation that is not in the framework."""
    return factories.ProviderFactory(name="Ulkopuolinen Oy")


@pytest.fixture
def both(provider_a, outsider):
    """A user who belongs to provider A (in the framework) and to the outsider (not in it)."""
    user = factories.provider_member_of(provider_a)
    Membership.objects.create(user=user, role=Role.PROVIDER_MEMBER, provider=outsider)
    return user


def test_a_user_of_a_member_and_an_outsider_bids_only_for_the_member(tender, both, provider_a, outsider):
    with pytest.raises(NotFound):
        bid_create(actor=both, tender_id=tender.pk, provider_id=outsider.pk, content={}, received_at=timezone.now())
    assert not Bid.objects.filter(tender=tender).exists()
    # Naming no organisation, the only one the call invites is the one the bid is for.
    bid = bid_create(actor=both, tender_id=tender.pk, content={}, received_at=timezone.now())
    assert bid.provider_id == provider_a.pk


def test_the_api_answers_404_for_the_outsider(tender, both, provider_a, outsider, client_for):
    client = client_for(both)
    content = full_content(tender)

    refused = client.post("/api/v1/bids/", {"tender": tender.pk, "provider": outsider.pk, **content}, format="json")

    assert refused.status_code == 404
    assert not Bid.objects.filter(tender=tender).exists()
    created = client.post("/api/v1/bids/", {"tender": tender.pk, "provider": provider_a.pk, **content}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["provider"] == provider_a.pk


def test_an_announced_call_still_asks_a_user_of_several_which_one(authority, both, provider_a):
    from tenders.models import TenderStatus

    call = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    with pytest.raises(ValidationFailed) as exc:
        bid_create(actor=both, tender_id=call.pk, content={}, received_at=timezone.now())
    assert exc.value.errors["provider"][0]["code"] == "required"


def test_the_page_offers_only_the_member_and_saves_its_bid(tender, both, provider_a, outsider, browser_for):
    client = browser_for(both)
    page = client.get(f"/bids/new/{tender.pk}/")
    assert page.status_code == 200
    assert outsider.name not in page.content.decode()
    assert "provider" not in page.context["form"].fields  # one organisation invited: nothing to choose

    # A forged choice of the outsider is not one the page takes: the bid is the member's.
    response = client.post(f"/bids/new/{tender.pk}/", form_data(tender, provider=str(outsider.pk)))

    bid = Bid.objects.get(tender=tender)
    assert response.status_code == 302 and response["Location"] == f"/bids/{bid.pk}/"
    assert bid.provider_id == provider_a.pk
    assert client.get(f"/bids/new/{tender.pk}/")["Location"] == f"/bids/{bid.pk}/"


def test_a_user_of_two_members_chooses_between_them_only(tender, provider_a, provider_b, outsider, browser_for):
    user = factories.provider_member_of(provider_a)
    for provider in (provider_b, outsider):
        Membership.objects.create(user=user, role=Role.PROVIDER_MEMBER, provider=provider)
    client = browser_for(user)

    choices = dict(client.get(f"/bids/new/{tender.pk}/").context["form"].fields["provider"].choices)

    assert set(choices) == {provider_a.pk, provider_b.pk}
    refused = client.post(f"/bids/new/{tender.pk}/", form_data(tender, provider=str(outsider.pk)))
    assert refused.status_code == 400 and not Bid.objects.filter(tender=tender).exists()
    client.post(f"/bids/new/{tender.pk}/", form_data(tender, provider=str(provider_b.pk)))
    assert Bid.objects.get(tender=tender).provider_id == provider_b.pk


def test_the_page_is_not_found_for_an_outsiders_only_user(tender, outsider, browser_for):
    assert browser_for(factories.provider_member_of(outsider)).get(f"/bids/new/{tender.pk}/").status_code == 404


def test_a_provider_that_left_the_framework_can_no_longer_change_or_submit(
    tender, framework, member_a, provider_a, client_for
):
    bid = bid_create(actor=member_a, tender_id=tender.pk, content=full_content(tender), received_at=timezone.now())
    member_leaves(framework, provider_a)

    with pytest.raises(NotFound):
        bid_update(actor=member_a, bid_id=bid.pk, content={"contact": {}}, received_at=timezone.now())
    with pytest.raises(NotFound):
        bid_submit(actor=member_a, bid_id=bid.pk, received_at=timezone.now())
    client = client_for(member_a)
    assert client.patch(f"/api/v1/bids/{bid.pk}/", {"contact": {}}, format="json").status_code == 404
    assert client.post(f"/api/v1/bids/{bid.pk}/submit/").status_code == 404
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.DRAFT and Bid.objects.get(pk=bid.pk).version == 0


def test_a_member_still_in_the_framework_submits(tender, member_a, client_for):
    client = client_for(member_a)
    bid = client.post("/api/v1/bids/", {"tender": tender.pk, **full_content(tender)}, format="json").json()
    assert client.post(f"/api/v1/bids/{bid['id']}/submit/").status_code == 200
    assert Bid.objects.get(pk=bid["id"]).status == BidStatus.SUBMITTED
