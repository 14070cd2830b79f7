"""Read endpoints for organisations and the signed-in user's roles."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement import asks
from procurement.access import roles_of
from procurement.api.auth import LoginThrottle
from procurement.audit import audit_event_shown, audit_events_shown, audit_record
from procurement.auditchain import EVENT_FIELDS, verify_chain
from procurement.clientip import client_ip
from procurement.errors import Forbidden, NotFound
from procurement.models import (
    AuditEvent,
    ContractingAuthority,
    Invitation,
    Language,
    Membership,
    Notification,
    ProviderOrganisation,
    Role,
    SecurityEvent,
)
from procurement.notifications import (
    notification_mark_read,
    notification_resend,
    notification_resend_check,
    notifications_visible_to,
    tender_delivery_log,
)
from procurement.selectors import authority_people
from procurement.services import invitation_accept, invitation_create, invitation_create_check, provider_register
from procurement.validators import NameField


class ContractingAuthoritySerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractingAuthority
        fields = [
            "id",
            "name_fi",
            "name_sv",
            "name_en",
            "business_id",
            "kind",
            "language_status",
            "region",
            "email",
            "phone",
            "address",
            "valid_from",
            "valid_to",
            "successor",
        ]
        read_only_fields = fields


class ProviderOrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProviderOrganisation
        fields = ["id", "name", "business_id", "email", "address", "preferred_language"]
        read_only_fields = fields


class InvitationSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=[Role.PROVIDER_MEMBER, Role.PROVIDER_ADMIN], default=Role.PROVIDER_MEMBER)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "created_at", "expires_at", "accepted_at"]
        read_only_fields = ["id", "created_at", "expires_at", "accepted_at"]


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.get_full_name")
    role = serializers.CharField()


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The user's id, e.g. to name them to a call's evaluation panel.")
    username = serializers.CharField()
    name = serializers.CharField()
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), help_text="In this authority.")


class ContractingAuthorityViewSet(viewsets.ReadOnlyModelViewSet):
    """Contracting authorities are public information; their people are not."""

    lookup_value_regex = r"\d+"
    serializer_class = ContractingAuthoritySerializer
    queryset = ContractingAuthority.objects.order_by("name_fi")
    filterset_fields = ["kind", "language_status", "region"]

    @extend_schema(
        responses=PersonSerializer(many=True),
        summary="The authority's people and their roles in it (for its officers and auditors)",
        description="Officers and evaluators of the authority can be named to the evaluation panel of its calls "
        "(`POST /api/v1/tenders/{id}/panel/` with the person's `id`).",
    )
    @action(detail=True, methods=["get"])
    def people(self, request, pk=None):
        people = authority_people(user=request.user, authority_id=self.get_object().pk)
        return Response(PersonSerializer(people, many=True).data)


class ProviderOrganisationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A provider sees its own organisation; authority users see every provider."""

    lookup_value_regex = r"\d+"
    serializer_class = ProviderOrganisationSerializer

    def get_queryset(self):
        roles = roles_of(self.request.user)
        queryset = ProviderOrganisation.objects.order_by("name")
        if roles.is_authority_user:
            return queryset
        return queryset.filter(id__in=roles.provider_of)

    @extend_schema(methods=["get"], responses=InvitationSerializer(many=True))
    @extend_schema(methods=["post"], request=InvitationSerializer, responses={201: InvitationSerializer})
    @action(detail=True, methods=["get", "post"])
    def invitations(self, request, pk=None):
        provider = self.get_object()
        if request.method == "POST":
            invitation_create_check(actor=request.user, provider_id=provider.pk)
            serializer = InvitationSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            invitation, _token = invitation_create(
                actor=request.user, provider_id=provider.pk, **serializer.validated_data
            )
            return Response(InvitationSerializer(invitation).data, status=201)
        if provider.pk not in roles_of(request.user).provider_admin_of:
            raise NotFound()
        return Response(InvitationSerializer(provider.invitations.all(), many=True).data)

    @extend_schema(responses=MemberSerializer(many=True))
    @action(detail=True, methods=["get"])
    def members(self, request, pk=None):
        provider = self.get_object()
        if provider.pk not in roles_of(request.user).provider_of:
            raise NotFound()
        return Response(MemberSerializer(provider.memberships.select_related("user"), many=True).data)


class MembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["role", "authority", "provider"]


class MeView(APIView):
    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "id": serializers.IntegerField(),
                "username": serializers.CharField(),
                "preferred_language": serializers.CharField(),
                "memberships": MembershipSerializer(many=True),
            },
        )
    )
    def get(self, request):
        memberships = Membership.objects.filter(Q(user=request.user))
        return Response(
            {
                "id": request.user.pk,
                "username": request.user.get_username(),
                "preferred_language": request.user.preferred_language,
                "memberships": MembershipSerializer(memberships, many=True).data,
            }
        )


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "key",
            "tender_id",
            "payload",
            "language",
            "channel",
            "email_to",
            "documents",
            "status",
            "attempts",
            "sends",
            "sent_at",
            "delivery_result",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields


class DeliveryLogSerializer(NotificationSerializer):
    recipient = serializers.SerializerMethodField()

    class Meta(NotificationSerializer.Meta):
        fields = [*NotificationSerializer.Meta.fields, "provider", "user", "recipient"]
        read_only_fields = fields

    def get_recipient(self, notification) -> str:
        if notification.provider_id:
            return notification.provider.name
        return notification.user.get_full_name() or notification.user.username


class TenderNotificationsView(APIView):
    """What the call's notifications did: to whom, when, with which result (the authority's delivery log)."""

    @extend_schema(responses=DeliveryLogSerializer(many=True), summary="The delivery log of a call's notifications")
    def get(self, request, pk):
        # Who bid is sealed until the opening too: no row there for a bid or a draft is shown before it.
        return Response(DeliveryLogSerializer(tender_delivery_log(user=request.user, tender_id=pk), many=True).data)


