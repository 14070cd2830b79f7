"""The API of call-offs by order of preference: a framework's orders (the officers make them, the authority's readers
read them), each order's record, and the provider's replies (`evaluation.calloffs`)."""

from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.access import roles_of
from procurement.errors import NotFound
from procurement.models import User

from . import calloffs
from .models import CallOff, CallOffStep


class CallOffStepSerializer(serializers.ModelSerializer[CallOffStep]):
    rank = serializers.IntegerField(source="member.rank", read_only=True)
    provider = serializers.IntegerField(source="member.provider_id", read_only=True)
    provider_name = serializers.CharField(source="member.provider.name", read_only=True)

    class Meta:
        model = CallOffStep
        fields = ["number", "rank", "provider", "provider_name", "outcome", "offered_at", "reply_by", "decided_at"]
        fields += ["reason"]
        read_only_fields = fields


class CallOffSerializer(serializers.ModelSerializer[CallOff]):
    """An order's whole record, as the authority's side reads it: every step with its reasons."""

    lot = serializers.IntegerField(source="framework.lot.number", read_only=True)
    provider = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()

    class Meta:
        model = CallOff
        fields = [
            "id",
            "framework",
            "lot",
            "number",
            "method",
            "status",
            "municipality",
            "language_of_instruction",
            "study_path",
            "students",
            "start_on",
            "training_days",
            "note",
            "volume",
            "provider",
            "unit_price",
            "value",
            "reply_by",
            "created_at",
            "accepted_at",
            "closed_at",
            "close_reason",
            "steps",
        ]
        read_only_fields = fields

    def get_provider(self, call_off: CallOff) -> int | None:
        """The provider it is offered to, or that accepted it."""
        return call_off.member.provider_id if call_off.member is not None else None

    @extend_schema(request=None, responses=CallOffStepSerializer(many=True))
    def get_steps(self, call_off: CallOff) -> list[dict[str, Any]]:
        return list(CallOffStepSerializer(calloffs.call_off_steps(call_off), many=True).data)


class OwnStepSerializer(serializers.ModelSerializer[CallOffStep]):
    class Meta:
        model = CallOffStep
        fields = ["number", "outcome", "offered_at", "reply_by", "decided_at", "reason"]
        read_only_fields = fields


class ProviderOrderSerializer(serializers.Serializer[calloffs.ProviderOrder]):
    """An order as its provider sees it: the course and its own steps only; the price and value while the order is
    offered to it or accepted by it."""

    id = serializers.IntegerField(source="call_off.pk")
    number = serializers.IntegerField(source="call_off.number")
    framework_reference = serializers.CharField(source="call_off.framework.reference")
    call = serializers.CharField(source="call_off.framework.tender.title")
    lot = serializers.IntegerField(source="call_off.framework.lot.number")
    state = serializers.CharField(help_text="The outcome of its latest step: pending means a reply is due.")
    municipality = serializers.CharField(source="call_off.municipality")
    language_of_instruction = serializers.CharField(source="call_off.language_of_instruction")
    study_path = serializers.CharField(source="call_off.study_path")
    students = serializers.IntegerField(source="call_off.students")
    start_on = serializers.DateField(source="call_off.start_on")
    training_days = serializers.IntegerField(source="call_off.training_days")
    note = serializers.CharField(source="call_off.note")
    volume = serializers.DecimalField(source="call_off.volume", max_digits=12, decimal_places=2)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    reply_by = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.SerializerMethodField()
    steps = OwnStepSerializer(many=True)

    def get_accepted_at(self, order: calloffs.ProviderOrder) -> str | None:
        accepted = order.accepted
        return accepted.decided_at.isoformat() if accepted is not None else None


class SkipInput(serializers.Serializer[Any]):
    member = serializers.IntegerField(help_text="The framework member (id) passed over.")
    reason = serializers.CharField(allow_blank=True, help_text="Why the order of preference is not followed.")


class CallOffInput(serializers.Serializer[Any]):
    municipality = serializers.CharField(allow_blank=True, max_length=100)
    language_of_instruction = serializers.CharField(max_length=2, help_text="fi, sv or en")
    study_path = serializers.CharField(max_length=10, help_text="slow, basic, fast or other")
    students = serializers.IntegerField(max_value=calloffs.MAX_STUDENTS)
    start_on = serializers.DateField()
    training_days = serializers.IntegerField(max_value=calloffs.MAX_TRAINING_DAYS)
    note = serializers.CharField(allow_blank=True, required=False, default="")
    skips = SkipInput(many=True, required=False, default=list)


