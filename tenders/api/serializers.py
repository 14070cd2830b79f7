"""Serialisers of calls for tenders; the status is read-only everywhere (transitions are actions)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from procurement.fsm import allowed_actions
from procurement.models import ContractingAuthority

from ..models import Lot, QualityCriterion, Tender


class LotSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lot
        fields = ["id", "number", "title", "municipality", "volume", "pricing_unit"]
        read_only_fields = ["id"]


class QualityCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = QualityCriterion
        fields = ["id", "number", "name", "weight", "max_points", "guidance"]
        read_only_fields = ["id"]


class TenderSerializer(serializers.ModelSerializer):
    authority = serializers.PrimaryKeyRelatedField(queryset=ContractingAuthority.objects.all())
    authority_name = serializers.CharField(source="authority.name", read_only=True)
    lots = LotSerializer(many=True)
    criteria = QualityCriterionSerializer(many=True)
    regime = serializers.CharField(read_only=True)

    class Meta:
        model = Tender
        fields = [
            "id",
            "authority",
            "authority_name",
            "reference",
            "title",
            "description",
            "language",
            "cpv_main",
            "estimated_value",
            "regime",
            "price_weight",
            "price_method",
            "tender_validity_months",
            "submission_deadline",
            "status",
            "published_at",
            "closed_at",
            "opened_at",
            "evaluated_at",
            "decided_at",
            "completed_at",
            "cancelled_at",
            "cancel_reason",
            "lots",
            "criteria",
        ]
        read_only_fields = [
            "status",
            "published_at",
            "closed_at",
            "opened_at",
            "evaluated_at",
            "decided_at",
            "completed_at",
            "cancelled_at",
            "cancel_reason",
        ]

    def validate_lots(self, lots):
        if not lots:
            raise serializers.ValidationError(_("A call needs at least one lot."), code="no_lots")
        return lots

    def validate_submission_deadline(self, value):
        if value <= timezone.now():
            raise serializers.ValidationError(_("The tender deadline must be in the future."), code="deadline_in_past")
        return value

    def validate(self, attrs):
        if self.instance is not None and "authority" in attrs and attrs["authority"].pk != self.instance.authority_id:
            raise serializers.ValidationError(
                {"authority": [_("The authority of a call cannot be changed.")]}, code="immutable"
            )
        return attrs


class TenderDetailSerializer(TenderSerializer):
    allowed_actions = serializers.SerializerMethodField()

    class Meta(TenderSerializer.Meta):
        fields = [*TenderSerializer.Meta.fields, "allowed_actions"]

    def get_allowed_actions(self, tender) -> list[str]:
        return allowed_actions(tender, self.context["request"].user)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)
