"""HTTP endpoints for opening, scoring, ranking and deciding a call."""

import hashlib
import json
from datetime import datetime, time
from decimal import Decimal

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import http_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bids.api.serializers import BidSerializer
from bids.selectors import tender_bid_count, tender_bids
from procurement.errors import NotFound, ValidationFailed
from procurement.walltime import HelsinkiDateTimeField, helsinki_wall_time
from tenders.api.notices import NoticeSerializer, notice_render
from tenders.api.serializers import TenderDetailSerializer
from tenders.selectors import tender_get

from . import award_notices, contracts, ocds, services
from .clarifications import (
    offer_reject_for_price,
    offer_reject_nonconforming,
    panel_work_check,
    provider_request_create,
)
from .draws import tie_draw_confirm, tie_draw_start, tie_draw_verify, tie_draws
from .exports import comparison_workbook
from .models import (
    Appeal,
    AwardDecision,
    ContractStatus,
    LiabilityDocument,
    LiabilityDocumentKind,
    LotAward,
    LotContract,
    OpeningRequest,
    PanelMember,
    ProviderRequest,
    TieDraw,
)
from .panel import panel_add, panel_add_check, panel_declare, panel_declare_check
from .qualification import qualification_check, qualification_record
from .selectors import abnormally_low, lot_results, panel_of, qualification_check_row, qualification_checks


def optional_text(help_text: str) -> serializers.CharField:
    """An optional text of an officer (a Swedish counterpart, a public summary), blank when not given."""
    return serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="", help_text=help_text)


class QualityScoreInputSerializer(serializers.Serializer):
    lot_offer = serializers.IntegerField()
    criterion = serializers.IntegerField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal("0"))
    reason = serializers.CharField(max_length=10000)
    reason_sv = optional_text("The reason in Swedish (consensus scores): a bilingual authority's decision needs it.")
    public_reason = optional_text(
        "A summary of the reason for the other bidders, shown in the decision when the bidder marked its "
        "answer to the criterion as a business secret (consensus scores only); the bidder's letter has the reason."
    )
    public_reason_sv = optional_text(
        "The public reason in Swedish: a bilingual authority's decision needs it when there is one."
    )


class ScoresInputSerializer(serializers.Serializer):
    scores = QualityScoreInputSerializer(many=True, allow_empty=False)


class LotResultSerializer(serializers.Serializer):
    lot = serializers.IntegerField(source="lot_id")
    lot_number = serializers.IntegerField(source="lot.number")
    lot_offer = serializers.IntegerField(source="lot_offer_id")
    bid = serializers.IntegerField(source="lot_offer.bid_id")
    provider = serializers.CharField(source="lot_offer.bid.provider.name")
    comparison_price = serializers.DecimalField(source="lot_offer.comparison_price", max_digits=16, decimal_places=2)
    price_points = serializers.DecimalField(max_digits=8, decimal_places=2)
    quality_points = serializers.DecimalField(max_digits=8, decimal_places=2)
    total_points = serializers.DecimalField(max_digits=8, decimal_places=2)
    rank = serializers.IntegerField()
    calculation = serializers.JSONField()


class LotAwardSerializer(serializers.ModelSerializer):
    lot_number = serializers.IntegerField(source="lot.number")
    winner_bid = serializers.IntegerField(source="winner.bid_id", allow_null=True)
    winner_provider = serializers.CharField(source="winner.bid.provider.name", allow_null=True)

    class Meta:
        model = LotAward
        fields = ["lot", "lot_number", "rank", "winner", "winner_bid", "winner_provider"]


class AwardDecisionSerializer(serializers.ModelSerializer):
    lot_awards = LotAwardSerializer(many=True)
    redress = serializers.SerializerMethodField()

    class Meta:
        model = AwardDecision
        fields = [
            "id",
            "tender",
            "decided_by",
            "decided_at",
            "regime",
            "standstill_ends_on",
            "appeal_ends_on",
            "self_correction_ends_on",
            "lot_awards",
            "redress",
        ]

    def get_redress(self, decision) -> dict:
        """The remedy the decision's regime and the authority's kind give, under the publication's rule set."""
        from procurement.redress import redress_for

        return redress_for(tender=decision.tender, regime=decision.regime).as_dict()


