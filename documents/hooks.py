"""What the documents tell the kernel (procurement.asks, its audit and security logs), provided when the app is ready
(documents.apps): the documents an e-mail carries, who may read them, and a provider's own documents (its receipt),
which name a bidder until the opening."""

from collections.abc import Collection, Iterable

from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.urls import ResolverMatch

from procurement import asks
from procurement.access import AnyUser
from procurement.audit import SEALED_EVENTS
from procurement.securitylog import NOT_MINE, OWN_OBJECTS, id_of

from .models import DocumentStatus, GeneratedDocument
from .services import documents_visible_to


@asks.documents_for_email.provide
def _for_email(ids: Iterable[int]) -> tuple[list[GeneratedDocument], bool]:
    documents = list(GeneratedDocument.objects.filter(pk__in=ids).order_by("kind", "pk"))
    return documents, all(d.status == DocumentStatus.READY for d in documents)


@asks.documents_readable.provide
def _readable(*, user: AnyUser, ids: Collection[int]) -> bool:
    return documents_visible_to(user=user).filter(pk__in=ids).count() == len(ids)


def _own_document_events() -> Q:
    own_documents = (
        GeneratedDocument.objects.filter(provider__isnull=False, tender__opened_at__isnull=True)
        .annotate(text_id=Cast("pk", CharField()))
        .values("text_id")
    )
    return Q(object_type="documents.generateddocument", object_id__in=own_documents)


def _own_document(match: ResolverMatch, provider_of: set[int]) -> object:
    if not (match.url_name or "").startswith("document-"):
        return NOT_MINE
    document_id = id_of(match.kwargs.get("pk"))
    return (
        GeneratedDocument.objects.filter(pk=document_id, provider_id__in=provider_of).first() if document_id else None
    )


SEALED_EVENTS.append(_own_document_events)
OWN_OBJECTS.append(_own_document)