class OrderReasonInput(serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True, required=False, default="")


def _actor(request: Request) -> User:
    """The signed-in user (the API's default permission lets no anonymous request through)."""
    return cast(User, request.user)


def _record(request: Request, call_off_id: int) -> dict[str, Any]:
    return dict(CallOffSerializer(calloffs.call_off_record(user=request.user, call_off_id=call_off_id)).data)


def _own(request: Request, call_off_id: int) -> dict[str, Any]:
    return dict(ProviderOrderSerializer(calloffs.call_off_of_provider(user=request.user, call_off_id=call_off_id)).data)


class FrameworkOrdersView(APIView):
    @extend_schema(responses=CallOffSerializer(many=True), summary="A framework's call-off orders")
    def get(self, request: Request, pk: int) -> Response:
        rows = calloffs.call_offs_of_framework(user=request.user, framework_id=pk)
        return Response(CallOffSerializer(rows, many=True).data)

    @extend_schema(
        request=CallOffInput,
        responses={201: CallOffSerializer},
        summary="Order a course start from the framework (offered by the order of preference)",
    )
    def post(self, request: Request, pk: int) -> Response:
        calloffs.framework_officer_check(actor=request.user, framework_id=pk)
        serializer = CallOffInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        skips = [(item["member"], item["reason"]) for item in data.pop("skips")]
        call_off = calloffs.call_off_create(actor=_actor(request), framework_id=pk, skips=skips, **data)
        return Response(_record(request, call_off.pk), status=201)


class OrdersView(APIView):
    @extend_schema(
        responses=ProviderOrderSerializer(many=True),
        summary="Call-off orders: a provider's own (replies due first), or those of the authority's frameworks",
        description="A provider's user gets its orders as ProviderOrder; an authority's reader gets CallOff records.",
    )
    def get(self, request: Request) -> Response:
        if roles_of(request.user).provider_of:
            return Response(
                ProviderOrderSerializer(cast(Any, calloffs.call_offs_of_provider(user=request.user)), many=True).data
            )
        return Response(CallOffSerializer(calloffs.call_offs_of_authority(user=request.user), many=True).data)


class OrderView(APIView):
    @extend_schema(responses=CallOffSerializer, summary="A call-off order: its record, or a provider's own view")
    def get(self, request: Request, pk: int) -> Response:
        try:
            return Response(_record(request, pk))
        except NotFound:
            return Response(_own(request, pk))


def _reason(request: Request) -> str:
    """The reason the body gives (400 without one)."""
    serializer = OrderReasonInput(data=request.data)
    serializer.is_valid(raise_exception=True)
    reason: str = serializer.validated_data["reason"]
    return reason


class OrderAcceptView(APIView):
    @extend_schema(request=None, responses=ProviderOrderSerializer, summary="The provider accepts the order")
    def post(self, request: Request, pk: int) -> Response:
        calloffs.call_off_accept(actor=_actor(request), call_off_id=pk)
        return Response(_own(request, pk))


class OrderDeclineView(APIView):
    @extend_schema(
        request=OrderReasonInput, responses=ProviderOrderSerializer, summary="The provider declines the order"
    )
    def post(self, request: Request, pk: int) -> Response:
        calloffs.call_off_provider_check(actor=request.user, call_off_id=pk)
        calloffs.call_off_decline(actor=_actor(request), call_off_id=pk, reason=_reason(request))
        return Response(_own(request, pk))


class OrderSkipView(APIView):
    @extend_schema(
        request=OrderReasonInput,
        responses=CallOffSerializer,
        summary="An officer passes the order over its current offeree, with a reason",
    )
    def post(self, request: Request, pk: int) -> Response:
        calloffs.call_off_officer_check(actor=request.user, call_off_id=pk)
        calloffs.call_off_skip(actor=_actor(request), call_off_id=pk, reason=_reason(request))
        return Response(_record(request, pk))


class OrderCancelView(APIView):
    @extend_schema(request=OrderReasonInput, responses=CallOffSerializer, summary="An officer cancels the order")
    def post(self, request: Request, pk: int) -> Response:
        calloffs.call_off_officer_check(actor=request.user, call_off_id=pk)
        calloffs.call_off_cancel(actor=_actor(request), call_off_id=pk, reason=_reason(request))
        return Response(_record(request, pk))