def _tender_response(request, tender_id) -> Response:
    tender = tender_get(user=request.user, tender_id=tender_id)
    return Response(TenderDetailSerializer(tender, context={"request": request}).data)


class OpeningRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpeningRequest
        fields = ["requested_by", "requested_at", "expires_at", "confirmed_by", "confirmed_at"]


class TenderOpenView(APIView):
    @extend_schema(
        request=None,
        responses={202: OpeningRequestSerializer, 200: TenderDetailSerializer},
        summary="Open the bids of a closed call: one officer asks (202), a second confirms and the bids open (200)",
    )
    def post(self, request, pk):
        opening = services.tender_open(actor=request.user, tender_id=pk)
        if opening.confirmed_at is None:
            return Response(OpeningRequestSerializer(opening).data, status=202)
        return _tender_response(request, pk)


class TenderBidsView(APIView):
    @extend_schema(responses=BidSerializer(many=True), summary="The submitted bids of a call, after the opening")
    def get(self, request, pk):
        return Response(BidSerializer(tender_bids(user=request.user, tender_id=pk), many=True).data)


class TenderBidCountView(APIView):
    @extend_schema(
        responses=inline_serializer("BidCount", {"count": serializers.IntegerField()}),
        summary="How many bids were submitted (after the deadline)",
    )
    def get(self, request, pk):
        return Response({"count": tender_bid_count(user=request.user, tender_id=pk)})


class PanelMemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = PanelMember
        fields = ["user", "username", "added_at", "declared_at", "has_conflict", "statement"]
        read_only_fields = ["added_at", "declared_at", "has_conflict", "statement"]


class DeclarationSerializer(serializers.Serializer):
    has_conflict = serializers.BooleanField()
    statement = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")


class TenderPanelView(APIView):
    @extend_schema(responses=PanelMemberSerializer(many=True), summary="The evaluation panel of a call")
    def get(self, request, pk):
        return Response(PanelMemberSerializer(panel_of(user=request.user, tender_id=pk), many=True).data)

    @extend_schema(request=PanelMemberSerializer, responses={201: PanelMemberSerializer}, summary="Name an evaluator")
    def post(self, request, pk):
        # Permission first: the body's user id is never looked up for someone who may not name evaluators.
        panel_add_check(actor=request.user, tender_id=pk)
        serializer = PanelMemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = panel_add(actor=request.user, tender_id=pk, user_id=serializer.validated_data["user"].pk)
        return Response(PanelMemberSerializer(member).data, status=201)


class TenderDeclarationView(APIView):
    @extend_schema(
        request=DeclarationSerializer, responses=PanelMemberSerializer, summary="Declare on conflicts of interest"
    )
    def post(self, request, pk):
        panel_declare_check(actor=request.user, tender_id=pk)
        serializer = DeclarationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = panel_declare(actor=request.user, tender_id=pk, **serializer.validated_data)
        return Response(PanelMemberSerializer(member).data)


class QualificationCheckSerializer(serializers.Serializer):
    bid = serializers.IntegerField()
    subject = serializers.CharField(max_length=40, help_text='"exclusion" or "requirement:<id>"')
    passed = serializers.BooleanField()
    reason = serializers.CharField(max_length=10_000)
    reason_sv = optional_text("The reason in Swedish: a bilingual authority's decision needs it for a failed check.")
    ground = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="A failed exclusion check: the exclusion ground (a code the call asks to declare, e.g. "
        '"unpaid_taxes", section 80, or "bankruptcy", section 81). Required then; empty for any other check.',
    )
    public_reason = optional_text(
        "A summary of the reason for the other bidders, shown in the decision when the reason concerns "
        "evidence the bidder marked as a business secret; the bidder's letter has the reason."
    )
    public_reason_sv = optional_text(
        "The public reason in Swedish: a bilingual authority's decision needs it when there is one."
    )


class QualificationInputSerializer(serializers.Serializer):
    checks = QualificationCheckSerializer(many=True, allow_empty=False, max_length=5000)


