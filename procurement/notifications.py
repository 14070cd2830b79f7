"""Notifications: stored with the change that causes them, shown in the inbox, e-mailed once in the recipient's
language, with the documents attached and, for deadlines, a calendar entry.

A notification is unique per (kind, key, recipient): a repeated scan or a retried task finds the existing row.
The row is its own outbox: it is written in the transaction of the change, and its delivery is handed to Celery
after the commit (and again by the relay if the broker was down)."""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from . import asks
from .audit import audit_record
from .models import DeliveryStatus, Notification, ProviderOrganisation, User
from .outbox import outbox_enqueue
from .periods import HELSINKI

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

RETRY_MINUTES = (1, 5, 15, 60, 180, 360, 720)
DOCUMENT_WAIT_SECONDS = 20


@dataclass(frozen=True)
class Kind:
    """A kind of notification, registered by the app that sends it (its `notifications` module, when it is ready)."""

    # The texts are translated when the notification is sent (lazy, gettext_lazy).
    subject: "StrOrPromise"
    body: "StrOrPromise"
    # Its short name, for the inbox (the subject line says the rest).
    label: "StrOrPromise"
    # Deadline notifications carry an iCalendar entry for this payload field.
    calendar: str = ""
    calendar_summary: "StrOrPromise" = ""
    # A task that waits for a user (evaluation.worklist): e-mailed only to users who chose it (`User.task_email`);
    # the others find it in the inbox, with the task list.
    task: bool = False
    # What an alert sends of a new call: before any bid exists, to the providers whose alerts match it.
    open: bool = False
    # Groups other apps ask for by name (`kinds_tagged`), e.g. "interruption".
    tags: frozenset[str] = frozenset()
    # What its sending sets going (e.g. the periods of a decision), called with the sent notification.
    after_sent: Callable[[Notification], None] | None = None
    # What sending it again sets going, called with `notification` and `actor` before it goes.
    on_resend: Callable[..., None] | None = None


# Notifications about a provider's own bid (its receipt, its bid sent back by a corrigendum): the authority does
# not see them before the opening, since they say who bid (nor the others sent only to bidders, notifications_sealed).
SEALED_KIND_PREFIX = "bid."

# The one registry of notification kinds, for sending them and for naming them (procurement.labels).
KINDS: dict[str, Kind] = {}


def register_kind(code: str, kind: Kind) -> None:
    KINDS[code] = kind


def register_kinds(kinds: dict[str, Kind]) -> None:
    """Registers an app's kinds (its `notifications.KINDS`) when the app is ready."""
    for code, kind in kinds.items():
        register_kind(code, kind)


def kinds_tagged(tag: str) -> frozenset[str]:
    return frozenset(code for code, kind in KINDS.items() if tag in kind.tags)


