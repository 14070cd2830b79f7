"""HTTP endpoints of the mini-competitions under a framework agreement: hold one, list them."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.models import Language
from procurement.walltime import HelsinkiDateTimeField
from tenders.models import StudyPath, Tender

from .mini_competitions import mini_competition_create, mini_competition_create_check, mini_competitions_of


class CriterionRefinementSerializer(serializers.Serializer[dict[str, Any]]):
    number = serializers.IntegerField(min_value=1, help_text="The criterion's number in the framework agreement.")
    name = serializers.CharField(
        max_length=300, required=False, help_text="The agreement's name of the criterion; it cannot be changed."
    )
    weight = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False)
    guidance = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    guidance_sv = serializers.CharField(max_length=10_000, required=False, allow_blank=True)


class MiniCompetitionInputSerializer(serializers.Serializer[dict[str, Any]]):
    title_fi = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    title_sv = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    description_fi = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")
    description_sv = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")
    municipality = serializers.CharField(max_length=100)
    language_of_instruction = serializers.ChoiceField(choices=Language.choices)
    study_path = serializers.ChoiceField(choices=StudyPath.choices)
    students = serializers.IntegerField(min_value=1, max_value=100_000)
    start_on = serializers.DateField()
    training_days = serializers.IntegerField(min_value=1, max_value=3_650)
    submission_deadline = HelsinkiDateTimeField()
    criteria = CriterionRefinementSerializer(
        many=True,
        required=False,
        help_text="Refinements of the agreement's criteria (weight, guidance), by number; the rest stay as agreed.",
    )
    standstill_chosen = serializers.BooleanField(
        required=False, default=False, help_text="Observe a standstill although a call-off needs none."
    )


class MiniCompetitionSerializer(serializers.ModelSerializer[Tender]):
    title = serializers.CharField(read_only=True)
    framework_lot = serializers.IntegerField(source="framework_lot_id", read_only=True)

    class Meta:
        model = Tender
        fields = [
            "id",
            "reference",
            "title",
            "title_fi",
            "title_sv",
            "status",
            "framework_lot",
            "standstill_chosen",
            "submission_deadline",
            "published_at",
            "decided_at",
        ]
        read_only_fields = fields


class FrameworkMiniCompetitionsView(APIView):
    @extend_schema(
        responses=MiniCompetitionSerializer(many=True),
        summary="The framework's mini-competitions (a provider: those it was invited to)",
    )
    def get(self, request: Request, pk: int) -> Response:
        tenders = mini_competitions_of(user=request.user, framework_id=pk)
        return Response(MiniCompetitionSerializer(tenders, many=True).data)

    @extend_schema(
        request=MiniCompetitionInputSerializer,
        responses={201: MiniCompetitionSerializer},
        summary="Draft a mini-competition among the framework's providers",
    )
    def post(self, request: Request, pk: int) -> Response:
        mini_competition_create_check(actor=request.user, framework_id=pk)
        serializer = MiniCompetitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(serializer.validated_data)
        criteria = [dict(item) for item in data.pop("criteria", None) or []] or None
        tender = mini_competition_create(actor=request.user, framework_id=pk, criteria=criteria, **data)
        return Response(MiniCompetitionSerializer(tender).data, status=201)
