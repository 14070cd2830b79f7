"""HTTP endpoints for calls for tenders: parse, call one service or selector, render."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors, services
from ..models import Tender, TenderStatus
from .serializers import CancelSerializer, TenderDetailSerializer, TenderSerializer


class TenderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TenderStatus.choices)
    deadline_after = django_filters.IsoDateTimeFilter(field_name="submission_deadline", lookup_expr="gte")
    deadline_before = django_filters.IsoDateTimeFilter(field_name="submission_deadline", lookup_expr="lte")
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains")

    class Meta:
        model = Tender
        fields = ["authority", "language", "status"]


def _split(validated: dict) -> tuple[dict, list | None, list | None]:
    lots = validated.pop("lots", None)
    criteria = validated.pop("criteria", None)
    return validated, lots, criteria


class TenderViewSet(viewsets.ModelViewSet):
    filterset_class = TenderFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.tender_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action in ("retrieve", "partial_update", "create") or self.action in TRANSITIONS:
            return TenderDetailSerializer
        return TenderSerializer

    def _render(self, tender: Tender, status: int = 200) -> Response:
        tender = selectors.tender_get(user=self.request.user, tender_id=tender.pk)
        return Response(TenderDetailSerializer(tender, context=self.get_serializer_context()).data, status=status)

    def retrieve(self, request, *args, **kwargs):
        return self._render(selectors.tender_get(user=request.user, tender_id=kwargs["pk"]))

    def create(self, request, *args, **kwargs):
        serializer = TenderSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields, lots, criteria = _split(dict(serializer.validated_data))
        authority = fields.pop("authority")
        tender = services.tender_create(
            actor=request.user, authority=authority, fields=fields, lots=lots, criteria=criteria
        )
        return self._render(tender, status=201)

    def partial_update(self, request, *args, **kwargs):
        tender = selectors.tender_get(user=request.user, tender_id=kwargs["pk"])
        serializer = TenderSerializer(tender, data=request.data, partial=True, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields, lots, criteria = _split(dict(serializer.validated_data))
        fields.pop("authority", None)
        tender = services.tender_update(
            actor=request.user, tender_id=tender.pk, fields=fields, lots=lots, criteria=criteria
        )
        return self._render(tender)

    @extend_schema(request=None, responses=TenderDetailSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._render(services.tender_publish(actor=request.user, tender_id=pk))

    @extend_schema(request=None, responses=TenderDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._render(services.tender_close(actor=request.user, tender_id=pk))

    @extend_schema(request=None, responses=TenderDetailSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._render(services.tender_complete(actor=request.user, tender_id=pk))

    @extend_schema(request=CancelSerializer, responses=TenderDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._render(services.tender_cancel(actor=request.user, tender_id=pk, **serializer.validated_data))


TRANSITIONS = {"publish", "close", "complete", "cancel"}
