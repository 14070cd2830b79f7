"""Attachments of bids: uploaded in chunks that are sealed at rest, checked by content when complete, and read
back only through the access rules of their bid."""

import contextlib
import hashlib
import logging
import os
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.audit import audit_record
from procurement.errors import Conflict, DomainError, NotFound, ValidationFailed
from procurement.filetypes import FileRefused, detect, filename_clean
from tenders.models import QualityCriterion, SuitabilityRequirement

from .content import attachment_meta_seal, attachments_unseal
from .models import AttachmentStatus, Bid, BidAttachment, is_provider_member
from .sealing import SealBroken, seal, unseal
from .selectors import bid_get
from .services import own_bid_for_change

logger = logging.getLogger(__name__)


class AttachmentDamaged(DomainError):
    """A stored chunk is missing or does not open with its key and context: it was changed, moved or lost."""

    status_code = 500
    default_code = "attachment_damaged"
    default_message = _("The stored file is damaged and cannot be read. The incident has been recorded.")


def _limit(name: str) -> int:
    return int(settings.HANKINTA[name])


def _error(code: str, message) -> list[dict]:
    return [{"code": code, "message": message}]


def _refuse(errors: dict[str, list[dict]]) -> ValidationFailed:
    """One refusal for every field error; its own code is the error's when there is only one."""
    problems = [problem for field_errors in errors.values() for problem in field_errors]
    if len(problems) == 1:
        return ValidationFailed(problems[0]["message"], code=problems[0]["code"], errors=errors)
    return ValidationFailed(errors=errors)


def _chunk_context(attachment: BidAttachment, number: int) -> str:
    return f"attachment:{attachment.pk}:{number}"


def _folder(attachment: BidAttachment) -> str:
    return attachment.chunk_name(0).rsplit("/", 1)[0]


# --- checks of what the provider declares --------------------------------------------------------------------


def _size_errors(bid: Bid, size) -> list[dict]:
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        return _error("invalid", _("Give the file's size in bytes."))
    if size == 0:
        return _error("empty_file", _("The file is empty."))
    per_file = _limit("ATTACHMENT_MAX_BYTES")
    if size > per_file:
        return _error("file_too_large", _("A file can be at most %(mb)s MB.") % {"mb": _megabytes(per_file)})
    per_bid = _limit("BID_ATTACHMENTS_MAX_BYTES")
    # Uploads in progress count too, or parallel uploads together could pass the limit.
    taken = bid.attachments.aggregate(total=Sum("declared_size"))["total"] or 0
    if taken + size > per_bid:
        return _error(
            "bid_too_large",
            _("The attachments of a bid can be at most %(mb)s MB together; %(left)s MB is left.")
            % {"mb": _megabytes(per_bid), "left": _megabytes(max(per_bid - taken, 0))},
        )
    return []


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def purpose_clean(bid: Bid, purpose) -> tuple[str, list[dict]]:
    """`other`, or a criterion or requirement of the bid's own call, as `criterion:<id>` / `requirement:<id>`."""
    if purpose == "other":
        return purpose, []
    kind, _colon, ident = str(purpose).partition(":")
    models = {"criterion": QualityCriterion, "requirement": SuitabilityRequirement}
    known = (
        kind in models
        and ident.isascii()
        and ident.isdigit()
        and len(ident) <= 18
        and models[kind].objects.filter(tender_id=bid.tender_id, pk=int(ident)).exists()
    )
    if known:
        # The canonical form, so that the completeness check of the submission finds it.
        return f"{kind}:{int(ident)}", []
    return "", _error(
        "invalid_purpose",
        _("The purpose must be “other”, or a quality criterion or suitability requirement of this call."),
    )


# --- storage -------------------------------------------------------------------------------------------------


def _store(name: str, blob: bytes) -> str:
    if default_storage.exists(name):
        # Left by a request that died before its transaction committed: this chunk was never received.
        default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(blob))
    if saved != name:
        default_storage.delete(saved)
        raise RuntimeError(f"Storage saved chunk {name} as {saved}.")
    return saved


def _remove_folder(folder: str) -> None:
    """Remove an attachment's stored chunks (run after the commit that removed its row)."""
    try:
        _dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for file in files:
        default_storage.delete(f"{folder}/{file}")
    # A storage without folders, or a folder not empty after all: either way no content is left behind.
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(default_storage.path(folder))


