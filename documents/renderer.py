"""HTML → PDF with WeasyPrint, fetching nothing: no network, no local files."""

import weasyprint
from django.template.loader import render_to_string
from django.utils import translation


class ForbiddenFetch(Exception):
    pass


def refuse_fetch(url: str, *args, **kwargs):
    # Every resource a document needs is inline; a URL in user text must never be fetched.
    raise ForbiddenFetch(f"The document renderer fetches nothing ({url[:80]!r}).")


RENDERER = f"WeasyPrint {weasyprint.__version__}"


def render_pdf(*, template: str, context: dict, language: str) -> bytes:
    with translation.override(language):
        html = render_to_string(template, context)
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=refuse_fetch)
    return document.write_pdf()
