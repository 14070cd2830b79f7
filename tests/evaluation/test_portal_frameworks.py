"""The portal's framework agreement pages: the officers' list and summary with the decision forms, the XLSX, a
provider's own memberships, and the link from the officer's call page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from evaluation.models import FrameworkChange
from tests.fixtures import factories
from tests.fixtures.framework_orders import order_record
from tests.fixtures.frameworks import signed_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework(authority, officer, member_a, member_b):
    return signed_framework(authority=authority, officer=officer, bidders=[(member_a, "9000"), (member_b, "9500")])


def test_the_officers_list_shows_each_framework_with_the_usage_warning(framework, officer, browser_for):
    order_record(framework, framework.members.get(rank=1), students=45)  # 405 000 of 500 000
    page = browser_for(officer).get("/frameworks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="framework-{framework.pk}"' in html
    assert "80 per cent of the maximum reached" in html
    assert 'href="/frameworks/"' in html  # the navigation's link


def test_the_summary_page_shows_members_options_and_the_order_links(framework, officer, browser_for):
    html = browser_for(officer).get(f"/frameworks/{framework.pk}/").content.decode()
    assert f'id="member-{framework.members.get(rank=1).pk}"' in html
    assert f'id="decide-option-{framework.options.get().pk}"' in html
    assert f'href="/frameworks/{framework.pk}/orders/new/"' in html
    assert f'href="/frameworks/{framework.pk}/export.xlsx"' in html


def test_an_officer_exercises_the_option_on_the_page(framework, officer, browser_for):
    option = framework.options.get()
    client = browser_for(officer)
    url = f"/frameworks/{framework.pk}/options/{option.pk}/decide/"
    missing = client.post(url, {f"option-{option.pk}-exercise": "yes"})
    assert missing.status_code == 400
    done = client.post(url, {f"option-{option.pk}-exercise": "yes", f"option-{option.pk}-reason": "Tarve jatkuu."})
    assert done.status_code == 302
    assert framework.changes.get().kind == FrameworkChange.Kind.OPTION_EXERCISED
    again = client.post(url, {f"option-{option.pk}-exercise": "no", f"option-{option.pk}-reason": "x"})
    assert again.status_code == 409


def test_a_leaving_with_a_pending_order_is_refused_on_the_page(framework, officer, browser_for):
    first = framework.members.get(rank=1)
    order_record(framework, first, status="offered")
    response = browser_for(officer).post(
        f"/frameworks/{framework.pk}/leave/",
        {
            "leave-member": first.pk,
            "leave-reason": "Konkurssi.",
            "leave-effective_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 409
    assert "waits for its reply" in response.content.decode()


def test_price_capacity_and_terminate_forms(framework, officer, browser_for):
    client = browser_for(officer)
    first = framework.members.get(rank=1)
    base = f"/frameworks/{framework.pk}"
    assert (
        client.post(
            f"{base}/capacity/", {"capacity-member": first.pk, "capacity-capacity": "4", "capacity-reason": "x"}
        )
    ).status_code == 302
    price = {"price-percent": "3", "price-index_name": "Indeksi", "price-reason": "x"}
    price["price-effective_on"] = timezone.localdate().isoformat()
    assert client.post(f"{base}/prices/", price).status_code == 302
    assert client.post(f"{base}/replace/", {"replace-reason": "x"}).status_code == 409
    assert client.post(f"{base}/terminate/", {"terminate-reason": "Loppu."}).status_code == 302
    assert [c.kind for c in framework.changes.order_by("number")] == ["capacity", "price_index", "terminated"]
    html = client.get(f"{base}/").content.decode()
    assert 'id="terminate-form"' not in html and "/orders/new/" not in html


def test_the_xlsx_download(framework, officer, browser_for):
    response = browser_for(officer).get(f"/frameworks/{framework.pk}/export.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_an_auditor_reads_the_summary_without_forms(framework, browser_for):
    auditor = factories.auditor(framework.tender.authority)
    client = browser_for(auditor)
    html = client.get(f"/frameworks/{framework.pk}/").content.decode()
    assert 'id="members"' in html and 'id="leave-form"' not in html
    assert client.post(f"/frameworks/{framework.pk}/terminate/", {"terminate-reason": "x"}).status_code == 403


def test_a_provider_sees_only_its_own_memberships(framework, member_a, browser_for):
    client = browser_for(member_a)
    html = client.get("/frameworks/").content.decode()
    assert f'id="membership-{framework.members.get(rank=1).pk}"' in html
    assert "9500" not in html
    assert client.get(f"/frameworks/{framework.pk}/").status_code == 404
    assert client.post(f"/frameworks/{framework.pk}/terminate/", {"terminate-reason": "x"}).status_code == 403


def test_the_officers_call_page_links_to_the_lots_framework(framework, officer, browser_for):
    html = browser_for(officer).get(f"/calls/ours/{framework.tender_id}/").content.decode()
    assert f'href="/frameworks/{framework.pk}/"' in html


def test_a_leaving_in_the_future_is_refused_on_the_page(framework, officer, browser_for):
    first = framework.members.get(rank=1)
    form = {"leave-member": first.pk, "leave-reason": "Konkurssi.", "leave-effective_on": "9999-12-31"}
    response = browser_for(officer).post(f"/frameworks/{framework.pk}/leave/", form)
    assert response.status_code == 400
    assert "recorded or earlier" in response.content.decode()
    first.refresh_from_db()
    assert first.left_on is None and not framework.changes.exists()


def test_a_price_adjustment_in_the_future_is_refused_on_the_page(framework, officer, browser_for):
    later = (timezone.localdate() + timedelta(days=90)).isoformat()
    form = {"price-percent": "3", "price-index_name": "Indeksi", "price-reason": "x", "price-effective_on": later}
    response = browser_for(officer).post(f"/frameworks/{framework.pk}/prices/", form)
    assert response.status_code == 400
    assert framework.members.get(rank=1).unit_price == Decimal("9000.00") and not framework.changes.exists()


def test_a_capacity_beyond_the_bound_is_a_form_error(framework, officer, browser_for):
    first = framework.members.get(rank=1)
    form = {"capacity-member": first.pk, "capacity-capacity": "3000000000", "capacity-reason": "x"}
    response = browser_for(officer).post(f"/frameworks/{framework.pk}/capacity/", form)
    assert response.status_code == 400
    assert "100000" in response.content.decode()
    first.refresh_from_db()
    assert first.capacity is None and not framework.changes.exists()
