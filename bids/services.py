"""Preparing, submitting, reopening and withdrawing bids; the server's receipt time decides, and the content
stays sealed until the opening."""

import hashlib
import logging
import math
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition

from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_request
from procurement.access import roles_of
from procurement.audit import audit_event, audit_link_deferred, audit_record
from procurement.auditchain import chain_link
from procurement.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from procurement.fastpath import save_together
from procurement.fsm import concurrent_change, transition_apply, transition_run
from procurement.notifications import notify
from procurement.outbox import outbox_message, outbox_send_after_commit
from procurement.periods import HELSINKI
from tenders.models import Tender
from tenders.selectors import bidders_invited, tender_get, tender_lock_shared

from .content import (
    EMPTY_CONTENT,
    content_errors,
    draft_content,
    draft_fingerprint,
    ready_attachments,
    store_draft,
    submission_errors,
    version_context,
)
from .models import AttachmentStatus, Bid, BidStatus, BidVersion
from .sealing import canonical_json, seal
from .selectors import bid_lock_with_tender

logger = logging.getLogger(__name__)


def _fmt(moment: datetime) -> str:
    return moment.astimezone(HELSINKI).strftime("%d.%m.%Y %H:%M:%S %Z")


def _ensure_box_open(tender: Tender, received_at: datetime) -> None:
    if not tender.accepts_bids_at(received_at):
        if received_at >= tender.submission_deadline:
            raise Conflict(
                _("The tender deadline %(deadline)s has passed; your request was received at %(received)s.")
                % {"deadline": _fmt(tender.submission_deadline), "received": _fmt(received_at)},
                code="deadline_passed",
                deadline=tender.submission_deadline.isoformat(),
                received_at=received_at.isoformat(),
            )
        raise Conflict(_("This call does not accept bids now."), code="tender_not_open", status=tender.status)


def bid_create_check(*, actor) -> frozenset[int]:
    """Preparing a bid: only members of a training provider (403); the API asks before it reads the body. The
    providers the actor may bid for."""
    providers = roles_of(actor).provider_of
    if not providers:
        raise Forbidden(_("Only members of a training provider can prepare bids."))
    return providers


def _own_provider(actor, provider_id: int | None) -> int | None:
    """The provider the actor names, which must be one of its own (403); None when it names none."""
    providers = bid_create_check(actor=actor)
    if provider_id is not None and provider_id not in providers:
        raise Forbidden(_("You can bid only for your own organisation."))
    return provider_id


def _provider_for(actor, provider_id: int | None, tender: Tender) -> int:
    """The provider the bid is made for: the one named, or the actor's only provider that may bid in the call. In a
    mini-competition only the framework's active providers may (tenders.selectors.bidders_invited): another of
    the actor's providers is answered 404, as the call is to anyone it does not invite."""
    invited = bidders_invited(tender, roles_of(actor).provider_of)
    if provider_id is None:
        if len(invited) > 1:
            raise ValidationFailed(
                errors={"provider": [{"code": "required", "message": _("Choose the organisation you bid for.")}]}
            )
        if not invited:
            raise NotFound()
        return next(iter(invited))
    if provider_id not in invited:
        raise NotFound()
    return provider_id


def _invited_check(tender: Tender, provider_id: int) -> None:
    """A bid of a mini-competition is changed and submitted only while its provider is one of the framework's
    active providers: 404 otherwise (the call is then no longer open to it)."""
    if tender.framework_lot_id is not None and provider_id not in bidders_invited(tender, [provider_id]):
        raise NotFound()


def _write_content(bid: Bid, changes: dict) -> dict:
    """Merge the given parts into the draft, check them against the call, and seal the result."""
    content = {**draft_content(bid), **{key: value for key, value in changes.items() if key in EMPTY_CONTENT}}
    errors = content_errors(bid.tender, content)
    if errors:
        raise ValidationFailed(errors=errors)
    store_draft(bid, content)
    return content


def _summary(content: dict) -> dict:
    # The log records that the bid changed, never what it says, nor which lots it offers.
    return {"parts": sorted(key for key, value in content.items() if value)}


