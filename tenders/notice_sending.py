"""Sending a call's notices to Hilma and following them until published or rejected.

An officer sends a valid notice (`notice_send`): it is queued, and the task `notices.send`, started through the
outbox, sends it (`notice_send_attempt`). The task holds the notice's row lock while it talks to Hilma, and each
request is recorded as a NoticeSending, so that a notice goes to Hilma once, whatever fails: a task that runs twice
finds it sent; an answer lost on the way back is settled by asking Hilma for the notice (or by Hilma's 409 for an ETS
identifier it has). A refusal (400) rejects the notice with Hilma's reasons; 429, 5xx and outages are tried again
later (Retry-After honoured). The beat task `notices.follow` (`notices_follow_due`) tries again what is due and asks
Hilma for the state of the notices sent (`notice_status_refresh`): published (number, date) or rejected by TED,
which makes the officer correct the notice, and the correction a new version with a new ETS identifier."""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.access import AnyUser, officers_of, roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, NotFound
from procurement.fsm import transition_permission_check, transition_run
from procurement.notifications import notify
from procurement.outbox import outbox_enqueue

from .hilma import (
    Exchange,
    HilmaClient,
    HilmaConflict,
    HilmaError,
    HilmaNotFound,
    HilmaUnavailable,
    HilmaValidationError,
    NoticeStatus,
    Reason,
    hilma_client,
    hilma_config,
    status_from,
)
from .models import Notice, NoticeKind, NoticeSending, NoticeState, Tender
from .notices import ensure_reads_authority, hilma_statistics_payload, notice_prepare
from .selectors import tender_get

# What an unsent notice says when there is no Hilma to send it to (`make run`, tests): it stays valid.
NOT_CONFIGURED = "not sent: Hilma is not configured"
# Seconds before trying again after the n-th failed attempt (429, 5xx, no connection); Retry-After may ask for more.
BACKOFF_SECONDS = (30, 60, 120, 300, 900, 1800, 3600)


def poll_interval() -> timedelta:
    """How long after an answer Hilma is asked again for a sent notice's state (Hilma asks TED every 30 minutes)."""
    return timedelta(minutes=float(getattr(settings, "HILMA_POLL_MINUTES", 10)))


def ets_identifier_for(notice: Notice) -> str:
    """Our ETS identifier of the notice's version: the notice's identifier (BT-701) and its version (BT-757), so
    that each version is a notice of its own in Hilma."""
    return f"{notice.notice_uuid}-{notice.version:02d}"


# --- reading ------------------------------------------------------------------------------------------------------


def _readable_tender(*, user: AnyUser, tender_id: int) -> Tender:
    """The call, for the users who read the authority's side of it; anyone else (a provider) gets 404."""
    tender: Tender = tender_get(user=user, tender_id=tender_id)
    ensure_reads_authority(user, tender)
    return tender


def notices_for(*, user: AnyUser, tender_id: int) -> QuerySet[Notice]:
    """The call's notices, newest kind last, for its officers, evaluators, decision-makers and auditors."""
    tender = _readable_tender(user=user, tender_id=tender_id)
    notices = Notice.objects.filter(tender=tender).select_related("tender").order_by("created_at", "id")
    return cast("QuerySet[Notice]", notices)


