"""Interruption is a decision (issue 18.1): cancelling a lot, finding a lot or the call unsuccessful, and cancelling a
published call each produce a reasoned decision PDF with the redress, notified to every provider concerned, with
periods counted from the sending; nothing is interrupted once a contract is signed."""

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_render
from evaluation.models import ContractStatus, LotContract
from procurement.models import AuditEvent, Notification, Timer
from procurement.notifications import notification_deliver
from procurement.periods import HELSINKI
from tenders.interruption import interruption_periods_recompute
from tenders.models import InterruptionDecision, InterruptionKind, LotStatus, Tender, TenderStatus
from tenders.services import tender_close, tender_declare_unsuccessful
from tests.fixtures import factories
from tests.fixtures.documents import pdftotext
from tests.fixtures.stages import decided_tender, open_bids, seat_panel, submit_bid, submitted_tender

# Friday 5 June 2026, 10.00 in Helsinki. The 14 days end on Friday 19 June, Midsummer Eve, so the periods run
# to the next working day, Monday 22 June 2026 (Act 150/1930); the appeal is due by 16.15 that day.
SENT = datetime(2026, 6, 5, 10, 0, tzinfo=HELSINKI)
# Tuesday 16 June 2026: sent again, the periods end 14 days later on Tuesday 30 June 2026.
SENT_AGAIN = datetime(2026, 6, 16, 9, 30, tzinfo=HELSINKI)


def editions(decision: InterruptionDecision):
    return GeneratedDocument.objects.filter(
        tender=decision.tender, kind=DocumentKind.INTERRUPTION, subject=decision.key
    ).order_by("version")


def render_latest(decision: InterruptionDecision) -> str:
    return pdftotext(document_render(document_id=editions(decision).last().pk))


def deliver(decision: InterruptionDecision, *, now) -> None:
    for document in editions(decision):
        document_render(document_id=document.pk)
    for notification in Notification.objects.filter(kind=decision.notification_kind, key=decision.key):
        assert notification_deliver(notification_id=notification.pk, now=now) == "sent"


@pytest.fixture
def three_bidders(provider_a, provider_b, member_a, member_b):
    provider_c = factories.ProviderFactory(name="Ceeopisto Oy")
    return {
        "a": (provider_a, member_a),
        "b": (provider_b, member_b),
        "c": (provider_c, factories.provider_member_of(provider_c)),
    }


@pytest.fixture
def opened_tender(bilingual, officer, three_bidders):
    """A bilingual authority's call (450 000 €: national regime) with its bids opened: A offers lot 1, B both lots,
    C lot 2."""
    tender = factories.TenderFactory(
        authority=bilingual,
        status=TenderStatus.PUBLISHED,
        published_at=timezone.now(),
        title_sv="Integrationsutbildning",
    )
    lot1, lot2 = tender.lots.order_by("number")
    submit_bid(three_bidders["a"][1], tender, "9000", lots=[lot1])
    submit_bid(three_bidders["b"][1], tender, "9500", lots=[lot1, lot2])
    submit_bid(three_bidders["c"][1], tender, "9900", lots=[lot2])
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)
    return Tender.objects.get(pk=tender.pk)


