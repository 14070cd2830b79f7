"""Downloading the call's own files: for everyone who sees the call once it is published, before that only for the
authority's own people (anyone else gets 404)."""

from django.http import FileResponse, HttpRequest
from django.urls import path

from ..models import TenderDocument
from ..tender_documents import tender_document_get


def tender_file_response(document: TenderDocument) -> FileResponse:
    """The file as an attachment of its checked type, never sniffed into another (as the call's PDFs are sent)."""
    response = FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.filename, content_type=document.content_type
    )
    response["X-Content-SHA256"] = document.sha256
    response["X-Content-Type-Options"] = "nosniff"
    return response


def tender_file(request: HttpRequest, pk: int, call_file_id: int) -> FileResponse:
    return tender_file_response(tender_document_get(user=request.user, tender_id=pk, document_id=call_file_id))


urlpatterns = [
    path("<int:pk>/files/<int:call_file_id>/", tender_file, name="call_file"),
]
