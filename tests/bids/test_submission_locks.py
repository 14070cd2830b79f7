"""The submission's reads: the call and the bid locked in one round trip, only for the bid's own provider, with the
user's roles read beside them; and its statements prepared once per connection, surviving a rollback and a
migration that adds a column."""

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bids.models import Bid, BidStatus
from bids.selectors import bid_lock_with_tender
from bids.services import bid_create, bid_submit
from procurement.access import memberships_sql, provider_of_sql, roles_from_memberships, roles_of
from procurement.errors import Conflict, NotFound
from procurement.fastpath import fetch_together
from procurement.models import Membership, Role
from tenders.models import TenderStatus
from tests.fixtures import factories
from tests.fixtures.concurrency import second_connection
from tests.fixtures.stages import full_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender(authority):
    return factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())


def _draft(member, tender) -> Bid:
    return bid_create(actor=member, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))


def _fresh(user):
    """The user as a new request sees it: no roles looked up yet."""
    return type(user).objects.get(pk=user.pk)


def _users_with_every_kind_of_membership(authority, other_authority) -> list:
    provider, second = factories.ProviderFactory(), factories.ProviderFactory()
    member = factories.provider_member_of(provider)
    admin_of_two = factories.UserFactory()
    for p in (provider, second):
        Membership.objects.create(user=admin_of_two, role=Role.PROVIDER_ADMIN, provider=p)
    member_and_admin = factories.provider_member_of(provider)
    Membership.objects.create(user=member_and_admin, role=Role.PROVIDER_ADMIN, provider=second)
    official_and_member = factories.officer_of(authority)
    Membership.objects.create(user=official_and_member, role=Role.PROVIDER_MEMBER, provider=provider)
    evaluator_and_admin = factories.UserFactory()
    Membership.objects.create(user=evaluator_and_admin, role=Role.EVALUATOR, authority=other_authority)
    Membership.objects.create(user=evaluator_and_admin, role=Role.PROVIDER_ADMIN, provider=second)
    auditor_of_all_and_member = factories.provider_member_of(second)
    Membership.objects.create(user=auditor_of_all_and_member, role=Role.AUDITOR)
    decision_maker = factories.UserFactory()
    Membership.objects.create(user=decision_maker, role=Role.DECISION_MAKER, authority=authority)
    nobody = factories.UserFactory()
    return [
        member,
        admin_of_two,
        member_and_admin,
        official_and_member,
        evaluator_and_admin,
        auditor_of_all_and_member,
        decision_maker,
        nobody,
    ]


def test_the_sql_of_the_roles_agrees_with_roles_of_for_every_kind_of_membership(authority, other_authority):
    for user in _users_with_every_kind_of_membership(authority, other_authority):
        expected = roles_of(_fresh(user))
        with connection.cursor() as cursor:
            cursor.execute(provider_of_sql(), [user.pk])
            provider_of = {row[0] for row in cursor.fetchall()}
            cursor.execute(memberships_sql(), [user.pk])
            memberships = cursor.fetchone()[0]
        assert provider_of == expected.provider_of, user
        assert roles_from_memberships(memberships) == expected, user


def test_the_call_and_the_bid_are_read_in_one_round_trip_with_the_roles(tender, member_a):
    bid = _draft(member_a, tender)
    user, expected = _fresh(member_a), roles_of(_fresh(member_a))
    pipelined = []

    def watch(execute, sql, params, many, context):
        pipelined.append(connection.connection.pgconn.pipeline_status != psycopg.pq.PipelineStatus.OFF)
        return execute(sql, params, many, context)

    with transaction.atomic(), CaptureQueriesContext(connection) as captured, connection.execute_wrapper(watch):
        locked_tender, locked = bid_lock_with_tender(bid_id=bid.pk, user=user)
        assert roles_of(user) == expected  # read with the bid, not looked up again
    statements = [q["sql"] for q in captured.captured_queries]
    assert len(statements) == 2 and "FOR SHARE OF t" in statements[0] and "FOR UPDATE OF b" in statements[1]
    assert pipelined == [True, True]  # sent together, the call first
    assert (locked_tender.pk, locked.pk, locked.tender is locked_tender) == (tender.pk, bid.pk, True)


