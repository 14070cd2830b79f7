"""HTTP endpoints of framework agreements after their conclusion: the list and the summary (a provider reads only its
own membership), the recorded decisions that change a framework, and the XLSX of the summary."""

from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.errors import NotFound

from .framework_changes import (
    MAX_CAPACITY,
    framework_member_capacity_set,
    framework_member_leave,
    framework_member_replace,
    framework_officer_check,
    framework_option_decide,
    framework_price_adjust,
    framework_terminate,
)
from .framework_follow import (
    FrameworkSummary,
    ProviderFramework,
    framework_get,
    framework_list,
    framework_summary,
    framework_workbook,
    provider_frameworks,
    reads_whole_framework,
)
from .frameworks import framework_usage
from .models import Framework, FrameworkChange, FrameworkStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _framework_data(framework: Framework) -> dict[str, Any]:
    return {
        "id": framework.pk,
        "tender": framework.tender_id,
        "tender_title": framework.tender.title,
        "lot": framework.lot.number,
        "reference": framework.reference,
        "status": framework.status,
        "call_off_method": framework.call_off_method,
        "starts_on": framework.starts_on.isoformat(),
        "ends_on": framework.ends_on.isoformat(),
        "capacity_unit": framework.capacity_unit,
    }


def _usage_data(framework: Framework) -> dict[str, Any]:
    usage = framework_usage(framework)
    return {
        "max_value": _money(usage.max_value),
        "max_volume": _money(usage.max_volume),
        "value": _money(usage.value),
        "volume": _money(usage.volume),
        "value_share": _money(usage.value_share),
        "volume_share": _money(usage.volume_share),
        "warning": usage.warning,
    }


def _change_data(change: FrameworkChange) -> dict[str, Any]:
    return {
        "number": change.number,
        "kind": change.kind,
        "member": change.member_id,
        "option": change.option_id,
        "details": change.details,
        "reason": change.reason,
        "reason_sv": change.reason_sv,
        "effective_on": change.effective_on.isoformat(),
        "decided_at": change.decided_at.isoformat(),
    }


def summary_data(summary: FrameworkSummary) -> dict[str, Any]:
    framework = summary.framework
    return {
        **_framework_data(framework),
        "long_term_reason": framework.long_term_reason,
        "usage": _usage_data(framework),
        "orders_by_state": [
            {"status": state.status, "count": state.count, "value": _money(state.value)}
            for state in summary.orders_by_state
        ],
        "members": [
            {
                "id": line.member.pk,
                "provider": line.member.provider_id,
                "provider_name": line.member.provider.name,
                "rank": line.member.rank,
                "unit_price": _money(line.member.unit_price),
                "capacity": line.member.capacity,
                "capacity_left_current_term": line.capacity_left_now,
                "capacity_left_next_term": line.capacity_left_next,
                "accepted_orders": line.accepted,
                "accepted_value": _money(line.accepted_value),
                "accepted_share": _money(line.accepted_share),
                "joined_on": line.member.joined_on.isoformat(),
                "left_on": line.member.left_on.isoformat() if line.member.left_on else None,
            }
            for line in summary.members
        ],
        "passed_over": [
            {
                "order": step.call_off.number,
                "step": step.number,
                "provider_name": step.member.provider.name,
                "outcome": step.outcome,
                "reason": step.reason,
                "decided_at": step.decided_at.isoformat(),
            }
            for step in summary.passed_over
        ],
        "options": [{"id": o.pk, "number": o.number, "months": o.months, "state": o.state} for o in summary.options],
        "changes": [_change_data(change) for change in summary.changes],
    }


def membership_data(view: ProviderFramework) -> dict[str, Any]:
    """A provider's own membership: never another provider's price or orders."""
    member = view.member
    return {
        **_framework_data(view.framework),
        "member": {
            "id": member.pk,
            "rank": member.rank,
            "unit_price": _money(member.unit_price),
            "capacity": member.capacity,
            "joined_on": member.joined_on.isoformat(),
            "left_on": member.left_on.isoformat() if member.left_on else None,
        },
        "options": [{"number": o.number, "months": o.months, "state": o.state} for o in view.options],
        "orders": [
            {
                "number": order.number,
                "status": order.status if order.member_id == member.pk else "passed_on",
                "municipality": order.municipality,
                "students": order.students,
                "start_on": order.start_on.isoformat(),
                "value": _money(order.value) if order.member_id == member.pk else None,
            }
            for order in view.orders
        ],
    }


class FrameworkListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("tender", int, description="Only the frameworks of this call"),
            OpenApiParameter("status", str, enum=FrameworkStatus.values, description="Only frameworks in this state"),
        ],
        operation_id="frameworks_list",
        responses=OpenApiTypes.OBJECT,
        summary="The framework agreements the user sees (a provider: only its own memberships)",
    )
    def get(self, request: Request) -> Response:
        raw_tender = request.query_params.get("tender", "")
        tender_id = int(raw_tender) if raw_tender.isdigit() else None
        status = request.query_params.get("status", "")
        rows = []
        memberships = {view.framework.pk: view for view in provider_frameworks(user=request.user)}
        for framework in framework_list(user=request.user, tender_id=tender_id, status=status):
            if reads_whole_framework(request.user, framework):
                rows.append({**_framework_data(framework), "usage": _usage_data(framework)})
            elif framework.pk in memberships:
                rows.append(membership_data(memberships[framework.pk]))
        return Response({"count": len(rows), "results": rows})