def notice_for(*, user: AnyUser, tender_id: int, notice_id: int) -> Notice:
    try:
        return notices_for(user=user, tender_id=tender_id).get(pk=notice_id)
    except (Notice.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def notice_xml_read(*, user: AnyUser, tender_id: int, notice_id: int) -> Notice:
    """The notice's XML for download (public once sent; its reading is audited all the same)."""
    notice = notice_for(user=user, tender_id=tender_id, notice_id=notice_id)
    audit_record(action="notice.xml_read", actor=user, obj=notice, detail={"sha256": notice.sha256})
    return notice


def notice_send_check(*, actor: AnyUser, tender_id: int, notice_id: int) -> Notice:
    """Who may send the notice: its call's officers (404 for whoever does not read the call's notices, 403 for the
    others), whatever its state."""
    notice = notice_for(user=actor, tender_id=tender_id, notice_id=notice_id)
    transition_permission_check(obj=notice, action="queue", actor=actor)
    return notice


# --- the officer's action ------------------------------------------------------------------------------------------


def notice_send(*, actor: AnyUser, notice_id: int, tender_id: int | None = None) -> Notice:
    """Queue a valid notice for Hilma (409 in any other state); its sending runs after the commit. Without Hilma
    configured it stays valid, marked unsent."""
    with transaction.atomic():
        found = Notice.objects.filter(pk=notice_id).values_list("tender_id", flat=True).first()
        if found is None or (tender_id is not None and found != int(tender_id)):
            raise NotFound()
        notice_send_check(actor=actor, tender_id=found, notice_id=notice_id)
        # The notice's row only (`of`): the call's row is held FOR SHARE by each bid's submission.
        notice: Notice = Notice.objects.select_for_update(of=("self",)).select_related("tender").get(pk=notice_id)
        ets = ets_identifier_for(notice)
        if notice.state == NoticeState.VALID and _accepted_before(ets):
            raise Conflict(
                _(
                    "This version of the notice has already been sent to Hilma. "
                    "A corrected notice goes as a new version."
                ),
                code="notice_version_sent",
            )
        if hilma_config() is None and notice.state == NoticeState.VALID:
            notice.last_error = NOT_CONFIGURED
            notice.save(update_fields=["last_error", "updated_at"])
            audit_record(
                action="notice.send", actor=actor, obj=notice, detail={"sent": False, "reason": "hilma_not_configured"}
            )
            return notice
        notice.ets_identifier = ets
        notice.attempts = 0
        notice.next_poll_at = timezone.now()
        transition_run(
            obj=notice,
            action="queue",
            actor=actor,
            field="state",
            audit_action="notice.queue",
            detail={"ets_identifier": ets, "version": notice.version},
        )
        outbox_enqueue("notices.send", notice.pk)
        return notice


def _accepted_before(ets: str) -> bool:
    return NoticeSending.objects.filter(ets_identifier=ets, http_status__in=(200, 201)).exists()


def notice_hilma_check(*, actor: AnyUser, notice_id: int, tender_id: int | None = None) -> list[dict[str, str]]:
    """Have Hilma check the notice as it would on sending (its own rules and TED's), keeping nothing there: its
    reasons, none when Hilma would take it. An officer's question; it changes nothing here but the audit log.
    Without Hilma configured, a Conflict."""
    found = Notice.objects.filter(pk=notice_id).values_list("tender_id", flat=True).first()
    if found is None or (tender_id is not None and found != int(tender_id)):
        raise NotFound()
    notice = notice_send_check(actor=actor, tender_id=found, notice_id=notice_id)
    client = hilma_client()
    if client is None:
        raise Conflict(_("Hilma is not configured."), code="hilma_not_configured")
    with client:
        try:
            client.notice_validate(xml=notice.xml, statistics=hilma_statistics_payload(notice) or None)
            reasons: list[Reason] = []
        except HilmaValidationError as error:
            reasons = error.reasons or [Reason("hilma", str(error))]
        except HilmaError as error:
            raise Conflict(
                _("Hilma could not check the notice just now. Try again later."), code="hilma_unavailable"
            ) from error
    found_reasons = [r.as_dict() for r in reasons]
    audit_record(action="notice.hilma_check", actor=actor, obj=notice, detail={"reasons": found_reasons[:50]})
    return found_reasons


# --- the task's work -----------------------------------------------------------------------------------------------


def _backoff(attempts: int, retry_after: float | None) -> timedelta:
    seconds = BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1]
    return timedelta(seconds=max(seconds, retry_after or 0))


def _record(notice: Notice, *, endpoint: str, status: int | None, response: Any, error: str = "") -> NoticeSending:
    return NoticeSending.objects.create(
        notice=notice,
        version=notice.version,
        ets_identifier=notice.ets_identifier,
        endpoint=endpoint,
        xml=notice.xml,
        sha256=notice.sha256,
        http_status=status,
        response=response if isinstance(response, dict) else {"body": response},
        error=error[:4000],
    )


def _answer_maybe_lost(notice: Notice) -> bool:
    """An earlier request of this version may have reached Hilma without its answer reaching us."""
    return any(
        s.response.get("maybe_received")
        for s in notice.sendings.filter(ets_identifier=notice.ets_identifier, http_status__isnull=True)
    )


