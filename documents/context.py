"""What each kind of document shows: the registry of context builders, and the helpers every builder may use.

Each kind's builder lives in the app that owns the kind's records (`<app>/document_contexts.py`) and is registered
here from that app's `AppConfig.ready()`: the documents app renders, stores and hands out every kind without
knowing what any of them shows."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from procurement.models import User

from .models import GeneratedDocument


@dataclass(frozen=True)
class DocumentType:
    """A kind of document: its template, the builder of its context (in a fixed number of queries), the version of
    the template recorded with each rendering, and how its file is named beyond the call, kind and party (extra
    parts and the version shown; the document's own version when none is given)."""

    template: str
    build: Callable[[GeneratedDocument], dict[str, Any]]
    version: str
    filename: Callable[[GeneratedDocument], tuple[list[str], int]] | None = None


BUILDERS: dict[str, DocumentType] = {}


def register_context(
    kind: str,
    *,
    template: str,
    builder: Callable[[GeneratedDocument], dict[str, Any]],
    version: str,
    filename: Callable[[GeneratedDocument], tuple[list[str], int]] | None = None,
) -> None:
    """Called from the owning app's `AppConfig.ready()`; a kind is registered once."""
    if kind in BUILDERS:
        raise RuntimeError(f"The document kind {kind!r} is registered twice.")
    BUILDERS[kind] = DocumentType(template=template, build=builder, version=version, filename=filename)


def document_languages(document: GeneratedDocument) -> list[str]:
    """The document's own language first; a bilingual authority's documents carry the other one as well."""
    languages = document.tender.document_languages
    if document.language not in languages:
        return [document.language]
    return [document.language] + [lang for lang in languages if lang != document.language]


def person_name(user: User) -> str:
    return user.get_full_name() or user.username