def test_an_unsuccessful_lot_gets_its_decision_and_only_its_bidders_are_told(
    opened_tender, officer, three_bidders, client_for
):
    # when the officer finds lot 1 unsuccessful, with the reason in Finnish and Swedish
    response = client_for(officer).post(
        f"/api/v1/tenders/{opened_tender.pk}/lots/1/declare-unsuccessful/",
        {
            "reason": "Molemmat osan 1 tarjoukset ylittivät määrärahan 120 000 €.",
            "reason_sv": "Båda anbuden för delområde 1 överskred anslaget på 120 000 €.",
        },
        format="json",
    )

    # then the lot is unsuccessful, the others go on, and the decision is recorded
    assert response.status_code == 200, response.content
    assert {lot["number"]: lot["status"] for lot in response.json()["lots"]} == {
        1: LotStatus.UNSUCCESSFUL,
        2: LotStatus.OPEN,
    }
    assert response.json()["status"] == TenderStatus.OPENED
    decision = InterruptionDecision.objects.get(tender=opened_tender)
    assert (decision.kind, decision.lot.number, decision.regime) == (InterruptionKind.LOT_UNSUCCESSFUL, 1, "national")
    # its bidders A and B are told with the PDF attached, C (lot 2 only) is not
    notifications = Notification.objects.filter(kind="lot.unsuccessful", tender_id=opened_tender.pk)
    assert {n.provider_id for n in notifications} == {three_bidders["a"][0].pk, three_bidders["b"][0].pk}
    assert all(n.documents == [editions(decision).get().pk] for n in notifications)
    # and the audit log has the lot's change and the decision
    actions = set(AuditEvent.objects.filter(tender_id=opened_tender.pk).values_list("action", flat=True))
    assert {"lot.declare_unsuccessful", "interruption.decide", "document.request"} <= actions

    # the PDF: the decision in Finnish, then in Swedish, with the bidders concerned and the redress
    text = render_latest(decision)
    finnish, swedish = text.split("BESLUT OM AVBRYTANDE AV UPPHANDLINGEN FÖR DELOMRÅDE 1")
    assert "PÄÄTÖS HANKINNAN KESKEYTTÄMISESTÄ OSAN 1 OSALTA" in finnish
    assert "koska osaan ei saatu yhtään hyväksyttävää tarjousta" in finnish
    assert "Molemmat osan 1 tarjoukset ylittivät määrärahan 120 000 €." in finnish
    assert "Oikaisuohje" in finnish and "Valitusosoitus markkinaoikeuteen" in finnish
    assert "eftersom inga godtagbara anbud har lämnats för delområdet" in swedish
    assert "Båda anbuden för delområde 1 överskred anslaget på 120 000 €." in swedish
    assert "Besvärsanvisning till marknadsdomstolen" in swedish and "Testkommun" in swedish
    for part in (finnish, swedish):
        assert three_bidders["a"][0].name in part and three_bidders["b"][0].name in part
        assert three_bidders["c"][0].name not in part


def test_the_periods_run_from_the_sending_and_again_from_a_sending_again(
    opened_tender, officer, three_bidders, client_for
):
    # given the lot 1 decision, e-mailed to both its bidders on Friday 5 June 2026
    client_for(officer).post(
        f"/api/v1/tenders/{opened_tender.pk}/lots/1/declare-unsuccessful/",
        {"reason": "Ei hyväksyttäviä tarjouksia.", "reason_sv": "Inga godtagbara anbud."},
        format="json",
    )
    decision = InterruptionDecision.objects.get(tender=opened_tender)
    first = editions(decision).get()
    deliver(decision, now=SENT)

    # then the periods run from that sending: 14 days end on Midsummer Eve, so on Monday 22 June 2026
    decision.refresh_from_db()
    assert decision.notified_at == SENT
    assert decision.self_correction_ends_on == date(2026, 6, 22)
    assert decision.appeal_ends_on == date(2026, 6, 22)
    assert decision.appeal_deadline == datetime(2026, 6, 22, 16, 15, tzinfo=HELSINKI)
    assert AuditEvent.objects.filter(action="interruption.periods", object_id=str(decision.pk)).count() == 1
    # the first edition counted from the day it was rendered; the sending moved the dates: a new edition shows them
    assert editions(decision).count() == 2
    text = render_latest(decision)
    assert "tiedoksisaannista 5.6.2026" in text and "viimeistään 22.6.2026 klo 16.15" in text
    assert "räknats från delfåendet 5.6.2026" in text and "senast 22.6.2026 kl. 16.15" in text
    assert "avtalsspärr" in text.lower() and "ei ole odotusaikaa" in text

    # when B's notification is sent again on Tuesday 16 June 2026 (a corrected address)
    provider_b = three_bidders["b"][0]
    provider_b.email = "oikea@b.example"
    provider_b.save()
    notification = Notification.objects.get(key=decision.key, provider=provider_b)
    response = client_for(officer).post(
        f"/api/v1/notifications/{notification.pk}/resend/", {"email": "oikea@b.example"}
    )
    assert response.status_code == 202, response.content
    notification.refresh_from_db()
    resent_edition = editions(decision).last()
    assert notification.documents == [resent_edition.pk] and resent_edition.version == 3
    assert first.pk not in notification.documents
    document_render(document_id=resent_edition.pk)
    assert notification_deliver(notification_id=notification.pk, now=SENT_AGAIN) == "sent"

    # then the periods run anew from the new sending: 14 days, Tuesday 30 June 2026
    decision.refresh_from_db()
    assert decision.notified_at == SENT_AGAIN
    assert decision.self_correction_ends_on == date(2026, 6, 30)
    assert decision.appeal_deadline == datetime(2026, 6, 30, 16, 15, tzinfo=HELSINKI)
    assert mail.outbox[-1].to == ["oikea@b.example"]
    assert [a[0].split("_")[1] for a in mail.outbox[-1].attachments] == ["interruption"]
    # a recompute that finds nothing new changes nothing
    assert interruption_periods_recompute(decision_id=decision.pk) is False