class TenderQualificationView(APIView):
    @extend_schema(responses=QualificationCheckSerializer(many=True), summary="The qualification of the bids")
    def get(self, request, pk):
        return Response(
            QualificationCheckSerializer(qualification_checks(user=request.user, tender_id=pk), many=True).data
        )

    @extend_schema(
        request=QualificationInputSerializer,
        responses=QualificationCheckSerializer(many=True),
        summary="Record pass/fail, with reasons, for exclusion and suitability",
    )
    def post(self, request, pk):
        qualification_check(actor=request.user, tender_id=pk)
        serializer = QualificationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = qualification_record(actor=request.user, tender_id=pk, checks=serializer.validated_data["checks"])
        return Response(QualificationCheckSerializer([qualification_check_row(c) for c in saved], many=True).data)


class ProviderRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProviderRequest
        fields = ["id", "bid", "lot_offer", "kind", "message", "deadline", "requested_at", "answer", "answered_at"]
        read_only_fields = ["id", "requested_at", "answer", "answered_at"]

    bid = serializers.IntegerField(source="bid_id")
    lot_offer = serializers.IntegerField(
        source="lot_offer_id",
        required=False,
        allow_null=True,
        default=None,
        help_text="The offer whose price is to be explained: required for a price explanation (section 96).",
    )
    deadline = HelsinkiDateTimeField(help_text="The time set for the answer.")


class PriceRejectionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=10_000, help_text="The officer's specific reason for the rejection.")
    assessment = optional_text(
        "Why the bidder's explanation does not account for the price: required when the bidder answered."
    )
    reason_sv = optional_text("The reason in Swedish: a bilingual authority's decision needs it.")
    assessment_sv = optional_text("The assessment in Swedish: a bilingual authority's decision needs it.")


class TenderRequestsView(APIView):
    @extend_schema(
        request=ProviderRequestSerializer,
        responses={201: ProviderRequestSerializer},
        summary="Ask a bidder for a clarification or for an explanation of an abnormally low price",
    )
    def post(self, request, pk):
        panel_work_check(actor=request.user, tender_id=pk)
        serializer = ProviderRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = provider_request_create(
            actor=request.user,
            tender_id=pk,
            bid_id=data["bid_id"],
            kind=data["kind"],
            message=data["message"],
            deadline=data["deadline"],
            lot_offer_id=data["lot_offer_id"],
        )
        return Response(ProviderRequestSerializer(created).data, status=201)


class TenderAbnormallyLowView(APIView):
    @extend_schema(
        responses=inline_serializer(
            "AbnormallyLow",
            {
                "lot_offer": serializers.IntegerField(),
                "lot": serializers.IntegerField(),
                "threshold_percent": serializers.CharField(),
                "mean_of_others": serializers.CharField(),
                "below_percent": serializers.CharField(),
            },
            many=True,
        ),
        summary="Offers flagged as abnormally low (a prompt to ask for an explanation; any offer may be asked)",
    )
    def get(self, request, pk):
        flagged = abnormally_low(user=request.user, tender_id=pk)
        return Response([{"lot_offer": offer_id, **details} for offer_id, details in sorted(flagged.items())])


class OfferRejectView(APIView):
    @extend_schema(
        request=PriceRejectionInputSerializer,
        responses={204: None},
        summary="Reject an offer for its price (section 96): after a price explanation was asked and its time passed "
        "unanswered, or with the officer's assessment of the answer",
    )
    def post(self, request, pk, offer_id):
        return _offer_reject(request, pk, offer_id, PriceRejectionInputSerializer, offer_reject_for_price)


def _offer_reject(request, pk, offer_id, serializer_class, service):
    """A rejection of one offer: the panel's right to work on the call is checked before the body is read."""
    panel_work_check(actor=request.user, tender_id=pk)
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    service(actor=request.user, tender_id=pk, lot_offer_id=offer_id, **serializer.validated_data)
    return Response(status=204)


class ConformityRejectionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=10_000, help_text="Specifically, in what the offer does not conform to the call for tenders."
    )
    reason_sv = optional_text("The reason in Swedish: a bilingual authority's decision needs it.")


class OfferRejectNonconformingView(APIView):
    @extend_schema(
        request=ConformityRejectionInputSerializer,
        responses={204: None},
        summary="Reject an offer as not conforming to the call for tenders, with the specific reason (before the "
        "evaluation is finished); it is left out of the scoring and the ranking",
    )
    def post(self, request, pk, offer_id):
        return _offer_reject(request, pk, offer_id, ConformityRejectionInputSerializer, offer_reject_nonconforming)


