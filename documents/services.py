"""Requesting, rendering and handing out generated documents."""

import hashlib
import logging
import operator
import re
import unicodedata
from datetime import timedelta
from functools import reduce

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement.access import AnyUser, roles_of
from procurement.audit import audit_record
from procurement.auditchain import chain_head
from procurement.errors import Conflict, Forbidden, NotFound
from procurement.models import Notification
from procurement.notifications import kinds_tagged, notifications_wake_for_document
from procurement.outbox import outbox_enqueue

from .context import BUILDERS, document_languages
from .models import DocumentKind, DocumentStatus, GeneratedDocument, SignatureStatus
from .readers import (
    BIDDER,
    CALL_OPEN,
    CLEAN_PANEL_SEAT,
    INTERESTED,
    PROVIDER_BID_SUBMITTED,
    SIGNED_AWARD,
    bid_content_check,
    reader_condition,
)
from .renderer import RENDERER, render_pdf
from .signing import (
    SignedPdf,
    SigningError,
    pdf_sign,
    signer_id_for,
    signer_load,
    signing_configured,
    signing_setup,
)

logger = logging.getLogger(__name__)


def document_request(
    *,
    kind: str,
    tender,
    actor=None,
    version: int = 1,
    subject: str = "",
    provider=None,
    language: str | None = None,
) -> GeneratedDocument:
    """Record that a document is wanted and queue its rendering with the transaction (through the outbox)."""
    document, created = GeneratedDocument.objects.get_or_create(
        kind=kind,
        tender=tender,
        version=version,
        subject=subject,
        defaults={"language": language or tender.language, "requested_by": actor, "provider": provider},
    )
    if created:
        audit_record(action="document.request", actor=actor, obj=document, tender_id=tender.pk, detail={"kind": kind})
        outbox_enqueue("documents.render", document.pk)
    return document


