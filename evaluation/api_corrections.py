"""HTTP endpoints of the corrections of a decision: start one (on the authority's own motion or after a Market Court
ruling), accept a claim for rectification with a correction, withdraw a rejection the correction examines again,
and read the editions of the decision (a bidder: those sent to it)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.errors import NotFound, ValidationFailed
from tenders.selectors import tenders_visible_to

from .corrections import (
    EditionRow,
    claim_correct,
    correction_start,
    correction_start_check,
    corrections_of,
    decision_editions,
    offer_rejection_withdraw,
    offer_rejection_withdraw_check,
)
from .models import Appeal, Claim, Correction


def _ids_field(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=200, help_text=help_text
    )


class CorrectionInput(serializers.Serializer[Any]):
    cause = serializers.ChoiceField(
        choices=[Correction.Cause.OWN_MOTION, Correction.Cause.APPEAL],
        help_text="own_motion, or appeal (with the appeal whose ruling annulled the decision or ordered a new "
        "evaluation); a claim is accepted through /claims/<id>/correct/.",
    )
    appeal = serializers.IntegerField(required=False, allow_null=True, default=None)
    lots = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=200)
    criteria = _ids_field("The criteria scored again in those lots.")
    bids = _ids_field("The bids whose qualification or rejection is examined again (reinstated).")
    reason = serializers.CharField(max_length=10_000)
    reason_sv = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")


class ClaimCorrectInput(serializers.Serializer[Any]):
    lots = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=200)
    criteria = _ids_field("The criteria scored again in those lots.")
    bids = _ids_field("The bids whose qualification or rejection is examined again (reinstated).")
    reason = serializers.CharField(max_length=10_000, help_text="The reasons of the decision on the claim.")
    reason_sv = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")


class RejectionWithdrawInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=10_000)


def correction_data(correction: Correction) -> dict[str, Any]:
    edition = getattr(correction, "edition", None) if correction.status == Correction.Status.DECIDED else None
    return {
        "id": correction.pk,
        "number": correction.number,
        "cause": correction.cause,
        "claim": correction.claim_id,
        "appeal": correction.appeal_id,
        "status": correction.status,
        "lots": sorted(lot.number for lot in correction.lots.all()),
        "lot_ids": sorted(lot.pk for lot in correction.lots.all()),
        "criteria": sorted(c.pk for c in correction.criteria.all()),
        "bids": sorted(b.pk for b in correction.bids.all()),
        "reason": correction.reason,
        "reason_sv": correction.reason_sv,
        "started_at": correction.started_at.isoformat(),
        "edition": edition.number if edition is not None else None,
    }


class CorrectionOutput(serializers.Serializer[Any]):
    """The shape of `correction_data` (for the schema)."""

    id = serializers.IntegerField()
    number = serializers.IntegerField()
    cause = serializers.CharField()
    claim = serializers.IntegerField(allow_null=True)
    appeal = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    lots = serializers.ListField(child=serializers.IntegerField())
    lot_ids = serializers.ListField(child=serializers.IntegerField())
    criteria = serializers.ListField(child=serializers.IntegerField())
    bids = serializers.ListField(child=serializers.IntegerField())
    reason = serializers.CharField()
    reason_sv = serializers.CharField()
    started_at = serializers.DateTimeField()
    edition = serializers.IntegerField(allow_null=True)


def edition_data(row: EditionRow) -> dict[str, Any]:
    """An edition's public parts: what it decides, whether it is in force, what replaced it and why, its PDF."""
    edition = row.edition
    correction = edition.correction
    return {
        "number": edition.number,
        "decided_at": edition.decided_at.isoformat(),
        "lots": row.lot_numbers,
        "status": row.status,
        "in_force_for": row.in_force_for,
        "cause": correction.cause if correction is not None else None,
        "reason": correction.reason if correction is not None else "",
        "replaced_by": edition.replaced_by.number if edition.replaced_by is not None else None,
        "replaced_at": edition.replaced_at.isoformat() if edition.replaced_at else None,
        "replaced_reason": edition.replaced_reason,
        "document": edition.document_id,
        "download_url": f"/api/v1/documents/{edition.document_id}/download/" if edition.document_id else None,
    }


