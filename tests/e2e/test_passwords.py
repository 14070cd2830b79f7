"""Changing and resetting a password in a real browser: the pages pass axe-core and the CSP, the errors are shown
next to their fields, and the new password is the one that signs in."""

import re

from django.core import mail
from playwright.sync_api import expect

from tests.fixtures import factories
from tests.fixtures.browser import check_page, sign_in

NEW = "Uusi-salasana-2028"


def test_change_the_password_from_the_header_then_reset_a_forgotten_one(page, transactional_db):
    factories.UserFactory(username="maija", email="maija@example.invalid")

    sign_in(page, "maija")
    page.get_by_role("link", name="Change password").click()
    check_page(page, "password-change")
    page.get_by_label("Old password").fill("wrong")
    page.locator("#id_new_password1").fill(NEW)
    page.locator("#id_new_password2").fill(NEW)
    page.get_by_role("button", name="Change the password").click()
    expect(page.locator("#id_old_password_error")).to_be_visible()
    check_page(page, "password-change-error")

    page.get_by_label("Old password").fill("correct horse battery staple")
    page.locator("#id_new_password1").fill(NEW)
    page.locator("#id_new_password2").fill(NEW)
    page.get_by_role("button", name="Change the password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password was changed")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Forgot your password?").click()
    check_page(page, "password-reset")
    page.get_by_label("Email").fill("maija@example.invalid")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status")).to_contain_text("a link to set a new password was sent")

    link = re.search(r"https?://[^/\s]+(/password/reset/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(link)
    check_page(page, "password-reset-confirm")
    page.locator("#id_new_password1").fill("Kolmas-salasana-2028")
    page.locator("#id_new_password2").fill("Kolmas-salasana-2028")
    page.get_by_role("button", name="Set the password").click()
    expect(page).to_have_url(re.compile(r"/sign-in/$"))

    sign_in(page, "maija", password="Kolmas-salasana-2028")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
