"""Sending a call's notices to Hilma and following them (tenders/notice_sending.py), against a local Hilma: success
and publication, validation errors, 429, TED's rejection and the new version, Hilma's and Redis's outages (nothing
lost, nothing sent twice), the permissions and the audit trail."""

from datetime import timedelta

import pytest
from django.utils import timezone

from procurement.errors import Conflict, Forbidden, NotFound, TransitionNotAllowed
from procurement.models import AuditEvent, Notification, OutboxMessage
from tenders import notice_sending
from tenders.models import Notice, NoticeKind, NoticeSending, NoticeState, TenderStatus
from tenders.notice_sending import (
    NOT_CONFIGURED,
    ets_identifier_for,
    notice_send,
    notice_send_attempt,
    notice_status_refresh,
    notices_follow_due,
)
from tenders.services import tender_amend
from tenders.statistics import KEYS as STATISTICS_KEYS
from tenders.tasks import follow_notices, send_notice
from tests.fixtures import factories
from tests.fixtures.hilma_server import DROP, Answer, problem
from tests.fixtures.notices import corrected, notice_ready_tender, valid_notice
from tests.fixtures.stages import run_outbox


@pytest.fixture
def tender(authority, officer):
    tender = factories.TenderFactory(
        authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now(), created_by=officer
    )
    tender.hilma_statistics = {"energyEfficiencyConsidered": False, "smeParticipationConsidered": True}
    tender.save(update_fields=["hilma_statistics"])
    return tender


@pytest.fixture
def notice(tender):
    return valid_notice(tender, subtype="E3")


def _actions(notice) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=str(notice.pk), action__startswith="notice.")
        .values_list("action", flat=True)
        .order_by("id")
    )


def _later(minutes: float = 0, seconds: float = 0):
    return timezone.now() + timedelta(minutes=minutes, seconds=seconds)


def test_an_officer_sends_a_valid_notice_it_is_published_with_hilmas_number(hilma, officer, officer2, tender, notice):
    # when the officer sends it
    queued = notice_send(actor=officer, notice_id=notice.pk)

    # then it waits in the outbox for the task
    assert queued.state == NoticeState.QUEUED and queued.ets_identifier == ets_identifier_for(notice)
    assert OutboxMessage.objects.filter(task="notices.send", args=[notice.pk]).exists()
    assert hilma.requests == []

    # the task sends it: the call's procedure first, then the notice in it
    assert run_outbox("notices.send") == 1
    notice.refresh_from_db()
    tender.refresh_from_db()
    assert notice.state == NoticeState.SENT and notice.sent_at is not None
    assert tender.hilma_procedure_id in hilma.procedures
    assert hilma.procedures[tender.hilma_procedure_id]["procedureIdentifier"] == str(tender.procedure_uuid)
    sent = hilma.notices[notice.ets_identifier]
    assert sent["xml"] == notice.xml
    # the statistics answers of every lot, each of Hilma's keys present (unanswered or not asked: null)
    assert set(sent["hilmaStatistics"]) == {"LOT-0001"}
    answers = sent["hilmaStatistics"]["LOT-0001"]
    assert set(answers) == set(STATISTICS_KEYS)
    assert (answers["energyEfficiencyConsidered"], answers["smeParticipationConsidered"]) == (False, True)
    assert answers["endUserInvolved"] is None  # not asked in an E3 notice
    assert notice.hilma_state == "WaitingToBePublished"
    sending = NoticeSending.objects.get(notice=notice)
    assert (sending.http_status, sending.ets_identifier, sending.sha256) == (201, notice.ets_identifier, notice.sha256)

    # Hilma asks TED; nothing changes until it publishes
    assert notice_status_refresh(notice_id=notice.pk, now=_later(minutes=11)) == "waiting"
    hilma.publish(notice.ets_identifier, number="2026-045678")
    assert notices_follow_due(now=_later(minutes=30)) == {"published": 1}

    notice.refresh_from_db()
    assert notice.state == NoticeState.PUBLISHED and notice.hilma_number == "2026-045678"
    assert notice.published_on.isoformat() == "2026-12-04T08:00:00+00:00"
    assert notice.next_poll_at is None  # TED has said its last word
    told = Notification.objects.filter(kind="notice.published", tender_id=tender.pk)
    assert {n.user_id for n in told} == {officer.pk, officer2.pk}
    assert "2026-045678" in told.first().payload["number"]
    # Hilma's first answer (waiting to be published) is a state change too
    assert _actions(notice) == ["notice.queue", "notice.send", "notice.state", "notice.published"]
    assert hilma.posted(notice.ets_identifier) == 1


