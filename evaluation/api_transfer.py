"""The archive transfer package of a call over the API (evaluation/transfer.py)."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from procurement.api.schema import ErrorSerializer

from .transfer import archive_package_download


class TenderArchivePackageView(APIView):
    @extend_schema(
        request=None,
        responses={(200, "application/zip"): OpenApiTypes.BINARY, 403: ErrorSerializer, 409: ErrorSerializer},
        summary="Make the archive transfer package of a procedure that is over (officers and auditors)",
        description=(
            "A BagIt bag (RFC 8493), zipped: the records as stored (PDF/A), the call's files, a SÄHKE2-style "
            "description with each record's publicity, secrecy, retention and personal-data metadata "
            "(data/metadata/sahke2.xml), the call's audit events and the chain's verification with its anchor. "
            "409 procedure_not_over until the call is completed, interrupted or unsuccessful (or decided with every "
            "lot's contract signed or cancelled). Audited as archive.export with the zip's SHA-256."
        ),
    )
    def post(self, request: Request, pk: int) -> FileResponse:
        filename, digest, archive = archive_package_download(actor=request.user, tender_id=pk)
        response = FileResponse(archive, as_attachment=True, filename=filename, content_type="application/zip")
        response["X-Content-SHA256"] = digest
        response["X-Content-Type-Options"] = "nosniff"
        return response
