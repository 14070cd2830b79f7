"""The API of claims for rectification and Market Court appeals (evaluation.claims, evaluation.appeals): a call's
claims (the authority's readers all, a bidder its own), filed by a bidder or registered by an officer, decided or
withdrawn; a call's appeals and their rulings, for the authority."""

from typing import Any, cast

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.access import roles_of
from procurement.models import User
from tenders.models import Tender

from . import appeals, claims
from .models import Appeal, Claim


class LotRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    title = serializers.CharField()


class ClaimDocumentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    status = serializers.CharField()


class ClaimSerializer(serializers.ModelSerializer[Claim]):
    lots = LotRefSerializer(many=True, read_only=True)
    tender = serializers.IntegerField(source="decision.tender_id", read_only=True)
    period_ends_on = serializers.SerializerMethodField(help_text="The last day of the claimant's claim period.")
    late = serializers.SerializerMethodField(help_text="It arrived after the claimant's period.")
    documents = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = ["id", "tender", "decision", "number", "kind", "channel", "status", "provider", "claimant_name"]
        fields += ["lots", "arrived_on", "grounds", "filed_at", "reason", "reason_sv", "decided_at"]
        fields += ["period_ends_on", "late", "documents"]
        read_only_fields = fields

    def get_period_ends_on(self, claim: Claim) -> str | None:
        ends_on = claims.claim_period_end(claim.decision, claim.provider_id)
        return ends_on.isoformat() if ends_on else None

    def get_late(self, claim: Claim) -> bool:
        return claims.claim_is_late(claim)

    @extend_schema(request=None, responses=ClaimDocumentSerializer(many=True))
    def get_documents(self, claim: Claim) -> list[dict[str, Any]]:
        user = self.context["request"].user
        return [
            {"id": d.pk, "version": d.version, "status": d.status} for d in claims.claim_documents(claim, user=user)
        ]


class MarketCourtAppealSerializer(serializers.ModelSerializer[Appeal]):
    lots = LotRefSerializer(many=True, read_only=True)
    diary_number = serializers.CharField(source="reference", read_only=True)
    appellant_name = serializers.SerializerMethodField()
    new_evaluation_needed = serializers.SerializerMethodField()
    outcome = serializers.ChoiceField(choices=Appeal.Outcome.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Appeal
        fields = ["id", "decision", "lots", "diary_number", "appellant", "appellant_name", "filed_on", "informed_on"]
        fields += ["registered_at", "outcome", "amount", "outcome_note", "resolved_on", "new_evaluation_needed"]
        read_only_fields = fields

    def get_appellant_name(self, appeal: Appeal) -> str:
        return appeal.appellant_name or (appeal.appellant.name if appeal.appellant else "")

    def get_new_evaluation_needed(self, appeal: Appeal) -> bool:
        return appeal.outcome in appeals.NEEDS_NEW_EDITION


class ClaimFileInput(serializers.Serializer[Any]):
    lots = serializers.ListField(child=serializers.IntegerField(), allow_empty=True, help_text="Lot ids.")
    grounds = serializers.CharField(max_length=20000, allow_blank=True)


class ClaimRegisterInput(ClaimFileInput):
    arrived_on = serializers.DateField()
    channel = serializers.ChoiceField(choices=[(c.value, c.label) for c in claims.REGISTERED_CHANNELS])
    provider = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="A bidder's id.")
    claimant_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ClaimDecideInput(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=["rejected", "inadmissible"])
    reason = serializers.CharField(max_length=20000, allow_blank=True)
    reason_sv = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")


class MarketCourtAppealInput(serializers.Serializer[Any]):
    lots = serializers.ListField(child=serializers.IntegerField(), allow_empty=True, help_text="Lot ids.")
    diary_number = serializers.CharField(max_length=60)
    informed_on = serializers.DateField()
    filed_on = serializers.DateField(required=False, allow_null=True, default=None)
    appellant = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="A bidder's id.")
    appellant_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class MarketCourtRulingInput(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=Appeal.Outcome.choices)
    decided_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