def test_the_task_run_twice_sends_the_notice_once(hilma, officer, notice):
    notice_send(actor=officer, notice_id=notice.pk)
    assert send_notice.apply(args=[notice.pk]).get() == "sent"
    assert send_notice.apply(args=[notice.pk]).get() == "nothing"
    assert follow_notices.apply().get() == {}  # nothing due: the next look is minutes away
    assert hilma.posted(notice.ets_identifier) == 1 and len(hilma.sent("procedure")) == 1


def test_hilmas_validation_errors_reject_the_notice_with_its_reasons(hilma, officer, officer2, notice):
    hilma.answer_next(
        "notice",
        problem(400, "Validation error", errors={"BT-501-Organization-Company": ["Invalid business ID 1234567-8"]}),
    )
    notice_send(actor=officer, notice_id=notice.pk)

    assert notice_send_attempt(notice_id=notice.pk) == "rejected"

    notice.refresh_from_db()
    assert notice.state == NoticeState.REJECTED
    assert notice.rejection == [
        {
            "source": "hilma",
            "message": "Invalid business ID 1234567-8",
            "field": "BT-501-Organization-Company",
            "rule": "",
        }
    ]
    rejected = AuditEvent.objects.get(action="notice.rejected", object_id=str(notice.pk))
    assert rejected.detail["source"] == "hilma" and rejected.after == {"state": "rejected"}
    told = Notification.objects.filter(kind="notice.rejected")
    assert {n.user_id for n in told} == {officer.pk, officer2.pk}
    assert "Invalid business ID" in told.first().payload["reasons"]
    assert notices_follow_due(now=_later(minutes=60)) == {}  # a rejected notice waits for the officer


def test_429_waits_as_long_as_retry_after_says_then_sends_once(hilma, officer, notice):
    hilma.answer_next("notice", Answer(429, "Rate limit is exceeded.", {"Retry-After": "600"}))
    notice_send(actor=officer, notice_id=notice.pk)
    start = timezone.now()

    assert notice_send_attempt(notice_id=notice.pk, now=start) == "retry"
    notice.refresh_from_db()
    assert notice.state == NoticeState.QUEUED and notice.attempts == 1 and "429" in notice.last_error
    assert notice.next_poll_at >= start + timedelta(seconds=600)

    # the scan before then leaves it; after, it goes
    assert notices_follow_due(now=start + timedelta(seconds=599)) == {}
    assert notices_follow_due(now=start + timedelta(seconds=601)) == {"sent": 1}
    assert len(hilma.sent("notice")) == 2 and hilma.posted(notice.ets_identifier) == 2
    assert len(hilma.notices) == 1  # the refused request created nothing
    retry = AuditEvent.objects.get(action="notice.send", detail__outcome="retry")
    assert retry.detail["http_status"] == 429


def test_teds_rejection_rejects_the_notice_and_the_correction_goes_as_a_new_version(hilma, officer, notice):
    notice_send(actor=officer, notice_id=notice.pk)
    notice_send_attempt(notice_id=notice.pk)
    first_ets = notice.ets_identifier = ets_identifier_for(notice)
    hilma.ted_reject(first_ets, "The notice failed the lawfulness check.")

    assert notice_status_refresh(notice_id=notice.pk, now=_later(minutes=11)) == "rejected"
    notice.refresh_from_db()
    assert notice.state == NoticeState.REJECTED and notice.ted_state == "NotPublished"
    assert notice.rejection[0]["source"] == "ted" and "lawfulness" in notice.rejection[0]["message"]
    assert Notification.objects.filter(kind="notice.rejected").exists()

    # A rejected notice is not sent again as it is
    with pytest.raises(TransitionNotAllowed):
        notice_send(actor=officer, notice_id=notice.pk)

    # the officer corrects it: a new version, a new ETS identifier
    corrected(notice)
    resent = notice_send(actor=officer, notice_id=notice.pk)
    assert resent.version == 2 and resent.ets_identifier != first_ets
    assert notice_send_attempt(notice_id=notice.pk) == "sent"
    assert hilma.posted(first_ets) == 1 and hilma.posted(resent.ets_identifier) == 1
    assert len(hilma.sent("procedure")) == 1  # the same procedure in Hilma


