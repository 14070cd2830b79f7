"""The client's address, taken in one place (procurement.clientip) for the sign-in throttle, django-axes' lock-out
and the audit log: with no trusted proxy X-Forwarded-For is not read at all; behind TRUSTED_PROXY_COUNT proxies it
is the entry the outermost proxy wrote, whatever the client put to the left of it."""

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings
from rest_framework.test import APIClient

from procurement.models import AuditEvent
from tests.fixtures import factories

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"  # the factories' password
LIMIT = settings.AXES_FAILURE_LIMIT
PROXY = "10.0.0.254"  # the reverse proxy in front of the web server: every request's socket peer behind it
behind_one_proxy = override_settings(TRUSTED_PROXY_COUNT=1)


def _request(forwarded: str | None, peer: str = PROXY):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize("forwarded", [None, "", "203.0.113.9", "198.51.100.1, 203.0.113.9", "nonsense"])
def test_without_a_trusted_proxy_the_header_is_not_read(forwarded):
    from procurement.clientip import client_ip

    assert settings.TRUSTED_PROXY_COUNT == 0  # the default
    assert client_ip(_request(forwarded, peer="192.0.2.10")) == "192.0.2.10"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "client"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.66, 203.0.113.9", "203.0.113.9"),  # a spoofed entry to the left: ignored
        (1, "1.1.1.1, 8.8.8.8, 203.0.113.9", "203.0.113.9"),
        (1, "203.0.113.9:51234", "203.0.113.9"),
        (1, "[2001:db8::7]:443", "2001:db8::7"),
        (2, "198.51.100.66, 203.0.113.9, 10.0.0.3", "203.0.113.9"),  # the outer proxy wrote the client
        (1, None, PROXY),  # not through the proxy (a health check): the peer
        (2, "203.0.113.9", PROXY),  # fewer entries than proxies: nothing in it can be trusted
    ],
)
def test_behind_trusted_proxies_the_client_is_what_the_outermost_proxy_wrote(proxies, forwarded, client):
    from procurement.clientip import client_ip

    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_ip(_request(forwarded)) == client


def _sign_in(client, username, password, forwarded, peer=PROXY):
    return client.post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_without_a_proxy_a_rotated_header_does_not_escape_the_sign_in_rate():
    client = APIClient()
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])

    statuses = [
        _sign_in(client, f"arvaaja{n}", "x", forwarded=f"198.51.100.{n}", peer="192.0.2.10").status_code
        for n in range(rate + 3)
    ]

    assert statuses[:rate] == [400] * rate and set(statuses[rate:]) == {429}


def test_without_a_proxy_a_rotated_header_does_not_escape_the_lock_out():
    factories.UserFactory(username="liisa")
    client = APIClient()

    for n in range(LIMIT):
        _sign_in(client, "liisa", f"guess{n}", forwarded=f"198.51.100.{n}", peer="192.0.2.10")
    locked = _sign_in(client, "liisa", PASSWORD, forwarded="198.51.100.200", peer="192.0.2.10")

    assert locked.status_code == 429 and locked.json()["code"] == "locked_out"
    event = AuditEvent.objects.filter(action="auth.locked_out").latest("id")
    assert event.ip_address == "192.0.2.10"


@behind_one_proxy
def test_behind_the_proxy_a_spoofed_entry_does_not_escape_the_sign_in_rate():
    client = APIClient()
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])

    statuses = [
        _sign_in(client, f"arvaaja{n}", "x", forwarded=f"198.51.100.{n}, 203.0.113.9").status_code
        for n in range(rate + 3)
    ]
    other_client = _sign_in(client, "arvaaja", "x", forwarded="203.0.113.50").status_code

    assert statuses[:rate] == [400] * rate and set(statuses[rate:]) == {429}
    assert other_client == 400  # another client behind the same proxy has its own rate


@behind_one_proxy
def test_behind_the_proxy_one_client_cannot_lock_another_out():
    factories.UserFactory(username="liisa")
    client = APIClient()

    for n in range(LIMIT):
        _sign_in(client, "liisa", f"guess{n}", forwarded=f"198.51.100.{n}, 203.0.113.66")
    attacker = _sign_in(client, "liisa", PASSWORD, forwarded="203.0.113.66")
    liisa = _sign_in(client, "liisa", PASSWORD, forwarded="203.0.113.9")

    assert attacker.status_code == 429 and attacker.json()["code"] == "locked_out"
    assert liisa.status_code == 200  # the same username from her own address, through the same proxy
    locked_out = AuditEvent.objects.filter(action="auth.locked_out").latest("id")
    assert locked_out.ip_address == "203.0.113.66"


@behind_one_proxy
def test_behind_the_proxy_the_audit_log_records_the_client(client):
    factories.UserFactory(username="liisa")
    forwarded = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.66, 203.0.113.9"}

    APIClient().post("/api/v1/auth/token/", {"username": "liisa", "password": PASSWORD}, format="json", **forwarded)
    client.post("/sign-in/", {"username": "liisa", "password": "wrong"}, **forwarded)
    APIClient().get("/api/v1/me/", **forwarded)  # refused: not signed in

    for action in ("auth.token_issued", "auth.login_failed"):
        assert AuditEvent.objects.get(action=action).ip_address == "203.0.113.9", action
    assert not AuditEvent.objects.exclude(ip_address="203.0.113.9").exclude(ip_address=None).exists()
