"""HTML → PDF with WeasyPrint, fetching nothing: no network, no local files."""

import weasyprint
import weasyprint.urls
from django.template.loader import render_to_string
from django.utils import translation


def inline_only_fetcher() -> weasyprint.urls.URLFetcher:
    """Resources must be inline (data: URLs); a URL in user text is never fetched, local or remote."""
    return weasyprint.urls.URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


RENDERER = f"WeasyPrint {weasyprint.__version__}"


def render_html(html: str) -> bytes:
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=inline_only_fetcher()).write_pdf()


def render_pdf(*, template: str, context: dict, language: str) -> bytes:
    with translation.override(language):
        html = render_to_string(template, context)
    return render_html(html)
