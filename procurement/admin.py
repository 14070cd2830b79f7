"""Admin for organisations, users and the (read-only) audit log."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, AuditEvent, ContractingAuthority, Membership, ProviderOrganisation, User
from .nuts import NUTS3_CHOICES


class MembershipInline(admin.TabularInline):
    """Read-only: memberships change through the audited services (registration, invitations), so that nobody
    can, for instance, make an official a member of a bidder and read its sealed bid as its own."""

    model = Membership
    extra = 0
    fk_name = "user"
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    fieldsets = (*BaseUserAdmin.fieldsets, ("Hankinta", {"fields": ("preferred_language", "task_email")}))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: a token is made by signing in; staff may delete (revoke) one."""

    list_display = ["user", "public_id", "created", "last_used_at", "expiry", "ip_address", "user_agent"]
    search_fields = ["user__username", "public_id"]
    fields = list_display
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ContractingAuthority)
class ContractingAuthorityAdmin(admin.ModelAdmin):
    list_display = ["name_fi", "business_id", "kind", "language_status", "town", "nuts", "valid_from", "valid_to"]
    list_filter = ["kind", "language_status", "region", "nuts"]
    search_fields = ["name_fi", "name_sv", "business_id", "town"]
    # The postal address, region and web site as notices in Hilma give them (the free-text address is for letters).
    fieldsets = (
        (None, {"fields": ("name_fi", "name_sv", "name_en", "business_id", "kind", "language_status", "region")}),
        (
            _("Address and contact"),
            {"fields": ("street", "postal_code", "town", "nuts", "website", "email", "phone", "address")},
        ),
        (
            None,
            {"fields": ("valid_from", "valid_to", "successor", "officers_may_decide", "decider_not_proposer")},
        ),
    )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "nuts":  # the region from Finland's list, not typed
            return forms.ChoiceField(
                label=db_field.verbose_name, choices=[("", "---------"), *NUTS3_CHOICES], required=False
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(ProviderOrganisation)
class ProviderOrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "business_id", "email", "preferred_language"]
    search_fields = ["name", "business_id"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin that only reads: its rows change through the audited services, never here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_name", "action", "outcome", "object_type", "object_id", "tender_id"]
    list_filter = ["outcome", "action"]
    search_fields = ["actor_name", "action", "object_id"]
