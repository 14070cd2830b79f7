"""The button that makes a call's archive transfer package on its records page (evaluation.transfer)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest
from django.views.decorators.http import require_POST

from ..transfer import archive_package_download


@login_required
@require_POST
def archive_package(request: HttpRequest, pk: int) -> FileResponse:
    """The package, zipped, as a download; refused with the 403, 404 or 409 page (not over yet)."""
    filename, digest, archive = archive_package_download(actor=request.user, tender_id=pk)
    response = FileResponse(archive, as_attachment=True, filename=filename, content_type="application/zip")
    response["X-Content-SHA256"] = digest
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