@pytest.mark.django_db(transaction=True)
def test_another_providers_bid_is_neither_found_nor_locked(tender, member_a, member_b):
    bid = _draft(member_a, tender)
    officer = factories.officer_of(tender.authority)
    with transaction.atomic():
        for stranger in (member_b, officer):
            with pytest.raises(Bid.DoesNotExist):
                bid_lock_with_tender(bid_id=bid.pk, user=_fresh(stranger))
        # while this transaction is still open, another connection can lock the bid at once
        with second_connection(autocommit=True) as other:
            row = other.execute("SELECT status FROM bids_bid WHERE id = %s FOR UPDATE NOWAIT", [bid.pk]).fetchone()
    assert row == (BidStatus.DRAFT,)
    with pytest.raises(NotFound):
        bid_submit(actor=member_b, bid_id=bid.pk, received_at=timezone.now())


def test_the_statements_run_in_order_and_an_error_is_djangos_and_stops_the_rest(tender, member_a):
    with transaction.atomic():
        [(columns, row), (_, nothing)] = fetch_together(
            ("SELECT %s::int AS first, pg_backend_pid() AS pid", [1]), ("SELECT 2 WHERE false", [])
        )
        assert columns == ["first", "pid"] and row[0] == 1 and nothing is None
    with pytest.raises(DatabaseError), transaction.atomic():
        fetch_together(("SELECT 1/0", []), ("SELECT pg_advisory_xact_lock(42)", []))
    with transaction.atomic(), connection.cursor() as cursor:  # the connection is usable after the failure
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 42")
        assert cursor.fetchone() == (0,)  # the statement after the error did not run


@pytest.mark.django_db(transaction=True)
def test_the_reads_refuse_to_run_outside_a_transaction():
    with pytest.raises(TransactionManagementError):
        fetch_together(("SELECT 1", []))  # row locks outside a transaction would be let go at once


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_the_submissions_statements_are_prepared_once_and_djangos_own_are_not(tender, settings):
    settings.OUTBOX_RELAY = True
    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] == 5
    drafts = [
        (m, _draft(m, tender)) for m in (factories.provider_member_of(factories.ProviderFactory()) for _ in range(8))
    ]
    for member, bid in drafts[:6]:
        bid_submit(actor=member, bid_id=bid.pk, received_at=timezone.now(), idempotency_key=f"k{bid.pk}")
    prepared = _prepared()
    assert len(prepared) == 3, prepared  # the call, the bid, and the write
    assert any("FOR SHARE OF t" in s for s in prepared) and any("FOR UPDATE OF b" in s for s in prepared)
    assert any(s.startswith("WITH inserted_0 AS (INSERT") for s in prepared)

    # A rollback lets psycopg drop what it prepared; the next submissions prepare again and succeed.
    member, bid = drafts[0]
    with pytest.raises(Conflict):
        bid_submit(actor=member, bid_id=bid.pk, received_at=timezone.now(), idempotency_key="another")
    member, bid = drafts[6]
    bid_submit(actor=member, bid_id=bid.pk, received_at=timezone.now(), idempotency_key=f"k{bid.pk}")
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.SUBMITTED

    # A migration (run by another process) that adds a column leaves the prepared statements valid: they name
    # their columns. With `SELECT *` the server would refuse them ("cached plan must not change result type").
    for member, bid in drafts[:6]:
        Bid.objects.filter(pk=bid.pk).update(status=BidStatus.DRAFT)
        bid_submit(actor=member, bid_id=bid.pk, received_at=timezone.now())
    assert len(_prepared()) == 3
    with second_connection(autocommit=True) as other:
        other.execute("ALTER TABLE tenders_tender ADD COLUMN added_later integer")
        other.execute("ALTER TABLE bids_bid ADD COLUMN added_later integer")
    try:
        member, bid = drafts[7]
        bid_submit(actor=member, bid_id=bid.pk, received_at=timezone.now())
        assert Bid.objects.get(pk=bid.pk).status == BidStatus.SUBMITTED
    finally:
        with second_connection(autocommit=True) as other:
            other.execute("ALTER TABLE tenders_tender DROP COLUMN added_later")
            other.execute("ALTER TABLE bids_bid DROP COLUMN added_later")


def test_elsewhere_than_on_postgresql_the_orm_reads_the_same(tender, member_a, member_b, monkeypatch):
    bid = _draft(member_a, tender)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with transaction.atomic():
        locked_tender, locked = bid_lock_with_tender(bid_id=bid.pk, user=_fresh(member_a))
        with pytest.raises(Bid.DoesNotExist):
            bid_lock_with_tender(bid_id=bid.pk, user=_fresh(member_b))
    assert (locked_tender.pk, locked.pk, locked.tender is locked_tender) == (tender.pk, bid.pk, True)
    assert [lot.pk for lot in locked_tender.lots.all()] == [lot.pk for lot in tender.lots.order_by("number")]