def _discard(attachment: BidAttachment) -> None:
    """Delete the row now and its chunks once that is committed: a rollback keeps both. (Record it first: the
    deleted instance has no primary key any more.)"""
    folder = _folder(attachment)
    attachment.delete()
    transaction.on_commit(lambda: _remove_folder(folder))


def _read_chunk(attachment: BidAttachment, number: int) -> bytes:
    try:
        with default_storage.open(attachment.chunk_name(number), "rb") as file:
            blob = file.read()
        return unseal(attachment.bid.tender_id, blob, _chunk_context(attachment, number))
    except (OSError, SealBroken) as exc:
        logger.error("Chunk %s of attachment %s does not open: %r", number, attachment.pk, exc)
        audit_record(
            action="attachment.damaged",
            obj=attachment,
            tender_id=attachment.bid.tender_id,
            detail={"chunk": number},
            denied=True,
        )
        raise AttachmentDamaged() from exc


def _plain_chunks(attachment: BidAttachment) -> Iterator[bytes]:
    digest = hashlib.sha256()
    for number in range(attachment.chunks):
        chunk = _read_chunk(attachment, number)
        digest.update(chunk)
        yield chunk
    if attachment.status == AttachmentStatus.READY and digest.hexdigest() != attachment.sha256:
        # Every chunk opened, yet the whole is not what was checked: chunks were dropped from the row's count.
        audit_record(action="attachment.damaged", obj=attachment, tender_id=attachment.bid.tender_id, denied=True)
        raise AttachmentDamaged()


def _unsealed(bid: Bid, attachments: list[BidAttachment]) -> list[BidAttachment]:
    """The attachments with their names and purposes opened (for a reader the bid's rules have let in)."""
    try:
        return attachments_unseal(bid.tender_id, attachments)
    except SealBroken as exc:
        logger.error("The name of an attachment of bid %s does not open: %r", bid.pk, exc)
        audit_record(
            action="attachment.damaged", obj=bid, tender_id=bid.tender_id, detail={"part": "meta"}, denied=True
        )
        raise AttachmentDamaged() from exc


def _locked_attachment(bid: Bid, attachment_id) -> BidAttachment:
    try:
        attachment = BidAttachment.objects.select_for_update().get(pk=attachment_id, bid=bid)
    except (BidAttachment.DoesNotExist, ValueError, TypeError, DjangoValidationError) as exc:
        raise NotFound() from exc
    attachment.bid = bid
    return attachment


def _locked_own_attachment(bid: Bid, attachment_id) -> BidAttachment:
    """One of the owner's attachments, locked, with its name and purpose opened for the answer."""
    attachment = _locked_attachment(bid, attachment_id)
    _unsealed(bid, [attachment])
    return attachment


def _ensure_uploading(attachment: BidAttachment) -> None:
    if attachment.status != AttachmentStatus.UPLOADING:
        raise Conflict(
            _("The upload of this file is already complete."), code="not_uploading", status=attachment.status
        )


# --- services ------------------------------------------------------------------------------------------------


def attachment_start(
    *, actor, bid_id: int, filename: str, size: int, purpose: str, received_at: datetime
) -> BidAttachment:
    """Announce a file to the draft bid: its name, size and purpose; the content follows in chunks."""
    with transaction.atomic():
        bid = own_bid_for_change(actor=actor, bid_id=bid_id, received_at=received_at)
        errors = {}
        name, problems = filename_clean(filename)
        if problems:
            errors["filename"] = problems
        if problems := _size_errors(bid, size):
            errors["size"] = problems
        purpose, problems = purpose_clean(bid, purpose)
        if problems:
            errors["purpose"] = problems
        if errors:
            raise _refuse(errors)
        attachment = BidAttachment(bid=bid, declared_size=size, uploaded_by=actor, created_at=received_at)
        attachment_meta_seal(attachment, bid.tender_id, filename=name, purpose=purpose)
        attachment.save(force_insert=True)
        # The name and the purpose stay out of the log: like the rest of the bid, they are nobody's business before
        # the opening (the purpose would tell which criteria the bid answers with a file).
        audit_record(
            action="attachment.start",
            actor=actor,
            obj=attachment,
            tender_id=bid.tender_id,
            after={"bid": bid.pk, "declared_size": size},
        )
    return attachment