class TenderScoresView(APIView):
    individual = False

    @extend_schema(
        request=ScoresInputSerializer,
        responses=inline_serializer("ScoresSaved", {"saved": serializers.IntegerField()}),
        summary="Record quality scores: the panel's consensus (/scores/) or your own (/scores/individual/)",
    )
    def post(self, request, pk):
        services.quality_scores_check(actor=request.user, tender_id=pk)
        serializer = ScoresInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = services.quality_scores_record(
            actor=request.user, tender_id=pk, scores=serializer.validated_data["scores"], individual=self.individual
        )
        return Response({"saved": len(saved)})


class TenderIndividualScoresView(TenderScoresView):
    individual = True


class TenderEvaluateView(APIView):
    @extend_schema(
        request=None, responses=TenderDetailSerializer, summary="Compute the ranking and finish the evaluation"
    )
    def post(self, request, pk):
        services.tender_evaluate(actor=request.user, tender_id=pk)
        return _tender_response(request, pk)


class TenderResultsView(APIView):
    @extend_schema(responses=LotResultSerializer(many=True), summary="The ranking of every lot")
    def get(self, request, pk):
        return Response(LotResultSerializer(lot_results(user=request.user, tender_id=pk), many=True).data)


class TenderResultsXlsxView(APIView):
    @extend_schema(
        responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY},
        summary="The comparison table of every lot as an XLSX workbook",
    )
    def get(self, request, pk):
        results = list(lot_results(user=request.user, tender_id=pk))
        tender = tender_get(user=request.user, tender_id=pk)
        response = HttpResponse(
            comparison_workbook(tender=tender, results=results),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="comparison-{tender.pk}.xlsx"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ProposalInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")


class TenderProposeView(APIView):
    @extend_schema(
        request=ProposalInputSerializer,
        responses=inline_serializer(
            "AwardProposal", {"winners": serializers.JSONField(), "note": serializers.CharField()}
        ),
        summary="Propose the award on the ranking (an officer); a decision-maker then decides",
    )
    def post(self, request, pk):
        services.tender_propose_check(actor=request.user, tender_id=pk)
        serializer = ProposalInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = services.tender_propose(actor=request.user, tender_id=pk, **serializer.validated_data)
        return Response({"winners": proposal.winners, "note": proposal.note}, status=201)


class TieDrawSerializer(serializers.ModelSerializer):
    lot_number = serializers.IntegerField(source="lot.number")
    seed = serializers.SerializerMethodField(help_text="Shown once the second officer has confirmed the draw.")
    verified = serializers.SerializerMethodField(help_text="The order recomputed from the seed matches the record.")

    class Meta:
        model = TieDraw
        fields = [
            "id",
            "lot",
            "lot_number",
            "rank",
            "tied_bids",
            "algorithm",
            "commitment",
            "seed",
            "order",
            "started_by",
            "started_at",
            "expires_at",
            "confirmed_by",
            "confirmed_at",
            "verified",
        ]

    def get_seed(self, draw) -> str | None:
        return draw.seed if draw.confirmed_at is not None else None

    def get_verified(self, draw) -> bool | None:
        return tie_draw_verify(draw) if draw.confirmed_at is not None else None


class LotDrawView(APIView):
    @extend_schema(responses=TieDrawSerializer(many=True), summary="The draws of lots of a lot, with their record")
    def get(self, request, pk, lot_number):
        return Response(
            TieDrawSerializer(tie_draws(user=request.user, tender_id=pk, lot_number=lot_number), many=True).data
        )

    @extend_schema(
        request=None,
        responses={201: TieDrawSerializer},
        summary="Start drawing lots between tied offers (an officer); the seed's commitment is recorded",
    )
    def post(self, request, pk, lot_number):
        draw = tie_draw_start(actor=request.user, tender_id=pk, lot_number=lot_number)
        return Response(TieDrawSerializer(draw).data, status=201)


class LotDrawConfirmView(APIView):
    @extend_schema(
        request=None,
        responses=TieDrawSerializer,
        summary="Confirm the draw (a second officer): the seed is revealed and the order drawn is applied",
    )
    def post(self, request, pk, lot_number):
        draw = tie_draw_confirm(actor=request.user, tender_id=pk, lot_number=lot_number)
        return Response(TieDrawSerializer(draw).data)


class TenderDecideView(APIView):
    @extend_schema(request=None, responses=AwardDecisionSerializer, summary="Decide the award; queues the decision PDF")
    def post(self, request, pk):
        decision = services.tender_decide(actor=request.user, tender_id=pk)
        decision = AwardDecision.objects.prefetch_related("lot_awards__lot", "lot_awards__winner__bid__provider").get(
            pk=decision.pk
        )
        return Response(AwardDecisionSerializer(decision).data, status=201)


# ---- After the decision: the contract step ----------------------------------------------------------------------


class AppealSerializer(serializers.ModelSerializer):
    outcome = serializers.ChoiceField(choices=Appeal.Outcome.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Appeal
        fields = ["id", "filed_on", "reference", "registered_at", "outcome", "resolved_on"]
        read_only_fields = fields


class LiabilityDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = LiabilityDocument
        fields = ["id", "kind", "issued_on", "note", "added_at"]
        read_only_fields = fields


class LotContractSerializer(serializers.ModelSerializer):
    lot_number = serializers.IntegerField(source="lot.number", read_only=True)
    appeals = AppealSerializer(many=True, read_only=True)
    liability_documents = LiabilityDocumentSerializer(many=True, read_only=True)
    notified_at = HelsinkiDateTimeField(read_only=True, allow_null=True)
    appeal_deadline = HelsinkiDateTimeField(read_only=True, allow_null=True)
    cleared_at = HelsinkiDateTimeField(read_only=True, allow_null=True)
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = LotContract
        fields = [
            "id",
            "lot",
            "lot_number",
            "status",
            "notified_at",
            "standstill_ends_on",
            "self_correction_ends_on",
            "appeal_deadline",
            "cleared_at",
            "cleared_by",
            "clearance_note",
            "signed_on",
            "signatories",
            "contract_reference",
            "appeals",
            "liability_documents",
            "warnings",
        ]
        read_only_fields = fields

    @extend_schema_field(
        inline_serializer(
            "ContractWarning", fields={"code": serializers.CharField(), "message": serializers.CharField()}, many=True
        )
    )
    def get_warnings(self, contract) -> list[dict]:
        from django.utils import timezone

        if contract.status in (ContractStatus.SIGNED, ContractStatus.CANCELLED):
            return []
        return [w.as_dict() for w in contracts.liability_warnings(contract, on=timezone.localdate())]


class TenderContractsView(APIView):
    @extend_schema(responses=LotContractSerializer(many=True), summary="The awarded lots after the decision")
    def get(self, request, pk):
        rows = contracts.contracts_of_tender(user=request.user, tender_id=pk)
        return Response(LotContractSerializer(rows, many=True).data)


def validated(serializer_class, request, contract_id) -> dict:
    """The body, validated once the caller is known to be one who may write to the contract step."""
    contracts.contract_officer_check(actor=request.user, contract_id=contract_id)
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _contract_data(request, contract_id) -> dict:
    contract = contracts._contract_for(request.user, contract_id)
    contract = (
        LotContract.objects.prefetch_related("appeals", "liability_documents").select_related("lot").get(pk=contract.pk)
    )
    return LotContractSerializer(contract).data


class AppealInput(serializers.Serializer):
    filed_on = serializers.DateField()
    reference = serializers.CharField(max_length=60)


class ContractAppealsView(APIView):
    @extend_schema(
        request=AppealInput, responses={201: LotContractSerializer}, summary="Register a Market Court appeal"
    )
    def post(self, request, pk):
        data = validated(AppealInput, request, pk)
        contracts.appeal_register(actor=request.user, contract_id=pk, **data)
        return Response(_contract_data(request, pk), status=201)


class AppealResolveInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Appeal.Outcome.choices)
    resolved_on = serializers.DateField()


class AppealResolveView(APIView):
    @extend_schema(request=AppealResolveInput, responses=LotContractSerializer, summary="Record an appeal's outcome")
    def post(self, request, pk, appeal_id):
        data = validated(AppealResolveInput, request, pk)
        contracts.appeal_resolve(actor=request.user, contract_id=pk, appeal_id=appeal_id, **data)
        return Response(_contract_data(request, pk))


class LiabilityDocumentInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LiabilityDocumentKind.choices)
    issued_on = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ContractLiabilityView(APIView):
    @extend_schema(
        request=LiabilityDocumentInput,
        responses={201: LotContractSerializer},
        summary="Record a contractor-liability document",
    )
    def post(self, request, pk):
        data = validated(LiabilityDocumentInput, request, pk)
        contracts.liability_document_add(actor=request.user, contract_id=pk, **data)
        return Response(_contract_data(request, pk), status=201)


