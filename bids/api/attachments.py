"""HTTP endpoints of bid attachments: announce, upload chunks as raw bytes, complete, list, download, delete."""

import itertools
from urllib.parse import quote

from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from procurement.middleware import received_at

from .. import attachments as services
from ..models import AttachmentStatus, BidAttachment
from ..services import own_bid_check

OCTET_STREAM = "application/octet-stream"


class UncheckedTextField(serializers.CharField):
    """Text passed to the service as it came, NUL characters and surrounding spaces included, so that the
    service's checks (and their codes) decide about it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]


class AttachmentStartSerializer(serializers.Serializer):
    filename = UncheckedTextField(help_text="The file's name, with the extension of its type.")
    size = serializers.IntegerField(help_text="The file's size in bytes.")
    purpose = UncheckedTextField(
        default="other",
        help_text="“other”, “criterion:<id>” or “requirement:<id>” of a criterion or requirement of the call.",
    )


class AttachmentSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="“uploading” until completed, then “ready”.")
    chunks_received = serializers.IntegerField(source="chunks", read_only=True)
    chunk_size = serializers.SerializerMethodField(help_text="The largest chunk the server accepts, in bytes.")

    class Meta:
        model = BidAttachment
        fields = [
            "id",
            "filename",
            "purpose",
            "status",
            "declared_size",
            "received_bytes",
            "chunks_received",
            "chunk_size",
            "size",
            "sha256",
            "content_type",
            "created_at",
            "completed_at",
        ]
        read_only_fields = fields

    def get_chunk_size(self, attachment) -> int:
        return int(settings.HANKINTA["ATTACHMENT_CHUNK_BYTES"])


class ChunkParser(BaseParser):
    """The raw body of a chunk, read from the request stream, never more than one chunk and a byte (to tell an
    oversized chunk). request.body is not used: it refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB),
    which is less than a chunk."""

    media_type = OCTET_STREAM

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        if stream is None:
            return b""
        return stream.read(int(settings.HANKINTA["ATTACHMENT_CHUNK_BYTES"]) + 1)


class FirstRendererNegotiation(BaseContentNegotiation):
    """A download answers with the file's own type whatever the client accepts; errors are rendered as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def content_disposition(filename: str) -> str:
    """attachment, with an ASCII fallback name and the real one in RFC 5987 form."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class BidAttachmentListView(APIView):
    @extend_schema(
        responses=AttachmentSerializer(many=True),
        summary="The bid's attachments (metadata only)",
        description="For the bid's provider; for the authority only complete ones, and only after the opening.",
    )
    def get(self, request, bid_id: int):
        attachments = services.attachments_of_bid(user=request.user, bid_id=bid_id)
        return Response(AttachmentSerializer(attachments, many=True).data)

    @extend_schema(
        request=AttachmentStartSerializer,
        responses={201: AttachmentSerializer},
        summary="Announce a file to a draft bid",
        description="The content follows in chunks of at most `chunk_size` bytes, then `complete/`.",
    )
    def post(self, request, bid_id: int):
        own_bid_check(actor=request.user, bid_id=bid_id)  # permission before the body is read
        serializer = AttachmentStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = services.attachment_start(
            actor=request.user,
            bid_id=bid_id,
            filename=serializer.validated_data["filename"],
            size=serializer.validated_data["size"],
            purpose=serializer.validated_data["purpose"],
            received_at=received_at(request),
        )
        return Response(AttachmentSerializer(attachment).data, status=201)


class BidAttachmentView(APIView):
    @extend_schema(request=None, responses={204: None}, summary="Remove a file from a draft bid")
    def delete(self, request, bid_id: int, attachment_id):
        services.attachment_delete(
            actor=request.user, bid_id=bid_id, attachment_id=attachment_id, received_at=received_at(request)
        )
        return Response(status=204)


class BidAttachmentChunkView(APIView):
    parser_classes = [ChunkParser]

    @extend_schema(
        request={OCTET_STREAM: OpenApiTypes.BINARY},
        responses=AttachmentSerializer,
        summary="Upload the next chunk as the raw request body",
        description="Chunks are numbered from 0 and sent in order; sending the last one again is harmless.",
    )
    def put(self, request, bid_id: int, attachment_id, number: int):
        data = request.data if isinstance(request.data, bytes) else b""
        attachment = services.attachment_put_chunk(
            actor=request.user,
            bid_id=bid_id,
            attachment_id=attachment_id,
            number=number,
            data=data,
            received_at=received_at(request),
        )
        return Response(AttachmentSerializer(attachment).data)


class BidAttachmentCompleteView(APIView):
    @extend_schema(
        request=None,
        responses=AttachmentSerializer,
        summary="Finish the upload: the file is checked by its content",
        description="A refused file is removed entirely; the answer's code says why.",
    )
    def post(self, request, bid_id: int, attachment_id):
        attachment = services.attachment_complete(
            actor=request.user, bid_id=bid_id, attachment_id=attachment_id, received_at=received_at(request)
        )
        return Response(AttachmentSerializer(attachment).data)


class BidAttachmentDownloadView(APIView):
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        responses={(200, OCTET_STREAM): OpenApiResponse(OpenApiTypes.BINARY, description="The file, decrypted.")},
        summary="Download a file of a bid",
        description="Its content type is the one detected when the upload was completed.",
    )
    def get(self, request, bid_id: int, attachment_id):
        attachment, chunks = services.attachment_chunks_for_read(
            user=request.user, bid_id=bid_id, attachment_id=attachment_id
        )
        # The first chunk is opened before answering, so that a damaged file gets an error, not a cut-off body.
        first = next(chunks, b"")
        response = StreamingHttpResponse(
            itertools.chain([first], chunks), content_type=attachment.content_type or OCTET_STREAM
        )
        ready = attachment.status == AttachmentStatus.READY
        response["Content-Length"] = str(attachment.size if ready else attachment.received_bytes)
        response["Content-Disposition"] = content_disposition(attachment.filename)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response