def test_a_version_hilma_took_is_never_sent_again(hilma, officer, notice):
    notice_send(actor=officer, notice_id=notice.pk)
    notice_send_attempt(notice_id=notice.pk)
    notice.refresh_from_db()
    hilma.ted_reject(notice.ets_identifier, "Stopped")
    notice_status_refresh(notice_id=notice.pk, now=_later(minutes=11))
    notice.refresh_from_db()
    notice.regenerate()  # checked again, without the new version a correction makes
    notice.pass_check()
    notice.save()

    with pytest.raises(Conflict) as refused:
        notice_send(actor=officer, notice_id=notice.pk)
    assert refused.value.code == "notice_version_sent"


def test_ted_rejecting_a_notice_hilma_published_by_the_48_hour_rule(hilma, officer, notice):
    notice_send(actor=officer, notice_id=notice.pk)
    notice_send_attempt(notice_id=notice.pk)
    notice.refresh_from_db()
    hilma.publish(notice.ets_identifier, ted_state="Submitted")
    assert notice_status_refresh(notice_id=notice.pk, now=_later(minutes=11)) == "published"
    notice.refresh_from_db()
    assert notice.next_poll_at is not None  # still followed: TED has not decided

    hilma.ted_reject(notice.ets_identifier, "Not published by TED", after_publication=True)
    assert notices_follow_due(now=_later(minutes=30)) == {"rejected": 1}
    notice.refresh_from_db()
    assert notice.state == NoticeState.REJECTED and notice.hilma_state == "PublishedThenRejected"


def test_a_hilma_outage_keeps_the_notice_queued_and_it_goes_once_hilma_is_back(hilma, officer, notice):
    notice_send(actor=officer, notice_id=notice.pk)
    hilma.stop()

    assert notice_send_attempt(notice_id=notice.pk) == "retry"
    notice.refresh_from_db()
    assert notice.state == NoticeState.QUEUED and "could not be reached" in notice.last_error
    assert notices_follow_due(now=_later(seconds=35)) == {"retry": 1}  # still down: the back-off grows
    notice.refresh_from_db()
    assert notice.attempts == 2 and notice.next_poll_at > _later(seconds=55)

    hilma.start()
    assert notices_follow_due(now=_later(minutes=5)) == {"sent": 1}
    notice.refresh_from_db()
    assert notice.state == NoticeState.SENT and notice.last_error == ""
    assert hilma.posted(notice.ets_identifier) == 1
    assert list(notice.sendings.values_list("http_status", flat=True)) == [None, None, 201]


def test_a_503_from_hilma_is_tried_again(hilma, officer, notice):
    hilma.answer_next("notice", Answer(503, "Service Unavailable"))
    notice_send(actor=officer, notice_id=notice.pk)
    assert notice_send_attempt(notice_id=notice.pk) == "retry"
    assert notices_follow_due(now=_later(minutes=1)) == {"sent": 1}
    assert len(hilma.notices) == 1


def test_an_answer_lost_on_the_way_back_is_settled_by_asking_hilma_not_by_sending_again(hilma, officer, notice):
    hilma.answer_next("notice", DROP)
    notice_send(actor=officer, notice_id=notice.pk)

    assert notice_send_attempt(notice_id=notice.pk) == "retry"
    assert notices_follow_due(now=_later(minutes=1)) == {"sent": 1}

    notice.refresh_from_db()
    assert notice.state == NoticeState.SENT
    assert hilma.posted(notice.ets_identifier) == 1  # one POST: the second attempt asked first
    assert len(hilma.sent("status", "GET")) == 1
    accepted = AuditEvent.objects.get(action="notice.send", detail__outcome="sent")
    assert accepted.detail["how"] == "found"


