"""Notifications: stored with their change, e-mailed once per recipient, reminders once per deadline."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from icalendar import Calendar

from documents.models import GeneratedDocument
from documents.services import document_render
from procurement.models import DeliveryStatus, Notification, Timer
from procurement.notifications import notification_deliver, notifications_relay, notify
from procurement.timers import timers_run_due
from tenders.models import TenderInterest, TenderStatus
from tenders.timers import tender_timers_schedule
from tests.fixtures import factories
from tests.fixtures.stages import full_content


def _parallel(function, times: int = 2) -> list:
    """Run `function` in `times` threads that start together, each with its own database connection."""
    barrier = threading.Barrier(times)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(function())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


@pytest.fixture
def reminded_tender(transactional_db, authority, member_a, member_b, provider_a, provider_b):
    """A published call six days and an hour before its deadline: A has a draft, B follows the call."""
    from bids.services import bid_create

    tender = factories.TenderFactory(
        authority=authority,
        status=TenderStatus.PUBLISHED,
        published_at=timezone.now(),
        submission_deadline=timezone.now() + timedelta(days=6, hours=1),
        questions_deadline=timezone.now() + timedelta(days=6),
    )
    bid_create(actor=member_a, tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))
    TenderInterest.objects.create(tender=tender, provider=provider_b, following=True, followed_at=timezone.now())
    tender_timers_schedule(tender)
    return tender


def test_reminders_go_once_even_when_two_scans_run_at_the_same_time(reminded_tender, provider_a, provider_b):
    tender = reminded_tender
    timers = Timer.objects.filter(key=f"tender:{tender.pk}", done_at__isnull=True)
    # The 7-day reminder would already be past; the 1-day and 2-hour ones and the questions reminder are pending.
    assert timers.filter(kind="deadline.reminder").count() == 2
    assert timers.filter(kind="questions.reminder").count() == 1
    moment = tender.submission_deadline - timedelta(hours=23)

    done = _parallel(lambda: timers_run_due(now=moment))

    # Both scans ran; between them they did each due timer once (the questions reminder and the 1-day reminder).
    assert sorted(done) in ([0, 2], [1, 1])
    assert timers_run_due(now=moment) == 0
    reminders = Notification.objects.filter(kind="deadline.reminder", tender_id=tender.pk)
    assert sorted(reminders.values_list("provider_id", flat=True)) == sorted([provider_a.pk, provider_b.pk])
    assert reminders.first().key.endswith(":24h")

    sent = _parallel(lambda: notifications_relay(now=timezone.now()))
    assert sum(sent) == 4  # two deadline reminders and two questions reminders, each sent by one relay only
    assert notifications_relay() == 0
    deadline_mails = [
        m for m in mail.outbox if "deadline.ics" in [a[0] for a in m.attachments] and "Tarjousten" in m.subject
    ]
    assert sorted(address for m in deadline_mails for address in m.to) == sorted([provider_a.email, provider_b.email])
    calendar = Calendar.from_ical(next(a for a in deadline_mails[0].attachments if a[0] == "deadline.ics")[1])
    event = next(iter(calendar.walk("VEVENT")))
    assert event.decoded("dtend") == tender.submission_deadline.replace(microsecond=0)


def test_a_moved_deadline_gets_its_own_reminders(reminded_tender):
    tender = reminded_tender
    timers_run_due(now=tender.submission_deadline - timedelta(hours=23))
    assert Notification.objects.filter(kind="deadline.reminder").count() == 2
    tender.submission_deadline += timedelta(days=7)
    tender.save(update_fields=["submission_deadline"])
    tender_timers_schedule(tender)

    timers_run_due(now=tender.submission_deadline - timedelta(hours=23))

    keys = set(Notification.objects.filter(kind="deadline.reminder").values_list("key", flat=True))
    assert len(keys) == 2  # one per deadline


def test_a_closed_call_is_not_reminded(reminded_tender):
    tender = reminded_tender
    factories.TenderFactory._meta.model.objects.filter(pk=tender.pk).update(status=TenderStatus.CANCELLED)

    timers_run_due(now=tender.submission_deadline - timedelta(hours=1))

    assert not Notification.objects.filter(kind="deadline.reminder").exists()
    assert not Timer.objects.filter(
        key=f"tender:{tender.pk}", done_at__isnull=True, due_at__lte=tender.submission_deadline - timedelta(hours=1)
    ).exists()


def test_each_recipient_is_notified_once_per_event_and_in_its_own_language(db, provider_a, provider_b):
    provider_b.preferred_language = "sv"
    provider_b.save()
    tender = factories.TenderFactory(title_sv="Integrationsutbildning")

    first = notify(
        kind="tender.amended",
        key="t:1",
        tender_id=tender.pk,
        providers=[provider_a, provider_b],
        payload={"version": 2, "reason": "Korjaus"},
    )
    again = notify(
        kind="tender.amended",
        key="t:1",
        tender_id=tender.pk,
        providers=[provider_a, provider_b],
        payload={"version": 2, "reason": "Korjaus"},
    )

    assert (first, again) == (2, 0)
    for notification in Notification.objects.filter(key="t:1"):
        assert notification_deliver(notification_id=notification.pk) == "sent"
        assert notification_deliver(notification_id=notification.pk) == "skipped"
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[provider_a.email].startswith("Tarjouspyyntö on muuttunut")
    assert (
        subjects[provider_b.email].startswith("Anbudsförfrågan har ändrats")
        and "Integrationsutbildning" in subjects[provider_b.email]
    )


def test_a_failing_mail_server_is_retried_then_marked_failed(db, provider_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens there
    settings.HANKINTA = {**settings.HANKINTA, "EMAIL_MAX_ATTEMPTS": 2}
    notify(kind="tender.cancelled", key="x", tender_id=None, providers=[provider_a], payload={"reason": "r"})
    notification = Notification.objects.get(key="x")

    assert notification_deliver(notification_id=notification.pk) == "retry"
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.PENDING and notification.next_attempt_at > timezone.now()
    assert "ConnectionRefusedError" in notification.delivery_result or "Errno" in notification.delivery_result
    assert notification_deliver(notification_id=notification.pk) == "failed"
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.FAILED


def test_the_inbox_shows_delivery_and_only_ones_own(db, provider_a, provider_b, member_a, client_for):
    notify(
        kind="tender.cancelled", key="y", tender_id=None, providers=[provider_a, provider_b], payload={"reason": "r"}
    )

    rows = client_for(member_a).get("/api/v1/notifications/").json()["results"]

    assert len(rows) == 1 and rows[0]["status"] == "pending" and rows[0]["email_to"] == [provider_a.email]


def test_the_decision_starts_the_periods_when_it_is_sent_and_again_when_re_sent(
    authority, officer, member_a, member_b, provider_a, provider_b, client_for
):
    from evaluation.models import ContractStatus, LotContract
    from procurement.periods import local_date, period_end
    from tests.fixtures.stages import decided_tender

    tender = decided_tender(officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])
    notifications = {n.provider_id: n for n in Notification.objects.filter(kind="decision", tender_id=tender.pk)}
    assert set(notifications) == {provider_a.pk, provider_b.pk}
    contracts = LotContract.objects.filter(lot__tender=tender)
    assert contracts.count() == 2 and {c.status for c in contracts} == {ContractStatus.NOTIFYING}
    # The e-mail waits for the letter and the decision.
    assert notification_deliver(notification_id=notifications[provider_a.pk].pk) == "waiting"
    for document in GeneratedDocument.objects.filter(tender=tender, kind__in=["letter", "decision"]):
        document_render(document_id=document.pk)

    first = timezone.now() - timedelta(days=3)
    later = timezone.now() - timedelta(days=1)
    assert notification_deliver(notification_id=notifications[provider_a.pk].pk, now=first) == "sent"
    assert {c.status for c in contracts.all()} == {ContractStatus.NOTIFYING}  # B has not been sent it yet
    assert notification_deliver(notification_id=notifications[provider_b.pk].pk, now=later) == "sent"

    # The latest sending counts for each lot that both bid on.
    for contract in contracts.all():
        assert contract.status == ContractStatus.STANDSTILL
        assert contract.notified_at == later
        assert contract.standstill_ends_on == period_end(local_date(later), 14)
    decision_mail = next(m for m in mail.outbox if m.to == [provider_b.email] and "Hankintapäätös" in m.subject)
    assert sorted(a[0].split("_")[1] for a in decision_mail.attachments) == ["decision", "letter"]
    editions = GeneratedDocument.objects.filter(tender=tender, kind="decision").count()
    assert editions == 2  # the first edition counted from the decision day; the sending moved the dates

    # B's address was wrong: B corrects it, and an officer sends it again; the periods run from the new sending.
    provider_b.email = "oikea@provider.example"
    provider_b.save()
    response = client_for(officer).post(
        f"/api/v1/notifications/{notifications[provider_b.pk].pk}/resend/", {"email": "oikea@provider.example"}
    )
    assert response.status_code == 202 and response.json()["status"] == "pending"
    assert (
        client_for(member_a).post(f"/api/v1/notifications/{notifications[provider_b.pk].pk}/resend/").status_code == 404
    )
    resent = Notification.objects.get(pk=notifications[provider_b.pk].pk)
    new_letter = GeneratedDocument.objects.get(tender=tender, kind="letter", provider=provider_b, version=2)
    assert new_letter.pk in resent.documents
    document_render(document_id=new_letter.pk)
    now = timezone.now()
    assert notification_deliver(notification_id=resent.pk, now=now) == "sent"

    for contract in contracts.all():
        assert contract.notified_at == now
        assert contract.standstill_ends_on == period_end(local_date(now), 14)
    resent.refresh_from_db()
    assert resent.sends == 2 and resent.email_to == ["oikea@provider.example"]
    assert mail.outbox[-1].to == ["oikea@provider.example"]
    log = client_for(officer).get(f"/api/v1/tenders/{tender.pk}/notifications/").json()
    assert {row["kind"] for row in log} >= {"decision", "bid.receipt"}
    assert client_for(member_a).get(f"/api/v1/tenders/{tender.pk}/notifications/").status_code == 404


@pytest.fixture
def tender_with_followers_and_bidders(authority, officer):
    """A published call; in the order of their ids: F1 follows it, D has a draft, S has submitted a bid, F2 follows it.
    Then answers are published, which go to all four."""
    from bids.services import bid_create
    from tenders.services import answers_publish, question_answer, question_ask, tender_follow
    from tests.fixtures.stages import submit_bid

    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    names = ("Seuraaja Yksi Oy", "Luonnostelija Oy", "Tarjoaja Oy", "Seuraaja Kaksi Oy")
    f1, d, s, f2 = (factories.ProviderFactory(name=name) for name in names)
    members = {p.pk: factories.provider_member_of(p) for p in (f1, d, s, f2)}
    for follower in (f1, f2):
        tender_follow(actor=members[follower.pk], tender_id=tender.pk, following=True)
    bid_create(actor=members[d.pk], tender_id=tender.pk, received_at=timezone.now(), content=full_content(tender))
    submit_bid(members[s.pk], tender)
    question = question_ask(actor=members[f1.pk], tender_id=tender.pk, text="Kysymys?", received_at=timezone.now())
    question_answer(actor=officer, tender_id=tender.pk, question_id=question.pk, answer="Vastaus.")
    answers_publish(actor=officer, tender_id=tender.pk)
    return tender, {"f1": f1, "d": d, "s": s, "f2": f2}, members


def test_the_delivery_log_names_no_bidder_before_the_opening(tender_with_followers_and_bidders, officer, client_for):
    # given answers sent to two followers, a provider with a draft and a bidder
    tender, providers, members = tender_with_followers_and_bidders
    sealed = [providers["d"], providers["s"]]
    evaluator = factories.UserFactory()
    from procurement.models import Membership, Role

    Membership.objects.create(user=evaluator, role=Role.EVALUATOR, authority=tender.authority)
    url = f"/api/v1/tenders/{tender.pk}/notifications/"

    for reader in (officer, evaluator, factories.auditor(tender.authority)):
        # when the authority reads the delivery log before the opening
        response = client_for(reader).get(url)

        # then it names the followers only: not the draft's or the bid's provider, their addresses or members
        assert response.status_code == 200
        rows = response.json()
        assert {row["provider"] for row in rows} == {providers["f1"].pk, providers["f2"].pk}
        body = response.content.decode()
        for provider in sealed:
            assert provider.name not in body and provider.email not in body and provider.business_id not in body
            assert members[provider.pk].email not in body
        assert "bid.receipt" not in body

    # and the rows it hides cannot be re-sent: they answer as an id that does not exist
    hidden = Notification.objects.filter(tender_id=tender.pk, provider__in=sealed).order_by("pk")
    before = list(hidden.values_list("status", "email_to", "attempts"))
    assert len(before) == 3  # D's and S's answers, S's receipt
    missing = client_for(officer).post("/api/v1/notifications/2000000000/resend/", {"email": "x@example.invalid"})
    for row in hidden:
        answer = client_for(officer).post(f"/api/v1/notifications/{row.pk}/resend/", {"email": "x@example.invalid"})
        assert (answer.status_code, answer.json()) == (missing.status_code, missing.json()) == (404, missing.json())
    assert list(hidden.values_list("status", "email_to", "attempts")) == before


def test_the_rows_shown_before_the_opening_leave_no_gap_for_those_hidden(tender_with_followers_and_bidders):
    # given answers to F1 < D < S < F2 (by id): the followers' rows are written first, at one moment, sent first
    tender, providers, _members = tender_with_followers_and_bidders
    rows = list(Notification.objects.filter(tender_id=tender.pk, kind="answers.published").order_by("pk"))

    assert [row.provider_id for row in rows[:2]] == [providers["f1"].pk, providers["f2"].pk]
    assert rows[1].pk == rows[0].pk + 1
    assert len({row.created_at for row in rows}) == 1


def test_the_delivery_log_is_whole_after_the_opening(tender_with_followers_and_bidders, officer, client_for):
    from tenders.services import tender_close
    from tests.fixtures.stages import open_bids

    tender, providers, _members = tender_with_followers_and_bidders
    past = timezone.now() - timedelta(seconds=1)
    type(tender).objects.filter(pk=tender.pk).update(submission_deadline=past, next_check=past)
    tender_close(actor=officer, tender_id=tender.pk)
    open_bids(tender, officer)

    rows = client_for(officer).get(f"/api/v1/tenders/{tender.pk}/notifications/").json()

    assert {row["provider"] for row in rows} >= {p.pk for p in providers.values()}
    assert {row["kind"] for row in rows} >= {"answers.published", "bid.receipt"}


# --- sending again: only what the sender may read, only to the recipient -------------------------------------------


@pytest.fixture
def opened_tender_with_receipts(authority, officer, member_a, member_b):
    from procurement.models import DeliveryStatus
    from tenders.services import tender_close
    from tests.fixtures.stages import open_bids, seat_panel, submitted_tender

    tender = submitted_tender(authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    receipts = Notification.objects.filter(tender_id=tender.pk, kind="bid.receipt")
    receipts.update(status=DeliveryStatus.SENT)
    return tender, receipts


def test_an_officer_who_may_not_read_its_document_cannot_send_a_notification_again(
    opened_tender_with_receipts, authority, provider_a, client_for
):
    # given a receipt's notification after the opening, and an officer not on the panel (its download answers 403)
    _tender, receipts = opened_tender_with_receipts
    receipt = receipts.get(provider=provider_a)
    off_panel = factories.officer_of(authority)
    assert client_for(off_panel).get(f"/api/v1/documents/{receipt.documents[0]}/download/").status_code == 403
    before = list(Notification.objects.filter(pk=receipt.pk).values_list("status", "email_to", "attempts"))

    # when they send it again, to their own address or to none
    to_them = client_for(off_panel).post(
        f"/api/v1/notifications/{receipt.pk}/resend/", {"email": "attacker@evil.example"}, format="json"
    )
    as_it_was = client_for(off_panel).post(f"/api/v1/notifications/{receipt.pk}/resend/")

    # then both are refused, and nothing is sent anywhere
    assert to_them.status_code == as_it_was.status_code == 403
    assert to_them.json()["code"] == as_it_was.json()["code"] == "document_not_readable"
    assert list(Notification.objects.filter(pk=receipt.pk).values_list("status", "email_to", "attempts")) == before


def test_a_notification_is_sent_again_only_to_an_address_of_its_recipient(
    opened_tender_with_receipts, officer, provider_a, member_a, client_for
):
    _tender, receipts = opened_tender_with_receipts
    receipt = receipts.get(provider=provider_a)
    url = f"/api/v1/notifications/{receipt.pk}/resend/"

    elsewhere = client_for(officer).post(url, {"email": "attacker@evil.example"}, format="json")
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (400, "address_not_recipients")
    assert "attacker@evil.example" not in Notification.objects.get(pk=receipt.pk).email_to

    # the panel's officer reads the receipt: sent again to the provider's address, or to one of its people
    assert client_for(officer).post(url, {"email": provider_a.email}, format="json").status_code == 202
    Notification.objects.filter(pk=receipt.pk).update(status="sent")
    assert client_for(officer).post(url, {"email": member_a.email.upper()}, format="json").status_code == 202
    assert Notification.objects.get(pk=receipt.pk).email_to == [member_a.email.upper()]
