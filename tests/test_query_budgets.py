"""Query budgets: every list and detail endpoint makes the same number of SQL queries for 10 rows as for 500.

A count is exact, so it is asserted here (timings are left to the benchmarks)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bids.models import Bid, BidStatus
from documents.models import GeneratedDocument
from procurement.audit import audit_record
from procurement.models import Notification
from tenders.models import (
    Lot,
    QualityCriterion,
    Question,
    Tender,
    TenderAlert,
    TenderInterest,
    TenderStatus,
    TenderVersion,
)
from tests.fixtures import factories

pytestmark = pytest.mark.django_db


def _tenders(authority, officer, n):
    return Tender.objects.bulk_create(
        Tender(
            authority=authority,
            created_by=officer,
            title_fi=f"Kotoutumiskoulutus {i}",
            estimated_value=Decimal("450000"),
            price_weight=Decimal("60"),
            status=TenderStatus.PUBLISHED,
            published_at=timezone.now(),
            submission_deadline=timezone.now() + timezone.timedelta(days=30),
            bid_languages=["fi"],
        )
        for i in range(n)
    )


def _setup_tenders(ctx, n):
    tenders = _tenders(ctx["authority"], ctx["officer"], n)
    Lot.objects.bulk_create(
        Lot(tender=t, number=k, title=f"Osa {k}", students=10, volume=Decimal(10)) for t in tenders for k in (1, 2)
    )
    return ctx["officer"], "/api/v1/tenders/?limit=1000"


def _setup_tender_detail(ctx, n):
    tender = _tenders(ctx["authority"], ctx["officer"], 1)[0]
    lots = Lot.objects.bulk_create(
        Lot(tender=tender, number=k, title=f"Osa {k}", students=10, volume=Decimal(10)) for k in range(1, n + 1)
    )
    QualityCriterion.objects.bulk_create(
        QualityCriterion(tender=tender, lot=lot, number=lot.number, name="Laatu", weight=Decimal("40")) for lot in lots
    )
    return ctx["officer"], f"/api/v1/tenders/{tender.pk}/"


def _setup_bids(ctx, n):
    tenders = _tenders(ctx["authority"], ctx["officer"], n)
    Bid.objects.bulk_create(
        Bid(tender=t, provider=ctx["provider"], created_by=ctx["member"], status=BidStatus.DRAFT) for t in tenders
    )
    return ctx["member"], "/api/v1/bids/?limit=1000"


def _setup_documents(ctx, n):
    tender = _tenders(ctx["authority"], ctx["officer"], 1)[0]
    GeneratedDocument.objects.bulk_create(
        GeneratedDocument(
            kind="receipt", tender=tender, version=1, subject=f"bid-version:{i}", provider=ctx["provider"]
        )
        for i in range(n)
    )
    return ctx["officer"], "/api/v1/documents/?limit=1000"


def _setup_notifications(ctx, n):
    Notification.objects.bulk_create(
        Notification(kind="tender.cancelled", key=f"k{i}", provider=ctx["provider"], payload={"reason": "r"})
        for i in range(n)
    )
    return ctx["member"], "/api/v1/notifications/?limit=1000"


def _setup_delivery_log(ctx, n):
    tender = _tenders(ctx["authority"], ctx["officer"], 1)[0]
    users = [factories.UserFactory() for _ in range(2)]
    Notification.objects.bulk_create(
        Notification(
            kind="tender.closed",
            key=f"k{i}",
            tender_id=tender.pk,
            user=users[i % 2] if i % 3 else None,
            provider=None if i % 3 else ctx["provider"],
        )
        for i in range(n)
    )
    return ctx["officer"], f"/api/v1/tenders/{tender.pk}/notifications/"


def _setup_audit(ctx, n):
    tender = _tenders(ctx["authority"], ctx["officer"], 1)[0]
    for i in range(n):
        audit_record(action="test.event", actor=ctx["officer"], obj=tender, detail={"i": i})
    return ctx["auditor"], f"/api/v1/audit/events/?limit=1000&tender_id={tender.pk}"


def _setup_alerts(ctx, n):
    TenderAlert.objects.bulk_create(
        TenderAlert(provider=ctx["provider"], cpv_prefix=str(80000 + i), created_by=ctx["member"]) for i in range(n)
    )
    return ctx["member"], "/api/v1/alerts/?limit=1000"


def _setup_providers(ctx, n):
    for _ in range(n):
        factories.ProviderFactory()
    return ctx["officer"], "/api/v1/providers/?limit=1000"


def _setup_questions(ctx, n):
    tender = _tenders(ctx["authority"], ctx["officer"], 1)[0]
    askers = [factories.ProviderFactory() for _ in range(3)]
    Question.objects.bulk_create(
        Question(tender=tender, number=i + 1, provider=askers[i % 3], asked_by=ctx["member"], text=f"Kysymys {i}")
        for i in range(n)
    )
    return ctx["officer"], f"/api/v1/tenders/{tender.pk}/questions/"


def _setup_versions(ctx, n):
    tender = _tenders(ctx["authority"], ctx["officer"], 1)[0]
    TenderVersion.objects.bulk_create(
        TenderVersion(tender=tender, number=i + 1, created_by=ctx["officer"], snapshot={"n": i}) for i in range(n)
    )
    return ctx["officer"], f"/api/v1/tenders/{tender.pk}/versions/"


def _setup_interested(ctx, n):
    tender = _tenders(ctx["authority"], ctx["officer"], 1)[0]
    TenderInterest.objects.bulk_create(
        TenderInterest(tender=tender, provider=factories.ProviderFactory(), following=i % 2 == 0) for i in range(n)
    )
    return ctx["officer"], f"/api/v1/tenders/{tender.pk}/interested/"


def _setup_authorities(ctx, n):
    for _ in range(n):
        factories.AuthorityFactory()
    return ctx["officer"], "/api/v1/authorities/?limit=1000"


CASES = {
    "questions": _setup_questions,
    "versions": _setup_versions,
    "interested": _setup_interested,
    "authorities": _setup_authorities,
    "tenders": _setup_tenders,
    "tender-detail": _setup_tender_detail,
    "bids": _setup_bids,
    "documents": _setup_documents,
    "notifications": _setup_notifications,
    "delivery-log": _setup_delivery_log,
    "audit-events": _setup_audit,
    "alerts": _setup_alerts,
    "providers": _setup_providers,
}


def _count(client_for, ctx, setup, n) -> tuple[int, int]:
    user, url = setup(ctx, n)
    client = client_for(user)
    client.get(url)  # warm the per-process caches (content types, translations)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured), response


@pytest.mark.parametrize("case", sorted(CASES))
def test_queries_do_not_grow_with_the_rows(case, client_for, django_db_blocker):
    setup = CASES[case]
    counts = []
    for n in (10, 500):
        authority = factories.AuthorityFactory()
        provider = factories.ProviderFactory()
        ctx = {
            "authority": authority,
            "officer": factories.officer_of(authority),
            "provider": provider,
            "member": factories.provider_member_of(provider),
            "auditor": factories.auditor(authority),
        }
        count, _response = _count(client_for, ctx, setup, n)
        counts.append(count)
    assert counts[0] == counts[1], f"{case}: {counts[0]} queries for 10 rows, {counts[1]} for 500"


def _tenders_waiting(authority, author, other, n) -> list[Tender]:
    """n calls in each state that holds a task: sent for approval, returned, approved, with a new question, closed
    with an opening to confirm, evaluated with a proposal to decide; the other officer sits undeclared on a panel."""
    from evaluation.models import AwardProposal, OpeningRequest, PanelMember

    now = timezone.now()
    by_state = {}
    for state in ("pending_approval", "draft", "approved", "published", "closed", "evaluated"):
        by_state[state] = _tenders(authority, author, n)
        Tender.objects.filter(pk__in=[t.pk for t in by_state[state]]).update(
            status=state, submitted_for_approval_by=author, submitted_for_approval_at=now
        )
    Question.objects.bulk_create(
        Question(tender=t, number=1, provider=factories.ProviderFactory(), asked_by=author, text="?")
        for t in by_state["published"]
    )
    OpeningRequest.objects.bulk_create(
        OpeningRequest(tender=t, requested_by=author, expires_at=now + timezone.timedelta(minutes=30))
        for t in by_state["closed"]
    )
    AwardProposal.objects.bulk_create(AwardProposal(tender=t, proposed_by=author) for t in by_state["evaluated"])
    PanelMember.objects.bulk_create(PanelMember(tender=t, user=other, added_by=author) for t in by_state["published"])
    return [t for ts in by_state.values() for t in ts]


def test_the_task_list_queries_do_not_grow_with_the_calls():
    from evaluation.worklist import tasks_for
    from procurement.models import User

    counts = []
    for n in (2, 40):
        authority = factories.AuthorityFactory()
        author, other = factories.officer_of(authority), factories.officer_of(authority)
        _tenders_waiting(authority, author, other, n)
        tasks_for(User.objects.get(pk=other.pk))  # warm the per-process caches (content types, translations)
        user = User.objects.get(pk=other.pk)  # a fresh user: its roles are read again, as in a request
        with CaptureQueriesContext(connection) as captured:
            tasks = tasks_for(user)
        assert len(tasks) == 6 * n, [t.kind for t in tasks]
        counts.append(len(captured))
    assert counts[0] == counts[1], f"tasks_for: {counts[0]} queries for 2 calls per state, {counts[1]} for 40"