def attachment_put_chunk(
    *, actor, bid_id: int, attachment_id, number: int, data: bytes, received_at: datetime
) -> BidAttachment:
    """Store the next chunk, sealed. Chunks come in order; a repeat of the last one (a retry) changes nothing."""
    data = bytes(data)
    written = None
    try:
        with transaction.atomic():
            bid = own_bid_for_change(actor=actor, bid_id=bid_id, received_at=received_at)
            attachment = _locked_own_attachment(bid, attachment_id)
            _ensure_uploading(attachment)
            retry = (
                attachment.chunks
                and number == attachment.chunks - 1
                and len(data) <= _limit("ATTACHMENT_CHUNK_BYTES")
                # A client that lost the answer sends the chunk again: the same bytes are simply acknowledged.
                and _read_chunk(attachment, number) == data
            )
            if retry:
                return attachment
            if number != attachment.chunks:
                raise Conflict(
                    _("Chunk %(expected)s is expected next; chunks are sent in order, starting from 0.")
                    % {"expected": attachment.chunks},
                    code="chunk_out_of_order",
                    expected=attachment.chunks,
                )
            chunk_limit = _limit("ATTACHMENT_CHUNK_BYTES")
            if not data:
                raise _refuse({"data": _error("empty_chunk", _("The chunk is empty."))})
            if len(data) > chunk_limit:
                raise _refuse(
                    {
                        "data": _error(
                            "chunk_too_large",
                            _("A chunk can be at most %(n)s bytes.") % {"n": chunk_limit},
                        )
                    }
                )
            if attachment.received_bytes + len(data) > attachment.declared_size:
                raise _refuse(
                    {
                        "data": _error(
                            "size_exceeded",
                            _("The file is larger than the %(n)s bytes announced.") % {"n": attachment.declared_size},
                        )
                    }
                )
            written = _store(
                attachment.chunk_name(number), seal(bid.tender_id, data, context=_chunk_context(attachment, number))
            )
            attachment.chunks += 1
            attachment.received_bytes += len(data)
            attachment.save(update_fields=["chunks", "received_bytes"])
    except BaseException:
        # The row does not count this chunk: its file must not stay behind either.
        if written is not None:
            default_storage.delete(written)
        raise
    return attachment


def attachment_complete(*, actor, bid_id: int, attachment_id, received_at: datetime) -> BidAttachment:
    """Check the whole file by its content. Accepted: it is ready. Refused: nothing of it is kept, and 400."""
    refusal = None
    with transaction.atomic():
        bid = own_bid_for_change(actor=actor, bid_id=bid_id, received_at=received_at)
        attachment = _locked_own_attachment(bid, attachment_id)
        if attachment.status == AttachmentStatus.READY:
            return attachment  # a retry of a completion that succeeded
        if attachment.received_bytes < attachment.declared_size:
            # Not a refusal of the file: the client can go on uploading.
            raise Conflict(
                _("%(received)s of the %(declared)s bytes announced have arrived; send the rest first.")
                % {"received": attachment.received_bytes, "declared": attachment.declared_size},
                code="incomplete_upload",
                received_bytes=attachment.received_bytes,
                declared_size=attachment.declared_size,
            )
        try:
            content = b"".join(_plain_chunks(attachment))
            kind = detect(content, filename=attachment.filename, max_file_bytes=_limit("ATTACHMENT_MAX_BYTES"))
        except AttachmentDamaged:
            refusal = FileRefused("upload_damaged", _("The upload was damaged in storage; upload the file again."))
        except FileRefused as exc:
            refusal = exc
        if refusal is not None:
            audit_record(
                action="attachment.refuse",
                actor=actor,
                obj=attachment,
                tender_id=bid.tender_id,
                detail={"bid": bid.pk, "code": refusal.code},
                denied=True,
            )
            _discard(attachment)
        else:
            attachment.size = len(content)
            attachment.sha256 = hashlib.sha256(content).hexdigest()
            attachment.content_type = kind.content_type
            attachment.status = AttachmentStatus.READY
            attachment.completed_at = received_at
            attachment.save(update_fields=["size", "sha256", "content_type", "status", "completed_at"])
            audit_record(
                action="attachment.complete",
                actor=actor,
                obj=attachment,
                tender_id=bid.tender_id,
                after={
                    "bid": bid.pk,
                    "size": attachment.size,
                    "sha256": attachment.sha256,
                    "content_type": attachment.content_type,
                },
            )
    # Raised after the commit, so that the removal of the refused file is what stays.
    if refusal is not None:
        raise refusal
    return attachment


