"""HTTP endpoints of the tender box."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from procurement.middleware import received_at

from .. import selectors, services
from .serializers import BidCreateSerializer, BidSerializer, LotOffersInputSerializer


class BidViewSet(viewsets.GenericViewSet):
    """A provider's own bids. Authority users read a bid only after the opening."""

    lookup_value_regex = r"\d+"
    serializer_class = BidSerializer

    def get_queryset(self):
        return selectors.bids_of_provider(user=self.request.user)

    def _render(self, bid, status: int = 200) -> Response:
        bid = selectors.bid_get(user=self.request.user, bid_id=bid.pk)
        return Response(BidSerializer(bid).data, status=status)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(BidSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(BidSerializer(selectors.bid_get(user=request.user, bid_id=pk)).data)

    @extend_schema(request=BidCreateSerializer, responses={201: BidSerializer})
    def create(self, request):
        serializer = BidCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        bid = services.bid_create(
            actor=request.user,
            tender_id=data["tender"],
            provider_id=data.get("provider"),
            lot_offers=data["lot_offers"],
            received_at=received_at(request),
        )
        return self._render(bid, status=201)

    @extend_schema(request=LotOffersInputSerializer, responses=BidSerializer)
    def partial_update(self, request, pk=None):
        serializer = LotOffersInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bid = services.bid_update(
            actor=request.user,
            bid_id=pk,
            lot_offers=serializer.validated_data["lot_offers"],
            received_at=received_at(request),
        )
        return self._render(bid)

    @extend_schema(request=None, responses=BidSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._render(services.bid_submit(actor=request.user, bid_id=pk, received_at=received_at(request)))

    @extend_schema(request=None, responses=BidSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._render(services.bid_reopen(actor=request.user, bid_id=pk, received_at=received_at(request)))

    @extend_schema(request=None, responses=BidSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._render(services.bid_withdraw(actor=request.user, bid_id=pk, received_at=received_at(request)))