def _valid(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _actor(request: Request) -> User:
    return cast(User, request.user)


def _claim(request: Request, claim_id: int) -> dict[str, Any]:
    claim = claims.claim_get(user=request.user, claim_id=claim_id)
    return dict(ClaimSerializer(claim, context={"request": request}).data)


def _is_authority(request: Request, tender_id: int) -> bool:
    """The user reads the call's authority: it registers a claim (an officer) or may not (its other readers)."""
    authority_id = Tender.objects.filter(pk=tender_id).values_list("authority_id", flat=True).first()
    return authority_id is not None and roles_of(request.user).reads_authority(authority_id)


class TenderClaimsView(APIView):
    @extend_schema(
        responses=ClaimSerializer(many=True),
        summary="A call's claims for rectification: the authority's readers all, a bidder its own",
    )
    def get(self, request: Request, pk: int) -> Response:
        rows = claims.claims_of_tender(user=request.user, tender_id=pk)
        return Response(ClaimSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(
        request=ClaimRegisterInput,
        responses={201: ClaimSerializer},
        summary="A bidder files a claim for rectification (lots, grounds); an officer registers one that came by "
        "e-mail, post or by hand (also arrived_on, channel, provider or claimant_name)",
    )
    def post(self, request: Request, pk: int) -> Response:
        if _is_authority(request, pk):
            claims.claim_officer_check(actor=_actor(request), tender_id=pk)
            data = _valid(ClaimRegisterInput, request)
            claim = claims.claim_register(
                actor=_actor(request),
                tender_id=pk,
                lot_ids=data["lots"],
                grounds=data["grounds"],
                arrived_on=data["arrived_on"],
                channel=data["channel"],
                provider_id=data["provider"],
                claimant_name=data["claimant_name"],
            )
        else:
            claims.claim_file_check(actor=request.user, tender_id=pk)
            data = _valid(ClaimFileInput, request)
            claim = claims.claim_file(
                actor=_actor(request), tender_id=pk, lot_ids=data["lots"], grounds=data["grounds"], channel="api"
            )
        return Response(_claim(request, claim.pk), status=201)


class ClaimView(APIView):
    @extend_schema(responses=ClaimSerializer, summary="A claim for rectification (the authority, or its claimant)")
    def get(self, request: Request, pk: int) -> Response:
        return Response(_claim(request, pk))


class ClaimDecideView(APIView):
    @extend_schema(
        request=ClaimDecideInput,
        responses=ClaimSerializer,
        summary="An officer decides a claim: rejected or not examined, with reasons (the decision PDF follows)",
    )
    def post(self, request: Request, pk: int) -> Response:
        claims.claim_decide_check(actor=request.user, claim_id=pk)
        data = _valid(ClaimDecideInput, request)
        claims.claim_decide(actor=_actor(request), claim_id=pk, **data)
        return Response(_claim(request, pk))


class ClaimWithdrawView(APIView):
    @extend_schema(request=None, responses=ClaimSerializer, summary="The claimant (or an officer) withdraws a claim")
    def post(self, request: Request, pk: int) -> Response:
        claims.claim_withdraw(actor=_actor(request), claim_id=pk)
        return Response(_claim(request, pk))


class TenderAppealsView(APIView):
    @extend_schema(
        responses=MarketCourtAppealSerializer(many=True), summary="A call's Market Court appeals (the authority's)"
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(
            MarketCourtAppealSerializer(appeals.appeals_of_tender(user=request.user, tender_id=pk), many=True).data
        )

    @extend_schema(
        request=MarketCourtAppealInput,
        responses={201: MarketCourtAppealSerializer},
        summary="An officer registers a Market Court appeal",
    )
    def post(self, request: Request, pk: int) -> Response:
        appeals.appeal_officer_check(actor=_actor(request), tender_id=pk)
        data = _valid(MarketCourtAppealInput, request)
        appeal = appeals.appeal_register(
            actor=_actor(request),
            tender_id=pk,
            lot_ids=data["lots"],
            diary_number=data["diary_number"],
            informed_on=data["informed_on"],
            filed_on=data["filed_on"],
            appellant_id=data["appellant"],
            appellant_name=data["appellant_name"],
        )
        return Response(
            MarketCourtAppealSerializer(
                appeals.appeals_of_tender(user=request.user, tender_id=pk).get(pk=appeal.pk)
            ).data,
            status=201,
        )


class AppealResolveView(APIView):
    @extend_schema(
        request=MarketCourtRulingInput,
        responses=MarketCourtAppealSerializer,
        summary="An officer records the court's ruling",
    )
    def post(self, request: Request, pk: int) -> Response:
        tender_id = appeals.appeal_tender_check(actor=_actor(request), appeal_id=pk)
        data = _valid(MarketCourtRulingInput, request)
        appeals.appeal_resolve(actor=_actor(request), appeal_id=pk, **data)
        return Response(
            MarketCourtAppealSerializer(
                appeals.appeals_of_tender(user=request.user, tender_id=tender_id).get(pk=pk)
            ).data
        )


urlpatterns = [
    path("tenders/<int:pk>/claims/", TenderClaimsView.as_view(), name="tender-claims"),
    path("claims/<int:pk>/", ClaimView.as_view(), name="claim"),
    path("claims/<int:pk>/decide/", ClaimDecideView.as_view(), name="claim-decide"),
    path("claims/<int:pk>/withdraw/", ClaimWithdrawView.as_view(), name="claim-withdraw"),
    path("tenders/<int:pk>/appeals/", TenderAppealsView.as_view(), name="tender-appeals"),
    path("appeals/<int:pk>/resolve/", AppealResolveView.as_view(), name="appeal-resolve"),
]
