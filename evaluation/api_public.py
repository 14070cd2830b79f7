"""The public record of the procedures as JSON: for anyone, without signing in, read-only, rate-limited per address
(evaluation/public_procedure.py says what is in it)."""

from typing import Any, cast

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from procurement.api.auth import ClientAddressMixin
from procurement.api.pagination import LimitOffsetPagination

from . import public_procedure

# Anyone may keep a copy for a few minutes: a record changes only at the procedure's events.
CACHE_CONTROL = "public, max-age=300"


class PublicRecordThrottle(ClientAddressMixin, AnonRateThrottle):
    """Requests for the public records, per client address (PUBLIC_RECORD_THROTTLE_RATE)."""

    scope = "public_record"

    def get_rate(self) -> str | None:
        rates = cast(dict[str, str], settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
        return rates.get(self.scope, "120/min")


class PublicView(APIView):
    """For anyone, without signing in (no session, so no CSRF either), read-only."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicRecordThrottle]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200:
            response["Cache-Control"] = CACHE_CONTROL
        return response


class PublicTendersView(PublicView):
    """The procedures with a public record, newest first."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Words of the call's title (Finnish or Swedish)."),
            OpenApiParameter("authority", str, description="The contracting authority's name or business ID."),
            OpenApiParameter("limit", int, description="Items per page (at most 1000)."),
            OpenApiParameter("offset", int, description="Items to skip."),
        ],
        responses={200: OpenApiTypes.OBJECT},
        operation_id="public_tenders_list",
        summary="Procedures with a public record (no sign-in; paginated)",
    )
    def get(self, request: Request) -> Response:
        tenders = public_procedure.public_tender_list(
            query=request.query_params.get("q", ""), authority=request.query_params.get("authority", "")
        )
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(tenders, request, view=self) or []
        return paginator.get_paginated_response([public_procedure.public_summary_json(t) for t in page])


class PublicTenderView(PublicView):
    """One procedure's public record: the call; the decision and, per lot once its contract is signed, the
    comparison, the parties and the value."""

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
        operation_id="public_tender",
        summary="The public record of one procedure (no sign-in)",
    )
    def get(self, request: Request, pk: int) -> Response:
        record = public_procedure.public_record(tender_id=pk)
        return Response(public_procedure.public_record_json(record))
