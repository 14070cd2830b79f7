"""Admin for calls, read-only: calls change only through the services (versions, audit, corrigenda)."""

from django.contrib import admin

from procurement.admin import ReadOnlyAdmin

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
class TenderAdmin(ReadOnlyAdmin):
    list_display = ["id", "reference", "title", "authority", "status", "submission_deadline"]
    list_filter = ["status", "authority"]
    search_fields = ["title", "reference"]
    inlines = [LotInline, CriterionInline]
