"""A generated document: rendered once per (kind, call, version), stored with its SHA-256, never overwritten."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    CALL = "call", _("Call for tenders")
    RECEIPT = "receipt", _("Bid receipt")
    OPENING_RECORD = "opening_record", _("Opening record")
    LETTER = "letter", _("Notification letter to a bidder")
    INTERRUPTION = "interruption", _("Decision to interrupt the procurement")
    PROCEDURE_REPORT = "procedure_report", _("Procedure report")
    COMPARISON = "comparison", _("Comparison report of a lot")
    DECISION = "decision", _("Procurement decision")
    CALL_OFF_ORDER = "call_off_order", _("Call-off order")
    CALL_OFF_CONFIRMATION = "call_off_confirmation", _("Confirmation of a call-off order")
    CLAIM_DECISION = "claim_decision", _("Decision on a claim for rectification")
    SECRECY_DECISION = "secrecy_decision", _("Decision on business secrets")
    ACCESS_DECISION = "access_decision", _("Decision on a request for documents")
    DISCLOSED_COPY = "disclosed_copy", _("Copy disclosed on request, secrets removed")


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class SignatureStatus(models.TextChoices):
    NONE = "none", _("Not signed")
    PENDING = "pending", _("Waiting for the signature")
    SIGNED = "signed", _("Signed")
    FAILED = "failed", _("Signing failed")


class GeneratedDocument(models.Model):
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    tender = models.ForeignKey("tenders.Tender", on_delete=models.PROTECT, related_name="documents")
    version = models.PositiveIntegerField(default=1)
    # What the document is about within the call, when not the call itself, e.g. "bid-version:12".
    subject = models.CharField(max_length=60, blank=True, default="")
    # A document that belongs to one provider (a receipt, a letter): only it and the authority see it.
    provider = models.ForeignKey(
        "procurement.ProviderOrganisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(max_length=2, default="fi")
    status = models.CharField(_("status"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED)
    file = models.FileField(upload_to="documents/%Y/%m/", blank=True)
    filename = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    template_version = models.CharField(max_length=20, blank=True)
    renderer = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the document was last queued or began to render: one that stays queued or rendering much longer has lost
    # its message or its worker, and `documents_rescue_stuck` queues it again.
    status_changed_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The PAdES signature (documents/signing.py): a document to be signed is ready only once signed; one whose signing
    # failed stays failed, with the reason, until a retry signs it.
    signature_status = models.CharField(
        _("signature"), max_length=10, choices=SignatureStatus.choices, default=SignatureStatus.NONE
    )
    signature_error = models.TextField(blank=True)
    signature_attempts = models.PositiveSmallIntegerField(default=0)
    signed_by = models.CharField(max_length=20, blank=True)  # the signer's id: a business ID or "system"
    signer_subject = models.CharField(max_length=300, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")
        ordering = ["tender", "kind", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "tender", "version", "subject"], name="one_document_per_kind_tender_version"
            )
        ]
        indexes = [
            # The rescue's scan reads only the documents not yet finished.
            models.Index(
                fields=["status_changed_at"],
                name="document_unfinished",
                condition=models.Q(status__in=["queued", "rendering"]),
            ),
            # ... and the documents whose signing failed, which it tries again.
            models.Index(
                fields=["status_changed_at"],
                name="document_signing_failed",
                condition=models.Q(status="failed", signature_status="failed"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.tender_id} v{self.version} ({self.status})"
