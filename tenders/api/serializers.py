"""Serialisers of calls for tenders; the status is read-only everywhere (transitions are actions)."""

import base64
import binascii

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from procurement.access import roles_of
from procurement.exclusion import EXCLUSION_CODES
from procurement.fsm import allowed_actions
from procurement.models import ContractingAuthority, Language
from procurement.walltime import HelsinkiDateTimeField

from ..cpv import cpv_name
from ..models import Lot, QualityCriterion, Question, SuitabilityRequirement, Tender, TenderDocument, TenderDocumentKind
from ..rules_check import regime_overview, tender_findings
from ..services import AMENDABLE_FIELDS, EDITABLE_FIELDS, LOT_FIELDS
from ..statistics import tender_statistics_missing

# What the call's state says, read-only everywhere: the state changes by actions (transitions), not by edits.
STATE_FIELDS = (
    "status",
    "published_at",
    "closed_at",
    "opened_at",
    "evaluated_at",
    "decided_at",
    "completed_at",
    "cancelled_at",
    "cancel_reason",
    "cancel_reason_sv",
    "unsuccessful_reason",
    "unsuccessful_reason_sv",
)


class LotSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lot
        fields = ["id", *LOT_FIELDS, "volume", "status", "status_reason", "status_reason_sv"]
        read_only_fields = ["id", "volume", "status", "status_reason", "status_reason_sv"]


class SuitabilityRequirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = SuitabilityRequirement
        fields = ["id", "number", "kind", "text", "text_sv", "evidence", "evidence_sv"]
        read_only_fields = ["id"]