def test_a_cancelled_call_notifies_every_bidder(opened_tender, officer, three_bidders, client_for):
    # given a provider that follows the call but did not bid
    follower = factories.ProviderFactory(name="Seuraaja Oy")
    factories.provider_member_of(follower)
    opened_tender.interests.create(provider=follower, following=True, followed_at=timezone.now())

    response = client_for(officer).post(
        f"/api/v1/tenders/{opened_tender.pk}/cancel/",
        {"reason": "Hankinnan rahoitus peruttiin 1.6.2026.", "reason_sv": "Finansieringen drogs in 1.6.2026."},
        format="json",
    )

    assert response.status_code == 200 and response.json()["status"] == TenderStatus.CANCELLED
    decision = InterruptionDecision.objects.get(tender=opened_tender)
    assert (decision.kind, decision.lot, decision.tender_status) == (
        InterruptionKind.CALL_CANCELLED,
        None,
        TenderStatus.OPENED,
    )
    # after the opening the decision concerns the bidders: all three are told, the follower is not
    told = set(Notification.objects.filter(key=decision.key).values_list("provider_id", flat=True))
    assert told == {provider.pk for provider, _member in three_bidders.values()}
    text = render_latest(decision)
    assert "Hankinta keskeytetään kokonaisuudessaan." in text and "Hankinnan rahoitus peruttiin 1.6.2026." in text
    assert "Upphandlingen avbryts i sin helhet." in text and "Finansieringen drogs in 1.6.2026." in text
    assert all(provider.name in text for provider, _member in three_bidders.values())
    # every bidder reads it; the follower, not told, does not
    document = editions(decision).get()
    for _provider, member in three_bidders.values():
        assert client_for(member).get(f"/api/v1/documents/{document.pk}/").status_code == 200
    follower_member = factories.provider_member_of(follower)
    assert client_for(follower_member).get(f"/api/v1/documents/{document.pk}/").status_code == 404


def test_a_call_cancelled_before_the_deadline_tells_its_followers_and_names_no_bidder(
    authority, officer, member_a, provider_a, client_for
):
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    follower = factories.ProviderFactory()
    tender.interests.create(provider=follower, following=True, followed_at=timezone.now())
    submit_bid(member_a, tender)

    client_for(officer).post(f"/api/v1/tenders/{tender.pk}/cancel/", {"reason": "Tarve poistui."}, format="json")

    decision = InterruptionDecision.objects.get(tender=tender)
    told = set(Notification.objects.filter(key=decision.key).values_list("provider_id", flat=True))
    assert told == {follower.pk, provider_a.pk}
    text = render_latest(decision)
    assert "Tarjouksia ei ollut avattu päätöstä tehtäessä" in text and provider_a.name not in text


def test_a_draft_cancelled_needs_no_decision(authority, officer, client_for):
    tender = factories.TenderFactory(authority=authority, created_by=officer)

    response = client_for(officer).post(f"/api/v1/tenders/{tender.pk}/cancel/", {"reason": "Ei tarvita."})

    assert response.status_code == 200 and response.json()["status"] == TenderStatus.CANCELLED
    assert not InterruptionDecision.objects.exists()
    assert not GeneratedDocument.objects.filter(kind=DocumentKind.INTERRUPTION).exists()


