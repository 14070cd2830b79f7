"""The API's JSON parser: DRF's, but a body that is too large or nested too deeply is a client error with the
one JSON error shape (413 request_too_large, 400 parse_error), never Django's HTML page or a 500."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.utils import json

from procurement.errors import DomainError


class RequestTooLarge(DomainError):
    status_code = 413
    default_code = "request_too_large"
    default_message = _("The request is too large.")


class JSONParser(BaseParser):
    """Reads at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes and a byte (to tell a larger body) from the stream.

    Not a subclass of DRF's JSONParser on purpose: DRF reads the whole body of those through request.body, whose
    size check raises an exception that only Django's HTML error page handles."""

    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(
                _("The request can be at most %(mb)s MB; send less at a time.")
                % {"mb": f"{limit / (1024 * 1024):.1f}".removesuffix(".0")}
            )
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(
                raw.decode(encoding), parse_constant=json.strict_constant if api_settings.STRICT_JSON else None
            )
        except RecursionError:
            # Arrays or objects nested thousands deep: no request of this API is shaped like that.
            raise ParseError() from None
        except ValueError as exc:  # also UnicodeDecodeError
            raise ParseError(f"JSON parse error - {exc}") from None