def test_a_409_for_our_etsidentifier_means_hilma_has_it(hilma, officer, tender, notice):
    # A worker died after Hilma took the notice, before its record was committed: Hilma has it, we do not know.
    notice_send(actor=officer, notice_id=notice.pk)
    notice_send_attempt(notice_id=notice.pk)
    notice.refresh_from_db()
    NoticeSending.objects.filter(notice=notice).delete()
    type(notice).objects.filter(pk=notice.pk).update(state=NoticeState.QUEUED, next_poll_at=timezone.now())

    assert notice_send_attempt(notice_id=notice.pk) == "sent"
    assert AuditEvent.objects.filter(action="notice.send", detail__how="conflict").exists()
    assert len(hilma.notices) == 1


def test_without_hilma_a_notice_stays_valid_marked_unsent(settings, officer, notice):
    settings.HILMA_BASE_URL = settings.HILMA_SUBSCRIPTION_KEY = ""

    kept = notice_send(actor=officer, notice_id=notice.pk)

    assert kept.state == NoticeState.VALID and kept.last_error == NOT_CONFIGURED
    assert not OutboxMessage.objects.filter(task="notices.send").exists()
    event = AuditEvent.objects.get(action="notice.send", object_id=str(notice.pk))
    assert event.detail == {"sent": False, "reason": "hilma_not_configured"}
    assert notice_send_attempt(notice_id=notice.pk) == "not_configured"


def test_only_the_calls_officers_send_and_only_a_valid_notice(
    hilma, officer, auditor_user, member_a, other_authority, tender, notice
):
    auditor = factories.auditor(tender.authority)
    stranger = factories.officer_of(other_authority)
    with pytest.raises(Forbidden):
        notice_send(actor=auditor, notice_id=notice.pk)
    with pytest.raises(NotFound):
        notice_send(actor=member_a, notice_id=notice.pk)  # a provider never learns of the notices
    with pytest.raises(NotFound):
        notice_send(actor=stranger, notice_id=notice.pk)
    with pytest.raises(NotFound):
        notice_send(actor=officer, notice_id=notice.pk, tender_id=tender.pk + 1000)
    draft = valid_notice(tender, subtype="20")
    type(draft).objects.filter(pk=draft.pk).update(state=NoticeState.INVALID)
    with pytest.raises(TransitionNotAllowed):
        notice_send(actor=officer, notice_id=draft.pk)
    assert hilma.requests == [] and notice_sending.notices_for(user=auditor, tender_id=tender.pk).count() == 2
    with pytest.raises(NotFound):
        notice_sending.notices_for(user=member_a, tender_id=tender.pk)


@pytest.mark.worker
def test_a_notice_sent_while_redis_is_down_goes_once_when_redis_is_back(transactional_db, hilma, officer, notice):
    from procurement.outbox import outbox_dispatch
    from tenders.models import Notice
    from tests.fixtures.stages import wait_for
    from tests.fixtures.worker import broker_down, real_worker

    # given Redis is down when the officer sends: the send is taken, the task waits in the outbox
    with broker_down():
        notice_send(actor=officer, notice_id=notice.pk)
    pending = OutboxMessage.objects.get(task="notices.send")
    assert pending.dispatched_at is None and pending.last_error
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.QUEUED and hilma.requests == []

    # when Redis is back, the relay hands it over and a worker runs it; the beat's scan and a second copy of the
    # message come too
    with real_worker():
        assert outbox_dispatch() == 1
        assert wait_for(lambda: Notice.objects.get(pk=notice.pk).state == NoticeState.SENT, 60)
        send_notice.delay(notice.pk)
        # the scan after it (same queue, one at a time) asks Hilma for the state: that GET says both have run
        Notice.objects.filter(pk=notice.pk).update(next_poll_at=timezone.now())
        follow_notices.delay()
        assert wait_for(lambda: len(hilma.sent("status", "GET")) == 1, 60)

    # then Hilma got it once
    ets = Notice.objects.get(pk=notice.pk).ets_identifier
    assert hilma.posted(ets) == 1 and len(hilma.notices) == 1 and len(hilma.sent("procedure")) == 1