def test_the_unsuccessful_call_of_the_demo_now_notifies_its_bidders(
    authority, officer, member_a, member_b, provider_a, provider_b
):
    # as seed_demo's unsuccessful call: bids opened, then no acceptable bids
    tender = submitted_tender(bidders=[(member_a, "9800"), (member_b, "9900")], authority=authority)
    tender_close(actor=officer, tender_id=tender.pk)
    seat_panel(tender, officer)
    open_bids(tender, officer)

    tender_declare_unsuccessful(
        actor=officer, tender_id=tender.pk, reason="Kaikki tarjoukset ylittivät hankintaan varatun määrärahan."
    )

    decision = InterruptionDecision.objects.get(tender=tender)
    assert decision.kind == InterruptionKind.CALL_UNSUCCESSFUL
    notifications = Notification.objects.filter(kind="tender.unsuccessful", tender_id=tender.pk)
    assert {n.provider_id for n in notifications} == {provider_a.pk, provider_b.pk}
    deliver(decision, now=timezone.now())
    sent = [m for m in mail.outbox if m.to in ([provider_a.email], [provider_b.email]) and m.attachments]
    assert sorted(m.to[0] for m in sent if m.attachments[0][0].split("_")[1] == "interruption") == sorted(
        [provider_a.email, provider_b.email]
    )
    text = render_latest(decision)
    assert "Hankinta keskeytetään, koska siinä ei saatu yhtään hyväksyttävää tarjousta." in text
    assert "Kaikki tarjoukset ylittivät hankintaan varatun määrärahan." in text
    assert "procedure_report" in set(GeneratedDocument.objects.filter(tender=tender).values_list("kind", flat=True))


@pytest.fixture
def after_standstill(authority, officer, member_a, member_b):
    """A two-lot call decided and notified 20 days ago: both lots' standstills are over."""
    tender = decided_tender(officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])
    for document in GeneratedDocument.objects.filter(tender=tender, kind__in=["letter", "decision"]):
        document_render(document_id=document.pk)
    for notification in Notification.objects.filter(kind="decision", tender_id=tender.pk):
        notification_deliver(notification_id=notification.pk, now=timezone.now() - timedelta(days=20))
    return tender


def test_nothing_is_interrupted_once_a_contract_is_signed(after_standstill, officer, client_for):
    client = client_for(officer)
    first = LotContract.objects.get(lot__tender=after_standstill, lot__number=1)
    assert client.post(f"/api/v1/contracts/{first.pk}/clear/", {"confirmed": True}, format="json").status_code == 200
    signed = client.post(
        f"/api/v1/contracts/{first.pk}/sign/",
        {"signed_on": timezone.localdate().isoformat(), "signatories": ["Anna Hankkija"]},
        format="json",
    )
    assert signed.status_code == 200

    cancel_tender = client.post(f"/api/v1/tenders/{after_standstill.pk}/cancel/", {"reason": "Rahoitus loppui."})
    cancel_lot = client.post(f"/api/v1/tenders/{after_standstill.pk}/lots/1/cancel/", {"reason": "Rahoitus loppui."})
    unsuccessful_lot = client.post(
        f"/api/v1/tenders/{after_standstill.pk}/lots/1/declare-unsuccessful/", {"reason": "Ei hyväksyttäviä."}
    )

    assert (cancel_tender.status_code, cancel_tender.json()["code"]) == (409, "contract_signed")
    assert (cancel_lot.status_code, cancel_lot.json()["code"]) == (409, "contract_signed")
    assert (unsuccessful_lot.status_code, unsuccessful_lot.json()["code"]) == (409, "contract_signed")
    assert Tender.objects.get(pk=after_standstill.pk).status == TenderStatus.DECIDED
    assert not InterruptionDecision.objects.exists()


