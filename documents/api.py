"""HTTP endpoints for generated documents: status and download (always as an attachment)."""

import django_filters
from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.api.schema import ErrorSerializer
from procurement.clientip import client_ip

from .evidence import evidence_bundle
from .models import GeneratedDocument
from .services import document_download, document_get, document_retry, documents_visible_to
from .verification import document_validation


class GeneratedDocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = GeneratedDocument
        fields = [
            "id",
            "kind",
            "tender",
            "version",
            "language",
            "status",
            "filename",
            "sha256",
            "size",
            "template_version",
            "renderer",
            "error",
            "attempts",
            "signature_status",
            "signature_error",
            "signature_attempts",
            "signed_by",
            "signer_subject",
            "signed_at",
            "created_at",
            "rendered_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, document) -> str | None:
        if document.status != "ready":
            return None
        return f"/api/v1/documents/{document.pk}/download/"


class DocumentFilter(django_filters.FilterSet):
    class Meta:
        model = GeneratedDocument
        fields = ["tender", "kind", "status"]


class GeneratedDocumentViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = r"\d+"
    serializer_class = GeneratedDocumentSerializer
    filterset_class = DocumentFilter

    def get_queryset(self):
        return documents_visible_to(user=self.request.user).order_by("-created_at", "-id")

    def get_object(self):
        return document_get(user=self.request.user, document_id=self.kwargs["pk"])

    @extend_schema(request=None, responses=GeneratedDocumentSerializer, summary="Queue a failed document again")
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        return Response(GeneratedDocumentSerializer(document_retry(actor=request.user, document_id=pk)).data)

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, 409: ErrorSerializer},
        summary="The signature's validation report: signer, time stamp, integrity, revocation status at signing",
    )
    @action(detail=True, methods=["get"])
    def validation(self, request, pk=None):
        return Response(document_validation(user=request.user, document_id=pk))

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY, 409: ErrorSerializer})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        document = document_download(user=request.user, document_id=pk, ip_address=client_ip(request))
        response = FileResponse(
            document.file.open("rb"), as_attachment=True, filename=document.filename, content_type="application/pdf"
        )
        response["X-Content-SHA256"] = document.sha256
        response["X-Content-Type-Options"] = "nosniff"
        return response


class EvidenceBundleView(APIView):
    @extend_schema(
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
        summary="Every PDF of a call, its audit events and a manifest of SHA-256 hashes (auditors)",
    )
    def get(self, request, pk):
        filename, data = evidence_bundle(user=request.user, tender_id=pk)
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
