"""A mini-competition under a framework agreement in a real browser: the officer drafts it from the form, and a
provider of the framework finds it in its call list (in English, Finnish and Swedish, with axe)."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tenders.models import Tender
from tenders.services import tender_approve, tender_publish, tender_submit_for_approval
from tests.fixtures import factories
from tests.fixtures.browser import assert_accessible, assert_no_horizontal_overflow, check_page, sign_in
from tests.fixtures.frameworks import signed_framework

TITLE = "Kotoutumiskoulutus Kuopio, kevät"


def test_an_officer_drafts_a_mini_competition_and_a_member_finds_it(
    pages, transactional_db, authority, officer, member_a
):
    framework = signed_framework(
        authority=authority,
        officer=officer,
        bidders=[(member_a, "9000")],
        call_off_method="mini_competition",
        title_fi="Kotoutumiskoulutuksen puitejärjestely Pohjois-Savo",
    )
    url = f"/frameworks/{framework.pk}/mini-competitions/new/"

    # The officer's form in Swedish (English and Finnish: check_page below)
    swedish = pages()
    sign_in(swedish, officer.username, language="sv")
    swedish.goto(url)
    expect(swedish.get_by_role("heading", name="Ny förnyad konkurrensutsättning")).to_be_visible()
    assert_accessible(swedish, "mini-competition-new (sv)")
    assert_no_horizontal_overflow(swedish, "mini-competition-new (sv)")

    page = pages()
    sign_in(page, officer.username)
    page.goto(url)
    expect(page.get_by_role("heading", name="New mini-competition")).to_be_visible()
    page.get_by_label("Title in Finnish").fill(TITLE)
    page.get_by_label("Municipality").fill("Kuopio")
    page.get_by_label("Language of instruction").select_option("fi")
    page.get_by_label("Students").fill("12")
    page.get_by_label("Start date").fill((timezone.localdate() + timedelta(days=45)).isoformat())
    page.get_by_label("Training days").fill("90")
    page.get_by_label("Tender deadline").fill((timezone.localtime() + timedelta(days=8)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Weight (%) of “Toteutussuunnitelma”").fill("30")
    page.get_by_label("Weight (%) of “Työelämäyhteistyö”").fill("10")
    page.get_by_label("Observe a standstill period").check()
    check_page(page, "mini-competition-new")
    page.get_by_role("button", name="Draft the mini-competition").click()

    tender = Tender.objects.get(framework_lot=framework.lot)
    expect(page).to_have_url(f"{page.url.split('/calls/')[0]}/calls/ours/{tender.pk}/")
    expect(page.get_by_text("Mini-competition under framework").first).to_be_visible()
    assert tender.standstill_chosen

    # Approved by a second officer and published as any call; the member finds it among its calls
    tender_submit_for_approval(actor=officer, tender_id=tender.pk)
    tender_approve(actor=factories.officer_of(authority), tender_id=tender.pk)
    tender_publish(actor=officer, tender_id=tender.pk)
    for language, label in (
        ("en", "Mini-competition under framework"),
        ("fi", "Kevennetty kilpailutus puitejärjestelyssä"),
        ("sv", "Förnyad konkurrensutsättning inom ramavtalet"),
    ):
        provider = pages()
        sign_in(provider, member_a.username, language=language)
        provider.goto("/calls/")
        row = provider.get_by_role("row").filter(has_text=TITLE)
        expect(row).to_contain_text(label)
        if language == "en":
            check_page(provider, "provider-mini-competitions")  # the English page, and its Finnish screenshot
        else:
            assert_accessible(provider, f"provider-mini-competitions ({language})")
            assert_no_horizontal_overflow(provider, f"provider-mini-competitions ({language})")