def bid_create(*, actor, tender_id: int, content: dict, received_at: datetime, provider_id: int | None = None) -> Bid:
    provider_id = _own_provider(actor, provider_id)
    with transaction.atomic():
        tender = tender_lock_shared(tender_id=tender_get(user=actor, tender_id=tender_id).pk)
        provider_id = _provider_for(actor, provider_id, tender)
        _ensure_box_open(tender, received_at)
        try:
            with transaction.atomic():
                bid = Bid.objects.create(tender=tender, provider_id=provider_id, created_by=actor)
        except IntegrityError as exc:
            existing = Bid.objects.filter(tender=tender, provider_id=provider_id).values_list("pk", flat=True).first()
            raise Conflict(
                _("Your organisation already has a bid for this call; change that one."),
                code="bid_exists",
                bid=existing,
            ) from exc
        bid.tender = tender
        written = _write_content(bid, content)
        bid.save(update_fields=["sealed_draft"])
        audit_record(action="bid.create", actor=actor, obj=bid, after=_summary(written))
    return bid


def own_bid_check(*, actor, bid_id) -> None:
    """A change to a bid or its files: 404 for anyone but its provider's members (its existence is sealed too), and
    in a mini-competition for a provider no longer in the framework. The API asks before it reads the body; the
    services ask again, under their locks."""
    try:
        own = (
            Bid.objects.filter(provider_id__in=roles_of(actor).provider_of, pk=bid_id)
            .select_related("tender")
            .only("provider_id", "tender__framework_lot_id")
            .first()
        )
    except (ValueError, TypeError) as exc:
        raise NotFound() from exc
    if own is None:
        raise NotFound()
    _invited_check(own.tender, own.provider_id)


