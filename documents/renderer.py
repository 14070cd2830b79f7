"""HTML → PDF with WeasyPrint, fetching nothing: no network, no local files."""

import json

import weasyprint
import weasyprint.urls
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import translation


def inline_only_fetcher() -> weasyprint.urls.URLFetcher:
    """Resources must be inline (data: URLs); a URL in user text is never fetched, local or remote."""
    return weasyprint.urls.URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


RENDERER = f"WeasyPrint {weasyprint.__version__}"


def render_html(html: str, *, source: dict | None = None) -> bytes:
    """PDF/A-3b; the data the document was made from travels inside it as source.json."""
    attachments = []
    if source is not None:
        raw = json.dumps(source, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, indent=1)
        attachments.append(
            weasyprint.Attachment(
                string=raw, name="source.json", description="Source data of this document", relationship="Source"
            )
        )
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=inline_only_fetcher())
    return document.write_pdf(pdf_variant="pdf/a-3b", attachments=attachments)


def render_pdf(*, template: str, context: dict, language: str) -> bytes:
    with translation.override(language):
        html = render_to_string(template, context)
    return render_html(html, source=context.get("source"))
