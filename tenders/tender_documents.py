"""The call's own files (service description, contract draft, price form): added, replaced and removed while the
call is drafted, checked by content; once published they change only through a corrigendum (`tender_amend`)."""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from procurement.access import AnyUser, roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.filetypes import FileRefused, detect, filename_clean
from procurement.models import User

from .models import Tender, TenderDocument, TenderDocumentKind, TenderStatus
from .selectors import tender_get

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# At most this many current files per call: a call has a handful (service description, contract, price form).
MAX_CALL_DOCUMENTS = 30


def _error(code: str, message: "StrOrPromise") -> list[dict[str, str]]:
    return [{"code": code, "message": str(message)}]


def _max_bytes() -> int:
    return int(settings.HANKINTA["ATTACHMENT_MAX_BYTES"])


@dataclass(frozen=True)
class Upload:
    """A file as received: the name the officer's computer gave it and its bytes."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class TenderFileChange:
    """One change of the call's files within a corrigendum: `add` (kind, titles, upload), `replace` (document,
    upload, titles optional) or `remove` (document)."""

    action: str
    document_id: int | None = None
    kind: str = ""
    title_fi: str | None = None
    title_sv: str | None = None
    upload: Upload | None = None


def _checked(upload: Upload | None) -> tuple[str, str, bytes]:
    """(file name, content type, content) of an acceptable upload; FileRefused with a stable code otherwise."""
    if upload is None:
        raise FileRefused("required", _("Choose the file to upload."))
    name, problems = filename_clean(upload.filename)
    if problems:
        raise FileRefused(str(problems[0]["code"]), problems[0]["message"])
    size = len(upload.content)
    if size == 0:
        raise FileRefused("empty_file", _("The file is empty."))
    limit = _max_bytes()
    if size > limit:
        raise FileRefused(
            "file_too_large",
            _("A file can be at most %(mb)s MB.") % {"mb": f"{limit / (1024 * 1024):.1f}".removesuffix(".0")},
        )
    kind = detect(upload.content, filename=name, max_file_bytes=limit)
    return name, kind.content_type, upload.content


def _kind_checked(kind: str) -> str:
    if kind not in TenderDocumentKind.values:
        raise ValidationFailed(errors={"kind": _error("invalid_choice", _("Choose the kind of the document."))})
    return kind


def _titles_checked(title_fi: str, title_sv: str, tender: Tender) -> tuple[str, str]:
    title_fi, title_sv = (title_fi or "").strip(), (title_sv or "").strip()
    errors = {}
    for name, value in (("title_fi", title_fi), ("title_sv", title_sv)):
        if len(value) > 300:
            errors[name] = _error("max_length", _("A title can be at most 300 characters long."))
    # A title in the authority's language(s): the file name is no title for a reader.
    needed = {"fi": ["fi"], "sv": ["sv"], "bilingual": ["fi", "sv"]}[tender.authority.language_status]
    for lang in needed:
        if not (title_fi if lang == "fi" else title_sv):
            errors[f"title_{lang}"] = _error("required", _("Give the document's title in this language."))
    if errors:
        raise ValidationFailed(errors=errors)
    return title_fi, title_sv


def _ensure_officer(actor: User, tender: Tender) -> None:
    if not roles_of(actor).is_officer(tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers can change its calls."))


def tender_document_change_check(*, actor: User, tender_id: int) -> Tender:
    """What the API asks before it reads the body: 404 for a call the actor does not see, 403 for anyone but the
    authority's officers, 409 once the call is no draft (a published one changes its files by a corrigendum)."""
    return _draft_checked(actor, tender_get(user=actor, tender_id=tender_id))


def _locked_draft(actor: User, tender_id: int) -> Tender:
    return _draft_checked(actor, tender_get(user=actor, tender_id=tender_id, for_update=True))


def _draft_checked(actor: User, tender: Tender) -> Tender:
    _ensure_officer(actor, tender)
    if tender.published_at is not None:
        raise Conflict(
            _("The files of a published call change only through a corrigendum."),
            code="call_published",
            status=tender.status,
        )
    if tender.status != TenderStatus.DRAFT:
        raise Conflict(
            _("Only a draft can be edited; return it to draft first."), code="not_editable", status=tender.status
        )
    return tender


