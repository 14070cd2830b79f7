"""A call-off by order of preference in a real browser: the officer orders a course start from the framework, the
first-ranked provider finds it under Orders and accepts it (English, Finnish and Swedish pages, with axe)."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from evaluation.models import CallOff, CallOffStatus
from tests.fixtures.browser import check_page, sign_in
from tests.fixtures.frameworks import signed_framework


def test_an_officer_orders_a_course_and_the_first_provider_accepts_it(
    pages, transactional_db, authority, officer, member_a, member_b
):
    # given: a framework of two providers, A first
    framework = signed_framework(
        authority=authority,
        officer=officer,
        bidders=[(member_a, "9000"), (member_b, "9500")],
        title_fi="Kotoutumiskoulutus Savo",
    )
    start_on = timezone.localdate() + timedelta(days=45)

    # the officer makes the order
    desk = pages()
    sign_in(desk, officer.username)
    desk.goto(f"/frameworks/{framework.pk}/orders/new/")
    expect(desk.get_by_role("table", name="Providers in the order of preference")).to_be_visible()
    check_page(desk, "officer-call-off-new")
    desk.get_by_label("Municipality").fill("Varkaus")
    desk.get_by_label("Language of instruction").select_option("fi")
    desk.get_by_label("Study path").select_option("basic")
    desk.locator("#id_students").fill("16")
    desk.get_by_label("Start date").fill(start_on.isoformat())
    desk.get_by_label("Training days").fill("90")
    desk.get_by_role("button", name="Make the order").click()
    expect(desk.get_by_role("heading", name="Order 1 from framework agreement")).to_be_visible()
    steps = desk.get_by_role("table", name="The order's steps down the ranks")
    expect(steps.get_by_text("Waiting for a reply")).to_be_visible()
    check_page(desk, "officer-call-off-record")

    # the provider finds it under Orders, with its reply due, and accepts it
    provider = pages()
    sign_in(provider, member_a.username)
    provider.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    expect(provider.get_by_role("heading", name="Replies due")).to_be_visible()
    check_page(provider, "provider-orders")
    provider.get_by_role("link", name="Order 1: Varkaus").click()
    check_page(provider, "provider-order")
    provider.get_by_role("button", name="Accept the order").click()
    expect(provider.get_by_text("You accepted the order.")).to_be_visible()
    assert CallOff.objects.get(framework=framework).status == CallOffStatus.ACCEPTED

    # the accepted order in the provider's history, in Swedish and in Finnish
    swedish = pages()
    sign_in(swedish, member_a.username, language="sv")
    swedish.goto("/orders/")
    expect(swedish.get_by_role("heading", name="Tidigare")).to_be_visible()
    check_page(swedish, "provider-orders-history")
    finnish = pages()
    sign_in(finnish, officer.username, language="fi")
    finnish.goto(f"/frameworks/orders/{CallOff.objects.get().pk}/")
    expect(finnish.get_by_text("Hyväksytty").first).to_be_visible()
    check_page(finnish, "officer-call-off-accepted")
