"""Admin for generated documents (read-only: a stored document is never changed)."""

from django.contrib import admin

from .models import DisposalDecision, GeneratedDocument, RecordClass


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "tender", "version", "status", "sha256", "rendered_at"]
    list_filter = ["kind", "status"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(RecordClass)
class RecordClassAdmin(admin.ModelAdmin):
    """The lines of an authority's information management plan that differ from the defaults (documents.records)."""

    list_display = ["kind", "variant", "authority", "function_code", "publicity", "retention_years", "retention_from"]
    list_filter = ["kind", "publicity", "authority"]


@admin.register(DisposalDecision)
class DisposalDecisionAdmin(admin.ModelAdmin):
    """Read-only: a decision is made on the officers' retention page, audited, and never changed."""

    list_display = ["document", "outcome", "keep_until", "retention_ended_on", "decided_by", "decided_at"]
    list_filter = ["outcome"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
