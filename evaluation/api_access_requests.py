"""The API of requests for documents (evaluation.access_requests): a bidder asks and reads its own requests, the
authority reads every request of its calls and the officer decides."""

from typing import Any, cast

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.models import User

from .access_requests import (
    OUTCOMES,
    Asked,
    access_request_create,
    access_request_create_check,
    access_request_decide,
    access_request_decide_check,
    access_request_get,
    access_requests_of_tender,
    disclosed_documents,
)
from .models import AccessGround, AccessRequest


class AccessRequestSerializer(serializers.ModelSerializer[AccessRequest]):
    tender = serializers.IntegerField(source="tender_id", read_only=True)
    provider = serializers.IntegerField(source="provider_id", read_only=True, allow_null=True)
    requester = serializers.CharField(read_only=True)
    bids = serializers.SerializerMethodField()
    granted = serializers.SerializerMethodField()
    decision_document = serializers.IntegerField(source="decision_document_id", read_only=True, allow_null=True)
    documents = serializers.SerializerMethodField()

    class Meta:
        model = AccessRequest
        fields = [
            "id",
            "tender",
            "number",
            "channel",
            "provider",
            "requester",
            "language",
            "bids",
            "answers",
            "attachments",
            "comparison",
            "description",
            "requested_at",
            "status",
            "grounds",
            "reason",
            "reason_sv",
            "granted",
            "decided_at",
            "decision_document",
            "documents",
        ]
        read_only_fields = fields

    def get_bids(self, obj: AccessRequest) -> list[int]:
        return sorted(bid.pk for bid in obj.bids.all())

    def get_granted(self, obj: AccessRequest) -> dict[str, Any]:
        return {key: value for key, value in obj.granted.items() if key != "files"}

    def get_documents(self, obj: AccessRequest) -> list[int]:
        """The ready files of the decision: the decision and the disclosed copies (GET /api/v1/documents/{id}/)."""
        return [document.pk for document in disclosed_documents(obj)]


class AccessRequestInputSerializer(serializers.Serializer[Any]):
    bids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
    answers = serializers.BooleanField(required=False, default=True)
    attachments = serializers.BooleanField(required=False, default=True)
    comparison = serializers.BooleanField(required=False, default=False)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    language = serializers.ChoiceField(choices=["fi", "sv"], required=False, default="")


class AccessDecisionItemsSerializer(serializers.Serializer[Any]):
    bids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    answers = serializers.BooleanField(required=False)
    attachments = serializers.BooleanField(required=False)
    comparison = serializers.BooleanField(required=False)


class AccessDecisionSerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=[str(o) for o in OUTCOMES])
    grounds = serializers.ListField(child=serializers.ChoiceField(choices=AccessGround.choices), required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    reason_sv = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    items = AccessDecisionItemsSerializer(required=False)


class TenderAccessRequestsView(APIView):
    @extend_schema(
        responses=AccessRequestSerializer(many=True),
        summary="Requests for documents of a call: every one for the authority, its own for a provider",
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(
            AccessRequestSerializer(access_requests_of_tender(user=request.user, tender_id=pk), many=True).data
        )

    @extend_schema(
        request=AccessRequestInputSerializer,
        responses={201: AccessRequestSerializer},
        summary="Ask for documents of a call: a bidder once the decision was sent to it, any provider once a contract "
        "is signed (409 earlier, with the code)",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = cast(User, request.user)  # signed in (the API's default permission)
        access_request_create_check(actor=actor, tender_id=pk)
        serializer = AccessRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = access_request_create(
            actor=actor,
            tender_id=pk,
            asked=Asked(
                bids=data["bids"],
                answers=data["answers"],
                attachments=data["attachments"],
                comparison=data["comparison"],
                description=data["description"],
            ),
            channel=AccessRequest.Channel.API,
            language=data["language"],
        )
        return Response(AccessRequestSerializer(created).data, status=201)


class AccessRequestView(APIView):
    @extend_schema(
        responses=AccessRequestSerializer, summary="A request for documents: its requester and the authority"
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(AccessRequestSerializer(access_request_get(user=request.user, request_id=pk)).data)


class AccessRequestDecideView(APIView):
    @extend_schema(
        request=AccessDecisionSerializer,
        responses=AccessRequestSerializer,
        summary="Decide on a request for documents: grant, grant in part or refuse with the legal grounds",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = cast(User, request.user)  # signed in (the API's default permission)
        access_request_decide_check(actor=actor, request_id=pk)
        serializer = AccessDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        decided = access_request_decide(
            actor=actor,
            request_id=pk,
            outcome=data["outcome"],
            grounds=data.get("grounds", []),
            reason=data["reason"],
            reason_sv=data["reason_sv"],
            items=data.get("items"),
            link_base=request.build_absolute_uri("/"),
        )
        return Response(AccessRequestSerializer(decided).data)


urlpatterns = [
    path("tenders/<int:pk>/access-requests/", TenderAccessRequestsView.as_view(), name="tender-access-requests"),
    path("access-requests/<int:pk>/", AccessRequestView.as_view(), name="access-request"),
    path("access-requests/<int:pk>/decide/", AccessRequestDecideView.as_view(), name="access-request-decide"),
]