def test_a_lot_cancelled_in_its_standstill_withdraws_its_award_and_the_call_follows_its_lots(
    authority, officer, member_a, member_b, provider_a, provider_b, client_for
):
    # given a decided call whose decision was sent: both lots in their standstill, their timers scheduled
    tender = decided_tender(officer=officer, authority=authority, bidders=[(member_a, "9000"), (member_b, "9500")])
    for document in GeneratedDocument.objects.filter(tender=tender, kind__in=["letter", "decision"]):
        document_render(document_id=document.pk)
    for notification in Notification.objects.filter(kind="decision", tender_id=tender.pk):
        notification_deliver(notification_id=notification.pk)
    contract = LotContract.objects.get(lot__tender=tender, lot__number=1)
    assert contract.status == ContractStatus.STANDSTILL
    assert Timer.objects.filter(kind="standstill.end", key=f"lot-contract:{contract.pk}").exists()
    client = client_for(officer)

    # a lot with an award is not "without acceptable bids": it is cancelled instead
    refused = client.post(f"/api/v1/tenders/{tender.pk}/lots/1/declare-unsuccessful/", {"reason": "x"})
    assert (refused.status_code, refused.json()["code"]) == (409, "lot_decided")

    # when lot 1 is cancelled during its standstill
    response = client.post(f"/api/v1/tenders/{tender.pk}/lots/1/cancel/", {"reason": "Kunta lopetti palvelun."})

    # then its award is withdrawn: no contract, no timer; the call is still decided, lot 2 goes on
    assert response.status_code == 200, response.content
    contract.refresh_from_db()
    assert contract.status == ContractStatus.CANCELLED
    assert not Timer.objects.filter(kind="standstill.end", key=f"lot-contract:{contract.pk}").exists()
    assert response.json()["status"] == TenderStatus.DECIDED
    decision = InterruptionDecision.objects.get(lot__number=1, lot__tender=tender)
    assert decision.award_withdrawn and decision.tender_status == TenderStatus.DECIDED
    assert {n.provider_id for n in Notification.objects.filter(key=decision.key)} == {provider_a.pk, provider_b.pk}
    assert "peruutetaan hankintapäätös siltä osin kuin se koskee osaa 1" in render_latest(decision)
    assert AuditEvent.objects.filter(action="contract.withdraw", object_id=str(contract.pk)).count() == 1

    # a lot already interrupted is refused
    again = client.post(f"/api/v1/tenders/{tender.pk}/lots/1/cancel/", {"reason": "x"})
    assert (again.status_code, again.json()["code"]) == (409, "lot_interrupted")

    # when lot 2 is cancelled too, nothing of the call goes on: it is cancelled with its lots
    assert client.post(f"/api/v1/tenders/{tender.pk}/lots/2/cancel/", {"reason": "Sama syy."}).status_code == 200
    tender.refresh_from_db()
    assert tender.status == TenderStatus.CANCELLED
    assert tender.cancel_reason == "1: Kunta lopetti palvelun.; 2: Sama syy."
    assert set(LotContract.objects.filter(lot__tender=tender).values_list("status", flat=True)) == {"cancelled"}


def test_a_lot_is_found_unsuccessful_only_after_the_opening_or_when_no_bid_came(
    authority, officer, member_a, client_for
):
    client = client_for(officer)
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    url = f"/api/v1/tenders/{tender.pk}/lots/1/declare-unsuccessful/"
    # before the deadline: cancel it instead
    assert client.post(url, {"reason": "x"}).json()["code"] == "deadline_not_passed"
    # after the deadline, with a sealed bid: the bids say which lots they offer only when opened
    submit_bid(member_a, tender)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    tender_close(actor=officer, tender_id=tender.pk)
    assert client.post(url, {"reason": "x"}).json()["code"] == "bids_not_opened"
    # a reason is required
    seat_panel(tender, officer)
    open_bids(tender, officer)
    blank = client.post(url, {"reason": " "})
    assert blank.status_code == 400
    # only the authority's officers act on its published call: another authority's officer and its auditor may not
    stranger = factories.officer_of(factories.AuthorityFactory())
    assert client_for(stranger).post(url, {"reason": "x"}).status_code == 403
    assert client_for(factories.auditor(authority)).post(url, {"reason": "x"}).status_code == 403


def test_a_call_without_bids_finds_its_lot_unsuccessful_before_any_opening(authority, officer, client_for):
    tender = factories.TenderFactory(authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=timezone.now() - timedelta(seconds=1))
    tender_close(actor=officer, tender_id=tender.pk)

    response = client_for(officer).post(
        f"/api/v1/tenders/{tender.pk}/lots/2/declare-unsuccessful/", {"reason": "Osaan ei tullut tarjouksia."}
    )

    assert response.status_code == 200, response.content
    decision = InterruptionDecision.objects.get(tender=tender)
    assert decision.kind == InterruptionKind.LOT_UNSUCCESSFUL and decision.lot.number == 2