class EditionOutput(serializers.Serializer[Any]):
    """The shape of `edition_data` (for the schema)."""

    number = serializers.IntegerField()
    decided_at = serializers.DateTimeField()
    lots = serializers.ListField(child=serializers.IntegerField())
    status = serializers.ChoiceField(choices=["current", "partly_replaced", "replaced"])
    in_force_for = serializers.ListField(child=serializers.IntegerField())
    cause = serializers.CharField(allow_null=True)
    reason = serializers.CharField()
    replaced_by = serializers.IntegerField(allow_null=True)
    replaced_at = serializers.DateTimeField(allow_null=True)
    replaced_reason = serializers.CharField()
    document = serializers.IntegerField(allow_null=True)
    download_url = serializers.CharField(allow_null=True)


def _correction_response(correction: Correction, status: int = 200) -> Response:
    fresh = Correction.objects.prefetch_related("lots", "criteria", "bids").get(pk=correction.pk)
    return Response(correction_data(fresh), status=status)


class TenderCorrectionsView(APIView):
    @extend_schema(
        responses=CorrectionOutput(many=True), summary="The corrections of the call's decision (authority users)"
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response([correction_data(c) for c in corrections_of(user=request.user, tender_id=pk)])

    @extend_schema(
        request=CorrectionInput,
        responses={201: CorrectionOutput},
        summary="Reopen lots of the decision on the authority's own motion or after a Market Court ruling: only the "
        "named criteria and bids can then be changed, and the decision on those lots is made again (/decide/)",
    )
    def post(self, request: Request, pk: int) -> Response:
        correction_start_check(actor=request.user, tender_id=pk)
        serializer = CorrectionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        appeal = None
        if data["appeal"] is not None:
            appeal = Appeal.objects.filter(pk=data["appeal"], decision__tender_id=pk).first()
            if appeal is None:
                raise ValidationFailed(errors={"appeal": [{"code": "unknown_appeal", "message": "No such appeal."}]})
        correction = correction_start(
            actor=request.user,
            tender=pk,
            cause=data["cause"],
            lots=data["lots"],
            criteria=data["criteria"],
            bids=data["bids"],
            reason=data["reason"],
            reason_sv=data["reason_sv"],
            appeal=appeal,
        )
        return _correction_response(correction, status=201)


class ClaimCorrectView(APIView):
    @extend_schema(
        request=ClaimCorrectInput,
        responses={201: CorrectionOutput},
        summary="Accept a claim for rectification: the decision is corrected on the lots named, which are reopened",
    )
    def post(self, request: Request, pk: int) -> Response:
        # A claim of a call the user does not see does not exist for them (404); on one they see, 403 unless officer.
        claim = (
            Claim.objects.select_related("decision")
            .filter(pk=pk, decision__tender__in=tenders_visible_to(request.user))
            .first()
        )
        if claim is None:
            raise NotFound()
        correction_start_check(actor=request.user, tender_id=claim.decision.tender_id)
        serializer = ClaimCorrectInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        correction = claim_correct(actor=request.user, claim=claim, **serializer.validated_data)
        return _correction_response(correction, status=201)


class OfferRejectionWithdrawView(APIView):
    @extend_schema(
        request=RejectionWithdrawInput,
        responses={204: None},
        summary="Withdraw an offer's rejection that the open correction examines again (the bid is reinstated)",
    )
    def post(self, request: Request, pk: int, offer_id: int) -> Response:
        offer_rejection_withdraw_check(actor=request.user, tender_id=pk, lot_offer_id=offer_id)
        serializer = RejectionWithdrawInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        offer_rejection_withdraw(
            actor=request.user, tender_id=pk, lot_offer_id=offer_id, reason=serializer.validated_data["reason"]
        )
        return Response(status=204)


class DecisionEditionsView(APIView):
    @extend_schema(
        responses=EditionOutput(many=True),
        summary="Every edition of the call's decision, in force or replaced (with the reason); a bidder sees the "
        "editions sent to it",
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response([edition_data(row) for row in decision_editions(user=request.user, tender_id=pk)])
