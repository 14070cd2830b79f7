"""The officers' task list in a real browser: an approval waits for the second officer on the dashboard and in the
inbox; the delivery log re-sends a notification; a question's public wording is edited before it is answered."""

from django.utils import timezone
from playwright.sync_api import expect

from procurement.models import DeliveryStatus, Notification
from procurement.notifications import notification_deliver
from tenders.models import Question, Tender, TenderStatus
from tenders.services import question_ask
from tests.fixtures import factories
from tests.fixtures.browser import check_page, sign_in


def test_an_approval_waits_for_the_second_officer_who_approves_it(page, pages, transactional_db, authority, member_a):
    olli = factories.officer_of(authority, username="olli", first_name="Olli", last_name="Ostaja")
    factories.officer_of(authority, username="outi", first_name="Outi", last_name="Ostaja")
    tender = factories.TenderFactory(authority=authority, created_by=olli, title_fi="Kotoutumiskoulutus Pori")
    page.on("dialog", lambda dialog: dialog.accept())

    # the author sends the draft for approval, and is not offered the approval itself
    sign_in(page, "olli")
    page.goto(f"/calls/ours/{tender.pk}/")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("The call was sent for approval.")).to_be_visible()
    assert page.get_by_role("button", name="Approve").count() == 0
    expect(page.get_by_role("button", name="Return to draft")).to_be_visible()

    # the second officer, in Finnish, finds the approval on the dashboard and atop the inbox
    second = pages()
    sign_in(second, "outi", language="fi")
    second.goto("/calls/ours/")
    tasks = second.locator("section.tasks")
    assert "Hyväksy tarjouspyyntö tai palauta se luonnokseksi" in tasks.inner_text()
    check_page(second, "officer-tasks-fi")
    second.goto("/inbox/")
    assert second.locator("section.tasks").get_by_role("link").count() == 1
    assert "Tarjouspyyntö odottaa hyväksyntääsi: Kotoutumiskoulutus Pori" in second.locator("main").inner_text()
    check_page(second, "officer-inbox-fi")
    second.locator("section.tasks").get_by_role("link", name="Hyväksy tarjouspyyntö").click()
    second.get_by_role("button", name="Hyväksy", exact=True).click()
    expect(second.get_by_text("Tarjouspyyntö hyväksyttiin.")).to_be_visible()
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.APPROVED
    second.goto("/calls/ours/")
    assert "Hyväksy tarjouspyyntö" not in second.locator("section.tasks").inner_text()  # done, so gone

    # the author publishes; the delivery log shows the request for approval, sent, and sends it again
    page.goto(f"/calls/ours/{tender.pk}/")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("The call was published.")).to_be_visible()
    request = Notification.objects.get(kind="tender.approval_requested", tender_id=tender.pk)
    notification_deliver(notification_id=request.pk)
    assert Notification.objects.get(pk=request.pk).status == DeliveryStatus.SENT
    page.get_by_role("link", name="Delivery log").click()
    entry = page.locator(f"#delivery-{request.pk}")
    assert "A call waits for your approval" in entry.inner_text() and "Outi Ostaja" in entry.inner_text()
    check_page(page, "officer-deliveries")
    entry.get_by_role("button", name="Send again").click()
    expect(page.get_by_text("The notification is being sent again.")).to_be_visible()
    assert Notification.objects.get(pk=request.pk).status in (DeliveryStatus.PENDING, DeliveryStatus.SENT)
    page.goto(f"/calls/ours/{tender.pk}/")
    page.get_by_role("link", name="Interested providers").click()
    check_page(page, "officer-interested")

    # a bidder names itself in a question; the officer edits the public wording before answering
    question = question_ask(
        actor=member_a, tender_id=tender.pk, text="Koulutus 1 Oy kysyy: ryhmäkoko?", received_at=timezone.now()
    )
    page.goto(f"/calls/ours/{tender.pk}/questions/")
    page.get_by_text("Edit the public wording").click()
    page.get_by_label("Public wording of the question").fill("Mikä on ryhmäkoko?")
    page.get_by_role("button", name="Save the wording").click()
    expect(page.get_by_text("The public wording of the question was saved")).to_be_visible()
    page.get_by_text("The question as asked", exact=True).click()
    check_page(page, "officer-questions-wording")
    question.refresh_from_db()
    assert (question.text, question.original_text) == ("Mikä on ryhmäkoko?", "Koulutus 1 Oy kysyy: ryhmäkoko?")
    assert Question.objects.filter(tender=tender, bulletin__isnull=True).count() == 1