def test_the_portal_finds_a_lot_unsuccessful_and_shows_a_refusal_on_the_call_page(opened_tender, officer):
    from django.test import Client

    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(officer)
    page = browser.get(f"/calls/ours/{opened_tender.pk}/")
    assert f"/calls/ours/{opened_tender.pk}/lots/1/declare-unsuccessful/" in page.content.decode()
    assert f"/calls/ours/{opened_tender.pk}/do/declare_unsuccessful/" in page.content.decode()

    # a bilingual authority's decision needs the reason in Swedish too: refused, nothing decided
    refused = browser.post(
        f"/calls/ours/{opened_tender.pk}/lots/1/declare-unsuccessful/",
        {"lot1-declare-unsuccessful-reason": "Ei hyväksyttäviä tarjouksia.", "lot1-declare-unsuccessful-reason_sv": ""},
    )
    assert refused.status_code == 400
    assert not InterruptionDecision.objects.filter(tender=opened_tender).exists()
    done = browser.post(
        f"/calls/ours/{opened_tender.pk}/lots/1/declare-unsuccessful/",
        {
            "lot1-declare-unsuccessful-reason": "Ei hyväksyttäviä tarjouksia.",
            "lot1-declare-unsuccessful-reason_sv": "Inga godtagbara anbud.",
        },
    )
    assert done.status_code == 302
    lot = opened_tender.lots.get(number=1)
    assert (lot.status_reason, lot.status_reason_sv) == ("Ei hyväksyttäviä tarjouksia.", "Inga godtagbara anbud.")
    assert InterruptionDecision.objects.get(tender=opened_tender).lot.number == 1

    # the lot is interrupted already: its forms are gone, and a form sent again is refused on the page (409)
    again = browser.post(
        f"/calls/ours/{opened_tender.pk}/lots/1/cancel/",
        {"lot1-cancel-reason": "Uudelleen.", "lot1-cancel-reason_sv": ""},
    )
    assert again.status_code == 409 and "already been interrupted" in again.content.decode()
    # the authority's auditor may not
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(factories.auditor(opened_tender.authority))
    assert other.post(f"/calls/ours/{opened_tender.pk}/lots/2/cancel/", {"lot2-cancel-reason": "x"}).status_code == 403


