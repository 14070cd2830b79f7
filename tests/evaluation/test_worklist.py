"""The task list (evaluation.worklist.tasks_for) per role, and the rule that the decider is not the proposer."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from evaluation.services import tender_decide
from evaluation.worklist import tasks_for
from procurement.errors import Conflict
from procurement.models import Membership, Role
from tenders.models import Tender, TenderStatus
from tenders.services import (
    question_answer,
    question_ask,
    tender_approve,
    tender_close,
    tender_return_to_draft,
    tender_submit_for_approval,
)
from tests.fixtures import factories
from tests.fixtures.stages import open_bids, propose_tender, qualify_all, score_all, seat_panel, submitted_tender

pytestmark = pytest.mark.django_db


def kinds(user) -> list[tuple[str, int]]:
    return [(task.kind, task.tender.pk) for task in tasks_for(user)]


def decision_maker_of(authority):
    user = factories.UserFactory()
    Membership.objects.create(user=user, role=Role.DECISION_MAKER, authority=authority)
    return user


def proposed_tender(authority, officer, member):
    """A call evaluated and proposed by `officer`, waiting for its decision."""
    tender = submitted_tender(authority=authority, bidders=[(member, "9000")])
    propose_tender(tender, officer)
    return tender


def test_an_approval_waits_for_the_other_officers_not_the_author_and_goes_when_done(authority, officer, officer2):
    tender = factories.TenderFactory(authority=authority, created_by=officer)
    tender_submit_for_approval(actor=officer, tender_id=tender.pk)

    assert kinds(officer2) == [("approval", tender.pk)]
    assert kinds(officer) == []

    tender_approve(actor=officer2, tender_id=tender.pk)

    # then the approval is gone, and publishing the call waits for every officer
    assert ("approval", tender.pk) not in kinds(officer2)
    assert kinds(officer) == [("publish", tender.pk)]


def test_a_returned_draft_waits_for_its_author(authority, officer, officer2):
    tender = factories.TenderFactory(authority=authority, created_by=officer)
    untouched = factories.TenderFactory(authority=authority, created_by=officer)
    tender_submit_for_approval(actor=officer, tender_id=tender.pk)
    tender_return_to_draft(actor=officer2, tender_id=tender.pk, comment="Korjaa painot.")

    assert kinds(officer) == [("draft_returned", tender.pk)]
    assert untouched.pk not in [pk for _kind, pk in kinds(officer)]
    assert kinds(officer2) == []


def test_new_questions_then_answers_to_publish_wait_for_the_officers(authority, officer, member_a, open_tender):
    question = question_ask(actor=member_a, tender_id=open_tender.pk, text="Ryhmäkoko?", received_at=timezone.now())
    assert kinds(officer) == [("questions", open_tender.pk)]

    question_answer(actor=officer, tender_id=open_tender.pk, question_id=question.pk, answer="20.")

    assert kinds(officer) == [("answers_publish", open_tender.pk)]


def test_an_opening_to_confirm_waits_for_the_second_officer_within_its_window(authority, officer, officer2, member_a):
    from evaluation.services import tender_open

    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000")])
    tender_close(actor=officer, tender_id=tender.pk)
    assert kinds(officer) == [("open", tender.pk)]

    request = tender_open(actor=officer, tender_id=tender.pk)

    assert kinds(officer) == []
    confirm = [task for task in tasks_for(officer2) if task.kind == "opening_confirm"]
    assert [t.tender.pk for t in confirm] == [tender.pk] and confirm[0].due == request.expires_at
    # an expired request is no one's task to confirm: the opening is asked again
    type(request).objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert kinds(officer2) == [("open", tender.pk)]


def test_an_evaluator_is_asked_to_declare_then_to_score(authority, officer, member_a):
    from evaluation.panel import panel_add, panel_declare

    evaluator = factories.UserFactory()
    Membership.objects.create(user=evaluator, role=Role.EVALUATOR, authority=authority)
    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000")])
    tender_close(actor=officer, tender_id=tender.pk)
    panel_add(actor=officer, tender_id=tender.pk, user_id=evaluator.pk)

    assert kinds(evaluator) == [("panel_declaration", tender.pk)]

    panel_declare(actor=evaluator, tender_id=tender.pk, has_conflict=False)
    assert kinds(evaluator) == []  # nothing to score before the opening
    seat_panel(tender, officer)
    open_bids(tender, officer)
    assert kinds(evaluator) == [("scores", tender.pk)]

    qualify_all(tender, officer)
    score_all(tender, officer)
    assert kinds(evaluator) == []


def test_a_proposal_waits_for_the_decision_maker_and_goes_when_decided(authority, officer, member_a):
    head = decision_maker_of(authority)
    tender = proposed_tender(authority, officer, member_a)

    assert kinds(head) == [("decide", tender.pk)]
    assert ("decide", tender.pk) in kinds(officer)  # officers may decide here

    tender_decide(actor=head, tender_id=tender.pk)

    assert ("decide", tender.pk) not in kinds(head) + kinds(officer)


def test_a_provider_and_another_authority_see_none_of_the_authoritys_tasks(
    authority, other_authority, officer, officer2, member_a
):
    tender = factories.TenderFactory(authority=authority, created_by=officer)
    tender_submit_for_approval(actor=officer, tender_id=tender.pk)
    question_ask(
        actor=member_a,
        tender_id=factories.TenderFactory(
            authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now()
        ).pk,
        text="Kysymys",
        received_at=timezone.now(),
    )
    stranger = factories.officer_of(other_authority)
    foreign_head = decision_maker_of(other_authority)

    assert kinds(member_a) == []
    assert kinds(stranger) == []
    assert kinds(foreign_head) == []
    assert len(kinds(officer2)) == 2


def test_task_titles_are_in_the_users_language(authority, officer, officer2):
    tender = factories.TenderFactory(authority=authority, created_by=officer)
    tender_submit_for_approval(actor=officer, tender_id=tender.pk)

    with translation.override("fi"):
        finnish = tasks_for(officer2)[0].title
    with translation.override("sv"):
        swedish = tasks_for(officer2)[0].title

    assert finnish == "Hyväksy tarjouspyyntö tai palauta se luonnokseksi"
    assert swedish == "Godkänn anbudsförfrågan eller returnera den till utkast"


# --- the one who decides is not the one who proposed ---------------------------------------------------------


def test_where_the_authority_requires_it_the_proposer_cannot_decide(authority, officer, member_a):
    authority.decider_not_proposer = True
    authority.save()
    head = decision_maker_of(authority)
    tender = proposed_tender(authority, officer, member_a)

    with pytest.raises(Conflict) as refused:
        tender_decide(actor=officer, tender_id=tender.pk)

    assert refused.value.code == "decider_is_proposer" and refused.value.status_code == 409
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.EVALUATED
    assert ("decide", tender.pk) not in kinds(officer)
    assert kinds(head) == [("decide", tender.pk)]
    assert tender_decide(actor=head, tender_id=tender.pk).decided_by == head


def test_without_the_setting_the_proposer_may_decide(authority, officer, member_a):
    tender = proposed_tender(authority, officer, member_a)

    assert tender_decide(actor=officer, tender_id=tender.pk).decided_by == officer


def test_the_api_refuses_the_proposer_with_409_and_a_stable_code(authority, officer, member_a, client_for):
    authority.decider_not_proposer = True
    authority.save()
    tender = proposed_tender(authority, officer, member_a)

    response = client_for(officer).post(f"/api/v1/tenders/{tender.pk}/decide/", HTTP_ACCEPT_LANGUAGE="fi")

    assert response.status_code == 409
    assert response.json()["code"] == "decider_is_proposer"
    assert "ehdottanut" in response.json()["detail"]  # translated


def test_the_decide_button_is_not_offered_to_the_proposer_where_the_authority_requires_it(authority, officer, member_a):
    from django.test import Client

    authority.decider_not_proposer = True
    authority.save()
    head = decision_maker_of(authority)
    tender = proposed_tender(authority, officer, member_a)
    decide_url = f"/evaluation/{tender.pk}/decide/"

    def page(user):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client.get(f"/evaluation/{tender.pk}/decision/").content.decode()

    assert decide_url not in page(officer)
    assert decide_url in page(head)


# --- the notifications that e-mail a task --------------------------------------------------------------------


def test_a_returned_draft_is_notified_to_its_author(authority, officer, officer2):
    from procurement.models import Notification

    tender = factories.TenderFactory(authority=authority, created_by=officer)
    tender_submit_for_approval(actor=officer, tender_id=tender.pk)
    tender_return_to_draft(actor=officer2, tender_id=tender.pk, comment="Korjaa painot.")

    returned = Notification.objects.filter(kind="tender.returned", tender_id=tender.pk)
    assert [n.user_id for n in returned] == [officer.pk]
    assert "Korjaa painot." in returned.get().payload["comment"]


def test_a_proposal_is_notified_to_those_who_may_decide_it_not_the_proposer(authority, officer, officer2, member_a):
    from procurement.models import Notification

    head = decision_maker_of(authority)
    tender = proposed_tender(authority, officer, member_a)

    recipients = set(
        Notification.objects.filter(kind="award.proposed", tender_id=tender.pk).values_list("user_id", flat=True)
    )

    assert head.pk in recipients and officer2.pk in recipients and officer.pk not in recipients


def test_a_task_is_e_mailed_only_to_users_who_chose_it(authority, officer, officer2):
    from procurement.models import DeliveryStatus, Notification

    inbox_only = factories.officer_of(authority)
    inbox_only.task_email = False
    inbox_only.save()
    tender = factories.TenderFactory(authority=authority, created_by=officer)

    tender_submit_for_approval(actor=officer, tender_id=tender.pk)

    rows = {n.user_id: n for n in Notification.objects.filter(kind="tender.approval_requested", tender_id=tender.pk)}
    assert rows[officer2.pk].status == DeliveryStatus.PENDING and rows[officer2.pk].email_to == [officer2.email]
    assert rows[inbox_only.pk].status == DeliveryStatus.INBOX_ONLY and rows[inbox_only.pk].email_to == []


def test_the_inbox_shows_the_tasks_on_top_and_saves_the_e_mail_choice(authority, officer, officer2):
    from django.test import Client

    from procurement.models import AuditEvent, User

    tender = factories.TenderFactory(authority=authority, created_by=officer, title_fi="Kotoutumiskoulutus Rauma")
    tender_submit_for_approval(actor=officer, tender_id=tender.pk)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(officer2)

    page = client.get("/inbox/").content.decode()
    response = client.post("/inbox/preferences/", {})

    assert page.index("Approve the call or return it to draft") < page.index("A call waits for your approval")
    assert response.status_code == 302
    assert User.objects.get(pk=officer2.pk).task_email is False
    assert AuditEvent.objects.filter(action="user.preferences", actor=officer2).exists()


def test_a_provider_sees_no_task_list_in_the_inbox(member_a):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(member_a)

    assert "Waiting for you" not in client.get("/inbox/").content.decode()


def test_an_undecided_option_waits_for_the_officers_in_the_last_90_days_of_the_framework(
    authority, officer, member_a, member_b
):
    from evaluation.framework_changes import framework_option_decide
    from evaluation.models import Framework
    from tests.fixtures.frameworks import signed_framework

    framework = signed_framework(authority=authority, officer=officer, bidders=[(member_a, "9000"), (member_b, "9500")])
    assert ("framework_option", framework.tender_id) not in kinds(officer)  # two years to go
    Framework.objects.filter(tender=framework.tender).update(ends_on=timezone.localdate() + timedelta(days=60))
    with translation.override("fi"):
        tasks = [task for task in tasks_for(officer) if task.kind == "framework_option"]
    assert len(tasks) == 2  # both lots' frameworks
    assert tasks[0].url.startswith("/frameworks/") and "puitejärjestelyn" in tasks[0].title
    assert kinds(member_a) == []  # a provider has no such task
    option = framework.options.get()
    framework_option_decide(
        actor=officer, framework_id=framework.pk, option_id=option.pk, exercise=False, reason="Tarve päättyy."
    )
    assert [task.kind for task in tasks_for(officer)].count("framework_option") == 1