def _ascii_slug(text: str, limit: int = 60) -> str:
    """ASCII letters, digits and hyphens, case kept: "Åbo Utbildning Ab" → "Abo-Utbildning-Ab"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")[:limit].strip("-")


def document_filename(document: GeneratedDocument) -> str:
    """The name a document is downloaded and e-mailed under, telling the call, the kind, the party and the version,
    e.g. `HANK-2026-0008_receipt_Opintotalo-Oy_v1.pdf`. Only a provider's own documents (a receipt, a letter) name it,
    as only the provider and the authority read them; the call's other documents (the call, the decision, the
    comparison, ...) name no bidder. The kind's registration adds its own parts (a lot, a language) and may show
    another version (a receipt's is its submission's)."""
    parts = [_ascii_slug(document.tender.reference) or f"call-{document.tender_id}", document.kind]
    version = document.version
    if document.kind in (DocumentKind.RECEIPT, DocumentKind.LETTER) and document.provider_id:
        parts.append(_ascii_slug(document.provider.name) or f"provider-{document.provider_id}")
    naming = BUILDERS[document.kind].filename
    if naming is not None:
        extra, version = naming(document)
        parts += extra
    return "_".join(parts) + f"_v{version}.pdf"


def document_render(*, document_id: int) -> GeneratedDocument | None:
    """Render and store a document once; running it again for a ready document changes nothing."""
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update().filter(pk=document_id).first()
        if document is None:
            logger.warning("Document %s no longer exists; nothing to render.", document_id)
            return None
        if document.status == DocumentStatus.READY:
            return document
        document.status = DocumentStatus.RENDERING
        document.status_changed_at = timezone.now()
        document.attempts += 1
        signer_id = signer_id_for(document) if signing_configured() else None
        # A document signing was turned off for since its last attempt is rendered unsigned, and says so.
        document.signature_status = SignatureStatus.PENDING if signer_id is not None else SignatureStatus.NONE
        document.save(update_fields=["status", "status_changed_at", "attempts", "signature_status"])

    document_type = BUILDERS[document.kind]
    template, build_context, template_version = document_type.template, document_type.build, document_type.version
    try:
        document = GeneratedDocument.objects.select_related("tender__authority").get(pk=document_id)
        context = build_context(document)
        context.setdefault("languages", document_languages(document))
        context["source"] = {
            "document": {
                "kind": document.kind,
                "tender": document.tender_id,
                "version": document.version,
                "subject": document.subject,
                "language": document.language,
                "template_version": template_version,
                "renderer": RENDERER,
            },
            "data": context.get("source_data"),
            # The audit log's head when the document was rendered: the document vouches for the log up to it.
            "audit_chain": chain_head(),
        }
        pdf = render_pdf(template=template, context=context, language=document.language)
    except Exception as exc:
        GeneratedDocument.objects.filter(pk=document_id).exclude(status=DocumentStatus.READY).update(
            status=DocumentStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise

    signed = None
    if signer_id is not None:
        signed = _document_sign(document, pdf=pdf, signer_id=signer_id)
        pdf = signed.pdf
    digest = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update().get(pk=document_id)
        if document.status == DocumentStatus.READY:
            return document
        filename = document_filename(document)
        document.file.save(
            f"{document.kind}-{document.tender_id}-v{document.version}-{digest[:16]}.pdf", ContentFile(pdf), save=False
        )
        document.filename = filename
        document.sha256 = digest
        document.size = len(pdf)
        document.status = DocumentStatus.READY
        document.error = ""
        document.template_version = template_version
        document.renderer = RENDERER
        document.rendered_at = timezone.now()
        if signed is not None:
            document.signature_status, document.signature_error = SignatureStatus.SIGNED, ""
            document.signature_attempts += 1
            document.signed_by, document.signer_subject = signer_id or "", signed.signer_subject[:300]
            document.signed_at = signed.signed_at
        document.save()
        audit_record(action="document.rendered", obj=document, tender_id=document.tender_id, detail={"sha256": digest})
        if signed is not None:
            audit_record(
                action="document.signed",
                obj=document,
                tender_id=document.tender_id,
                detail={"sha256": digest, "signer": signer_id, "subject": signed.signer_subject},
            )
        notifications_wake_for_document(document=document)
    return document


def _document_sign(document: GeneratedDocument, *, pdf: bytes, signer_id: str) -> SignedPdf:
    """Sign a rendered document; if that fails, the document stays unissued (failed, with the reason for an officer),
    and the error goes on to Celery's retry; the rescue tries it again later and an officer can queue it again."""
    try:
        setup = signing_setup()
        if setup is None:
            raise SigningError("Signing is not configured.", code="config")
        return pdf_sign(pdf, key=signer_load(setup, signer_id), setup=setup, reason=document.get_kind_display())
    except SigningError as exc:
        reason = f"Signing failed ({exc.code}): {exc}"[:2000]
        with transaction.atomic():
            failed = GeneratedDocument.objects.select_for_update().get(pk=document.pk)
            if failed.status != DocumentStatus.READY:  # else another worker has signed it meanwhile
                failed.status, failed.error, failed.status_changed_at = DocumentStatus.FAILED, reason, timezone.now()
                failed.signature_status, failed.signature_error = SignatureStatus.FAILED, reason
                failed.signature_attempts += 1
                failed.save(
                    update_fields=[
                        "status",
                        "error",
                        "status_changed_at",
                        "signature_status",
                        "signature_error",
                        "signature_attempts",
                    ]
                )
                audit_record(
                    action="document.signing_failed",
                    obj=failed,
                    tender_id=failed.tender_id,
                    detail={"signer": signer_id, "code": exc.code, "attempts": failed.signature_attempts},
                )
        logger.warning("Signing document %s failed: %s", document.pk, reason)
        raise


