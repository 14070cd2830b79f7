"""Admin for generated documents (read-only: a stored document is never changed)."""

from django.contrib import admin

from .models import GeneratedDocument


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "tender", "version", "status", "sha256", "rendered_at"]
    list_filter = ["kind", "status"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