def _locked_own_bid(actor, bid_id) -> Bid:
    """The actor's own bid, locked, with its call held still (FOR SHARE) for the rest of the transaction."""
    own = Bid.objects.filter(provider_id__in=roles_of(actor).provider_of)
    try:
        tender_id = own.values_list("tender_id", flat=True).get(pk=bid_id)
    except (Bid.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    tender = tender_lock_shared(tender_id=tender_id)
    bid = own.select_for_update().get(pk=bid_id)
    bid.tender = tender
    return bid


def own_bid_for_change(*, actor, bid_id, received_at: datetime) -> Bid:
    """The actor's own draft bid, locked, while its call accepts bids at the request's receipt time.

    404 if it is not the actor's, or its provider is not (or no longer) invited to the mini-competition; 409 after
    the deadline or when the bid is not a draft."""
    bid = _locked_own_bid(actor, bid_id)
    _invited_check(bid.tender, bid.provider_id)
    _ensure_box_open(bid.tender, received_at)
    if bid.status != BidStatus.DRAFT:
        raise Conflict(
            _("A submitted bid cannot be edited; reopen it as a draft first."),
            code="not_editable",
            status=bid.status,
            allowed_actions=["reopen", "withdraw"],
        )
    return bid


def bid_update(*, actor, bid_id: int, content: dict, received_at: datetime) -> Bid:
    with transaction.atomic():
        bid = own_bid_for_change(actor=actor, bid_id=bid_id, received_at=received_at)
        before = _summary(draft_content(bid))
        written = _write_content(bid, content)
        bid.save(update_fields=["sealed_draft", "updated_at"])
        audit_record(action="bid.update", actor=actor, obj=bid, before=before, after=_summary(written))
    return bid


class _LateSubmission(Exception):
    """Raised inside the submission's transaction, so that the refusal is recorded after its rollback."""

    def __init__(self, bid: Bid, tender: Tender):
        self.bid, self.tender = bid, tender


def bid_submit(
    *,
    actor,
    bid_id: int,
    received_at: datetime,
    idempotency_key: str | None = None,
    draft_sha256: str | None = None,
) -> BidVersion:
    """Freeze the draft as a new version with its manifest; the receipt follows from a task.

    A retry with the same Idempotency-Key returns the version the first request made, changing nothing. With
    `draft_sha256` (the fingerprint of the draft its summary showed, content.draft_fingerprint) the draft is
    submitted only if it is still that one: 409 `draft_changed` otherwise.

    This is the request of the deadline rush, so it does only what must be atomic with the submission: the
    version, the bid's state, the audit event and one outbox message. The receipt (its PDF and its e-mail) and the
    linking of the audit events into the chain are done by `bids.after_submit`, which that message starts after
    the commit; the relay sends it later if the broker is down, so nothing is lost."""
    try:
        with transaction.atomic(), audit_link_deferred():
            return _submit(actor, bid_id, received_at, idempotency_key, draft_sha256)
    except _LateSubmission as late:
        # Kept on record for the opening record, outside the rolled-back transaction.
        audit_record(
            action="bid.late_refused",
            actor=actor,
            obj=late.bid,
            denied=True,
            detail={
                "received_at": received_at.isoformat(),
                "deadline": late.tender.submission_deadline.isoformat(),
            },
        )
        _ensure_box_open(late.tender, received_at)
        raise  # not reached: the box is closed
    except IntegrityError as exc:
        if IDEMPOTENCY_CONSTRAINT not in str(exc):
            raise
        raise _key_reused() from exc


IDEMPOTENCY_CONSTRAINT = "bid_submit_idempotent"  # the unique (bid, idempotency_key) of BidVersion


def _key_reused() -> Conflict:
    return Conflict(
        _("This Idempotency-Key belongs to an earlier submission; the bid has changed since. Use a new key."),
        code="idempotency_key_reused",
    )


def _submit(
    actor, bid_id, received_at: datetime, idempotency_key: str | None, draft_sha256: str | None = None
) -> BidVersion:
    try:
        # The call locked (FOR SHARE) with its rules, then the bid (FOR UPDATE) with its attachments: one round trip.
        tender, bid = bid_lock_with_tender(bid_id=int(bid_id), user=actor)
    except (Bid.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
    _invited_check(tender, bid.provider_id)
    in_time = tender.accepts_bids_at(received_at)
    if idempotency_key and (bid.status != BidStatus.DRAFT or not in_time):
        # A retry: the first request's version. (A key spent on an earlier version of a draft in time is refused by
        # the database's unique constraint when the new version is written.)
        done = BidVersion.objects.filter(bid=bid, idempotency_key=idempotency_key).first()
        if done is not None:
            if done.number == bid.version and bid.status == BidStatus.SUBMITTED:
                return done
            raise _key_reused()
    if not in_time:
        if received_at >= tender.submission_deadline and bid.status != BidStatus.SUBMITTED:
            raise _LateSubmission(bid, tender)
        _ensure_box_open(tender, received_at)
    if bid.status != BidStatus.DRAFT:
        raise Conflict(
            _("The bid is already submitted; reopen it to change it."),
            code="transition_not_allowed",
            status=bid.status,
            allowed_actions=["reopen", "withdraw"],
        )
    # One read of the attachments (with the bid, oldest first) and of the call's children serves every check below.
    files = list(bid.attachments.all())
    if any(a.status == AttachmentStatus.UPLOADING for a in files):
        raise Conflict(
            _("An attachment is still uploading: finish or delete it before submitting."),
            code="uploads_in_progress",
        )
    content = draft_content(bid)
    attachments = ready_attachments(bid, files)
    if draft_sha256 is not None and draft_sha256 != draft_fingerprint(content, attachments):
        raise Conflict(
            _(
                "The bid has changed since its summary was shown (in another window, or by a save): nothing was "
                "submitted. Check the summary again and confirm."
            ),
            code="draft_changed",
        )
    # The call may have changed since the draft was written (a corrigendum): check it again, and in full.
    errors = submission_errors(tender, content, {a["purpose"] for a in attachments})
    if errors:
        raise ValidationFailed(_("The bid is not complete."), code="bid_incomplete", errors=errors)
    number = bid.version + 1
    manifest = {
        "bid": bid.pk,
        "tender": bid.tender_id,
        "call_version": tender.version,
        "provider": bid.provider_id,
        "version": number,
        "received_at": received_at.isoformat(),
        "content": content,
        "attachments": attachments,
        # A random part, so that the published hash cannot be used to guess the prices.
        "nonce": secrets.token_hex(16),
    }
    raw = canonical_json(manifest)
    version = BidVersion(
        bid=bid,
        number=number,
        received_at=received_at,
        submitted_by=actor,
        sealed_manifest=seal(bid.tender_id, raw, version_context(bid.pk, number)),
        manifest_sha256=hashlib.sha256(raw).hexdigest(),
        idempotency_key=idempotency_key or None,
    )
    bid.version = number
    before = transition_apply(obj=bid, action="submit", actor=actor, by=actor, received_at=received_at)
    event = audit_event(
        action="bid.submit",
        actor=actor,
        obj=bid,
        before={"status": before},
        after={"status": bid.status},
        detail={"received_at": received_at.isoformat(), "version": number, "manifest_sha256": version.manifest_sha256},
    )
    # The receipt's task: its first argument is the version's id, known once the version is written.
    message = outbox_message("bids.after_submit", None, tender.version)
    _write_submission(bid, version, event, message)
    outbox_send_after_commit(message)
    version.receipt_queued = False  # the receipt's document does not exist before the task that follows the commit
    return version


# What the submission changes in the bid's row (not the sealed draft, which it leaves as it is).
SUBMISSION_FIELDS = [
    "status",
    "version",
    "submitted_at",
    "submitted_by",
    "withdrawn_at",
    "returned_at",
    "returned_reason",
    "updated_at",
]


def _write_submission(bid: Bid, version: BidVersion, event, message) -> None:
    """The version, the bid's new state, the audit event and the outbox message: in one statement on PostgreSQL
    (one round trip in the deadline rush), one by one elsewhere. The bid is locked: its state cannot have changed,
    and the update is conditional all the same, as a django-fsm concurrent transition is."""
    if connection.vendor != "postgresql":
        version.save()
        try:
            bid.save(update_fields=SUBMISSION_FIELDS)
        except ConcurrentTransition as exc:
            raise concurrent_change() from exc
        event.save()
        message.args[0] = version.pk
        message.save()
        return
    written = save_together(
        version,
        update=bid,
        fields=SUBMISSION_FIELDS,
        where={"status": BidStatus.DRAFT},
        then=[(event, {}), (message, {"args": ("jsonb_build_array({first_pk}, %s)", [message.args[1]])})],
    )
    if not written:
        raise concurrent_change()
    message.args[0] = version.pk


def submission_receipt(*, version_id: int, tender_version: int | None = None) -> GeneratedDocument | None:
    """The receipt of a submission: its PDF queued, its e-mail to the organisation and to the person who
    submitted; then the submission's audit events are linked into the chain. Running it again adds nothing.

    Only for a version that still stands when this task comes to it (the bid submitted, and this its latest
    version): one that was reopened, withdrawn or submitted again meanwhile gets no PDF and no e-mail, and is marked
    so (`receipt_skipped_at`). The bid is locked while this is decided, so that it cannot change meanwhile."""
    version = (
        BidVersion.objects.select_related("bid__tender", "bid__provider", "submitted_by").filter(pk=version_id).first()
    )
    if version is None:
        return None
    bid = version.bid
    subject = f"bid-version:{version.pk}"
    with transaction.atomic():
        stands = (
            Bid.objects.select_for_update(no_key=True)
            .filter(pk=bid.pk, status=BidStatus.SUBMITTED, version=version.number)
            .exists()
        )
        if stands:
            receipt = _receipt_request(version, subject, tender_version)
        else:
            # A receipt requested by an earlier run, while the version still stood, stays as it is.
            receipt = GeneratedDocument.objects.filter(kind=DocumentKind.RECEIPT, tender=bid.tender, subject=subject)
            receipt = receipt.first()
            if receipt is None and version.receipt_skipped_at is None:
                version.receipt_skipped_at = timezone.now()
                version.save(update_fields=["receipt_skipped_at"])
                audit_record(
                    action="bid.receipt_skipped",
                    obj=bid,
                    tender_id=bid.tender_id,
                    detail={"version": version.number, "reason": "superseded"},
                )
    chain_link()
    return receipt


def _receipt_request(version: BidVersion, subject: str, tender_version: int | None) -> GeneratedDocument:
    bid = version.bid
    receipt = document_request(
        kind=DocumentKind.RECEIPT,
        tender=bid.tender,
        actor=version.submitted_by,
        version=tender_version or bid.tender.version,
        subject=subject,
        provider=bid.provider,
        language=bid.provider.preferred_language,
    )
    # E-mailed to the organisation and to the person who submitted, once the receipt is rendered.
    notify(
        kind="bid.receipt",
        key=subject,
        tender_id=bid.tender_id,
        providers=[bid.provider],
        cc=[version.submitted_by.email] if version.submitted_by else [],
        documents=[receipt.pk],
        payload={
            "received": version.received_at,
            "sha": version.manifest_sha256,
            "bid": bid.pk,
            "version": version.number,
        },
        count=False,
    )
    return receipt


class SubmissionsThrottled(DomainError):
    """Too many submissions of a bid, or by a user, in a short while (429, with the seconds to wait)."""

    status_code = 429
    default_code = "throttled"

    def __init__(self, *, retry_after: int):
        super().__init__(
            _(
                "The bid has been submitted too many times in a short while. You can reopen it again in "
                "%(seconds)s seconds; until then it stays as it is."
            )
            % {"seconds": retry_after},
            retry_after=retry_after,
        )
        self.retry_after = retry_after


_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@lru_cache(maxsize=8)
def submission_rate(text: str) -> tuple[int, int]:
    """A rate as "N/period" (s, min, h, day: the period's first letter decides, as in DRF) → (N, seconds)."""
    number, _slash, period = str(text).strip().partition("/")
    if not (number.strip().isdigit() and int(number) >= 1 and period.strip()[:1].lower() in _PERIODS):
        raise ImproperlyConfigured(f'A rate of bid submissions must be "N/s", "N/min", "N/h" or "N/day", not {text!r}.')
    return int(number), _PERIODS[period.strip()[:1].lower()]


def _ensure_not_cycling(bid: Bid, actor, received_at: datetime) -> None:
    """Refuse to reopen a bid that has been submitted as often as BID_SUBMISSIONS_PER_BID allows within its window,
    or whose user has submitted as often as BID_SUBMISSIONS_PER_USER allows: each submission renders a receipt and
    sends an e-mail, and a reopening is what a further submission needs. (Counted here rather than at the
    submission, which is never refused for it: a provider is never left with an unsubmitted draft by the limit,
    and the deadline rush's request does no extra work.) Counted from the submitted versions, so that every
    process sees the same count; the bid is locked, so two reopenings of it cannot both slip through."""
    limits = {
        "bid": submission_rate(settings.HANKINTA["BID_SUBMISSIONS_PER_BID"]),
        "user": submission_rate(settings.HANKINTA["BID_SUBMISSIONS_PER_USER"]),
    }
    since = received_at - timedelta(seconds=max(seconds for _n, seconds in limits.values()))
    recent = list(
        BidVersion.objects.filter(Q(bid_id=bid.pk) | Q(submitted_by_id=actor.pk), received_at__gt=since)
        .order_by("received_at")
        .values_list("bid_id", "submitted_by_id", "received_at")
    )
    waits = []
    for scope, (limit, seconds) in limits.items():
        start = received_at - timedelta(seconds=seconds)
        times = [at for bid_id, user_id, at in recent if (bid_id == bid.pk if scope == "bid" else user_id == actor.pk)]
        times = [at for at in times if at > start]
        if len(times) >= limit:
            # Allowed again once fewer than `limit` submissions are left in the window.
            frees_at = times[len(times) - limit] + timedelta(seconds=seconds)
            waits.append(max(1, math.ceil((frees_at - received_at).total_seconds())))
    if waits:
        logger.info("Reopening of bid %s by user %s refused: submitted too often.", bid.pk, actor.pk)
        raise SubmissionsThrottled(retry_after=max(waits))


def bid_reopen(*, actor, bid_id: int, received_at: datetime) -> Bid:
    with transaction.atomic():
        bid = _locked_own_bid(actor, bid_id)
        _ensure_box_open(bid.tender, received_at)
        if bid.status != BidStatus.DRAFT:  # a draft is refused by the transition itself (409)
            _ensure_not_cycling(bid, actor, received_at)
        return transition_run(obj=bid, action="reopen", actor=actor, audit_action="bid.reopen")


def bid_withdraw(*, actor, bid_id: int, received_at: datetime) -> Bid:
    with transaction.atomic():
        bid = _locked_own_bid(actor, bid_id)
        _ensure_box_open(bid.tender, received_at)
        return transition_run(
            obj=bid,
            action="withdraw",
            actor=actor,
            audit_action="bid.withdraw",
            detail={"received_at": received_at.isoformat()},
            received_at=received_at,
        )


def bids_send_back(*, tender: Tender, reason: str, affects_bids_reason: str) -> list[int]:
    """A corrigendum that affects the bids already submitted (the call locked by `tenders.services.tender_amend`)
    sends them back to draft; their owners must check them against the new version and submit them again. Answers
    the providers whose bids went back."""
    sent_back = []
    for bid in Bid.objects.select_for_update().filter(tender=tender, status=BidStatus.SUBMITTED):
        transition_run(
            obj=bid,
            action="send_back",
            actor=None,
            audit_action="bid.sent_back",
            detail={"reason": reason, "version": tender.version, "affects_bids_reason": affects_bids_reason},
            reason=reason,
        )
        sent_back.append(bid.provider_id)
    return sent_back