def notify(
    *,
    kind: str,
    key: str,
    tender_id: int | None,
    payload: dict | None = None,
    providers: Iterable = (),
    users: Iterable = (),
    cc: Iterable[str] = (),
    documents: Iterable[int] = (),
    languages: dict | None = None,
    count: bool = True,
) -> int:
    """Record one notification per recipient for this event and send them after the commit; a repeat adds nothing.

    `providers` and `users` are objects or ids. `languages` may fix the language per provider id. Returns how many
    were new (with count=False, how many were offered: a hot path spares the two counting queries)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown notification kind {kind!r}")
    payload = payload or {}
    documents = sorted(set(documents))
    provider_ids = sorted({getattr(p, "pk", p) for p in providers})
    user_ids = sorted({getattr(u, "pk", u) for u in users})
    # One moment for the whole event, and the providers who follow the call first: a recipient the authority may not
    # see before the opening (there for its bid or draft) leaves no gap in the ids, or in the times, of those it sees.
    now = timezone.now()
    following = _following(kind, tender_id, provider_ids)
    rows = []
    recipients = ProviderOrganisation.objects.filter(pk__in=provider_ids)
    for provider in sorted(recipients, key=lambda p: (p.pk not in following, p.pk)):
        language = (languages or {}).get(provider.pk) or provider.preferred_language
        to = [provider.email, *cc]
        rows.append(_row(kind, key, tender_id, payload, documents, language, to, now, provider=provider))
    for user in User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"):
        to = [] if KINDS[kind].task and not user.task_email else [user.email]
        rows.append(_row(kind, key, tender_id, payload, documents, user.preferred_language, to, now, user=user))
    if not rows:
        return 0
    existing = Notification.objects.filter(kind=kind, key=key).count() if count else 0
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    outbox_enqueue("notifications.deliver_event", kind, key)
    return Notification.objects.filter(kind=kind, key=key).count() - existing if count else len(rows)


def _following(kind: str, tender_id: int | None, provider_ids: list[int]) -> set[int]:
    """Of these providers, those who openly follow the call (all of them for what an alert sends)."""
    if KINDS[kind].open:
        return set(provider_ids)
    if kind.startswith(SEALED_KIND_PREFIX) or tender_id is None or len(provider_ids) < 2:
        return set()  # a bid's own notification, or nothing to order
    return asks.tender_followers(tender_id, provider_ids)


def _row(kind, key, tender_id, payload, documents, language, to, now, *, provider=None, user=None) -> Notification:
    addresses = sorted({address for address in to if address})
    return Notification(
        kind=kind,
        key=key,
        provider=provider,
        user=user,
        tender_id=tender_id,
        payload=payload,
        documents=documents,
        language=language,
        email_to=addresses,
        status=DeliveryStatus.PENDING if addresses else DeliveryStatus.INBOX_ONLY,
        created_at=now,
        next_attempt_at=now,
    )


def notify_providers(*, kind: str, key: str, provider_ids: Iterable[int], tender_id: int | None, payload: dict) -> int:
    return notify(kind=kind, key=key, tender_id=tender_id, payload=payload, providers=provider_ids)


def deliver_event(*, kind: str, key: str) -> int:
    # In the order they were written (followers first): the send times of those the authority sees leave no gap
    # for a recipient it does not see.
    ids = list(
        Notification.objects.filter(kind=kind, key=key, status=DeliveryStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in ids if notification_deliver(notification_id=pk) == "sent")


def notifications_relay(*, now=None, limit: int = 100) -> int:
    """Deliver what is waiting and due: retries, e-mails waiting for their documents, anything the broker missed."""
    now = now or timezone.now()
    due = list(
        Notification.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")  # an event's rows in the order they were written, as deliver_event
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if notification_deliver(notification_id=pk, now=now) == "sent")


def notification_deliver(*, notification_id: int, now=None) -> str:
    """Send one notification's e-mail once. Returns what happened: sent, waiting, retry, failed or skipped.

    The row is locked while sending, so two workers cannot both send it; skip_locked lets the other one move on."""
    now = now or timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("provider", "user")
            .filter(pk=notification_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if notification is None:
            return "skipped"
        documents, ready = asks.documents_for_email(notification.documents)
        if not ready:
            # The e-mail waits for its attachments; a rendered document wakes it up, the relay is the safety net.
            notification.next_attempt_at = now + timedelta(seconds=DOCUMENT_WAIT_SECONDS)
            notification.save(update_fields=["next_attempt_at"])
            return "waiting"
        try:
            message = _message(notification, documents)
            message.send()
        except Exception as exc:
            return _delivery_failed(notification, exc, now)
        notification.status = DeliveryStatus.SENT
        notification.sent_at = now
        notification.sends += 1
        notification.attempts += 1
        notification.delivery_result = f"accepted for {', '.join(notification.email_to)}"
        notification.save(update_fields=["status", "sent_at", "sends", "attempts", "delivery_result"])
        audit_record(
            action="notification.sent",
            obj=notification,
            tender_id=notification.tender_id,
            detail={
                "kind": notification.kind,
                "to": notification.email_to,
                "documents": {d.pk: d.sha256 for d in documents},
                "sends": notification.sends,
            },
        )
        _after_sent(notification)
    return "sent"


def _delivery_failed(notification: Notification, exc: Exception, now: datetime) -> str:
    notification.attempts += 1
    notification.delivery_result = f"{type(exc).__name__}: {exc}"[:1000]
    if notification.attempts >= settings.HANKINTA["EMAIL_MAX_ATTEMPTS"]:
        notification.status = DeliveryStatus.FAILED
    else:
        minutes = RETRY_MINUTES[min(notification.attempts - 1, len(RETRY_MINUTES) - 1)]
        notification.next_attempt_at = now + timedelta(minutes=minutes)
    notification.save(update_fields=["attempts", "delivery_result", "status", "next_attempt_at"])
    logger.warning("E-mail of %s not delivered: %s", notification, notification.delivery_result)
    if notification.status == DeliveryStatus.FAILED:
        audit_record(
            action="notification.failed",
            obj=notification,
            tender_id=notification.tender_id,
            detail={"kind": notification.kind, "to": notification.email_to, "error": notification.delivery_result},
        )
        return "failed"
    return "retry"


def _after_sent(notification: Notification) -> None:
    """What the sending itself sets going (the kind's own effect: a decision's notification starts its periods)."""
    after_sent = KINDS[notification.kind].after_sent if notification.kind in KINDS else None
    if after_sent is not None:
        after_sent(notification)


def notifications_wake_for_document(*, document) -> int:
    """A document is ready: the e-mails waiting for it go now rather than at the next relay round."""
    waiting = [
        n.pk
        for n in Notification.objects.filter(tender_id=document.tender_id, status=DeliveryStatus.PENDING).only(
            "pk", "documents"
        )
        if document.pk in n.documents
    ]
    for pk in waiting:
        outbox_enqueue("notifications.deliver", pk)
    return len(waiting)


def notification_resend_check(*, actor, notification_id: int, for_update: bool = False) -> Notification:
    """Who may send a notification again: 404 to whoever may not see it, 403 to the authority's other readers.
    The API asks before it reads the body; `notification_resend` asks again, under its lock."""
    from procurement.access import roles_of
    from procurement.errors import Forbidden, NotFound

    notifications = Notification.objects.filter(pk=notification_id)
    notification = (notifications.select_for_update() if for_update else notifications).first()
    tender_id = getattr(notification, "tender_id", None)
    tender = asks.tenders_in_bulk([tender_id]).get(tender_id) if tender_id else None
    if notification is None or tender is None or not roles_of(actor).reads_authority(tender.authority_id):
        raise NotFound()
    if Notification.objects.filter(notifications_sealed(), pk=notification.pk).exists():
        raise NotFound()  # it says who bid: sealed until the opening, as in the delivery log
    if not roles_of(actor).is_officer(tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers can send a notification again."))
    # Sending it again hands its documents to an address: only to one who may read each of them.
    if notification.documents and not asks.documents_readable(user=actor, ids=set(notification.documents)):
        raise Forbidden(
            _("This notification carries a document you may not read, so you cannot send it again."),
            code="document_not_readable",
        )
    return notification


def _recipient_addresses(notification: Notification) -> set[str]:
    """The addresses a notification may be sent again to: its recipient's own, as registered now (the user's, or the
    provider's address for notifications and its people's), never one the sender makes up."""
    from procurement.models import Membership

    addresses = set()
    if notification.user_id:
        addresses.add(notification.user.email)
    if notification.provider_id:
        addresses.add(notification.provider.email)
        addresses |= set(
            Membership.objects.filter(provider_id=notification.provider_id, user__is_active=True).values_list(
                "user__email", flat=True
            )
        )
    return {address.strip().lower() for address in addresses if address}


def notification_resend(*, actor, notification_id: int, email: str = "") -> Notification:
    """An officer sends a notification again, e.g. to a corrected address (one the recipient has registered since:
    the user's, the provider's or one of its people's). A decision's periods then run anew."""
    from procurement.errors import Conflict, ValidationFailed

    with transaction.atomic():
        notification = notification_resend_check(actor=actor, notification_id=notification_id, for_update=True)
        if notification.status == DeliveryStatus.PENDING:
            raise Conflict(_("The notification is still waiting to be sent."), code="notification_pending")
        before = {"status": notification.status, "email_to": notification.email_to, "sent_at": notification.sent_at}
        if email:
            if email.strip().lower() not in _recipient_addresses(notification):
                raise ValidationFailed(
                    _("A notification is sent again only to an address its recipient has registered."),
                    code="address_not_recipients",
                    errors={"email": [_("Not an address of the recipient.")]},
                )
            notification.email_to = [email]
        if not notification.email_to:
            raise Conflict(_("The recipient has no e-mail address; give one."), code="no_address")
        notification.status = DeliveryStatus.PENDING
        notification.attempts = 0
        notification.next_attempt_at = timezone.now()
        notification.delivery_result = ""
        notification.save(update_fields=["email_to", "status", "attempts", "next_attempt_at", "delivery_result"])
        on_resend = KINDS[notification.kind].on_resend if notification.kind in KINDS else None
        if on_resend is not None:
            on_resend(notification=notification, actor=actor)
        audit_record(
            action="notification.resend",
            actor=actor,
            obj=notification,
            tender_id=notification.tender_id,
            before=before,
            after={"email_to": notification.email_to},
        )
        outbox_enqueue("notifications.deliver", notification.pk)
    return notification


def notifications_sealed() -> Q:
    """The notifications that would tell the authority who has a bid or a draft in a call not yet opened.

    A bid's own (its receipt, its sending back), and every other one to a provider that did not openly follow the
    call when it was written: the corrigenda, answers, cancellations and reminders go to the providers with a bid or
    a draft too, so such a recipient is there for its bid. The providers who follow the call, and those an alert told
    of it, are named: they would have been told whether or not they bid. After the opening, nothing is sealed."""
    followed_before = asks.tender_followed_before()
    open_kinds = [code for code, kind in KINDS.items() if kind.open]
    return Q(tender_id__in=asks.tenders_unopened()) & (
        Q(kind__startswith=SEALED_KIND_PREFIX)
        | (Q(provider__isnull=False) & ~Q(kind__in=open_kinds) & ~Exists(followed_before))
    )


def tender_delivery_log(*, user, tender_id):
    """What the call's notifications did, for the authority's readers: whole after the opening; before it without
    any row that would say who has a bid or a draft (neither shown nor counted: they are simply not there)."""
    from procurement.access import roles_of
    from procurement.errors import NotFound

    tender = asks.tender_readable(user=user, tender_id=tender_id)
    if not roles_of(user).reads_authority(tender.authority_id):
        raise NotFound()
    rows = Notification.objects.filter(tender_id=tender.pk).select_related("provider", "user").order_by("pk")
    if tender.bids_are_sealed:
        rows = rows.exclude(notifications_sealed())
    return rows


def notifications_visible_to(user):
    from procurement.access import roles_of

    roles = roles_of(user)
    return Notification.objects.filter(Q(user=user) | Q(provider_id__in=roles.provider_of))


def notification_mark_read(*, user, notification_id: int) -> Notification:
    """The user has read one of the notifications in their inbox (404 for one they do not see); once is enough."""
    from procurement.errors import NotFound

    notification = notifications_visible_to(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


# ---- The e-mail itself -------------------------------------------------------------------------------------------


def notification_summary(notification: Notification) -> str:
    kind = KINDS.get(notification.kind)
    if kind is None:
        from .labels import notification_kind_label

        return notification_kind_label(notification.kind)  # never the code itself
    return " ".join((str(kind.subject) % _Safe(_context(notification)["values"])).split())


def _context(notification: Notification) -> dict:
    values = {key: _display(value) for key, value in notification.payload.items()}
    # A list of notifications may have attached its calls (`_tender`) to spare a query per row.
    tender = getattr(notification, "_tender", None)
    if tender is None and notification.tender_id:
        tender = asks.tenders_in_bulk([notification.tender_id]).get(notification.tender_id)
    if tender is not None:
        values.setdefault("title", tender.title)
        values.setdefault("reference", tender.reference)
        values.setdefault("authority", tender.authority.name)
        values.setdefault("deadline", _display(tender.submission_deadline))
    values.setdefault("title", "")
    return {"values": values, "tender": tender}


def _display(value):
    """A payload's value as the text shows it: a moment (an ISO date-time) and a day (an ISO date, "2026-12-04") in
    the form the other texts use ("04.12.2026 12:00", "04.12.2026"); a list joined."""
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.astimezone(HELSINKI).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


def _recipient_name(notification: Notification) -> str:
    if notification.provider is not None:
        return notification.provider.name
    user = notification.user
    return user.get_full_name() or user.username


class _Safe(dict):
    def __missing__(self, key):
        return "–"


def _message(notification: Notification, documents) -> EmailMessage:
    kind = KINDS[notification.kind]
    with translation.override(notification.language):
        context = _context(notification)
        values = _Safe(context["values"])
        subject = str(kind.subject) % values
        body = render_to_string(
            "notifications/email.txt",
            {
                "body": str(kind.body) % values,
                "recipient_name": _recipient_name(notification),
                "link": f"{settings.HANKINTA['PUBLIC_URL']}/api/v1/notifications/",
                "tender": context["tender"],
                "documents": documents,
            },
        )
        message = EmailMessage(subject=" ".join(subject.split()), body=body, to=notification.email_to)
        for document in documents:
            with document.file.open("rb") as handle:
                message.attach(document.filename, handle.read(), "application/pdf")
        if kind.calendar:
            from .calendar import deadline_event

            moment = notification.payload.get(kind.calendar)
            if moment is None and context["tender"] is not None:
                moment = context["tender"].submission_deadline
            if moment is not None:
                message.attach(
                    "deadline.ics",
                    deadline_event(
                        uid=f"{notification.kind}-{notification.key}@hankinta",
                        summary=str(kind.calendar_summary) % values,
                        moment=moment,
                        description=str(kind.body) % values,
                    ),
                    "text/calendar",
                )
    return message