def _document_readers(user) -> Q:
    """Who reads which kind of document: one condition per kind, in the terms of the checks that guard the data
    the document shows, so that a document never shows more than its reader may see elsewhere.

    - A bid's content after the opening (every price, point and rank: the opening record, the comparison reports,
      the receipts) is read as the bids are (`bids.selectors.bid_get`, `tender_bids`): by the authority's readers
      who audit it or sit on the call's panel with a declaration of no conflict of interest
      (`evaluation.panel.panel_access_check`), and only once the bids are opened; a receipt only while its bid
      stands submitted (a withdrawn bid stays private). After the decision the call's bidders read the opening
      record and the comparison, as they read each other's bids then (prices are never secret).
    - A receipt is its provider's own.
    - The decision and the letters show the whole comparison (every bidder's prices, points and ranks): the
      authority reads them as it reads the comparison, behind the panel's gate, and so does the one who decided
      the award (`tenders.models.may_decide`: a decision-maker, or an officer where officers decide), who signed
      them and answers for them; the call's bidders read the decision once made, a letter only its own provider.
    - The interruption shows the reason, the redress and, after the opening, the bidders it concerns: the
      authority's, and every provider it was notified to (`tenders.interruption.concerned_providers`), whom the
      decision concerns (its notification's key is the document's subject). One made before the decisions were
      recorded (no subject) is read, once the call is cancelled, by every provider that viewed or follows the call,
      or has a bid or a draft in it.
    - The procedure report names the bidders: the authority's, once the bids are opened.
    - The call document is public once published.
    - A call-off order and its confirmation are between the authority and the provider it was offered to."""
    roles = roles_of(user)
    nothing = Q(pk__in=[])
    if roles.auditor_of_all:
        reads = audits = Q(pk__isnull=False)
    else:
        authorities = roles.officer_of | roles.evaluator_of | roles.decision_maker_of | roles.auditor_of
        reads = Q(tender__authority_id__in=authorities) if authorities else nothing
        audits = Q(tender__authority_id__in=roles.auditor_of) if roles.auditor_of else nothing
    opened = Q(tender__opened_at__isnull=False)
    if not roles.is_authority_user:
        bid_content = nothing
    else:
        clean_panel_seat = reader_condition(CLEAN_PANEL_SEAT, user=user, roles=roles)
        bid_content = opened & reads & (audits | clean_panel_seat)
    signed = reader_condition(SIGNED_AWARD, user=user, roles=roles) if roles.is_authority_user else nothing
    if roles.provider_of:
        own = Q(provider_id__in=roles.provider_of)
        bidder = reader_condition(BIDDER, user=user, roles=roles)
        interested = reader_condition(INTERESTED, user=user, roles=roles)
        told = Q(
            Exists(
                Notification.objects.filter(
                    key=OuterRef("subject"), kind__in=kinds_tagged("interruption"), provider_id__in=roles.provider_of
                )
            )
        )
    else:
        own = bidder = interested = told = nothing
    decided = Q(tender__decided_at__isnull=False)
    submitted = reader_condition(PROVIDER_BID_SUBMITTED, user=user, roles=roles)
    rules = {
        DocumentKind.CALL: reader_condition(CALL_OPEN, user=user, roles=roles) | reads,
        DocumentKind.RECEIPT: own | (bid_content & submitted),
        DocumentKind.OPENING_RECORD: bid_content | (decided & bidder),
        DocumentKind.COMPARISON: bid_content | (decided & bidder),
        DocumentKind.LETTER: own | bid_content | (signed & reads),
        DocumentKind.DECISION: bid_content | (signed & reads) | (decided & bidder),
        DocumentKind.INTERRUPTION: reads
        | (Q(subject__startswith="interruption:") & told)
        | (Q(subject="") & Q(tender__cancelled_at__isnull=False) & interested),
        DocumentKind.PROCEDURE_REPORT: opened & reads,
        # A framework's call-off order and its confirmation: the provider it was offered to, and the authority.
        DocumentKind.CALL_OFF_ORDER: own | reads,
        DocumentKind.CALL_OFF_CONFIRMATION: own | reads,
        # After the decision: each copy belongs to the provider it is addressed to (the claimant, a bidder the
        # correction concerns, the bidder whose secrets were reviewed, the requester), and the authority reads all.
        DocumentKind.CLAIM_DECISION: own | reads,
        DocumentKind.SECRECY_DECISION: own | reads,
        DocumentKind.ACCESS_DECISION: own | reads,
        DocumentKind.DISCLOSED_COPY: own | reads,
    }
    # A kind without a rule is read by nobody; tests/security/test_matrix_documents.py reads every kind as every role.
    return reduce(operator.or_, (Q(kind=kind) & readers for kind, readers in rules.items()))


