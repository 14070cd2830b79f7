"""The tender state machine through the API: illegal transitions answer 409, concurrent ones do not both win."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition

from procurement.models import AuditEvent
from tenders.models import Tender, TenderStatus
from tests.fixtures import factories

ACTIONS = [
    "submit_for_approval",
    "approve",
    "return_to_draft",
    "publish",
    "close",
    "open",
    "evaluate",
    "decide",
    "complete",
    "cancel",
    "declare_unsuccessful",
]
# What is legal from each state when every guard holds; all the rest must answer 409.
LEGAL = {
    TenderStatus.DRAFT: {"submit_for_approval", "cancel"},
    TenderStatus.PENDING_APPROVAL: {"approve", "return_to_draft", "cancel"},
    TenderStatus.APPROVED: {"publish", "return_to_draft", "cancel"},
    TenderStatus.PUBLISHED: {"cancel"},  # close waits for the deadline, which is in the future here
    TenderStatus.CLOSED: {"open", "cancel", "declare_unsuccessful"},
    TenderStatus.OPENED: {"evaluate", "cancel", "declare_unsuccessful"},
    TenderStatus.EVALUATED: {"cancel", "declare_unsuccessful"},  # decide waits for the officer's proposal
    TenderStatus.DECIDED: {"cancel"},  # complete waits for the standstill
    TenderStatus.COMPLETED: set(),
    TenderStatus.CANCELLED: set(),
    TenderStatus.UNSUCCESSFUL: set(),
}


ILLEGAL = [(state, action) for state in TenderStatus for action in ACTIONS if action not in LEGAL[state]]


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_illegal_transition_answers_409_with_allowed_actions(state, action, authority, officer, client_for):
    tender = factories.TenderFactory(authority=authority, status=state, published_at=timezone.now())

    response = client_for(officer).post(f"/api/v1/tenders/{tender.pk}/{action}/", {"reason": "Syy"}, format="json")

    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] in {
        "transition_not_allowed",
        "deadline_not_passed",
        "standstill_not_ended",
        "award_not_proposed",
    }
    assert set(body["allowed_actions"]) == LEGAL[state]
    tender.refresh_from_db()
    assert tender.status == state


def test_close_before_deadline_says_why(authority, officer, client_for):
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())

    response = client_for(officer).post(f"/api/v1/tenders/{tender.pk}/close/")

    assert response.status_code == 409
    assert response.json()["code"] == "deadline_not_passed"


def test_status_cannot_be_patched(authority, officer, client_for):
    tender = factories.TenderFactory(authority=authority, created_by=officer)

    response = client_for(officer).patch(f"/api/v1/tenders/{tender.pk}/", {"status": "published"}, format="json")

    assert response.status_code == 200
    tender.refresh_from_db()
    assert tender.status == TenderStatus.DRAFT


def test_transition_by_provider_is_forbidden(authority, member_a, client_for):
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())

    response = client_for(member_a).post(f"/api/v1/tenders/{tender.pk}/cancel/", {"reason": "x"}, format="json")

    assert response.status_code == 403
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PUBLISHED


def test_stale_instance_cannot_overwrite_a_transition(authority):
    # given two copies of one draft, loaded before either changes
    tender = factories.TenderFactory(authority=authority)
    first, second = Tender.objects.get(pk=tender.pk), Tender.objects.get(pk=tender.pk)
    first.submit_for_approval(by=first.created_by)
    first.save()

    # when the stale copy makes its own transition, then saving it fails
    second.cancel(reason="Keskeytys")
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        second.save()
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.PENDING_APPROVAL


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_do_not_both_succeed(client_for):
    # given a draft and two officers who act on it at the same moment
    authority = factories.AuthorityFactory()
    officers = [factories.officer_of(authority), factories.officer_of(authority)]
    tender = factories.TenderFactory(
        authority=authority, submission_deadline=timezone.now() + timedelta(days=30), status=TenderStatus.APPROVED
    )
    clients = [client_for(o) for o in officers]
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def act(name, client, path, data):
        try:
            barrier.wait()
            results[name] = client.post(path, data, format="json").status_code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(name, client, f"/api/v1/tenders/{tender.pk}/publish/", {}))
        for name, client in (("first", clients[0]), ("second", clients[1]))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    # then exactly one wins and the other is told the state changed
    assert sorted(results.values()) == [200, 409], results
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.PUBLISHED
    assert AuditEvent.objects.filter(action="tender.publish", object_id=str(tender.pk), outcome="ok").count() == 1