def _run_locked(
    client: HilmaClient,
    notice_id: int,
    now: datetime,
    states: tuple[str, ...],
    work: Callable[[HilmaClient, Notice, datetime], str],
) -> str:
    """`work` on the notice under its row lock, if it is in one of `states`; else "busy" (another worker holds it)
    or "nothing". The call's row is not locked: a bid's submission holds it FOR SHARE, and nothing here may make
    one wait for Hilma."""
    with transaction.atomic():
        # The notice's row only: its default ordering joins the call, which FOR UPDATE would lock too.
        locked = Notice.objects.select_for_update(skip_locked=True, of=("self",)).filter(pk=notice_id)
        notice = locked.order_by("pk").first()
        if notice is None:
            return "busy" if Notice.objects.filter(pk=notice_id).exists() else "nothing"
        if notice.state not in states:
            return "nothing"
        return work(client, notice, now)


def notice_send_attempt(*, notice_id: int, now: datetime | None = None) -> str:
    """Send a queued notice to Hilma once it is due: "sent", "rejected", "retry" (after `next_poll_at`),
    "not_due", "busy" (another worker has it), "not_configured" or "nothing" (not queued)."""
    client = hilma_client()
    if client is None:
        return "not_configured"
    now = now or timezone.now()
    with client:
        row = Notice.objects.filter(pk=notice_id).values_list("tender_id", "state").first()
        if row is None or row[1] != NoticeState.QUEUED:
            return "nothing"
        try:
            _procedure_ensure(client, tender_id=row[0])
            failure = None
        except HilmaError as error:
            failure = error  # recorded on the notice, under its lock
        return _run_locked(client, notice_id, now, (NoticeState.QUEUED,), partial(_attempt, failure=failure))


# Any constant: with the call's id, the transaction-level advisory lock under which a call's procedure is created.
PROCEDURE_LOCK = 0x48494C4D