# The kinds that show a bid's content: the authority reads them behind the panel's gate.
_BEHIND_THE_PANEL = {
    DocumentKind.RECEIPT,
    DocumentKind.OPENING_RECORD,
    DocumentKind.COMPARISON,
    DocumentKind.DECISION,
    DocumentKind.LETTER,
}


def documents_visible_to(*, user: AnyUser) -> QuerySet[GeneratedDocument]:
    """The documents the user may read (`_document_readers`): every list and every single read starts here."""
    return GeneratedDocument.objects.select_related("tender").filter(_document_readers(user))


def _refuse_unreadable(*, user, document_id, tender_id: int | None) -> None:
    """Why a document the user may not read is refused: 403 (the panel's own reason) to a reader of the authority
    whom only the panel's gate keeps from an opened bid's content, as `tender_bids` answers; for everyone else it
    does not exist (404), as a bid before its opening or another provider's bid."""
    try:
        document = GeneratedDocument.objects.select_related("tender").filter(pk=document_id).first()
    except (ValueError, TypeError):
        return
    if document is None or document.kind not in _BEHIND_THE_PANEL or document.tender.bids_are_sealed:
        return
    if tender_id is not None and document.tender_id != tender_id:
        return
    if not roles_of(user).reads_authority(document.tender.authority_id):
        return
    if document.kind == DocumentKind.RECEIPT:
        submitted = reader_condition(PROVIDER_BID_SUBMITTED, user=user, roles=roles_of(user))
        if not GeneratedDocument.objects.filter(pk=document.pk).filter(submitted).exists():
            return  # a draft's or a withdrawn bid's receipt: as the bid, not found
    bid_content_check(user=user, tender=document.tender)


def document_get(*, user, document_id, tender_id: int | None = None) -> GeneratedDocument:
    """A document the user may read (of the given call, if one is given); 403 or 404 otherwise."""
    readable = documents_visible_to(user=user)
    if tender_id is not None:
        readable = readable.filter(tender_id=tender_id)
    try:
        return readable.get(pk=document_id)
    except (GeneratedDocument.DoesNotExist, ValueError, TypeError) as exc:
        _refuse_unreadable(user=user, document_id=document_id, tender_id=tender_id)
        raise NotFound() from exc


def document_download(
    *, user, document_id, tender_id: int | None = None, ip_address: str | None = None
) -> GeneratedDocument:
    document = document_get(user=user, document_id=document_id, tender_id=tender_id)
    if document.status == DocumentStatus.DISPOSED:
        raise Conflict(
            _("The record was destroyed after its retention period; its metadata and hash are kept."),
            code="document_disposed",
        )
    if document.status != DocumentStatus.READY:
        raise Conflict(_("The document is not ready yet."), code="document_not_ready", status=document.status)
    if not user.is_authenticated:
        # Only a public document reaches an anonymous reader (a call's own PDF): its download reads nothing sealed
        # and names no one, so it is not recorded; in the audit chain anyone could fill the log and hold its lock.
        return document
    audit_record(
        action="document.download",
        actor=user,
        obj=document,
        tender_id=document.tender_id,
        detail={"sha256": document.sha256},
        ip_address=ip_address,
    )
    return document


