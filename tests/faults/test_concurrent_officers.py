"""Two officers of one authority act on the same call at the same moment: one succeeds, the other gets 409.

Each officer's request runs in a thread of its own, with its own database connection, through the API. The two
requests are made to overlap for certain (tests.fixtures.concurrency.Rendezvous): both wait at a barrier just before
they read the call for update, and the one that gets the row first keeps its transaction open until the other either
waits for the row lock in PostgreSQL, or, were there no lock, has read the same state. (Two officers publishing a
call at once is tests/tenders/test_state_machine.py::test_two_concurrent_transitions_do_not_both_succeed.)"""

from datetime import timedelta

import pytest
from django.utils import timezone

from bids.services import bid_create
from documents.models import DocumentKind, GeneratedDocument
from procurement.models import AuditEvent, Notification
from tenders.models import Tender, TenderStatus
from tests.fixtures import factories
from tests.fixtures.concurrency import run_together
from tests.fixtures.stages import full_content

pytestmark = pytest.mark.django_db(transaction=True)

CONFLICT_CODES = {"transition_not_allowed", "concurrent_transition"}


def _reads_the_tender(sql: str) -> bool:
    """The service's first read of the call (SELECT ... FOR UPDATE, as long as the services lock the call)."""
    return sql.startswith("SELECT") and 'FROM "tenders_tender"' in sql


def _at_once(requests: dict[str, tuple]) -> dict[str, object]:
    """POST {name: (client, path, data)} together; {name: response}."""
    return run_together(
        {
            name: (lambda client=client, path=path, data=data: client.post(path, data, format="json"))
            for name, (client, path, data) in requests.items()
        },
        meets=_reads_the_tender,
    )


def _one_wins(responses: dict) -> tuple[str, str]:
    """(winner, loser): exactly one 200, and one 409 with a stable code."""
    assert all(hasattr(r, "status_code") for r in responses.values()), responses
    statuses = {name: r.status_code for name, r in responses.items()}
    assert sorted(statuses.values()) == [200, 409], {n: (r.status_code, r.content) for n, r in responses.items()}
    winner = next(n for n, s in statuses.items() if s == 200)
    loser = next(n for n, s in statuses.items() if s == 409)
    assert responses[loser].json()["code"] in CONFLICT_CODES, responses[loser].json()
    assert responses[loser].json()["detail"]
    return winner, loser


def _events(tender: Tender, action: str) -> int:
    return AuditEvent.objects.filter(action=action, tender_id=tender.pk, outcome="ok").count()


def test_two_officers_close_the_same_call_once(client_for):
    authority = factories.AuthorityFactory()
    officers = {"first": factories.officer_of(authority), "second": factories.officer_of(authority)}
    tender = factories.TenderFactory(
        authority=authority,
        status=TenderStatus.PUBLISHED,
        published_at=timezone.now() - timedelta(days=20),
        submission_deadline=timezone.now() - timedelta(seconds=1),
    )
    path = f"/api/v1/tenders/{tender.pk}/close/"

    responses = _at_once({name: (client_for(o), path, {}) for name, o in officers.items()})

    winner, _loser = _one_wins(responses)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.CLOSED
    assert _events(tender, "tender.close") == 1
    closed = AuditEvent.objects.get(action="tender.close", tender_id=tender.pk)
    assert closed.actor_id == officers[winner].pk
    # each officer is told once that the bids are ready to be opened
    told = Notification.objects.filter(kind="tender.closed", tender_id=tender.pk)
    assert sorted(told.values_list("user_id", flat=True)) == sorted(o.pk for o in officers.values())


def test_two_officers_interrupt_the_same_call_once(client_for):
    authority = factories.AuthorityFactory()
    officers = {"first": factories.officer_of(authority), "second": factories.officer_of(authority)}
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    provider = factories.ProviderFactory()
    member = factories.provider_member_of(provider)
    bid_create(actor=member, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))
    path = f"/api/v1/tenders/{tender.pk}/cancel/"

    responses = _at_once(
        {name: (client_for(o), path, {"reason": f"Keskeytys: {name}"}) for name, o in officers.items()}
    )

    winner, _loser = _one_wins(responses)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.CANCELLED and tender.cancel_reason == f"Keskeytys: {winner}"
    assert _events(tender, "tender.cancel") == 1
    # the interruption decision, the procedure report and the bidder's notice exist once
    documents = GeneratedDocument.objects.filter(tender=tender)
    assert documents.filter(kind=DocumentKind.INTERRUPTION).count() == 1
    assert documents.filter(kind=DocumentKind.PROCEDURE_REPORT).count() == 1
    assert Notification.objects.filter(kind="tender.cancelled", tender_id=tender.pk, provider=provider).count() == 1


def test_two_other_officers_approve_the_same_call_once(client_for):
    authority = factories.AuthorityFactory()
    author = factories.officer_of(authority)
    officers = {"first": factories.officer_of(authority), "second": factories.officer_of(authority)}
    tender = factories.TenderFactory(
        authority=authority,
        created_by=author,
        status=TenderStatus.PENDING_APPROVAL,
        submitted_for_approval_by=author,
        submitted_for_approval_at=timezone.now(),
    )
    path = f"/api/v1/tenders/{tender.pk}/approve/"

    responses = _at_once({name: (client_for(o), path, {"comment": name}) for name, o in officers.items()})

    winner, _loser = _one_wins(responses)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.APPROVED
    assert tender.approved_by_id == officers[winner].pk and tender.approval_comment == winner
    assert _events(tender, "tender.approve") == 1


def test_one_officer_interrupts_while_the_other_declares_the_call_unsuccessful(client_for):
    authority = factories.AuthorityFactory()
    officers = {"cancel": factories.officer_of(authority), "declare_unsuccessful": factories.officer_of(authority)}
    tender = factories.TenderFactory(
        authority=authority,
        status=TenderStatus.CLOSED,
        published_at=timezone.now() - timedelta(days=20),
        submission_deadline=timezone.now() - timedelta(days=1),
        closed_at=timezone.now() - timedelta(days=1),
    )

    responses = _at_once(
        {
            action: (client_for(o), f"/api/v1/tenders/{tender.pk}/{action}/", {"reason": "Ei tarjouksia."})
            for action, o in officers.items()
        }
    )

    winner, loser = _one_wins(responses)
    tender.refresh_from_db()
    assert (
        tender.status == {"cancel": TenderStatus.CANCELLED, "declare_unsuccessful": TenderStatus.UNSUCCESSFUL}[winner]
    )
    assert _events(tender, f"tender.{winner}") == 1
    assert _events(tender, f"tender.{loser}") == 0