class QualityCriterionSerializer(serializers.ModelSerializer):
    lot_number = serializers.IntegerField(
        required=False, allow_null=True, help_text="The lot this criterion applies to; empty: every lot."
    )

    class Meta:
        model = QualityCriterion
        fields = ["id", "number", "name", "name_sv", "weight", "max_points", "guidance", "guidance_sv", "lot_number"]
        read_only_fields = ["id"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["lot_number"] = instance.lot.number if instance.lot_id else None
        return data


class TenderSerializer(serializers.ModelSerializer):
    authority = serializers.PrimaryKeyRelatedField(queryset=ContractingAuthority.objects.all())
    authority_name = serializers.CharField(source="authority.name", read_only=True)
    co_purchasers = serializers.PrimaryKeyRelatedField(
        queryset=ContractingAuthority.objects.all(), many=True, required=False
    )
    title = serializers.CharField(read_only=True)
    bid_languages = serializers.ListField(
        child=serializers.ChoiceField(choices=Language.choices), required=False, max_length=3
    )
    cpv_additional = serializers.ListField(child=serializers.CharField(max_length=10), required=False, max_length=20)
    cpv_main_name = serializers.SerializerMethodField()
    cpv_additional_names = serializers.SerializerMethodField()
    lots = LotSerializer(many=True)
    criteria = QualityCriterionSerializer(many=True)
    requirements = SuitabilityRequirementSerializer(many=True, required=False)
    exclusion_grounds = serializers.ListField(
        child=serializers.ChoiceField(choices=EXCLUSION_CODES), required=False, max_length=len(EXCLUSION_CODES)
    )
    regime = serializers.CharField(read_only=True)
    planned_publication = HelsinkiDateTimeField(required=False, allow_null=True)
    questions_deadline = HelsinkiDateTimeField(required=False, allow_null=True)
    answers_by = HelsinkiDateTimeField(required=False, allow_null=True)
    submission_deadline = HelsinkiDateTimeField()
    opening_at = HelsinkiDateTimeField(required=False, allow_null=True)
    hilma_statistics = serializers.JSONField(
        required=False,
        help_text=(
            "The answers to Hilma's statistics questions, keyed as Hilma names them (innovationConsidered, lowCarbon, "
            "…): true or false, howManyOpportunitiesIsEstimated a whole number; a follow-up only when it is asked."
        ),
    )

    class Meta:
        model = Tender
        fields = [
            "id",
            "authority",
            "authority_name",
            "co_purchasers",
            "title",
            *EDITABLE_FIELDS,
            "cpv_main_name",
            "cpv_additional_names",
            "regime",
            "procedure_uuid",
            *STATE_FIELDS,
            "lots",
            "criteria",
            "requirements",
        ]
        read_only_fields = [*STATE_FIELDS, "procedure_uuid"]

    def get_cpv_main_name(self, tender) -> str:
        """The official name (eForms SDK) in the language the user asked for."""
        return cpv_name(tender.cpv_main)

    def get_cpv_additional_names(self, tender) -> list[str]:
        return [cpv_name(code) for code in tender.cpv_additional or []]

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
    warnings = serializers.SerializerMethodField()
    approval = serializers.SerializerMethodField()
    rules = serializers.SerializerMethodField()

    hilma_statistics_missing = serializers.SerializerMethodField(
        help_text="For the authority: Hilma's statistics questions still unanswered for the call's notice type."
    )

    class Meta(TenderSerializer.Meta):
        fields = [
            *TenderSerializer.Meta.fields,
            "allowed_actions",
            "warnings",
            "approval",
            "rules",
            "hilma_statistics_missing",
        ]

    def _is_authority_user(self, tender) -> bool:
        return roles_of(self.context["request"].user).reads_authority(tender.authority_id)

    def get_allowed_actions(self, tender) -> list[str]:
        return allowed_actions(tender, self.context["request"].user)

    def get_warnings(self, tender) -> list[dict]:
        if not self._is_authority_user(tender):
            return []
        errors, warnings = tender_findings(tender)
        return [f.as_dict() for f in (*errors, *warnings)]

    def get_rules(self, tender) -> dict | None:
        """For the authority: the regime the CPV codes and the value give, its notices, standstill and redress."""
        if not self._is_authority_user(tender):
            return None
        return regime_overview(tender)

    def get_hilma_statistics_missing(self, tender) -> list[str] | None:
        if not self._is_authority_user(tender):
            return None
        return tender_statistics_missing(tender)

    def get_approval(self, tender) -> dict | None:
        if not self._is_authority_user(tender):
            return None
        return {
            "submitted_by": tender.submitted_for_approval_by_id,
            "submitted_at": tender.submitted_for_approval_at,
            "approved_by": tender.approved_by_id,
            "approved_at": tender.approved_at,
            "comment": tender.approval_comment,
        }


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)
    reason_sv = serializers.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        default="",
        help_text="The reason in Swedish: needed from a bilingual authority once the call is published.",
    )


class InterruptionSerializer(ReasonSerializer):
    """An interruption decision's reason, with its Swedish text for a bilingual authority's decision."""


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class QuestionSerializer(serializers.ModelSerializer):
    """What every provider sees: the question and the published answer, never who asked."""

    published_at = serializers.DateTimeField(source="bulletin.published_at", read_only=True, allow_null=True)
    bulletin = serializers.IntegerField(source="bulletin.number", read_only=True, allow_null=True)

    class Meta:
        model = Question
        fields = ["id", "number", "text", "answer", "bulletin", "published_at"]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not instance.is_published:
            data["answer"] = ""  # a drafted answer is the authority's until it is published
        return data


class QuestionForAuthoritySerializer(QuestionSerializer):
    provider = serializers.IntegerField(source="provider_id", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    asked_by = serializers.CharField(source="asked_by.username", read_only=True)

    class Meta(QuestionSerializer.Meta):
        fields = [
            *QuestionSerializer.Meta.fields,
            "original_text",
            "provider",
            "provider_name",
            "asked_by",
            "asked_at",
            "answered_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        return serializers.ModelSerializer.to_representation(self, instance)


class QuestionAskSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10000)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=20000)


class AnswersPublishSerializer(serializers.Serializer):
    new_deadline = HelsinkiDateTimeField(required=False, allow_null=True)
    late_answer_reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="CallFileChange")  # the schema's name before the rename (issue 20)
