"""Read endpoints for organisations and the signed-in user's roles."""

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.access import roles_of
from procurement.errors import NotFound
from procurement.models import ContractingAuthority, Membership, Notification, ProviderOrganisation


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


class ContractingAuthorityViewSet(viewsets.ReadOnlyModelViewSet):
    """Contracting authorities are public information."""

    lookup_value_regex = r"\d+"
    serializer_class = ContractingAuthoritySerializer
    queryset = ContractingAuthority.objects.order_by("name_fi")
    filterset_fields = ["kind", "language_status", "region"]


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


class MembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["role", "authority", "provider"]


class MeView(APIView):
    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
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
                "username": request.user.get_username(),
                "preferred_language": request.user.preferred_language,
                "memberships": MembershipSerializer(memberships, many=True).data,
            }
        )


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "key", "tender_id", "payload", "created_at", "read_at"]
        read_only_fields = fields


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The signed-in user's inbox: their own notifications and those of their provider organisations."""

    lookup_value_regex = r"\d+"
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        roles = roles_of(self.request.user)
        return Notification.objects.filter(Q(user=self.request.user) | Q(provider_id__in=roles.provider_of)).order_by(
            "-created_at", "-id"
        )

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_queryset().filter(pk=pk).first()
        if notification is None:
            raise NotFound()
        if notification.read_at is None:
            Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
            notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)
