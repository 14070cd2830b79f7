"""The database connection drops in the middle of a submission.

The connection that serves the request kills its own PostgreSQL backend (pg_terminate_backend from a second
connection) at a chosen query of the submission. The database then holds either the whole submission or nothing of
it; the provider gets a 503 `database_unavailable` (or its receipt, when the connection went after the commit and
the request could do without it); and a retry with the same Idempotency-Key succeeds, once: one version, one
receipt (counted after the work that follows the submission has run, as a worker runs it).

The points of attack are taken from a reference submission made just before, counted at run time, so that the
test follows the submission as it is (whatever its number of queries): the first query of the request, the first,
middle and last query inside the submission's transaction (the last one killed just after it ran, so that the
COMMIT itself fails), the first query after the commit and the very last query of the request."""

import re
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bids.models import Bid, BidStatus, BidVersion
from documents.models import DocumentKind, GeneratedDocument
from procurement.auditchain import chain_link, verify_chain
from procurement.models import AuditEvent, Notification, OutboxMessage
from tenders.models import TenderStatus
from tests.fixtures import factories
from tests.fixtures.concurrency import second_connection
from tests.fixtures.stages import full_content

TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK"}


class BackendKiller:
    """An execute wrapper that terminates its own connection's backend at the n-th query (1-based).

    `when="before"`: the n-th query finds its connection gone; `"after"`: it runs, and what follows it does not.
    It notes whether the submission (a version of `bid_id`) was already committed when the connection went."""

    def __init__(self, at: int, when: str, bid_id: int):
        self.at, self.when, self.bid_id = at, when, bid_id
        self.count = 0
        self.killed_sql: str | None = None
        self.committed_before_kill: bool | None = None

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if self.count == self.at and self.when == "before":
            self._kill(context["connection"], sql)
        result = execute(sql, params, many, context)
        if self.count == self.at and self.when == "after":
            self._kill(context["connection"], sql)
        return result

    def _kill(self, wrapper, sql: str) -> None:
        pid = wrapper.connection.info.backend_pid
        with second_connection(autocommit=True) as other:
            self.committed_before_kill = bool(
                other.execute("SELECT count(*) FROM bids_bidversion WHERE bid_id = %s", [self.bid_id]).fetchone()[0]
            )
            # Waits (up to 5 s) until the backend is gone, so that the next statement meets a dead connection.
            assert other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]
        self.killed_sql = sql