class ResendInput(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class NotificationResendView(APIView):
    @extend_schema(
        request=ResendInput,
        responses=DeliveryLogSerializer,
        summary="Send a notification again, e.g. to a corrected address (a decision's periods run anew)",
    )
    def post(self, request, pk):
        notification_resend_check(actor=request.user, notification_id=pk)
        serializer = ResendInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        notification = notification_resend(actor=request.user, notification_id=pk, **serializer.validated_data)
        notification = Notification.objects.select_related("provider", "user").get(pk=notification.pk)
        return Response(DeliveryLogSerializer(notification).data, status=202)


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The signed-in user's inbox: their own notifications and those of their provider organisations."""

    lookup_value_regex = r"\d+"
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return notifications_visible_to(self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = notification_mark_read(user=request.user, notification_id=int(pk))
        return Response(NotificationSerializer(notification).data)


class OrganisationInputSerializer(serializers.Serializer):
    name = NameField(max_length=200)
    business_id = serializers.CharField(max_length=20)
    email = serializers.EmailField()
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    preferred_language = serializers.ChoiceField(choices=Language.choices, default=Language.FINNISH)


class NewUserSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$", max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)
    first_name = NameField(max_length=150, required=False, allow_blank=True, default="")
    last_name = NameField(max_length=150, required=False, allow_blank=True, default="")


class AdminUserSerializer(NewUserSerializer):
    email = serializers.EmailField()


class ProviderRegistrationSerializer(serializers.Serializer):
    organisation = OrganisationInputSerializer()
    admin = AdminUserSerializer()


class ProviderRegisterView(APIView):
    """A training provider registers itself with its business ID, and its first administrator."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(request=ProviderRegistrationSerializer, responses={201: ProviderOrganisationSerializer})
    def post(self, request):
        serializer = ProviderRegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        provider, _user = provider_register(
            organisation=dict(serializer.validated_data["organisation"]),
            admin=dict(serializer.validated_data["admin"]),
            ip_address=client_ip(request),
        )
        return Response(ProviderOrganisationSerializer(provider).data, status=201)


class InvitationAcceptSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200)
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$", max_length=150, required=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True, required=False)
    first_name = NameField(max_length=150, required=False, allow_blank=True, default="")
    last_name = NameField(max_length=150, required=False, allow_blank=True, default="")


class InvitationAcceptView(APIView):
    """Accept an invitation, as the signed-in user or as a new user."""

    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(request=InvitationAcceptSerializer, responses={201: MembershipSerializer})
    def post(self, request):
        serializer = InvitationAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        token = data.pop("token")
        new_user = data if data.get("username") and data.get("password") else None
        membership = invitation_accept(token=token, user=request.user, new_user=new_user)
        return Response(MembershipSerializer(membership).data, status=201)


class AuditEventSerializer(serializers.ModelSerializer):
    # An event that would say who has a bid or a draft in a call not yet opened is shown sealed until the opening:
    # its action "sealed", with no actor, outcome, object or detail (procurement.audit.audit_sealed).
    outcome = serializers.ChoiceField(choices=AuditEvent.Outcome.choices, allow_blank=True, read_only=True)
    sealed = serializers.BooleanField(read_only=True, default=False)

    class Meta:
        model = AuditEvent
        # The event's fields (procurement.auditchain.EVENT_FIELDS), with the actor's id beside their name.
        fields = [*EVENT_FIELDS[:2], "actor", *EVENT_FIELDS[2:], "sealed"]
        read_only_fields = fields

    def to_representation(self, event):
        data = super().to_representation(event)
        if getattr(event, "sealed", False):
            for name, value in audit_event_shown(event, self.Meta.fields).items():
                data[name] = None if value is None else self.fields[name].to_representation(value)
        return data


class AuditEventFilter(django_filters.FilterSet):
    # On what the list shows: a sealed event is found as "sealed", never by the action, object or outcome it hides.
    action = django_filters.CharFilter(field_name="shown_action")
    outcome = django_filters.CharFilter(field_name="shown_outcome")
    object_type = django_filters.CharFilter(field_name="shown_object_type")
    object_id = django_filters.CharFilter(field_name="shown_object_id")

    class Meta:
        model = AuditEvent
        fields = ["tender_id", "action", "outcome", "object_type", "object_id"]


def _auditor_authorities(user):
    roles = roles_of(user)
    if not (roles.auditor_of_all or roles.auditor_of):
        raise Forbidden(_("Only auditors read the audit log."))
    return roles


class AuditEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The audit log, for auditors: everything for an auditor of all, else the events of their authorities' calls."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    queryset = AuditEvent.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        roles = _auditor_authorities(self.request.user)
        events = AuditEvent.objects.order_by("sequence", "id")
        if not roles.auditor_of_all:
            events = events.filter(tender_id__in=asks.tenders_of_authorities(roles.auditor_of))
        return audit_events_shown(events)

    @extend_schema(
        responses=inline_serializer(
            "AuditChainReport",
            {
                "intact": serializers.BooleanField(),
                "length": serializers.IntegerField(),
                "head_hash": serializers.CharField(),
                "first_broken_sequence": serializers.IntegerField(allow_null=True),
                "problem": serializers.CharField(),
                "code": serializers.CharField(),
                "anchor": inline_serializer(
                    "AuditAnchor",
                    {
                        "sequence": serializers.IntegerField(),
                        "event_id": serializers.IntegerField(),
                        "hash": serializers.CharField(),
                        "at": serializers.CharField(),
                        "anchored_at": serializers.CharField(),
                    },
                    allow_null=True,
                ),
                "anchors_checked": serializers.IntegerField(),
                "anchored_from": serializers.IntegerField(allow_null=True),
            },
        ),
        summary="Verify the hash chain of the whole audit log against its signed anchors outside the database",
    )
    @action(detail=False, methods=["get"])
    def verify(self, request):
        _auditor_authorities(request.user)
        report = verify_chain()
        audit_record(action="audit.verify", actor=request.user, detail=report.as_dict(), denied=not report.intact)
        return Response(report.as_dict())


class SecurityEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = SecurityEvent
        fields = ["id", "at", "action", "ip_address", "method", "path", "status", "code", "detail", "suppressed"]
        read_only_fields = fields


class SecurityEventFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = SecurityEvent
        fields = ["action", "ip_address", "status"]


class SecurityEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The security log, for the auditors of every authority: refusals that name no user (anonymous requests,
    throttled sign-ins, sign-ins for unknown usernames), newest first; it belongs to no authority."""

    serializer_class = SecurityEventSerializer
    filterset_class = SecurityEventFilter
    queryset = SecurityEvent.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SecurityEvent.objects.none()
        if not roles_of(self.request.user).auditor_of_all:
            raise Forbidden(_("Only the auditors of every authority read the security log."))
        return SecurityEvent.objects.order_by("-at", "-id")
