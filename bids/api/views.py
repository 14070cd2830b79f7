"""HTTP endpoints of the tender box."""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from procurement.api.schema import ErrorSerializer
from procurement.errors import ValidationFailed
from procurement.middleware import received_at

from .. import asks, secrecy, selectors, services
from ..models import Bid
from .serializers import (
    AnswerInputSerializer,
    BidContentSerializer,
    BidCreateSerializer,
    BidSerializer,
    ProviderRequestOutSerializer,
    ReceiptSerializer,
    SecrecyDecisionInputSerializer,
    SecrecyDecisionSerializer,
    SecrecyReviewSerializer,
)


class BidViewSet(viewsets.GenericViewSet):
    """A provider's own bids. Authority users read a bid only after the opening."""

    lookup_value_regex = r"\d+"
    serializer_class = BidSerializer
    queryset = Bid.objects.none()  # for the schema; every read goes through the selectors

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, services.SubmissionsThrottled):
            response["Retry-After"] = str(exc.retry_after)
        return response

    def _render(self, bid, status: int = 200) -> Response:
        bid = selectors.bid_get(user=self.request.user, bid_id=bid.pk)
        return Response(BidSerializer(bid).data, status=status)

    def list(self, request):
        bids = selectors.bids_of_provider(user=request.user)
        page = self.paginate_queryset(bids)
        return self.get_paginated_response(BidSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(BidSerializer(selectors.bid_get(user=request.user, bid_id=pk)).data)

    @extend_schema(request=BidCreateSerializer, responses={201: BidSerializer})
    def create(self, request):
        services.bid_create_check(actor=request.user)
        serializer = BidCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        tender_id, provider_id = data.pop("tender"), data.pop("provider", None)
        bid = services.bid_create(
            actor=request.user,
            tender_id=tender_id,
            provider_id=provider_id,
            content=data,
            received_at=received_at(request),
        )
        return self._render(bid, status=201)

    @extend_schema(request=BidContentSerializer, responses=BidSerializer)
    def partial_update(self, request, pk=None):
        services.own_bid_check(actor=request.user, bid_id=pk)
        serializer = BidContentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bid = services.bid_update(
            actor=request.user, bid_id=pk, content=dict(serializer.validated_data), received_at=received_at(request)
        )
        return self._render(bid)

    @extend_schema(
        request=None,
        responses=ReceiptSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Repeat a submission safely: the same key returns the same receipt.",
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        key = (request.headers.get("Idempotency-Key") or "").strip()[:200] or None
        if key is not None and not key.isprintable():
            # NUL and other control characters: no key a client makes has them, and the database refuses NUL.
            raise ValidationFailed(
                _("The Idempotency-Key header can hold only printable characters."), code="invalid_idempotency_key"
            )
        version = services.bid_submit(
            actor=request.user, bid_id=pk, received_at=received_at(request), idempotency_key=key
        )
        return Response(ReceiptSerializer(version).data)

    @extend_schema(responses=ReceiptSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        return Response(ReceiptSerializer(selectors.bid_versions(user=request.user, bid_id=pk), many=True).data)

    @extend_schema(
        request=None,
        responses={
            200: BidSerializer,
            429: OpenApiResponse(
                ErrorSerializer,
                description="Submitted too often lately (`throttled`): reopen after `Retry-After` seconds "
                "(`retry_after`); the bid stays as it is meanwhile.",
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._render(services.bid_reopen(actor=request.user, bid_id=pk, received_at=received_at(request)))

    @extend_schema(request=None, responses=BidSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._render(services.bid_withdraw(actor=request.user, bid_id=pk, received_at=received_at(request)))

    @extend_schema(
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        summary="The exact manifest of one of your own submissions (its SHA-256 is on the receipt)",
    )
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>\d+)/manifest")
    def manifest(self, request, pk=None, number=None):
        raw = selectors.own_version_manifest(user=request.user, bid_id=pk, number=int(number))
        response = HttpResponse(raw, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="bid-{pk}-v{number}-manifest.json"'
        return response

    @extend_schema(responses=ProviderRequestOutSerializer(many=True), summary="Requests to your bid from the authority")
    @action(detail=True, methods=["get"])
    def requests(self, request, pk=None):
        return Response(
            ProviderRequestOutSerializer(asks.provider_requests_of_bid(user=request.user, bid_id=pk), many=True).data
        )

    @extend_schema(request=AnswerInputSerializer, responses=ProviderRequestOutSerializer, summary="Answer a request")
    @action(detail=True, methods=["post"], url_path=r"requests/(?P<request_id>\d+)/answer")
    def answer_request(self, request, pk=None, request_id=None):
        asks.provider_request_answer_check(actor=request.user, bid_id=pk, request_id=int(request_id))
        serializer = AnswerInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answered = asks.provider_request_answer(
            actor=request.user,
            bid_id=pk,
            request_id=int(request_id),
            answer=serializer.validated_data["answer"],
            received_at=received_at(request),
        )
        return Response(ProviderRequestOutSerializer(answered).data)

    @extend_schema(
        methods=["GET"],
        responses=SecrecyReviewSerializer,
        summary="The business secrets a bid marked and the authority's decisions on them",
    )
    @extend_schema(
        methods=["POST"],
        request=SecrecyDecisionInputSerializer,
        responses=SecrecyDecisionSerializer,
        summary="Decide on one part of a bid: secret, secret in part (passages) or not secret (officers)",
    )
    @action(detail=True, methods=["get", "post"])
    def secrecy(self, request, pk=None):
        if request.method == "GET":
            return Response(SecrecyReviewSerializer(secrecy.secrecy_review_get(user=request.user, bid_id=pk)).data)
        secrecy.secrecy_review_check(actor=request.user, bid_id=pk)
        serializer = SecrecyDecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = secrecy.secrecy_decide_part(actor=request.user, bid=Bid(pk=int(pk)), **serializer.validated_data)
        return Response(SecrecyDecisionSerializer(decision).data)

    @extend_schema(
        request=None,
        responses=SecrecyReviewSerializer,
        summary="Tell the bidder the decision on its business secrets (starts the notice period)",
    )
    @action(detail=True, methods=["post"], url_path="secrecy/notify")
    def secrecy_notify(self, request, pk=None):
        secrecy.secrecy_review_notify(actor=request.user, bid=Bid(pk=int(pk)))
        return Response(SecrecyReviewSerializer(secrecy.secrecy_review_get(user=request.user, bid_id=pk)).data)
