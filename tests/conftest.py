"""Shared fixtures: API clients signed in as each kind of user, and a real Celery worker."""

import pytest
from rest_framework.test import APIClient

from tests.fixtures import factories
from tests.fixtures.worker import real_worker

pytest_plugins = ["tests.fixtures.plugin", "tests.fixtures.pki"]  # the shared fixtures that are not about signing in


@pytest.fixture
def authority(db):
    return factories.AuthorityFactory()


@pytest.fixture
def other_authority(db):
    return factories.AuthorityFactory()


@pytest.fixture
def officer(authority):
    return factories.officer_of(authority)


@pytest.fixture
def officer2(authority):
    return factories.officer_of(authority)


@pytest.fixture
def provider_a(db):
    return factories.ProviderFactory()


@pytest.fixture
def provider_b(db):
    return factories.ProviderFactory()


@pytest.fixture
def member_a(provider_a):
    return factories.provider_member_of(provider_a)


@pytest.fixture
def member_b(provider_b):
    return factories.provider_member_of(provider_b)


@pytest.fixture
def auditor_user(db):
    return factories.auditor()


@pytest.fixture
def open_tender(authority):
    """A published call of `authority` that accepts bids (three weeks to its deadline)."""
    from django.utils import timezone

    from tenders.models import TenderStatus

    return factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())


@pytest.fixture
def bid(open_tender, provider_a, member_a):
    """An empty draft bid of provider A on `open_tender`."""
    from bids.models import Bid

    return Bid.objects.create(tender=open_tender, provider=provider_a, created_by=member_a)


@pytest.fixture
def client_for():
    """client_for(user) → an APIClient signed in with a token, as an API user would be."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            from procurement.models import ApiToken

            _token, key = ApiToken.objects.create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


@pytest.fixture
def celery_worker_redis(transactional_db):
    """A real Celery worker thread consuming from the Redis broker of the test settings."""
    with real_worker() as worker:
        yield worker


@pytest.fixture(autouse=True)
def _own_audit_anchors(settings, tmp_path):
    """Each test anchors the audit chain in a directory of its own: its events (and their anchors) are its own.

    The file is created as the installation step does (its genesis line: a chain without events); the writers never
    create it."""
    from procurement.auditchain import anchor_init

    settings.AUDIT_ANCHOR_DIR = tmp_path / "audit-anchors"
    anchor_init(head=None, reason="install")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: rate limits (sign-in) count one test's requests, not the suite's."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def figures(request):
    """figures(text): a line for the end of the run's report (how many cells, bodies or inputs a test tried), passed
    or not. Printed in the terminal summary, so that it is there whether the suite runs in one process or in
    pytest-xdist workers (whose own output is not shown)."""

    def add(text: str) -> None:
        request.node.user_properties.append(("figures", text.strip("\n")))

    return add


def pytest_terminal_summary(terminalreporter):
    lines = [
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", ())
        if name == "figures"
    ]
    if lines:
        terminalreporter.section("figures")
        for line in sorted(lines):
            terminalreporter.write_line(line)