def _queries_of_a_submission(client, bid_id: int, key: str) -> tuple[list[str], int, int]:
    """Submit once, normally: (the statements the execute wrappers see, first and last of the transaction)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/api/v1/bids/{bid_id}/submit/", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 200, response.content
    statements, begin, commit = [], None, None
    for query in captured.captured_queries:
        sql = query["sql"]
        if sql in TRANSACTION_CONTROL:  # logged by Django, but not passed through the execute wrappers
            if sql == "BEGIN" and begin is None:
                begin = len(statements) + 1
            if sql == "COMMIT" and commit is None and begin is not None:
                commit = len(statements)
            continue
        statements.append(sql)
    assert begin is not None and commit is not None and begin < commit, captured.captured_queries
    assert any('INSERT INTO "bids_bidversion"' in s for s in statements[begin - 1 : commit])
    return statements, begin, commit


def _shape(sql: str) -> str:
    """A statement up to its first value (the captured ones have their parameters filled in, the wrapped not)."""
    return re.split(r"%s|'|\d", sql, maxsplit=1)[0]


def _attack_points(statements: list[str], first: int, last: int) -> dict[str, tuple[int, str]]:
    """Where to drop the connection (1-based statement number, before/after it), by what the submission does."""
    return {
        "authentication": (1, "before"),
        "transaction_start": (first, "before"),
        "transaction_middle": ((first + last) // 2, "before"),
        "before_commit": (last, "after"),
        "after_commit": (min(last + 1, len(statements)), "before"),
        "last_query": (len(statements), "before"),
    }


def _footprint(bid: Bid) -> dict:
    """Everything a submission and the work that follows it write, counted."""
    bid = Bid.objects.get(pk=bid.pk)
    events = AuditEvent.objects.filter(tender_id=bid.tender_id)
    return {
        "submitted": int(bid.status == BidStatus.SUBMITTED),
        "version": bid.version,
        "versions": BidVersion.objects.filter(bid=bid).count(),
        "receipts": GeneratedDocument.objects.filter(tender_id=bid.tender_id, kind=DocumentKind.RECEIPT).count(),
        "notifications": Notification.objects.filter(tender_id=bid.tender_id, kind="bid.receipt").count(),
        "outbox": OutboxMessage.objects.count(),
        "submit_events": events.filter(action="bid.submit").count(),
        "request_events": events.filter(action="document.request").count(),
    }


def _plus(before: dict, delta: dict) -> dict:
    return {key: before[key] + delta[key] for key in before}


def _minus(after: dict, before: dict) -> dict:
    return {key: after[key] - before[key] for key in after}


def _follow_up(since: int) -> None:
    """What a worker does with the outbox messages written since `since` (all but rendering the PDFs, which is
    not needed to count the receipts), run here as Celery tasks."""
    from config.celery_app import app

    app.loader.import_default_modules()  # every app's tasks.py, as a worker has them
    for message in list(OutboxMessage.objects.filter(pk__gt=since).exclude(task="documents.render").order_by("pk")):
        app.tasks[message.task].apply(args=message.args, throw=True)


def _last_outbox_id() -> int:
    return OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _draft(member, *, client) -> Bid:
    tender = factories.TenderFactory(status=TenderStatus.PUBLISHED, published_at=timezone.now())
    response = client.post("/api/v1/bids/", {"tender": tender.pk, **full_content(tender)}, format="json")
    assert response.status_code == 201, response.content
    return Bid.objects.get(pk=response.json()["id"])


@dataclass
class Reference:
    statements: list[str]  # what the execute wrappers see of one submission through the API
    first: int  # the first and last statement of the submission's transaction (1-based)
    last: int
    written: dict  # what the request writes
    followed: dict  # and what the work that follows it writes too


@pytest.fixture
def reference(transactional_db, client_for) -> Reference:
    """One normal submission through the API, measured."""
    from procurement import outbox

    # A dropped connection in an earlier test may have left this process believing that the broker is down
    # (the outbox then leaves the sending to the relay for a while): each test starts with the broker up.
    outbox._broker_up()
    member = factories.provider_member_of(factories.ProviderFactory())
    client = client_for(member)
    bid = _draft(member, client=client)
    before, since = _footprint(bid), _last_outbox_id()
    statements, first, last = _queries_of_a_submission(client, bid.pk, "reference")
    written = _minus(_footprint(bid), before)
    _follow_up(since)
    followed = _minus(_footprint(bid), before)
    assert written["submitted"] == written["versions"] == written["submit_events"] == 1, written
    assert followed["receipts"] == followed["notifications"] == 1, followed
    return Reference(statements, first, last, written, followed)


@pytest.mark.parametrize(
    "point",
    ["authentication", "transaction_start", "transaction_middle", "before_commit", "after_commit", "last_query"],
)
def test_a_dropped_connection_leaves_all_or_nothing_and_the_retry_succeeds_once(reference, point, client_for):
    at, when = _attack_points(reference.statements, reference.first, reference.last)[point]
    member = factories.provider_member_of(factories.ProviderFactory())
    client = client_for(member)
    bid = _draft(member, client=client)
    before, since = _footprint(bid), _last_outbox_id()
    killer = BackendKiller(at, when, bid.pk)

    with connection.execute_wrapper(killer):
        response = client.post(f"/api/v1/bids/{bid.pk}/submit/", HTTP_IDEMPOTENCY_KEY="key-1")
    connection.close()  # what the server does with a broken connection at the end of the request

    assert killer.killed_sql is not None, f"the submission made only {killer.count} queries"
    assert _shape(killer.killed_sql) == _shape(reference.statements[at - 1]), "the submission went another way"
    after = _footprint(bid)
    assert killer.committed_before_kill == (at > reference.last), (point, at, reference.last)
    if killer.committed_before_kill:
        # the connection went after the commit: everything is in, and the provider has a receipt or a 503
        assert after == _plus(before, reference.written)
        assert response.status_code in (200, 503), response.content
    else:
        # before or at the commit: nothing of it is kept, and the provider is told to try again
        assert after == before
        assert response.status_code == 503, response.content
    if response.status_code == 503:
        body = response.json()
        assert body["code"] == "database_unavailable" and body["detail"], body
        assert response["Retry-After"]

    retried = client.post(f"/api/v1/bids/{bid.pk}/submit/", HTTP_IDEMPOTENCY_KEY="key-1")
    again = client.post(f"/api/v1/bids/{bid.pk}/submit/", HTTP_IDEMPOTENCY_KEY="key-1")

    assert retried.status_code == 200, retried.content
    assert again.status_code == 200 and again.json() == retried.json()
    if response.status_code == 200:
        assert response.json() == retried.json()
    version = BidVersion.objects.get(bid=bid)
    assert retried.json()["number"] == 1 and retried.json()["manifest_sha256"] == version.manifest_sha256
    assert _footprint(bid) == _plus(before, reference.written)
    # the receipt and its e-mail follow once, however many times the provider asked
    _follow_up(since)
    assert _footprint(bid) == _plus(before, reference.followed)
    # What the dropped connection could not do after the commit (linking the audit chain, handing the outbox to
    # the broker) is left to the periodic tasks: the chain links up whole.
    chain_link()
    assert verify_chain().intact
    assert not AuditEvent.objects.filter(sequence__isnull=True).exists()


def test_the_portal_answers_a_dropped_connection_with_a_503_page_and_the_resent_form_submits_once(
    reference, client_for
):
    member = factories.provider_member_of(factories.ProviderFactory())
    bid = _draft(member, client=client_for(member))
    before = _footprint(bid)
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(member)
    # the confirmation on the bid's summary: its idempotency key and the fingerprint of the draft it shows
    page = client.get(f"/bids/{bid.pk}/summary/").content.decode()
    form = {
        name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1)
        for name in ("idempotency_key", "draft_sha256")
    }
    # The portal's request authenticates otherwise than the API's: the drop comes at the same point of the
    # submission, its last statement before the commit.
    target = _shape(reference.statements[reference.last - 1])
    occurrence = [_shape(s) for s in reference.statements[reference.first - 1 : reference.last]].count(target)
    killer = BackendKiller(occurrence, "before", bid.pk)

    def kill_at_the_last_statement(execute, sql, params, many, context):
        if _shape(sql) == target:
            killer.count += 1
            if killer.count == killer.at:
                killer._kill(context["connection"], sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(kill_at_the_last_statement):
        response = client.post(f"/bids/{bid.pk}/submit/", form)
    connection.close()

    assert killer.killed_sql is not None and killer.committed_before_kill is False
    assert response.status_code == 503
    assert "database_unavailable" in response.content.decode()
    assert "The database could not be reached just now" in response.content.decode()
    assert _footprint(bid) == before

    resent = client.post(f"/bids/{bid.pk}/submit/", form)
    again = client.post(f"/bids/{bid.pk}/submit/", form)

    assert resent.status_code == 302 and resent["Location"] == f"/bids/{bid.pk}/receipts/1/"
    assert again.status_code == 302 and again["Location"] == resent["Location"]
    assert _footprint(bid) == _plus(before, reference.written)