class FrameworkDetailView(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        summary="A framework's summary (officers, auditors); a provider reads its own membership",
    )
    def get(self, request: Request, pk: int) -> Response:
        framework = framework_get(user=request.user, framework_id=pk)
        if reads_whole_framework(request.user, framework):
            return Response(summary_data(framework_summary(user=request.user, framework_id=pk)))
        for view in provider_frameworks(user=request.user):
            if view.framework.pk == framework.pk:
                return Response(membership_data(view))
        raise NotFound()


class FrameworkXlsxView(APIView):
    @extend_schema(
        responses={(200, XLSX): OpenApiTypes.BINARY},
        summary="A framework's summary, orders, steps and changes as an XLSX workbook",
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        summary = framework_summary(user=request.user, framework_id=pk)
        response = HttpResponse(framework_workbook(summary), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="framework-{pk}.xlsx"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ReasonInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=10_000)
    reason_sv = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")


class OptionDecisionInput(ReasonInput):
    exercise = serializers.BooleanField()


class LeaveInput(ReasonInput):
    effective_on = serializers.DateField()


class PriceAdjustmentInput(ReasonInput):
    percent = serializers.DecimalField(max_digits=6, decimal_places=2)
    index_name = serializers.CharField(max_length=200)
    effective_on = serializers.DateField()


class CapacityInput(ReasonInput):
    capacity = serializers.IntegerField(min_value=0, max_value=MAX_CAPACITY, allow_null=True)


def _validated(
    serializer_class: type[serializers.Serializer[Any]], request: Request, framework_id: int
) -> dict[str, Any]:
    """The body, validated once the caller is known to be an officer who may change the framework."""
    framework_officer_check(actor=request.user, framework_id=framework_id)
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    data: dict[str, Any] = dict(serializer.validated_data)
    return data


def _changed(request: Request, change: FrameworkChange) -> Response:
    summary = framework_summary(user=request.user, framework_id=change.framework_id)
    return Response({"change": _change_data(change), "framework": summary_data(summary)}, status=201)


class FrameworkOptionDecideView(APIView):
    @extend_schema(
        request=OptionDecisionInput, responses={201: OpenApiTypes.OBJECT}, summary="Exercise an option, or not"
    )
    def post(self, request: Request, pk: int, option_id: int) -> Response:
        data = _validated(OptionDecisionInput, request, pk)
        change = framework_option_decide(actor=request.user, framework_id=pk, option_id=option_id, **data)
        return _changed(request, change)


class FrameworkMemberLeaveView(APIView):
    @extend_schema(request=LeaveInput, responses={201: OpenApiTypes.OBJECT}, summary="A provider leaves")
    def post(self, request: Request, pk: int, member_id: int) -> Response:
        data = _validated(LeaveInput, request, pk)
        change = framework_member_leave(actor=request.user, framework_id=pk, member_id=member_id, **data)
        return _changed(request, change)


class FrameworkMemberReplaceView(APIView):
    @extend_schema(
        request=ReasonInput,
        responses={201: OpenApiTypes.OBJECT},
        summary="The next-ranked bidder of the award joins in place of a provider that left",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = _validated(ReasonInput, request, pk)
        change = framework_member_replace(actor=request.user, framework_id=pk, **data)
        return _changed(request, change)


class FrameworkPriceAdjustView(APIView):
    @extend_schema(
        request=PriceAdjustmentInput,
        responses={201: OpenApiTypes.OBJECT},
        summary="A price index adjustment of every active provider's unit price",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = _validated(PriceAdjustmentInput, request, pk)
        change = framework_price_adjust(actor=request.user, framework_id=pk, **data)
        return _changed(request, change)


class FrameworkMemberCapacityView(APIView):
    @extend_schema(
        request=CapacityInput, responses={201: OpenApiTypes.OBJECT}, summary="The capacity a provider stated"
    )
    def post(self, request: Request, pk: int, member_id: int) -> Response:
        data = _validated(CapacityInput, request, pk)
        change = framework_member_capacity_set(actor=request.user, framework_id=pk, member_id=member_id, **data)
        return _changed(request, change)


class FrameworkTerminateView(APIView):
    @extend_schema(request=ReasonInput, responses={201: OpenApiTypes.OBJECT}, summary="End the framework early")
    def post(self, request: Request, pk: int) -> Response:
        data = _validated(ReasonInput, request, pk)
        change = framework_terminate(actor=request.user, framework_id=pk, **data)
        return _changed(request, change)