def test_the_demo_notifies_its_unsuccessful_call_and_shows_an_interrupted_lot(db, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo")

    # the unsuccessful call, whose bids were opened, notified nobody before: now every bidder gets the decision
    unsuccessful = Tender.objects.get(status=TenderStatus.UNSUCCESSFUL)
    decision = InterruptionDecision.objects.get(tender=unsuccessful)
    bidders = set(unsuccessful.bids.filter(status="submitted").values_list("provider_id", flat=True))
    told = Notification.objects.filter(kind="tender.unsuccessful", key=decision.key)
    assert bidders and set(told.values_list("provider_id", flat=True)) == bidders
    assert all(n.documents == [editions(decision).get().pk] for n in told)
    # the opened call has lot 2 found unsuccessful by its own decision, lot 1 goes on
    opened = Tender.objects.get(status=TenderStatus.OPENED)
    lot_decision = InterruptionDecision.objects.get(tender=opened)
    assert (lot_decision.kind, lot_decision.lot.number) == (InterruptionKind.LOT_UNSUCCESSFUL, 2)
    assert list(opened.lots.order_by("number").values_list("status", flat=True)) == ["open", "unsuccessful"]
    assert "Kaikki osan 2 tarjoukset ylittivät osalle varatun määrärahan" in render_latest(lot_decision)


def test_the_procedure_report_gives_each_interruption_with_its_reason(opened_tender, officer, client_for):
    client = client_for(officer)
    client.post(
        f"/api/v1/tenders/{opened_tender.pk}/lots/1/declare-unsuccessful/",
        {"reason": "OSA1-SYY: ei hyväksyttäviä.", "reason_sv": "DEL1-SKÄL: inga godtagbara."},
    )
    client.post(
        f"/api/v1/tenders/{opened_tender.pk}/cancel/",
        {"reason": "KESKEYTYS-SYY: rahoitus loppui.", "reason_sv": "AVBROTT-SKÄL: finansieringen tog slut."},
    )

    report = GeneratedDocument.objects.filter(tender=opened_tender, kind=DocumentKind.PROCEDURE_REPORT).last()
    text = pdftotext(document_render(document_id=report.pk))
    finnish, swedish = text.split("Grunderna för avbrytandet")
    assert "Osa keskeytetty: ei hyväksyttäviä tarjouksia (osa 1)" in finnish and "OSA1-SYY" in finnish
    assert "Hankinta keskeytetty." in finnish and "KESKEYTYS-SYY: rahoitus loppui." in finnish
    assert "Delområdet avbrutet: inga godtagbara anbud (delområde 1)" in swedish and "DEL1-SKÄL" in swedish
    assert "AVBROTT-SKÄL: finansieringen tog slut." in swedish


def test_a_small_procurement_interrupted_gets_the_below_threshold_instructions(authority, officer, client_for):
    # 100 000 € is below the national threshold of 400 000 €: no procurement-law remedy, the authority's own rules
    tender = factories.TenderFactory(
        authority=authority, status=TenderStatus.PUBLISHED, published_at=timezone.now(), estimated_value=100000
    )

    client_for(officer).post(f"/api/v1/tenders/{tender.pk}/lots/1/cancel/", {"reason": "Ryhmää ei saada kokoon."})

    decision = InterruptionDecision.objects.get(tender=tender)
    assert decision.regime == "small"
    text = render_latest(decision)
    assert "PÄÄTÖS HANKINNAN KESKEYTTÄMISESTÄ OSAN 1 OSALTA" in text and "Ryhmää ei saada kokoon." in text
    assert "alittaa hankintalain kansallisen kynnysarvon" in text and "Valitusosoitus" not in text
    assert "125 §" not in text  # the Procurement Act's section on interruption does not apply


def test_an_interruption_decision_states_each_offers_rejection_in_the_sections_language(
    opened_tender, officer, three_bidders, client_for
):
    from evaluation.qualification import qualification_record

    # given bidder A excluded (its reason in Finnish and Swedish) and B's lot 1 offer found not conforming
    bid_a = opened_tender.bids.get(provider=three_bidders["a"][0])
    qualification_record(
        actor=officer,
        tender_id=opened_tender.pk,
        checks=[
            {
                "bid": bid_a.pk,
                "subject": "exclusion",
                "passed": False,
                "ground": opened_tender.exclusion_grounds[0],
                "reason": "POISSULKU-FI: lainvoimainen verovelka.",
                "reason_sv": "UTESLUTNING-SV: skatteskuld enligt lagakraftvunnet beslut.",
            }
        ],
    )
    from bids.models import LotOffer
    from evaluation.clarifications import offer_reject_nonconforming

    offer_b = LotOffer.objects.get(bid__tender=opened_tender, bid__provider=three_bidders["b"][0], lot__number=1)
    offer_reject_nonconforming(
        actor=officer,
        tender_id=opened_tender.pk,
        lot_offer_id=offer_b.pk,
        reason="EPÄMUKAINEN-FI: ryhmäkoko 30.",
        reason_sv="AVVIKANDE-SV: gruppstorlek 30.",
    )

    # when lot 1 is found unsuccessful
    response = client_for(officer).post(
        f"/api/v1/tenders/{opened_tender.pk}/lots/1/declare-unsuccessful/",
        {"reason": "Ei hyväksyttäviä tarjouksia.", "reason_sv": "Inga godtagbara anbud."},
        format="json",
    )
    assert response.status_code == 200, response.content

    # then each offer's ground is stated in each section's own language
    text = render_latest(InterruptionDecision.objects.get(tender=opened_tender))
    finnish, swedish = text.split("BESLUT OM AVBRYTANDE AV UPPHANDLINGEN FÖR DELOMRÅDE 1")
    assert "POISSULKU-FI" in finnish and "EPÄMUKAINEN-FI" in finnish
    assert "UTESLUTNING-SV" in swedish and "AVVIKANDE-SV" in swedish
    assert "POISSULKU-FI" not in swedish and "EPÄMUKAINEN-FI" not in swedish
