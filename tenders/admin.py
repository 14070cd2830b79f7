"""Admin for calls; the status changes only through the transitions, never here."""

from django.contrib import admin

from .models import Lot, QualityCriterion, Tender


class LotInline(admin.TabularInline):
    model = Lot
    extra = 0


class CriterionInline(admin.TabularInline):
    model = QualityCriterion
    extra = 0


@admin.register(Tender)
class TenderAdmin(admin.ModelAdmin):
    list_display = ["id", "reference", "title", "authority", "status", "submission_deadline"]
    list_filter = ["status", "authority"]
    search_fields = ["title", "reference"]
    readonly_fields = ["status"]
    inlines = [LotInline, CriterionInline]
