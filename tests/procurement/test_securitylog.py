"""The security log: anonymous refusals stay out of the audit chain, limited per address; a user's stay in it."""

import pytest
from django.test import Client

from procurement.models import AuditEvent
from tests.fixtures import factories


def _anonymous_refusals(count: int, address: str = "198.51.100.7") -> list[int]:
    """`count` refused requests without a user, of every kind: API 401 and 404, an unknown API URL, a portal 404."""
    urls = ["/api/v1/tenders/999999/", "/api/v1/no-such-thing/", "/calls/999999/", "/api/v1/audit/events/"]
    client = Client(REMOTE_ADDR=address)
    return [client.get(urls[n % len(urls)]).status_code for n in range(count)]


def test_ninety_anonymous_refusals_write_nothing_into_the_audit_chain(db, settings):
    # given the security log's limit per address and minute
    settings.SECURITY_LOG_PER_MINUTE = 10
    before = AuditEvent.objects.count()

    # when 90 anonymous requests are refused
    statuses = _anonymous_refusals(90)

    # then the audit chain did not grow, and the security log kept 10 rows and counted the other 80
    assert set(statuses) == {401, 404}
    assert AuditEvent.objects.count() == before
    from procurement.models import SecurityEvent

    rows = list(SecurityEvent.objects.order_by("id"))
    assert len(rows) == 10
    assert sum(1 + row.suppressed for row in rows) == 90
    assert {row.action for row in rows} == {"access.unauthenticated", "access.not_found"}
    assert {row.ip_address for row in rows} == {"198.51.100.7"}
    assert {row.path for row in rows} >= {"/api/v1/tenders/999999/", "/calls/999999/"}


def test_the_limit_is_per_address(db, settings):
    from procurement.models import SecurityEvent

    settings.SECURITY_LOG_PER_MINUTE = 3

    _anonymous_refusals(5, "198.51.100.7")
    _anonymous_refusals(5, "2001:db8::9")

    assert SecurityEvent.objects.filter(ip_address="198.51.100.7").count() == 3
    assert SecurityEvent.objects.filter(ip_address="2001:db8::9").count() == 3


def test_a_signed_in_users_refusal_stays_in_the_chain(db, client_for, member_a):
    from procurement.models import SecurityEvent

    response = client_for(member_a).get("/api/v1/audit/events/")

    assert response.status_code == 403
    event = AuditEvent.objects.get(action="access.denied")
    assert event.actor == member_a and event.detail["path"] == "/api/v1/audit/events/"
    assert not SecurityEvent.objects.exists()


def test_a_failed_sign_in_is_in_the_chain_for_a_real_user_and_in_the_security_log_otherwise(db):
    from procurement.models import SecurityEvent

    user = factories.UserFactory(username="oikea.kayttaja")
    client = Client(REMOTE_ADDR="198.51.100.8")

    client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": "wrong"}, content_type="application/json"
    )
    client.post("/sign-in/", {"username": "ei-ketaan", "password": "wrong"})

    chained = AuditEvent.objects.get(action="auth.login_failed")
    assert chained.detail == {"username": "oikea.kayttaja", "channel": "api"}
    logged = SecurityEvent.objects.get(action="auth.login_failed")
    assert logged.detail == {"username": "ei-ketaan", "channel": "portal"} and logged.ip_address == "198.51.100.8"


def test_throttled_sign_ins_go_to_the_security_log(db, settings):
    from procurement.models import SecurityEvent

    settings.SECURITY_LOG_PER_MINUTE = 100
    client = Client(REMOTE_ADDR="198.51.100.9")

    # 20 sign-ins a minute from an address (LOGIN_THROTTLE_RATE), at either door; then 429
    portal = [client.post("/sign-in/", {"username": f"x{n}", "password": "y"}).status_code for n in range(21)]
    api = client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, content_type="application/json")

    assert portal[-1] == 429 and api.status_code == 429
    assert not AuditEvent.objects.exists()
    assert SecurityEvent.objects.filter(action="auth.login_throttled").count() == 1
    assert SecurityEvent.objects.filter(action="access.throttled", path="/api/v1/auth/token/").count() == 1


@pytest.mark.parametrize("url", ["/api/v1/audit/security-events/", "/records/audit/security/"])
def test_only_the_auditors_of_every_authority_read_the_security_log(db, client_for, url, authority):
    _anonymous_refusals(2)
    auditor_of_all, auditor_of_one = factories.auditor(), factories.auditor(authority)
    officer = factories.officer_of(authority)

    def get(user):
        if url.startswith("/api/"):
            return client_for(user).get(url)
        client = Client()
        client.force_login(user)
        return client.get(url)

    answer = get(auditor_of_all)
    assert answer.status_code == 200
    assert "198.51.100.7" in answer.content.decode()
    assert get(auditor_of_one).status_code == 403
    assert get(officer).status_code in (403, 404)
    if url.startswith("/api/"):
        assert answer.json()["results"][0]["ip_address"] == "198.51.100.7"
        assert client_for(auditor_of_all).post(url, {}).status_code == 405  # read-only


def test_a_providers_refusal_on_its_own_bid_is_sealed_with_the_bid_until_the_opening(db, authority, client_for):
    # given a provider's submitted bid in a call not yet opened, and an auditor of every authority
    import uuid

    from bids.models import Bid
    from tests.fixtures.stages import open_bids, seat_panel

    officer = factories.officer_of(authority)
    member = factories.provider_member_of(factories.ProviderFactory())
    from tests.fixtures.stages import submitted_tender

    tender = submitted_tender(authority=authority, bidders=[(member, "9000")])
    bid = Bid.objects.get(tender=tender)
    auditor = client_for(factories.auditor())
    path = f"/api/v1/bids/{bid.pk}/attachments/{uuid.uuid4()}/download/"

    # when the provider asks for an attachment of its bid that is not there
    assert client_for(member).get(path).status_code == 404

    # then the refusal is tied to the bid, and the auditors see it sealed: not who, not which bid, not the path
    event = AuditEvent.objects.get(action="access.not_found", actor=member)
    assert (event.object_type, event.object_id, event.tender_id) == ("bids.bid", str(bid.pk), tender.pk)
    shown = auditor.get(f"/api/v1/audit/events/?tender_id={tender.pk}&page_size=500").json()["results"]
    assert "access.not_found" not in {e["action"] for e in shown} and path not in str(shown)
    assert member.pk not in {e["actor"] for e in shown}

    # and after the opening it is shown whole
    from tenders.services import tender_close

    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    shown = auditor.get(f"/api/v1/audit/events/?tender_id={tender.pk}&page_size=500").json()["results"]
    assert [(e["actor"], e["detail"]["path"]) for e in shown if e["action"] == "access.not_found"] == [
        (member.pk, path)
    ]
