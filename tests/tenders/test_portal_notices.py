"""The call's notices page for the authority (tenders/portal/notices.py): state, findings, XML, Hilma's number and
the reasons of a rejection, sending; auditors read it, providers never see it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from procurement.models import AuditEvent
from tenders.models import NoticeState, Tender
from tenders.notice_sending import notice_send_attempt, notice_status_refresh
from tests.fixtures import factories
from tests.fixtures.notices import decided_notice_tender, notice_ready_tender, valid_notice


@pytest.fixture
def tender(open_tender):
    return open_tender


@pytest.fixture
def notice(tender):
    notice = valid_notice(tender, subtype="E3")
    notice.findings = [
        {
            "rule": "BR-BT-00262-0213",
            "severity": "WARN",
            "message": "The lot's CPV code is a broad one.",
            "field": "BT-262-Lot",
        }
    ]
    notice.save(update_fields=["findings"])
    return notice


def test_the_officer_sees_each_notice_with_its_findings_and_sends_it(hilma, officer, tender, notice, browser_for):
    client = browser_for(officer)

    page = client.get(f"/calls/ours/{tender.pk}/notices/").content.decode()

    assert "Valid, not sent" in page and "type E3, version 1" in page
    assert "BR-BT-00262-0213" in page and "BT-262-Lot" in page and "broad one" in page
    assert f"/calls/ours/{tender.pk}/notices/{notice.pk}/xml/" in page
    assert "Send to Hilma" in page
    assert f"/calls/ours/{tender.pk}/notices/" in client.get(f"/calls/ours/{tender.pk}/").content.decode()

    sent = client.post(f"/calls/ours/{tender.pk}/notices/{notice.pk}/send/", follow=True)

    assert sent.status_code == 200 and "being sent to Hilma" in sent.content.decode()
    notice.refresh_from_db()
    assert notice.state == NoticeState.QUEUED
    assert "Send to Hilma" not in sent.content.decode()  # nothing to do while it waits


def test_a_published_notice_shows_hilmas_number_and_a_rejected_one_its_reasons(
    hilma, officer, tender, notice, browser_for
):
    client = browser_for(officer)
    client.post(f"/calls/ours/{tender.pk}/notices/{notice.pk}/send/")
    notice_send_attempt(notice_id=notice.pk)
    notice.refresh_from_db()
    hilma.publish(notice.ets_identifier, number="2026-055555")
    other = valid_notice(tender, subtype="20")
    type(other).objects.filter(pk=other.pk).update(
        state=NoticeState.REJECTED,
        rejection=[{"source": "ted", "message": "The lawfulness check failed.", "field": "", "rule": "R-1"}],
    )
    notice_status_refresh(notice_id=notice.pk, now=timezone.now() + timedelta(minutes=11))

    page = client.get(f"/calls/ours/{tender.pk}/notices/").content.decode()

    assert "2026-055555" in page and "Published" in page and "4.12.2026" in page
    assert "The lawfulness check failed." in page and "TED · R-1" in page
    assert "Correct the call" in page


def test_without_hilma_the_officer_is_told_the_notice_was_kept_unsent(settings, officer, tender, notice, browser_for):
    settings.HILMA_BASE_URL = ""
    response = browser_for(officer).post(f"/calls/ours/{tender.pk}/notices/{notice.pk}/send/", follow=True)
    page = response.content.decode()
    assert "Hilma is not configured" in page
    notice.refresh_from_db()
    assert notice.state == NoticeState.VALID


def test_the_xml_downloads_and_its_reading_is_audited(officer, tender, notice, browser_for):
    response = browser_for(officer).get(f"/calls/ours/{tender.pk}/notices/{notice.pk}/xml/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    assert response.content.decode() == notice.xml
    assert f"notice-E3-{notice.notice_uuid}-01.xml" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="notice.xml_read", actor=officer).exists()


def test_an_auditor_reads_the_notices_but_may_not_send(hilma, authority, tender, notice, browser_for):
    auditor = factories.auditor(authority)
    client = browser_for(auditor)

    page = client.get(f"/calls/ours/{tender.pk}/notices/")
    assert page.status_code == 200 and "type E3" in page.content.decode()
    assert "Send to Hilma" not in page.content.decode()
    assert client.post(f"/calls/ours/{tender.pk}/notices/{notice.pk}/send/").status_code == 403
    notice.refresh_from_db()
    assert notice.state == NoticeState.VALID and hilma.requests == []


def test_providers_never_see_the_notices(member_a, tender, notice, browser_for):
    client = browser_for(member_a)
    assert client.get(f"/calls/{tender.pk}/").status_code == 200  # the call is public
    assert client.get(f"/calls/ours/{tender.pk}/notices/").status_code == 404
    assert client.get(f"/calls/ours/{tender.pk}/notices/{notice.pk}/xml/").status_code == 404
    assert client.post(f"/calls/ours/{tender.pk}/notices/{notice.pk}/send/").status_code == 404


def test_the_officer_makes_the_calls_notice_and_then_the_award_notice(db, browser_for):
    provider = factories.ProviderFactory(address="Kauppakatu 1, 70100 Kuopio", company_size="small")
    decided = decided_notice_tender(bidders=[(factories.provider_member_of(provider), "9000")])
    officer = decided.created_by
    client = browser_for(officer)

    page = client.get(f"/calls/ours/{decided.pk}/notices/").content.decode()
    assert "notice from its data and check it" in page
    assert "Make the award notice from the decision and check it" in page

    # the call's notice made again from its data: it passes every rule
    made = client.post(f"/calls/ours/{decided.pk}/notices/prepare/", follow=True).content.decode()
    assert "it passes every rule and may be sent" in made

    # the award notice from the decision: made, checked, listed with the call's notices
    awarded = client.post(f"/evaluation/{decided.pk}/award-notice/", follow=True).content.decode()
    assert "it passes every rule and may be sent" in awarded
    assert "Contract award notice" in awarded and "type E4, version 1" in awarded
    assert AuditEvent.objects.filter(tender_id=decided.pk, action="notice.generate").count() >= 2


def test_a_failing_notice_is_kept_with_its_rules_and_fields(db, browser_for):
    tender = notice_ready_tender()
    Tender.objects.filter(pk=tender.pk).update(hilma_statistics={})
    client = browser_for(tender.created_by)

    page = client.post(f"/calls/ours/{tender.pk}/notices/prepare/", follow=True).content.decode()

    assert "it fails 2 rules, listed with it" in page
    assert "HILMA-STATISTICS" in page and "Fails the rules" in page


def test_a_call_not_decided_offers_no_award_notice_and_refuses_one(db, browser_for):
    tender = notice_ready_tender()
    client = browser_for(tender.created_by)

    assert "Make the award notice" not in client.get(f"/calls/ours/{tender.pk}/notices/").content.decode()
    refused = client.post(f"/evaluation/{tender.pk}/award-notice/", follow=True).content.decode()
    assert "nothing to announce" in refused
