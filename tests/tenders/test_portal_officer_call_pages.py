"""The authority's call page offers what the services allow, per role; the delivery log with re-sending, the register of
interested providers, completing the call and the public wording of a question."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from procurement.errors import Conflict
from procurement.models import AuditEvent, DeliveryStatus, Membership, Notification, Role
from tenders.models import Lot, LotStatus, Question, Tender, TenderInterest, TenderStatus
from tenders.services import question_answer, question_ask, question_edit, tender_submit_for_approval
from tests.fixtures import factories
from tests.fixtures.portal import signed_in

pytestmark = pytest.mark.django_db

ACTION_DATA = {
    "approve": {"approve-comment": "Hyvä."},
    "return_to_draft": {"return_to_draft-comment": "Korjaa."},
    "cancel": {"cancel-reason": "Tarve poistui."},
    "declare_unsuccessful": {"declare_unsuccessful-reason": "Ei hyväksyttäviä tarjouksia."},
}
ACTIONS = ["submit_for_approval", "approve", "return_to_draft", "publish", "close", "complete", "declare_unsuccessful"]


def member(authority, role):
    user = factories.UserFactory()
    Membership.objects.create(user=user, role=role, authority=authority)
    return user


def tender_in(state: str, authority, author) -> Tender:
    tender = factories.TenderFactory(authority=authority, created_by=author)
    if state != "draft":
        tender_submit_for_approval(actor=author, tender_id=tender.pk)
    fields = {
        "pending_approval": {},
        "approved": {"status": TenderStatus.APPROVED},
        "published": {"status": TenderStatus.PUBLISHED, "published_at": timezone.now()},
        "deadline_passed": {
            "status": TenderStatus.PUBLISHED,
            "published_at": timezone.now() - timedelta(days=30),
            "submission_deadline": timezone.now() - timedelta(minutes=1),
        },
    }.get(state, {})
    Tender.objects.filter(pk=tender.pk).update(**fields)
    return tender


def offered_actions(client, tender) -> set[str]:
    page = client.get(f"/calls/ours/{tender.pk}/").content.decode()
    return set(re.findall(rf"/calls/ours/{tender.pk}/do/([a-z_]+)/", page))


@pytest.mark.parametrize("state", ["draft", "pending_approval", "approved", "deadline_passed"])
def test_every_offered_action_succeeds_and_no_refused_one_is_offered(authority, officer, officer2, state):
    # given the author, a second officer, an evaluator and a decision-maker of the authority
    roles = {
        "author": officer,
        "second officer": officer2,
        "evaluator": member(authority, Role.EVALUATOR),
        "decision-maker": member(authority, Role.DECISION_MAKER),
    }
    for role, user in roles.items():
        client = signed_in(user)
        offered = offered_actions(client, tender_in(state, authority, officer))
        for action in ACTIONS:
            # when each action is tried on a fresh call in that state
            tender = tender_in(state, authority, officer)
            response = client.post(f"/calls/ours/{tender.pk}/do/{action}/", ACTION_DATA.get(action, {}))
            # then the page offered exactly those that succeed
            succeeded = response.status_code == 302
            assert succeeded == (action in offered), (state, role, action, response.status_code)


def test_the_author_is_not_offered_the_approval_and_the_second_officer_is(authority, officer, officer2):
    tender = tender_in("pending_approval", authority, officer)

    assert "approve" not in offered_actions(signed_in(officer), tender)
    assert "approve" in offered_actions(signed_in(officer2), tender)


def test_an_evaluator_is_not_offered_the_draft_editor(authority, officer):
    tender = tender_in("draft", authority, officer)
    evaluator = member(authority, Role.EVALUATOR)

    assert (
        f"/calls/ours/{tender.pk}/draft/" not in signed_in(evaluator).get(f"/calls/ours/{tender.pk}/").content.decode()
    )
    assert f"/calls/ours/{tender.pk}/draft/" in signed_in(officer).get(f"/calls/ours/{tender.pk}/").content.decode()


def test_the_call_is_completed_from_its_page_once_every_lot_is_finished(authority, officer, member_a):
    from tests.fixtures.stages import decided_tender

    tender = decided_tender(officer=officer, bidders=[(member_a, "9000")], authority=authority)
    client = signed_in(officer)
    assert "complete" not in offered_actions(client, tender)  # the standstill runs

    tender.award_decision.__class__.objects.filter(pk=tender.award_decision.pk).update(
        standstill_ends_on=timezone.now().date() - timedelta(days=2)
    )
    Lot.objects.filter(tender=tender).update(status=LotStatus.CANCELLED)
    assert "complete" in offered_actions(client, tender)

    response = client.post(f"/calls/ours/{tender.pk}/do/complete/", follow=True)

    assert "The call was completed." in response.content.decode()
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.COMPLETED


def test_the_call_page_links_its_records_delivery_log_and_interested_providers(authority, officer, open_tender):
    page = signed_in(officer).get(f"/calls/ours/{open_tender.pk}/").content.decode()

    assert f"/records/calls/{open_tender.pk}/" in page
    assert f"/calls/ours/{open_tender.pk}/deliveries/" in page
    assert f"/calls/ours/{open_tender.pk}/interested/" in page


# --- the delivery log and re-sending ---------------------------------------------------------------------------


def sent_approval_request(authority, author, other) -> Notification:
    tender = tender_in("pending_approval", authority, author)
    notification = Notification.objects.get(kind="tender.approval_requested", user=other, tender_id=tender.pk)
    Notification.objects.filter(pk=notification.pk).update(status=DeliveryStatus.SENT, sent_at=timezone.now(), sends=1)
    return notification


def test_sending_for_approval_notifies_the_other_officers_only(authority, officer, officer2):
    tender = tender_in("pending_approval", authority, officer)

    recipients = set(
        Notification.objects.filter(kind="tender.approval_requested", tender_id=tender.pk).values_list(
            "user", flat=True
        )
    )

    assert recipients == {officer2.pk}


def test_the_delivery_log_lists_the_calls_notifications_and_an_officer_sends_one_again(authority, officer, officer2):
    notification = sent_approval_request(authority, officer, officer2)
    client = signed_in(officer)

    page = client.get(f"/calls/ours/{notification.tender_id}/deliveries/").content.decode()
    assert "A call waits for your approval" in page
    assert f"/deliveries/{notification.pk}/resend/" in page

    response = client.post(f"/calls/ours/{notification.tender_id}/deliveries/{notification.pk}/resend/", {})

    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.PENDING
    assert AuditEvent.objects.filter(action="notification.resend", object_id=str(notification.pk)).exists()


def test_an_evaluator_reads_the_delivery_log_but_is_not_offered_resending(authority, officer, officer2):
    notification = sent_approval_request(authority, officer, officer2)
    client = signed_in(member(authority, Role.EVALUATOR))

    page = client.get(f"/calls/ours/{notification.tender_id}/deliveries/")
    refused = client.post(f"/calls/ours/{notification.tender_id}/deliveries/{notification.pk}/resend/", {})

    assert page.status_code == 200 and "/resend/" not in page.content.decode()
    assert refused.status_code == 403
    assert Notification.objects.get(pk=notification.pk).status == DeliveryStatus.SENT


def test_a_notification_of_another_call_is_not_resent_through_this_one(authority, officer, officer2, open_tender):
    notification = sent_approval_request(authority, officer, officer2)

    response = signed_in(officer).post(f"/calls/ours/{open_tender.pk}/deliveries/{notification.pk}/resend/", {})

    assert response.status_code == 404


def test_the_register_of_interested_providers_names_who_follows(authority, officer, open_tender, provider_a):
    TenderInterest.objects.create(tender=open_tender, provider=provider_a, following=True, followed_at=timezone.now())

    page = signed_in(officer).get(f"/calls/ours/{open_tender.pk}/interested/").content.decode()

    assert provider_a.name in page and "yes" in page


def test_another_authoritys_officer_finds_neither_page(authority, other_authority, open_tender):
    stranger = signed_in(factories.officer_of(other_authority))

    assert stranger.get(f"/calls/ours/{open_tender.pk}/deliveries/").status_code == 404
    assert stranger.get(f"/calls/ours/{open_tender.pk}/interested/").status_code == 404


# --- the public wording of a question --------------------------------------------------------------------------


def asked(tender, member) -> Question:
    return question_ask(
        actor=member, tender_id=tender.pk, text="Me Koulutus Oy kysymme: ryhmäkoko?", received_at=timezone.now()
    )


def test_an_officer_edits_the_public_wording_and_the_question_as_asked_stays_on_record(
    officer, open_tender, member_a, member_b, client_for
):
    question = asked(open_tender, member_a)

    response = signed_in(officer).post(
        f"/calls/ours/{open_tender.pk}/questions/{question.pk}/wording/", {f"w{question.pk}-text": "Ryhmäkoko?"}
    )

    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.text, question.original_text) == ("Ryhmäkoko?", "Me Koulutus Oy kysymme: ryhmäkoko?")
    event = AuditEvent.objects.get(action="question.edit", object_id=str(question.pk))
    assert event.before == {"text": "Me Koulutus Oy kysymme: ryhmäkoko?"} and event.after == {"text": "Ryhmäkoko?"}
    # the answer is published in the edited words only
    question_answer(actor=officer, tender_id=open_tender.pk, question_id=question.pk, answer="20.")
    signed_in(officer).post(f"/calls/ours/{open_tender.pk}/answers/publish/", {"publish-late_answer_reason": "x"})
    public = client_for(member_b).get(f"/api/v1/tenders/{open_tender.pk}/questions/").content.decode()
    assert "Ryhmäkoko?" in public and "Koulutus Oy" not in public


def test_the_wording_cannot_change_after_the_answer_is_published(officer, open_tender, member_a):
    from tenders.services import answers_publish

    question = asked(open_tender, member_a)
    question_answer(actor=officer, tender_id=open_tender.pk, question_id=question.pk, answer="20.")
    answers_publish(actor=officer, tender_id=open_tender.pk)

    with pytest.raises(Conflict) as refused:
        question_edit(actor=officer, tender_id=open_tender.pk, question_id=question.pk, text="Muu")
    response = signed_in(officer).post(
        f"/calls/ours/{open_tender.pk}/questions/{question.pk}/wording/", {f"w{question.pk}-text": "Muu"}
    )

    assert refused.value.code == "already_published" and refused.value.status_code == 409
    assert response.status_code == 409
    assert Question.objects.get(pk=question.pk).text == "Me Koulutus Oy kysymme: ryhmäkoko?"


def test_only_an_officer_edits_the_wording(authority, open_tender, member_a):
    question = asked(open_tender, member_a)
    evaluator = member(authority, Role.EVALUATOR)

    response = signed_in(evaluator).post(
        f"/calls/ours/{open_tender.pk}/questions/{question.pk}/wording/", {f"w{question.pk}-text": "Muu"}
    )

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="question.edit").exists()


def test_the_api_edits_the_wording_for_officers_only_and_keeps_the_words_as_asked(
    officer, open_tender, member_a, client_for
):
    question = asked(open_tender, member_a)
    url = f"/api/v1/tenders/{open_tender.pk}/questions/{question.pk}/wording/"

    refused = client_for(member_a).post(url, {"text": "Muu"}, format="json")
    response = client_for(officer).post(url, {"text": "Ryhmäkoko?"}, format="json")

    assert refused.status_code == 403
    assert response.status_code == 200
    assert response.json()["text"] == "Ryhmäkoko?"
    assert response.json()["original_text"] == "Me Koulutus Oy kysymme: ryhmäkoko?"
    own = client_for(member_a).get(f"/api/v1/tenders/{open_tender.pk}/questions/").json()
    assert [q["text"] for q in own] == ["Ryhmäkoko?"] and "original_text" not in own[0]


def test_the_delivery_log_says_sent_in_words_and_shows_the_mail_servers_answer_only_for_a_failure(
    authority, officer, officer2
):
    notification = sent_approval_request(authority, officer, officer2)
    Notification.objects.filter(pk=notification.pk).update(delivery_result="accepted for toinen@example.fi")
    failed = Notification.objects.create(
        kind="tender.approval_requested",
        key="failed-one",
        user=officer2,
        tender_id=notification.tender_id,
        status=DeliveryStatus.FAILED,
        delivery_result="SMTPRecipientsRefused: 550 no such user",
        payload={"title": "Kutsu"},
    )
    client = signed_in(officer)

    page = client.get(f"/calls/ours/{notification.tender_id}/deliveries/").content.decode()

    assert "accepted for" not in page
    assert f'id="n{failed.pk}-title"' in page and "550 no such user" in page