class TenderFileChangeSerializer(serializers.Serializer):
    """One change of the call's files in a corrigendum; the file's content in base64."""

    action = serializers.ChoiceField(choices=["add", "replace", "remove"])
    document_id = serializers.IntegerField(required=False, min_value=1)
    kind = serializers.ChoiceField(choices=TenderDocumentKind.choices, required=False)
    title_fi = serializers.CharField(max_length=300, required=False, allow_blank=True)
    title_sv = serializers.CharField(max_length=300, required=False, allow_blank=True)
    filename = serializers.CharField(max_length=400, required=False)
    content_base64 = serializers.CharField(required=False, trim_whitespace=False)

    def validate(self, attrs):
        errors = {}
        if attrs["action"] in ("replace", "remove") and "document_id" not in attrs:
            errors["document_id"] = [_("Name the file to replace or remove.")]
        if attrs["action"] == "add" and "kind" not in attrs:
            errors["kind"] = [_("Choose the kind of the document.")]
        if attrs["action"] in ("add", "replace"):
            if "filename" not in attrs or "content_base64" not in attrs:
                errors["content_base64"] = [_("Give the file's name and its content.")]
            else:
                try:
                    attrs["content"] = base64.b64decode(attrs.pop("content_base64"), validate=True)
                except (binascii.Error, ValueError):
                    errors["content_base64"] = [_("The content is not valid base64.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class AmendSerializer(TenderSerializer):
    """A corrigendum: the fields that change, and why; whether it affects bids already submitted (not given: it
    does, and they go back to draft), the confirmation of an earlier deadline, and the call's files it changes."""

    reason = serializers.CharField(max_length=4000)
    affects_bids = serializers.BooleanField(required=False, allow_null=True, default=None)
    affects_bids_reason = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    confirm_shorter_deadline = serializers.BooleanField(required=False, default=False)
    call_files = TenderFileChangeSerializer(many=True, required=False)

    class Meta(TenderSerializer.Meta):
        fields = [
            "reason",
            "affects_bids",
            "affects_bids_reason",
            "confirm_shorter_deadline",
            "call_files",
            *AMENDABLE_FIELDS,
            "lots",
            "criteria",
            "requirements",
        ]


class TenderVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    reason = serializers.CharField()
    affects_bids = serializers.BooleanField(allow_null=True)
    affects_bids_reason = serializers.CharField()
    changed_fields = serializers.ListField(child=serializers.CharField())
    snapshot = serializers.JSONField()


class FollowSerializer(serializers.Serializer):
    following = serializers.BooleanField(default=True)


class InterestSerializer(serializers.Serializer):
    provider = serializers.IntegerField(source="provider_id")
    provider_name = serializers.CharField(source="provider.name")
    first_viewed_at = serializers.DateTimeField()
    following = serializers.BooleanField()


@extend_schema_serializer(component_name="CallDocument")  # the schema's name before the rename (issue 20)
class TenderDocumentSerializer(serializers.ModelSerializer):
    """A file of the call: current (`withdrawn_in_version` null) or withdrawn by a corrigendum."""

    replaces = serializers.PrimaryKeyRelatedField(read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = TenderDocument
        fields = [
            "id",
            "kind",
            "title_fi",
            "title_sv",
            "filename",
            "content_type",
            "sha256",
            "size",
            "number",
            "replaces",
            "added_in_version",
            "withdrawn_in_version",
            "added_at",
            "download",
        ]
        read_only_fields = fields

    def get_download(self, document) -> str:
        return f"/api/v1/tenders/{document.tender_id}/call-files/{document.pk}/"


@extend_schema_serializer(component_name="CallDocumentUpload")  # the schema's name before the rename (issue 20)
class TenderDocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TenderDocumentKind.choices, required=False)
    title_fi = serializers.CharField(max_length=300, required=False, allow_blank=True)
    title_sv = serializers.CharField(max_length=300, required=False, allow_blank=True)
    file = serializers.FileField(max_length=400, allow_empty_file=True)
