"""The documents and audit pages: who sees what, retrying a failed document, verifying the chain."""

import pytest

from documents.models import DocumentStatus, GeneratedDocument
from procurement.models import AuditEvent
from tests.fixtures import factories
from tests.fixtures.stages import decided_tender


@pytest.fixture
def decided(authority, officer, member_a, member_b):
    return decided_tender(officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])


def test_an_auditor_browses_calls_and_verifies_the_chain(client, decided, authority):
    auditor = factories.auditor(authority)
    client.force_login(auditor)

    page = client.get("/records/audit/")
    assert page.status_code == 200 and decided.title in page.content.decode()
    assert client.get(f"/records/calls/{decided.pk}/").status_code == 200
    events = client.get(f"/records/calls/{decided.pk}/audit/")
    assert events.status_code == 200 and "Hankintapäätös tehty" in events.content.decode()  # tender.decide

    verified = client.post("/records/audit/verify/", HTTP_ACCEPT_LANGUAGE="en")

    assert verified.status_code == 200 and "intact" in verified.content.decode()
    assert AuditEvent.objects.filter(action="audit.verify", actor=auditor).exists()


def test_the_audit_pages_do_not_exist_for_others(client, decided, officer, member_a, other_authority):
    for user in (officer, member_a):
        client.force_login(user)
        assert client.get("/records/audit/").status_code == 404
        assert client.post("/records/audit/verify/").status_code == 404
    client.force_login(factories.auditor(other_authority))
    # another authority's call is public once published, but its audit log is not this auditor's to read
    assert client.get(f"/records/calls/{decided.pk}/audit/").status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", detail__path=f"/records/calls/{decided.pk}/audit/")


def test_an_officer_re_queues_a_failed_document(client, decided, officer, member_a):
    document = GeneratedDocument.objects.filter(tender=decided, kind="decision").first()
    GeneratedDocument.objects.filter(pk=document.pk).update(status=DocumentStatus.FAILED, error="Boom")
    client.force_login(officer)
    page = client.get(f"/records/calls/{decided.pk}/").content.decode()
    assert "Boom" in page and f"/records/documents/{document.pk}/retry/" in page

    response = client.post(f"/records/documents/{document.pk}/retry/")

    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == DocumentStatus.QUEUED
    # a bidder cannot, and a second retry of a queued document is refused with a message
    client.force_login(member_a)
    assert client.post(f"/records/documents/{document.pk}/retry/").status_code in (403, 404)
    client.force_login(officer)
    again = client.post(f"/records/documents/{document.pk}/retry/", follow=True)
    assert again.status_code == 200 and document.pk == GeneratedDocument.objects.get(pk=document.pk).pk


def test_a_bidder_sees_only_its_own_letter(client, decided, member_a, provider_a):
    client.force_login(member_a)
    page = client.get(f"/records/calls/{decided.pk}/").content.decode()
    letters = GeneratedDocument.objects.filter(tender=decided, kind="letter")
    own = letters.get(provider=provider_a)
    other = letters.exclude(provider=provider_a).select_related("provider").get()
    assert own.provider.name in page
    assert other.provider.name not in page


def test_an_auditor_filters_a_calls_events_by_what_they_concern_named_in_words(client, decided, authority):
    import re

    client.force_login(factories.auditor(authority))
    client.cookies["hankinta_language"] = "fi"

    page = client.get(f"/records/calls/{decided.pk}/audit/").content.decode()
    bids_only = client.get(f"/records/calls/{decided.pk}/audit/", {"action": "bid."}).content.decode()

    text = re.sub(r"<[^>]+>", " ", page)
    assert ">Tarjouspyyntö</option>" in page and 'value="tender."' in page
    assert not re.search(r"\b(tender|bid|question|decision)\.[a-z_]+", text)
    assert "Tarjous jätetty" in bids_only and "Tarjouspyyntö julkaistu" not in bids_only