def _procedure_ensure(client: HilmaClient, *, tender_id: int) -> None:
    """Create the call's procedure in Hilma once, before its first notice. Two notices of a call sent at once wait
    for each other here (an advisory lock, not the call's row); the call's row is written only at the end."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [PROCEDURE_LOCK, tender_id % 2**31])
        tender = Tender.objects.select_related("authority").get(pk=tender_id)
        if tender.hilma_procedure_id:
            return
        procedure_id, _exchange = client.procedure_create(
            identifier=str(tender.procedure_uuid), title=tender.title, buyer_id=tender.authority.business_id
        )
        Tender.objects.filter(pk=tender_id).update(hilma_procedure_id=procedure_id)
        audit_record(action="tender.hilma_procedure", obj=tender, detail={"hilma_procedure_id": procedure_id})


def _attempt(client: HilmaClient, notice: Notice, now: datetime, *, failure: HilmaError | None) -> str:
    tender = notice.tender
    if notice.next_poll_at is not None and notice.next_poll_at > now:
        return "not_due"
    notice.attempts += 1
    try:
        if failure is not None:
            raise failure  # the procedure could not be created
        return _send(client, tender, notice, now)
    except HilmaValidationError as error:
        _record(notice, endpoint=_endpoint(tender, notice), status=error.status, response=error.body)
        _reject(notice, error.reasons or [Reason("hilma", str(error))], source="hilma", now=now)
        return "rejected"
    except HilmaError as error:
        maybe_received = isinstance(error, HilmaUnavailable) and error.maybe_received
        _record(
            notice,
            endpoint=_endpoint(tender, notice),
            status=error.status,
            response={"body": error.body, "maybe_received": maybe_received},
            error=str(error),
        )
        notice.last_error = str(error)[:2000]
        notice.next_poll_at = now + _backoff(notice.attempts, error.retry_after)
        notice.save(update_fields=["attempts", "last_error", "next_poll_at", "updated_at"])
        audit_record(
            action="notice.send",
            obj=notice,
            detail={
                "ets_identifier": notice.ets_identifier,
                "outcome": "retry",
                "http_status": error.status,
                "error": str(error)[:500],
                "next_attempt_at": notice.next_poll_at.isoformat(),
            },
        )
        return "retry"


def _endpoint(tender: Tender, notice: Notice) -> str:
    return f"/procedure/{tender.hilma_procedure_id or '?'}/notice/{notice.ets_identifier}"


def _send(client: HilmaClient, tender: Tender, notice: Notice, now: datetime) -> str:
    procedure_id = tender.hilma_procedure_id
    endpoint = _endpoint(tender, notice)
    if _answer_maybe_lost(notice):
        try:
            status, exchange = client.notice_status(procedure_id=procedure_id, ets_identifier=notice.ets_identifier)
        except HilmaNotFound:
            pass  # it never arrived: send it
        else:
            return _accepted(notice, exchange, status, endpoint=endpoint, now=now, how="found")
    try:
        exchange = client.notice_create(
            procedure_id=procedure_id,
            ets_identifier=notice.ets_identifier,
            xml=notice.xml,
            statistics=hilma_statistics_payload(notice) or None,
        )
    except HilmaConflict as conflict:
        # Hilma has this ETS identifier: our earlier request arrived. What it holds is the notice's state.
        try:
            status, exchange = client.notice_status(procedure_id=procedure_id, ets_identifier=notice.ets_identifier)
        except HilmaNotFound:
            raise HilmaValidationError(
                str(conflict), status=409, body=conflict.body, reasons=[Reason("hilma", str(conflict))]
            ) from conflict
        return _accepted(notice, exchange, status, endpoint=endpoint, now=now, how="conflict")
    body = exchange.body if isinstance(exchange.body, dict) else {}
    return _accepted(
        notice, exchange, None if not body else _status_of(body), endpoint=endpoint, now=now, how="created"
    )


def _status_of(body: dict[str, Any]) -> NoticeStatus | None:
    status = status_from(body)
    return status if status.hilma_state or status.ted_state else None


def _accepted(
    notice: Notice, exchange: Exchange, status: NoticeStatus | None, *, endpoint: str, now: datetime, how: str
) -> str:
    _record(notice, endpoint=endpoint, status=exchange.status, response=exchange.body)
    notice.last_error = ""
    notice.next_poll_at = now + poll_interval()
    transition_run(
        obj=notice,
        action="accept",
        actor=None,
        field="state",
        audit_action="notice.send",
        detail={"ets_identifier": notice.ets_identifier, "outcome": "sent", "how": how, "attempts": notice.attempts},
    )
    if status is not None:
        _apply_status(notice, status, now)
    return "sent"


def notice_status_refresh(*, notice_id: int, now: datetime | None = None) -> str:
    """Ask Hilma for a sent notice's state and record what changed: "published", "rejected", "waiting", "retry",
    "busy", "not_configured" or "nothing"."""
    client = hilma_client()
    if client is None:
        return "not_configured"
    with client:
        return _run_locked(
            client, notice_id, now or timezone.now(), (NoticeState.SENT, NoticeState.PUBLISHED), _refresh
        )


def _refresh(client: HilmaClient, notice: Notice, now: datetime) -> str:
    procedure_id = notice.tender.hilma_procedure_id
    if not procedure_id:
        return "nothing"
    try:
        status, _exchange = client.notice_status(procedure_id=procedure_id, ets_identifier=notice.ets_identifier)
    except HilmaError as error:
        notice.last_error = str(error)[:2000]
        notice.next_poll_at = now + max(poll_interval(), _backoff(1, error.retry_after))
        notice.save(update_fields=["last_error", "next_poll_at", "updated_at"])
        return "retry"
    return _apply_status(notice, status, now)


def _apply_status(notice: Notice, status: NoticeStatus, now: datetime) -> str:
    before = {"hilma_state": notice.hilma_state, "ted_state": notice.ted_state}
    notice.hilma_state, notice.ted_state = status.hilma_state, status.ted_state
    notice.last_error = ""
    after = {"hilma_state": notice.hilma_state, "ted_state": notice.ted_state}
    if status.rejected and notice.state in (NoticeState.SENT, NoticeState.PUBLISHED):
        reasons = status.reasons or [Reason("ted", f"TED: {status.ted_state or status.hilma_state}")]
        _reject(notice, reasons, source="ted", now=now)
        return "rejected"
    if status.published and notice.state == NoticeState.SENT:
        notice.hilma_number = status.hilma_number or notice.hilma_number
        notice.ted_number = status.ted_number or notice.ted_number
        notice.published_on = status.published_on or now
        notice.next_poll_at = now + poll_interval() if status.ted_pending else None
        transition_run(
            obj=notice,
            action="publish",
            actor=None,
            field="state",
            audit_action="notice.published",
            detail={**after, "hilma_number": notice.hilma_number, "ted_number": notice.ted_number},
        )
        _tell_officers(notice, "notice.published", {"number": notice.hilma_number, "date": notice.published_on})
        if notice.kind != NoticeKind.AWARD and notice.tender.version > notice.tender_version:
            # corrected while this notice was with Hilma: the change notice of the corrigendum follows
            outbox_enqueue("notices.change_follow", notice.pk)
        return "published"
    if notice.state == NoticeState.PUBLISHED:
        notice.ted_number = status.ted_number or notice.ted_number
        notice.next_poll_at = now + poll_interval() if status.ted_pending else None
    else:
        notice.next_poll_at = now + poll_interval()
    notice.save(update_fields=["hilma_state", "ted_state", "ted_number", "last_error", "next_poll_at", "updated_at"])
    if before != after:
        audit_record(action="notice.state", obj=notice, before=before, after=after)
    return "waiting"


def _reject(notice: Notice, reasons: list[Reason], *, source: str, now: datetime) -> None:
    notice.rejection = [r.as_dict() for r in reasons]
    notice.next_poll_at = None
    notice.last_error = ""
    transition_run(
        obj=notice,
        action="reject",
        actor=None,
        field="state",
        audit_action="notice.rejected",
        detail={"source": source, "reasons": notice.rejection[:50], "ets_identifier": notice.ets_identifier},
    )
    text = "; ".join(r.message[:300] for r in reasons[:5])
    _tell_officers(notice, "notice.rejected", {"reasons": text, "source": "TED" if source == "ted" else "Hilma"})


def _tell_officers(notice: Notice, kind: str, payload: dict[str, Any]) -> None:
    values = {key: (value.isoformat() if isinstance(value, datetime) else value) for key, value in payload.items()}
    notify(
        kind=kind,
        key=f"{notice.key}:{notice.ets_identifier}:{kind}",
        tender_id=notice.tender_id,
        users=officers_of(notice.tender.authority_id),
        payload={"notice": notice.subtype, "version": notice.version, **values},
    )


def notices_follow_due(*, now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """The beat's scan: send again the queued notices that are due, and ask Hilma about the sent ones due a look."""
    now = now or timezone.now()
    due = (
        Notice.objects.filter(
            state__in=(NoticeState.QUEUED, NoticeState.SENT, NoticeState.PUBLISHED), next_poll_at__lte=now
        )
        .order_by("next_poll_at")
        .values_list("pk", "state")[:limit]
    )
    outcomes: dict[str, int] = {}
    for notice_id, state in list(due):
        if state == NoticeState.QUEUED:
            outcome = notice_send_attempt(notice_id=notice_id, now=now)
        else:
            outcome = notice_status_refresh(notice_id=notice_id, now=now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def notice_change_after_publication(*, notice_id: int) -> str:
    """A notice Hilma published after the call was corrected: the change notice of the corrigendum is made and
    checked by the officer who made the published notice, and sent when it passes (kept with its findings for the
    officers otherwise, on the call's notices page). Idempotent: a change notice already made is made anew in place,
    one already with Hilma is left as it is."""
    notice = Notice.objects.select_related("tender", "created_by").filter(pk=notice_id).first()
    if notice is None or notice.created_by is None:
        return "no_officer"
    actor, tender = notice.created_by, notice.tender
    if not roles_of(actor).is_officer(tender.authority_id):
        return "no_officer"
    try:
        with transaction.atomic():
            change = notice_prepare(actor=actor, tender_id=tender.pk)
            if change.state == NoticeState.VALID:
                notice_send(actor=actor, notice_id=change.pk, tender_id=tender.pk)
    except Conflict as exc:  # already with Hilma, or nothing changed since
        return str(exc.code)
    return str(change.state)