class ClearInput(serializers.Serializer):
    confirmed = serializers.BooleanField(
        help_text="True: no self-correction claim or Market Court appeal concerning the lot had arrived when checked."
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ContractClearView(APIView):
    @extend_schema(
        request=ClearInput,
        responses=LotContractSerializer,
        summary="Confirm, after the standstill, that no claim or appeal has arrived (needed before signing)",
    )
    def post(self, request, pk):
        data = validated(ClearInput, request, pk)
        contracts.lot_contracting_clear(actor=request.user, contract_id=pk, **data)
        return Response(_contract_data(request, pk))


class SignInput(serializers.Serializer):
    signed_on = serializers.DateField()
    signatories = serializers.ListField(child=serializers.CharField(max_length=120), min_length=1, max_length=10)
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class ContractSignView(APIView):
    @extend_schema(request=SignInput, responses=LotContractSerializer, summary="Record the signing of the contract")
    def post(self, request, pk):
        data = validated(SignInput, request, pk)
        _contract, warnings = contracts.contract_sign(actor=request.user, contract_id=pk, **data)
        body = _contract_data(request, pk)
        body["warnings"] = [w.as_dict() for w in warnings]
        return Response(body)


# --- the OCDS feed: public, read-only, published calls only (evaluation/ocds.py) -------------------------------


def _ocds_response(request, package: dict, *, modified, links: dict[str, str] | None = None) -> HttpResponse:
    """The package as JSON with its ETag and Last-Modified; 304 when the client's copy is current."""
    body = json.dumps(package, ensure_ascii=False, sort_keys=True).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    # Anyone may keep a copy, asking each time whether it is still current (the ETag answers).
    response["Cache-Control"] = "public, no-cache"
    if modified is not None:
        response["Last-Modified"] = http_date(modified.timestamp())
    if links:
        response["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    return response


def _ocds_moment(request, name: str):
    """A date or date-time query parameter (a date is its day's start in Helsinki), or None when absent."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            moment = None if day is None else datetime.combine(day, time.min)
        if moment is not None and not timezone.is_aware(moment):
            moment = helsinki_wall_time(moment)
    except (ValueError, OverflowError):  # well formed but no such day or time
        moment = None
    except serializers.ValidationError as error:  # a wall time that does not exist, or happens twice, in Helsinki
        detail = error.detail
        text = str(detail[0]) if isinstance(detail, list) and detail else str(detail)
        raise ValidationFailed(errors={name: [{"code": "invalid", "message": text}]}) from None
    if moment is None:
        message = _("Give a date or a date and time.")
        raise ValidationFailed(errors={name: [{"code": "invalid", "message": message}]})
    return moment


OCDS_MAX_PAGE = 1_000_000  # beyond it a page's offset would not fit the database's integers


def _ocds_page(request) -> tuple[int, int]:
    """The page asked (from 1) and its size, within the feed's limits."""
    try:
        page = int(request.query_params.get("page", "1"))
        size = int(request.query_params.get("page_size", str(settings.OCDS_PAGE_SIZE)))
    except ValueError:
        raise ValidationFailed(
            errors={"page": [{"code": "invalid", "message": _("The page and its size are whole numbers.")}]}
        ) from None
    if page < 1 or size < 1:
        raise ValidationFailed(
            errors={"page": [{"code": "invalid", "message": _("The page and its size start at 1.")}]}
        )
    if page > OCDS_MAX_PAGE:
        raise ValidationFailed(errors={"page": [{"code": "invalid", "message": _("There is no page that far.")}]})
    return page, min(size, settings.OCDS_MAX_PAGE_SIZE)


def _ocds_links(request, page: int, size: int, total: int) -> dict[str, str]:
    links = {}
    params = request.query_params.copy()
    params["page_size"] = str(size)
    if page * size < total:
        params["page"] = str(page + 1)
        links["next"] = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    if page > 1:
        params["page"] = str(page - 1)
        links["prev"] = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return links


OCDS_FILTERS = [
    OpenApiParameter("authority", str, description="The contracting authority's business ID (or its id)."),
    OpenApiParameter("since", str, description="Releases dated at or after this date or date-time (ISO 8601)."),
    OpenApiParameter("until", str, description="Releases dated before this date or date-time (ISO 8601)."),
    OpenApiParameter("page", int, description="The page, from 1; the Link header has the next and previous."),
    OpenApiParameter("page_size", int, description="Items per page (at most 1000)."),
]


class OcdsPublicView(APIView):
    """The feed's views: for anyone, without signing in (no session, so no CSRF either), read-only."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


def _published_call(ocid: str):
    """The published call of the ocid, or 404 (a call never published does not exist in the feed)."""
    tender = ocds.tender_by_ocid(ocid)
    if tender is None:
        raise NotFound(_("No published call has this ocid."))
    return tender


ONE_CALL = {200: OpenApiTypes.OBJECT, 304: None, 404: OpenApiTypes.OBJECT}


class OcdsReleasesView(OcdsPublicView):
    """Every release of the published calls, as an OCDS 1.1 release package."""

    @extend_schema(
        parameters=OCDS_FILTERS,
        responses={200: OpenApiTypes.OBJECT, 304: None},
        operation_id="ocds_releases_list",
        summary="OCDS release package of the published calls (public, paginated; Link header)",
    )
    def get(self, request):
        page, size = _ocds_page(request)
        releases = ocds.feed_releases(
            authority=request.query_params.get("authority", ""),
            since=_ocds_moment(request, "since"),
            until=_ocds_moment(request, "until"),
        )
        chunk = releases[(page - 1) * size : page * size]
        package = ocds.release_package(chunk, uri=request.build_absolute_uri())
        response = _ocds_response(
            request,
            package,
            modified=ocds.latest_change(releases),
            links=_ocds_links(request, page, size, len(releases)),
        )
        response["X-Total-Count"] = str(len(releases))
        return response


class OcdsRecordsView(OcdsPublicView):
    """The record of every published call, as an OCDS 1.1 record package."""

    @extend_schema(
        parameters=[p for p in OCDS_FILTERS if p.name not in ("since", "until")],
        responses={200: OpenApiTypes.OBJECT, 304: None},
        operation_id="ocds_records_list",
        summary="OCDS record package of the published calls (public, paginated by call; Link header)",
    )
    def get(self, request):
        page, size = _ocds_page(request)
        tenders = ocds.feed_tenders(authority=request.query_params.get("authority", ""))
        total = tenders.count()
        records = [r for t in tenders[(page - 1) * size : page * size] if (r := ocds.tender_record(t)) is not None]
        package = ocds.record_package(records, uri=request.build_absolute_uri())
        modified = ocds.latest_change([record["compiledRelease"] for record in records])
        response = _ocds_response(request, package, modified=modified, links=_ocds_links(request, page, size, total))
        response["X-Total-Count"] = str(total)
        return response


class OcdsRecordView(OcdsPublicView):
    """One published call's record (its releases and the compiled release), as a record package."""

    @extend_schema(
        responses=ONE_CALL,
        operation_id="ocds_record",
        summary="OCDS record package of one published call, by its ocid (public)",
    )
    def get(self, request, ocid: str):
        record = ocds.tender_record(_published_call(ocid))
        package = ocds.record_package([record] if record else [], uri=request.build_absolute_uri())
        return _ocds_response(request, package, modified=ocds.latest_change(record["releases"] if record else []))


class OcdsTenderReleasesView(OcdsPublicView):
    """One published call's releases, as a release package."""

    @extend_schema(
        responses=ONE_CALL,
        operation_id="ocds_tender_releases",
        summary="OCDS release package of one published call, by its ocid (public)",
    )
    def get(self, request, ocid: str):
        releases = ocds.tender_releases(_published_call(ocid))
        package = ocds.release_package(releases, uri=request.build_absolute_uri())
        return _ocds_response(request, package, modified=ocds.latest_change(releases))


class TenderAwardNoticeView(APIView):
    @extend_schema(
        request=None,
        responses=NoticeSerializer,
        summary="Make the call's award notice from its decision and check it; kept whatever the check finds",
    )
    def post(self, request, pk: int):
        return notice_render(request, award_notices.award_notice_prepare(actor=request.user, tender_id=pk))