def attachment_delete(*, actor, bid_id: int, attachment_id, received_at: datetime) -> None:
    """Remove a file, finished or not, from the draft bid: its row now, its chunks once that is committed."""
    with transaction.atomic():
        bid = own_bid_for_change(actor=actor, bid_id=bid_id, received_at=received_at)
        attachment = _locked_attachment(bid, attachment_id)
        audit_record(
            action="attachment.delete",
            actor=actor,
            obj=attachment,
            tender_id=bid.tender_id,
            before={"bid": bid.pk, "status": attachment.status, "sha256": attachment.sha256},
        )
        _discard(attachment)


# --- reading -------------------------------------------------------------------------------------------------


def attachments_of_bid(*, user, bid_id) -> list[BidAttachment]:
    """The bid's attachments (metadata) for whoever may read the bid; the authority sees only complete ones."""
    bid = bid_get(user=user, bid_id=bid_id)
    attachments = BidAttachment.objects.filter(bid=bid).order_by("created_at", "pk")
    if not is_provider_member(bid, user):
        attachments = attachments.filter(status=AttachmentStatus.READY)
    hidden = getattr(bid, "hidden_attachments", set())  # business secrets, when another bidder reads
    # Opened only now, when bid_get has let the reader in, and only those the reader may see.
    return _unsealed(bid, [a for a in attachments if str(a.pk) not in hidden])


def attachment_chunks_for_read(*, user, bid_id, attachment_id) -> tuple[BidAttachment, Iterator[bytes]]:
    """The attachment and its content, chunk by chunk, decrypted as it is read; a chunk that does not open raises
    AttachmentDamaged. The owner reads any of its uploads; the authority, after the opening, complete ones."""
    bid = bid_get(user=user, bid_id=bid_id)
    try:
        attachment = BidAttachment.objects.get(pk=attachment_id, bid=bid)
    except (BidAttachment.DoesNotExist, ValueError, TypeError, DjangoValidationError) as exc:
        raise NotFound() from exc
    if attachment.status != AttachmentStatus.READY and not is_provider_member(bid, user):
        raise NotFound()
    if str(attachment.pk) in getattr(bid, "hidden_attachments", set()):
        raise NotFound()
    attachment.bid = bid
    _unsealed(bid, [attachment])
    audit_record(
        action="attachment.read",
        actor=user,
        obj=attachment,
        tender_id=bid.tender_id,
        detail={"bid": bid.pk, "sha256": attachment.sha256},
    )
    return attachment, _plain_chunks(attachment)


def attachments_of_read_bids(bids: list[Bid]) -> dict[int, list[BidAttachment]]:
    """The complete attachments of bids that the reader has already been let in to (`tender_bids`, which checked the
    seal and the panel and recorded the read), with their names and purposes opened, by bid; oldest first."""
    by_bid: dict[int, list[BidAttachment]] = {bid.pk: [] for bid in bids}
    bid_of = {bid.pk: bid for bid in bids}
    rows = BidAttachment.objects.filter(bid__in=bids, status=AttachmentStatus.READY).order_by("created_at", "pk")
    for attachment in rows:
        attachment.bid = bid_of[attachment.bid_id]
        by_bid[attachment.bid_id].append(attachment)
    for bid in bids:
        if by_bid[bid.pk]:
            _unsealed(bid, by_bid[bid.pk])
    return by_bid


def attachment_plain_chunks(attachment: BidAttachment) -> Iterator[bytes]:
    """The content of a complete attachment from `attachments_of_read_bids`, decrypted as it is read, for a service
    that checked its reader and records the read itself (the bids' archive records one event for all its files);
    a chunk that does not open raises AttachmentDamaged."""
    return _plain_chunks(attachment)


def attachments_purge_abandoned(*, older_than: timedelta = timedelta(hours=24)) -> int:
    """Remove uploads left unfinished for a day: they hold no answer and count against the bid's limit.
    Safe to run twice at once (skip_locked)."""
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        stale = list(
            BidAttachment.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("bid")
            .filter(status=AttachmentStatus.UPLOADING, created_at__lt=cutoff)[:500]
        )
        for attachment in stale:
            audit_record(action="attachment.purge", obj=attachment.bid, detail={"attachment": str(attachment.pk)})
            _discard(attachment)
    return len(stale)
