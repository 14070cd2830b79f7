"""Admin for calls, read-only: calls change only through the services (versions, audit, corrigenda)."""

from django.contrib import admin

from .models import Lot, QualityCriterion, Tender


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LotInline(ReadOnlyInline):
    model = Lot


class CriterionInline(ReadOnlyInline):
    model = QualityCriterion


@admin.register(Tender)
class TenderAdmin(admin.ModelAdmin):
    list_display = ["id", "reference", "title", "authority", "status", "submission_deadline"]
    list_filter = ["status", "authority"]
    search_fields = ["title", "reference"]
    inlines = [LotInline, CriterionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
