"""Additional questions: answered to all in the same words, never revealing who asked."""

from datetime import timedelta

import pytest
from django.utils import timezone

from procurement.models import AuditEvent
from tenders.models import Question, Tender, TenderStatus
from tests.fixtures import factories
from tests.fixtures.stages import late_answered_tender


@pytest.fixture
def open_tender(authority):
    return factories.TenderFactory(
        authority=authority,
        status=TenderStatus.PUBLISHED,
        published_at=timezone.now(),
        submission_deadline=timezone.now() + timedelta(days=20),
    )


def ask(client, tender, text="Saako osan 2 toteuttaa etänä?"):
    response = client.post(f"/api/v1/tenders/{tender.pk}/questions/", {"text": text}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_answer_reaches_everyone_without_the_asker(open_tender, officer, member_a, member_b, provider_a, client_for):
    # given provider A asks and the officer answers and publishes
    asker, other, authority_client = client_for(member_a), client_for(member_b), client_for(officer)
    question = ask(asker, open_tender)
    assert other.get(f"/api/v1/tenders/{open_tender.pk}/questions/").json() == []  # not published yet
    authority_client.post(
        f"/api/v1/tenders/{open_tender.pk}/questions/{question['id']}/answer/",
        {"answer": "Enintään 20 %."},
        format="json",
    )
    response = authority_client.post(f"/api/v1/tenders/{open_tender.pk}/answers/publish/", {}, format="json")
    assert response.status_code == 201, response.content

    # then both providers see the same words, and nothing says who asked
    seen_by_other = other.get(f"/api/v1/tenders/{open_tender.pk}/questions/")
    seen_by_asker = asker.get(f"/api/v1/tenders/{open_tender.pk}/questions/")
    assert seen_by_other.json() == seen_by_asker.json()
    body = seen_by_other.content.decode()
    assert "Enintään 20 %." in body
    for secret in (provider_a.name, member_a.username, f'"provider": {provider_a.pk}', "asked_by"):
        assert secret not in body
    # while the officers see who asked
    officer_view = authority_client.get(f"/api/v1/tenders/{open_tender.pk}/questions/").json()[0]
    assert officer_view["provider_name"] == provider_a.name and officer_view["asked_by"] == member_a.username


def test_draft_answer_stays_with_the_authority(open_tender, officer, member_a, client_for):
    question = ask(client_for(member_a), open_tender)
    client_for(officer).post(
        f"/api/v1/tenders/{open_tender.pk}/questions/{question['id']}/answer/", {"answer": "Luonnos"}, format="json"
    )

    mine = client_for(member_a).get(f"/api/v1/tenders/{open_tender.pk}/questions/").json()

    assert mine[0]["text"] == question["text"] and mine[0]["answer"] == ""


def test_questions_close_at_the_questions_deadline(open_tender, member_a, client_for):
    Tender.objects.filter(pk=open_tender.pk).update(questions_deadline=timezone.now() - timedelta(seconds=1))

    response = client_for(member_a).post(f"/api/v1/tenders/{open_tender.pk}/questions/", {"text": "?"}, format="json")

    assert response.status_code == 409 and response.json()["code"] == "questions_closed"
    assert not Question.objects.exists()


def test_officers_do_not_ask_questions(open_tender, officer, client_for):
    response = client_for(officer).post(f"/api/v1/tenders/{open_tender.pk}/questions/", {"text": "?"}, format="json")
    assert response.status_code == 403


def test_late_answers_require_a_deadline_extension(authority, officer, member_a, client_for):
    tender = late_answered_tender(authority, member_a, officer)
    client = client_for(officer)
    url = f"/api/v1/tenders/{tender.pk}/answers/publish/"

    refused = client.post(url, {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "deadline_extension_required"
    too_early = client.post(url, {"new_deadline": (timezone.now() + timedelta(days=5)).isoformat()}, format="json")
    assert too_early.status_code == 400
    assert not Question.objects.filter(bulletin__isnull=False).exists()

    new_deadline = timezone.now() + timedelta(days=7)
    response = client.post(url, {"new_deadline": new_deadline.isoformat()}, format="json")

    assert response.status_code == 201
    tender.refresh_from_db()
    assert abs(tender.submission_deadline - new_deadline) < timedelta(seconds=1)
    assert tender.next_check == tender.submission_deadline
    assert AuditEvent.objects.filter(action="tender.deadline_extended", object_id=str(tender.pk)).exists()


def test_late_answers_with_a_logged_reason_keep_the_deadline(authority, officer, member_a, client_for):
    tender = late_answered_tender(authority, member_a, officer)
    deadline = tender.submission_deadline

    response = client_for(officer).post(
        f"/api/v1/tenders/{tender.pk}/answers/publish/",
        {"late_answer_reason": "Vastaus ei muuta tarjouspyyntöä; se toistaa liitteen 2 ehdon."},
        format="json",
    )

    assert response.status_code == 201
    tender.refresh_from_db()
    assert tender.submission_deadline == deadline
    event = AuditEvent.objects.get(action="answers.publish", tender_id=tender.pk)
    assert event.detail["late_answer_reason"].startswith("Vastaus ei muuta")