def test_hilma_checks_a_notice_without_keeping_it(hilma, officer, notice):
    assert notice_sending.notice_hilma_check(actor=officer, notice_id=notice.pk) == []
    hilma.answer_next("validate", problem(400, "Validation error", errors=["BT-01 is required."]))
    reasons = notice_sending.notice_hilma_check(actor=officer, notice_id=notice.pk)
    assert reasons == [{"source": "hilma", "message": "BT-01 is required.", "field": "", "rule": ""}]
    assert hilma.notices == {} and hilma.procedures == {}
    notice.refresh_from_db()
    assert notice.state == NoticeState.VALID
    assert AuditEvent.objects.filter(action="notice.hilma_check", object_id=str(notice.pk)).count() == 2
    hilma.stop()
    with pytest.raises(Conflict) as down:
        notice_sending.notice_hilma_check(actor=officer, notice_id=notice.pk)
    assert down.value.code == "hilma_unavailable"


def test_the_officers_are_told_in_their_language(hilma, officer, tender, notice):
    from django.utils import translation

    from procurement.notifications import notification_summary

    hilma.answer_next("notice", problem(400, "Validation error", errors={"BT-01": ["Missing legal basis"]}))
    notice_send(actor=officer, notice_id=notice.pk)
    notice_send_attempt(notice_id=notice.pk)
    told = Notification.objects.get(kind="notice.rejected", user=officer)
    assert told.payload["source"] == "Hilma" and told.payload["reasons"] == "Missing legal basis"
    with translation.override("fi"):
        assert notification_summary(told) == f"Ilmoitusta ei julkaistu: {tender.title}"
    with translation.override("sv"):
        assert notification_summary(told) == f"Annonsen publicerades inte: {tender.title}"


def test_while_hilma_takes_its_time_the_call_is_not_locked(transactional_db, hilma, officer, tender, notice):
    """Bids lock the call FOR SHARE as they are submitted: sending a notice must never make them wait for Hilma."""
    import threading

    from django.db import connection, transaction

    from tenders.models import Tender

    notice_send(actor=officer, notice_id=notice.pk)
    arrived, release = hilma.hold("notice")
    outcome = []

    def send():
        try:
            outcome.append(notice_send_attempt(notice_id=notice.pk))
        finally:
            connection.close()

    sender = threading.Thread(target=send)
    sender.start()
    try:
        assert arrived.wait(30)  # the notice is on its way to Hilma, its answer not yet back
        with transaction.atomic():
            locked = Tender.objects.select_for_update(nowait=True).get(pk=tender.pk)  # refused if the sender held it
            assert locked.hilma_procedure_id  # the procedure was created and committed before
    finally:
        release.set()
        sender.join(30)
    assert outcome == ["sent"] and hilma.posted(ets_identifier_for(notice)) == 1


def test_a_call_corrected_while_its_notice_was_with_hilma_gets_its_change_notice_once_published(db, hilma):
    # given a call published with its notice sent to Hilma, then corrected while Hilma had not yet published it
    tender = notice_ready_tender()
    contract = Notice.objects.get(tender=tender)
    assert run_outbox("notices.send") == 1
    contract.refresh_from_db()
    tender_amend(
        actor=tender.created_by,
        tender_id=tender.pk,
        reason="Tarjousten määräaikaa jatketaan viikolla.",
        fields={"submission_deadline": tender.submission_deadline + timedelta(days=7)},
        children={},
    )
    assert not Notice.objects.filter(tender=tender, kind=NoticeKind.CHANGE).exists()

    # when Hilma publishes the contract notice
    hilma.publish(contract.ets_identifier, number="2026-045678")
    assert notices_follow_due(now=_later(minutes=30)) == {"published": 1}

    # then the change notice of the corrigendum is made, checked and sent in its turn
    assert run_outbox("notices.change_follow") == 1
    change = Notice.objects.get(tender=tender, kind=NoticeKind.CHANGE)
    assert (change.changes_id, change.tender_version, change.state) == (contract.pk, 2, NoticeState.QUEUED)
    assert run_outbox("notices.send") == 1
    change.refresh_from_db()
    assert change.state == NoticeState.SENT and change.ets_identifier in hilma.notices