def document_retry(*, actor, document_id) -> GeneratedDocument:
    """An officer puts a failed document back in the queue."""
    with transaction.atomic():
        document = document_get(user=actor, document_id=document_id)
        if not roles_of(actor).is_officer(document.tender.authority_id):
            raise Forbidden(_("Only the authority's procurement officers can render a document again."))
        document = GeneratedDocument.objects.select_for_update().get(pk=document.pk)
        if document.status != DocumentStatus.FAILED:
            raise Conflict(
                _("Only a document whose rendering failed can be queued again."),
                code="not_failed",
                status=document.status,
            )
        document.status, document.error, document.status_changed_at = DocumentStatus.QUEUED, "", timezone.now()
        document.save(update_fields=["status", "error", "status_changed_at"])
        audit_record(action="document.retry", actor=actor, obj=document, tender_id=document.tender_id)
        outbox_enqueue("documents.render", document.pk)
    return document


def documents_rescue_stuck(*, now=None, batch: int = 100) -> dict[str, int]:
    """Queue again the documents that have stayed queued or rendering for longer than DOCUMENT_STUCK_MINUTES: their
    message was lost (a broker restarted without its data) or their worker died (a machine gone; Redis gives the
    message back only after its visibility timeout, and only if it still has it). Rendering is idempotent, so a
    document that was only slow is rendered once and the extra message finds it ready. A document that has begun to
    render DOCUMENT_RENDER_MAX_ATTEMPTS times is marked failed instead, with the reason, for an officer to look at
    and queue again (`document_retry`): it may be what stops the worker. Answers how many were queued and failed."""
    now = now or timezone.now()
    stuck_before = now - timedelta(minutes=settings.DOCUMENT_STUCK_MINUTES)
    done = {"requeued": 0, "failed": 0}
    # A document whose signing failed (the time-stamping service or the key's token unreachable) is tried again
    # as a stuck one is, up to DOCUMENT_SIGN_MAX_ATTEMPTS signing failures; then an officer queues it again.
    signing_failed = Q(
        status=DocumentStatus.FAILED,
        signature_status=SignatureStatus.FAILED,
        signature_attempts__lt=settings.DOCUMENT_SIGN_MAX_ATTEMPTS,
    )
    with transaction.atomic():
        stuck = list(
            GeneratedDocument.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status__in=[DocumentStatus.QUEUED, DocumentStatus.RENDERING]) | signing_failed,
                status_changed_at__lt=stuck_before,
            )
            .order_by("status_changed_at")[:batch]
        )
        for document in stuck:
            was, since = document.status, document.status_changed_at
            detail = {"was": was, "since": since.isoformat(), "attempts": document.attempts}
            if was == DocumentStatus.FAILED:
                detail["signature_attempts"] = document.signature_attempts
            elif document.attempts >= settings.DOCUMENT_RENDER_MAX_ATTEMPTS:
                document.status = DocumentStatus.FAILED
                document.error = (
                    f"Rendering did not finish after {document.attempts} attempts; stuck {was} since "
                    f"{since.isoformat()}."
                )
                document.save(update_fields=["status", "error"])
                audit_record(action="document.stuck_failed", obj=document, tender_id=document.tender_id, detail=detail)
                done["failed"] += 1
                continue
            document.status, document.status_changed_at = DocumentStatus.QUEUED, now
            document.save(update_fields=["status", "status_changed_at"])
            audit_record(action="document.requeued", obj=document, tender_id=document.tender_id, detail=detail)
            outbox_enqueue("documents.render", document.pk)
            done["requeued"] += 1
    if stuck:
        logger.warning("Stuck documents: %(requeued)s queued again, %(failed)s marked failed.", done)
    return done


def procedure_report_request(*, tender, actor=None) -> GeneratedDocument:
    """A new edition of the procedure report (section 124) each time the procedure reaches an end point."""
    editions = GeneratedDocument.objects.filter(tender=tender, kind=DocumentKind.PROCEDURE_REPORT).count()
    return document_request(
        kind=DocumentKind.PROCEDURE_REPORT,
        tender=tender,
        actor=actor,
        version=editions + 1,
        language=tender.document_languages[0],
    )
