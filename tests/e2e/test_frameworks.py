"""Framework agreements in a real browser: the officer's list with the usage warning, the framework's page, the
option exercised by a recorded decision; the pages pass axe in English, Finnish and Swedish."""

from playwright.sync_api import expect

from tests.fixtures.browser import assert_accessible, check_page, sign_in
from tests.fixtures.framework_orders import order_record
from tests.fixtures.frameworks import signed_framework


def test_an_officer_follows_a_framework_and_exercises_its_option(
    page, pages, transactional_db, authority, officer, member_a, member_b
):
    framework = signed_framework(authority=authority, officer=officer, bidders=[(member_a, "9000"), (member_b, "9500")])
    first = framework.members.get(rank=1)
    second = framework.members.get(rank=2)
    order_record(framework, first, students=30)
    order_record(framework, second, students=15, passed_over=[(first, "declined", "Ei vapaata opettajaa.")])

    sign_in(page, officer.username)
    page.get_by_role("link", name="Framework agreements").first.click()
    check_page(page, "officer-frameworks")
    row = page.locator(f"#framework-{framework.pk}")
    expect(row).to_contain_text("80 per cent of the maximum reached")
    row.get_by_role("link").first.click()
    expect(page.locator("#usage-warning")).to_be_visible()
    expect(page.locator("#passed-over")).to_contain_text("Ei vapaata opettajaa.")
    check_page(page, "officer-framework")

    form = page.locator(f"#decide-option-{framework.options.get().pk}")
    form.get_by_label("Exercise the option", exact=True).check()
    form.get_by_role("textbox", name="Reason", exact=True).fill("Koulutustarve jatkuu alueella.")
    form.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("The decision on the option was recorded.")).to_be_visible()
    expect(page.locator("#changes")).to_contain_text("Option exercised")
    framework.refresh_from_db()
    expect(page.locator("#framework-term")).to_contain_text(f"{framework.ends_on.day}.{framework.ends_on.month}.")
    check_page(page, "officer-framework-option")

    swedish = pages()
    sign_in(swedish, officer.username, language="sv")
    swedish.goto(f"/frameworks/{framework.pk}/")
    expect(swedish.get_by_role("heading", level=1)).to_contain_text("Ramavtal")
    assert_accessible(swedish, "officer-framework (sv)")
