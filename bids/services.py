"""Preparing, submitting, reopening and withdrawing bids; the server's receipt time decides, and the content
stays sealed until the opening."""

import hashlib
import secrets
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition

from documents.models import DocumentKind, GeneratedDocument
from documents.services import document_request
from procurement.access import roles_of
from procurement.audit import audit_event, audit_link_deferred, audit_record
from procurement.auditchain import chain_link
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.fsm import concurrent_change, transition_apply, transition_run
from procurement.notifications import notify
from procurement.outbox import outbox_message, outbox_send_after_commit
from procurement.periods import HELSINKI
from procurement.statements import Insert, Update, write_together
from tenders.models import Tender
from tenders.selectors import tender_get, tender_lock_shared

from .content import (
    EMPTY_CONTENT,
    completeness_errors,
    content_errors,
    draft_content,
    ready_attachments,
    store_draft,
    version_context,
)
from .models import AttachmentStatus, Bid, BidStatus, BidVersion
from .sealing import canonical_json, seal
from .selectors import bid_lock_with_call


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


def _provider_for(actor, provider_id: int | None) -> int:
    providers = bid_create_check(actor=actor)
    if provider_id is None:
        if len(providers) > 1:
            raise ValidationFailed(
                errors={"provider": [{"code": "required", "message": _("Choose the organisation you bid for.")}]}
            )
        return next(iter(providers))
    if provider_id not in providers:
        raise Forbidden(_("You can bid only for your own organisation."))
    return provider_id


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
    provider_id = _provider_for(actor, provider_id)
    with transaction.atomic():
        tender = tender_lock_shared(tender_id=tender_get(user=actor, tender_id=tender_id).pk)
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
    """A change to a bid or its files: 404 for anyone but its provider's members (its existence is sealed too).
    The API asks before it reads the body; the services ask again, under their locks."""
    try:
        own = Bid.objects.filter(provider_id__in=roles_of(actor).provider_of, pk=bid_id).exists()
    except (ValueError, TypeError) as exc:
        raise NotFound() from exc
    if not own:
        raise NotFound()


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

    404 if it is not the actor's; 409 after the deadline or when the bid is not a draft."""
    bid = _locked_own_bid(actor, bid_id)
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


def bid_submit(*, actor, bid_id: int, received_at: datetime, idempotency_key: str | None = None) -> BidVersion:
    """Freeze the draft as a new version with its manifest; the receipt follows from a task.

    A retry with the same Idempotency-Key returns the version the first request made, changing nothing.

    This is the request of the deadline rush, so it does only what must be atomic with the submission: the
    version, the bid's state, the audit event and one outbox message. The receipt (its PDF and its e-mail) and the
    linking of the audit events into the chain are done by `bids.after_submit`, which that message starts after
    the commit; the relay sends it later if the broker is down, so nothing is lost."""
    try:
        with transaction.atomic(), audit_link_deferred():
            return _submit(actor, bid_id, received_at, idempotency_key)
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


def _submit(actor, bid_id, received_at: datetime, idempotency_key: str | None) -> BidVersion:
    try:
        # The call locked (FOR SHARE) with its rules, then the bid (FOR UPDATE) with its attachments: one round trip.
        tender, bid = bid_lock_with_call(bid_id=int(bid_id), user=actor)
    except (Bid.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc
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
    # The call may have changed since the draft was written (a corrigendum): check it again, and in full.
    errors = content_errors(tender, content)
    for field, problems in completeness_errors(tender, content, {a["purpose"] for a in attachments}).items():
        errors.setdefault(field, []).extend(problems)
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
    written = write_together(
        Insert("version", version),
        Update("bid", bid, SUBMISSION_FIELDS, where={"status": BidStatus.DRAFT}),
        Insert("event", event),
        Insert("message", message, {"args": ("jsonb_build_array((SELECT id FROM version), %s)", [message.args[1]])}),
    )
    if written["bid"] != 1:
        raise concurrent_change()
    message.args[0] = version.pk


def submission_receipt(*, version_id: int, call_version: int | None = None) -> GeneratedDocument | None:
    """The receipt of a submission: its PDF queued, its e-mail to the organisation and to the person who
    submitted; then the submission's audit events are linked into the chain. Running it again adds nothing."""
    version = (
        BidVersion.objects.select_related("bid__tender", "bid__provider", "submitted_by").filter(pk=version_id).first()
    )
    if version is None:
        return None
    bid = version.bid
    with transaction.atomic():
        receipt = document_request(
            kind=DocumentKind.RECEIPT,
            tender=bid.tender,
            actor=version.submitted_by,
            version=call_version or bid.tender.version,
            subject=f"bid-version:{version.pk}",
            provider=bid.provider,
            language=bid.provider.preferred_language,
        )
        # E-mailed to the organisation and to the person who submitted, once the receipt is rendered.
        notify(
            kind="bid.receipt",
            key=f"bid-version:{version.pk}",
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
    chain_link()
    return receipt


def bid_reopen(*, actor, bid_id: int, received_at: datetime) -> Bid:
    with transaction.atomic():
        bid = _locked_own_bid(actor, bid_id)
        _ensure_box_open(bid.tender, received_at)
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
