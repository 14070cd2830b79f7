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
    # Destroyed by an officer's disposal decision after its retention period (documents.retention): the file is
    # erased, the row keeps its metadata, its SHA-256 and the decision.
    DISPOSED = "disposed", _("Disposed")


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


class Publicity(models.TextChoices):
    """The publicity class of a record (JHS 191, SÄHKE2's PublicityClass)."""

    PUBLIC = "public", _("Public")
    SECRET_IN_PART = "secret_in_part", _("Secret in part")
    SECRET = "secret", _("Secret")


class PersonalData(models.TextChoices):
    NONE = "none", _("No personal data")
    CONTAINS = "contains", _("Contains personal data")
    SENSITIVE = "sensitive", _("Contains special categories of personal data")


class RetentionFrom(models.TextChoices):
    """When a record's retention period starts to run."""

    CREATED = "created", _("the record's date")
    PROCEDURE_END = "procedure_end", _("the end of the procedure")
    CONTRACT_END = "contract_end", _("the end of the contract term, options included")


class RecordClass(models.Model):
    """One line of an authority's information management plan (tiedonohjaussuunnitelma) for a kind of record: it
    overrides the plan's default in `documents.records` (a row without an authority, for every authority; one with,
    for that authority alone). `variant` names a sub-kind the plan treats apart: "not_chosen" for a bidder's records
    whose bid was not chosen."""

    authority = models.ForeignKey(
        "procurement.ContractingAuthority",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("authority"),
    )
    kind = models.CharField(_("kind of record"), max_length=30, choices=DocumentKind.choices)
    variant = models.CharField(_("variant"), max_length=20, blank=True, default="")
    function_code = models.CharField(_("task class code"), max_length=30)
    function_title = models.CharField(_("task class"), max_length=200)
    publicity = models.CharField(_("publicity class"), max_length=20, choices=Publicity.choices)
    secrecy_reason = models.CharField(_("legal basis of secrecy"), max_length=200, blank=True)
    secrecy_years = models.PositiveSmallIntegerField(_("secrecy period (years)"), null=True, blank=True)
    # None: kept permanently.
    retention_years = models.PositiveSmallIntegerField(_("retention period (years)"), null=True, blank=True)
    retention_from = models.CharField(_("retention runs from"), max_length=20, choices=RetentionFrom.choices)
    retention_reason = models.CharField(_("basis of the retention period"), max_length=300)
    personal_data = models.CharField(_("personal data"), max_length=10, choices=PersonalData.choices)

    class Meta:
        verbose_name = _("record class")
        verbose_name_plural = _("record classes")
        ordering = ["authority", "kind", "variant"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "kind", "variant"],
                name="one_record_class_per_authority_kind",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.variant}".strip()


class DisposalDecision(models.Model):
    """An officer's decision on a record past its retention period: destroy it (its file is erased, the record keeps
    its metadata and hash) or keep it longer, to a new date. Nothing is disposed of without one."""

    class Outcome(models.TextChoices):
        DESTROY = "destroy", _("Destroy")
        KEEP = "keep", _("Keep longer")

    document = models.ForeignKey(GeneratedDocument, on_delete=models.PROTECT, related_name="disposal_decisions")
    outcome = models.CharField(_("decision"), max_length=10, choices=Outcome.choices)
    keep_until = models.DateField(_("kept until"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    retention_ended_on = models.DateField(_("retention period ended on"))
    sha256 = models.CharField(max_length=64, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("disposal decision")
        verbose_name_plural = _("disposal decisions")
        ordering = ["document", "-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.document_id}"