def _current(tender: Tender, document_id: int | None) -> TenderDocument:
    if document_id is None:  # a change that names no file
        raise NotFound()
    try:
        return TenderDocument.objects.get(tender=tender, pk=int(document_id), withdrawn_in_version__isnull=True)
    except (TenderDocument.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFound() from exc


def _snapshot(document: TenderDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "kind": document.kind,
        "title_fi": document.title_fi,
        "title_sv": document.title_sv,
        "filename": document.filename,
        "sha256": document.sha256,
        "size": document.size,
        "number": document.number,
    }


def _store(
    *,
    actor: User,
    tender: Tender,
    kind: str,
    title_fi: str,
    title_sv: str,
    upload: Upload | None,
    replaces: TenderDocument | None = None,
    version: int,
) -> TenderDocument:
    """Check the upload and write the file and its row (in the caller's transaction). The file is removed again if
    that transaction rolls back (`stored_files_cleanup`)."""
    name, content_type, content = _checked(upload)
    if replaces is None and tender.tender_documents.filter(withdrawn_in_version__isnull=True).count() >= (
        MAX_CALL_DOCUMENTS
    ):
        raise ValidationFailed(
            errors={
                "file": _error(
                    "too_many_documents", _("A call can have at most %(n)s files.") % {"n": MAX_CALL_DOCUMENTS}
                )
            }
        )
    document = TenderDocument(
        tender=tender,
        kind=kind,
        title_fi=title_fi,
        title_sv=title_sv,
        filename=name,
        content_type=content_type,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        number=replaces.number + 1 if replaces is not None else 1,
        replaces=replaces,
        added_in_version=version,
        added_by=actor,
    )
    document.file.save(name, ContentFile(content), save=False)
    pending = _stored.get(None)
    if pending is not None:
        pending.append(document.file.name)
    document.save()
    return document


_stored: ContextVar[list[str]] = ContextVar("call_documents_stored")


@contextmanager
def stored_files_cleanup() -> Iterator[None]:
    """Around a transaction that stores call files: if it fails, the files it stored are deleted (Django has no
    hook for a rollback)."""
    token = _stored.set([])
    try:
        yield
    except BaseException:
        for name in _stored.get():
            default_storage.delete(name)
        raise
    finally:
        _stored.reset(token)


def _delete_after_commit(document: TenderDocument) -> None:
    name = document.file.name
    document.delete()
    transaction.on_commit(lambda: default_storage.delete(name))


def _added(
    actor: User, tender: Tender, kind: str, title_fi: str, title_sv: str, upload: Upload | None, *, version: int
) -> TenderDocument:
    """A new file of the call, its kind and titles checked, stored in the given version."""
    kind = _kind_checked(kind)
    title_fi, title_sv = _titles_checked(title_fi, title_sv, tender)
    return _store(
        actor=actor, tender=tender, kind=kind, title_fi=title_fi, title_sv=title_sv, upload=upload, version=version
    )


def tender_document_add(
    *, actor: User, tender_id: int, kind: str, title_fi: str = "", title_sv: str = "", upload: Upload | None
) -> TenderDocument:
    """A file of a call being drafted."""
    with stored_files_cleanup(), transaction.atomic():
        tender = _locked_draft(actor, tender_id)
        document = _added(actor, tender, kind, title_fi, title_sv, upload, version=tender.version)
        audit_record(
            action="call_document.add", actor=actor, obj=document, tender_id=tender.pk, after=_snapshot(document)
        )
    return document


def tender_document_replace(
    *,
    actor: User,
    tender_id: int,
    document_id: int,
    upload: Upload | None,
    title_fi: str | None = None,
    title_sv: str | None = None,
) -> TenderDocument:
    """A new file in place of a draft's file (never published, so the old one is not kept)."""
    with stored_files_cleanup(), transaction.atomic():
        tender = _locked_draft(actor, tender_id)
        old = _current(tender, document_id)
        title_fi, title_sv = _titles_checked(
            old.title_fi if title_fi is None else title_fi, old.title_sv if title_sv is None else title_sv, tender
        )
        before = _snapshot(old)
        document = _store(
            actor=actor,
            tender=tender,
            kind=old.kind,
            title_fi=title_fi,
            title_sv=title_sv,
            upload=upload,
            version=tender.version,
        )
        _delete_after_commit(old)
        audit_record(
            action="call_document.replace",
            actor=actor,
            obj=document,
            tender_id=tender.pk,
            before=before,
            after=_snapshot(document),
        )
    return document


def tender_document_remove(*, actor: User, tender_id: int, document_id: int) -> None:
    """Remove a draft's file."""
    with transaction.atomic():
        tender = _locked_draft(actor, tender_id)
        document = _current(tender, document_id)
        audit_record(
            action="call_document.remove", actor=actor, obj=document, tender_id=tender.pk, before=_snapshot(document)
        )
        _delete_after_commit(document)


def tender_documents_amend(
    *, actor: User, tender: Tender, changes: list[TenderFileChange], version: int
) -> list[dict[str, Any]]:
    """A corrigendum's changes to the files of a published call (locked by the caller): a replaced or removed file
    is kept, withdrawn in the new version; returns what changed, for the version's record and the audit."""
    done = []
    errors: dict[str, list[Any]] = {}
    for index, change in enumerate(changes):
        try:
            if change.action == "add":
                titles = (change.title_fi or "", change.title_sv or "")
                document = _added(actor, tender, change.kind, *titles, change.upload, version=version)
                done.append({"action": "add", "after": _snapshot(document)})
            elif change.action in ("replace", "remove"):
                old = _current(tender, change.document_id)
                old.withdrawn_in_version = version
                old.save(update_fields=["withdrawn_in_version"])
                entry = {"action": change.action, "before": _snapshot(old)}
                if change.action == "replace":
                    title_fi, title_sv = _titles_checked(
                        old.title_fi if change.title_fi is None else change.title_fi,
                        old.title_sv if change.title_sv is None else change.title_sv,
                        tender,
                    )
                    document = _store(
                        actor=actor,
                        tender=tender,
                        kind=old.kind,
                        title_fi=title_fi,
                        title_sv=title_sv,
                        upload=change.upload,
                        replaces=old,
                        version=version,
                    )
                    entry["after"] = _snapshot(document)
                done.append(entry)
            else:
                raise ValidationFailed(errors={"action": _error("invalid_choice", _("Add, replace or remove a file."))})
        except NotFound:
            errors[f"call_files.{index}"] = _error("not_found", _("The call has no such current file."))
        except ValidationFailed as error:
            for problems in error.errors.values():
                errors.setdefault(f"call_files.{index}", []).extend(problems)
    if errors:
        raise ValidationFailed(errors=errors)
    return done


# --- reading -----------------------------------------------------------------------------------------------------


def tender_documents_for(*, user: AnyUser, tender_id: int, include_withdrawn: bool = False) -> list[TenderDocument]:
    """The call's files for whoever may read them: everyone who sees the call once it is published; before that,
    only the authority's own people (anyone else: 404, as if the call had none)."""
    tender = tender_get(user=user, tender_id=tender_id)
    if tender.published_at is None and not roles_of(user).reads_authority(tender.authority_id):
        raise NotFound()
    documents = TenderDocument.objects.filter(tender=tender)
    if not include_withdrawn:
        documents = documents.filter(withdrawn_in_version__isnull=True)
    return list(documents.order_by("kind", "added_at", "id"))


def tender_document_get(*, user: AnyUser, tender_id: int, document_id: int) -> TenderDocument:
    """One file of the call (a withdrawn one too: the old versions stay readable), as `tender_documents_for`."""
    documents = tender_documents_for(user=user, tender_id=tender_id, include_withdrawn=True)
    found = next((d for d in documents if str(d.pk) == str(document_id)), None)
    if found is None:
        raise NotFound()
    return found
