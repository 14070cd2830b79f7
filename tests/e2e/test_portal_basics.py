"""The portal's common parts in a real browser: signing in and out, the language, the inbox, accessibility."""

import re

from playwright.sync_api import expect

from procurement.models import Notification
from tests.fixtures import factories
from tests.fixtures.browser import check_page, sign_in


def test_sign_in_switch_language_read_the_inbox_and_sign_out(page, transactional_db, provider_a):
    member = factories.provider_member_of(provider_a, username="maija", first_name="Maija")
    Notification.objects.create(kind="tender.cancelled", key="k", provider=provider_a, payload={"reason": "Testi"})

    page.goto("/sign-in/")
    check_page(page, "sign-in")
    page.get_by_label("Username").fill("maija")
    page.get_by_label("Password").fill("wrong")
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert page.get_by_label("Username").input_value() == "maija"  # what was typed is kept

    sign_in(page, "maija")
    page.goto("/inbox/")
    check_page(page, "inbox")
    assert page.locator(".notification.unread").count() == 1
    page.get_by_role("button", name="Mark as read").click()
    page.wait_for_selector(".notification:not(.unread)")
    assert Notification.objects.get(key="k").read_at is not None

    page.get_by_label("Language").select_option("fi")  # applied at once by the page's script
    expect(page.get_by_role("heading", name="Ilmoitukset")).to_be_visible()
    assert "Hankinta keskeytettiin" in page.locator(".notification").inner_text()
    page.get_by_label("Kieli").select_option("sv")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    member.refresh_from_db()
    assert member.preferred_language == "sv"
    page.goto("/inbox/")
    expect(page.get_by_role("heading", name="Meddelanden")).to_be_visible()

    page.get_by_role("button", name="Logga ut").click()
    expect(page).to_have_url(re.compile(r"/sign-in/$"))
