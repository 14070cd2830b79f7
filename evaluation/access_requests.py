"""Requests for documents of a call (JulkL 621/1999): a bidder asks once the decision was sent to it (a party's
right, 11 §), anyone once a contract of the call is signed (the bids are then public, 6 §). The officer grants,
grants in part or refuses with the legal grounds; the decision is a PDF with its redress, and a grant gives the
requester copies of the bids asked with what the authority withholds removed: the answers rendered anew with the
withheld parts replaced, the attachments redacted (`documents.redaction`), each recorded in the audit chain.

What a bid withholds is `bids.secrecy.secrecy_withheld`, the one place that says so."""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from bids import secrecy
from bids.attachments import attachment_plain_chunks, attachments_of_read_bids
from bids.models import Bid, BidStatus
from bids.secrecy import Withheld
from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from documents.redaction import RedactionFailed, redact_pdf
from documents.services import document_request
from procurement.access import AnyUser, officers_of, roles_of
from procurement.audit import audit_record
from procurement.errors import Conflict, Forbidden, NotFound, ValidationFailed
from procurement.models import User
from procurement.notifications import notify
from procurement.outbox import outbox_enqueue
from tenders.models import Tender, TenderStatus
from tenders.selectors import tender_get

from .models import AccessGround, AccessRequest, LotContract
from .outcomes import decision_sent_to

logger = logging.getLogger(__name__)

TOKEN_DAYS = 90  # how long a public requester's link works after the request, and again after the decision
SUBJECT_PREFIX = "access:"
# How a withheld part reads in a disclosed copy, by ground (the copy is in Finnish or Swedish).
WITHHELD_MARK = {
    "fi": "[Salassa pidettävä: {law}]",
    "sv": "[Sekretessbelagt: {law}]",
}
GROUND_LAW = {
    "fi": {
        AccessGround.BUSINESS_SECRET: "JulkL 24 § 1 mom. 20 k",
        AccessGround.PERSONAL_DATA: "JulkL 24 § 1 mom. 32 k",
        AccessGround.SECURITY: "JulkL 24 § 1 mom. 7 k",
        AccessGround.NOT_HELD: "JulkL 5 §",
        AccessGround.NOT_SPECIFIED: "JulkL 13 §",
    },
    "sv": {
        AccessGround.BUSINESS_SECRET: "OffL 24 § 1 mom. 20 p.",
        AccessGround.PERSONAL_DATA: "OffL 24 § 1 mom. 32 p.",
        AccessGround.SECURITY: "OffL 24 § 1 mom. 7 p.",
        AccessGround.NOT_HELD: "OffL 5 §",
        AccessGround.NOT_SPECIFIED: "OffL 13 §",
    },
}
OUTCOMES = (AccessRequest.Status.GRANTED, AccessRequest.Status.GRANTED_IN_PART, AccessRequest.Status.REFUSED)


def withheld_mark(ground: str, language: str) -> str:
    """“[Salassa pidettävä: JulkL 24 § 1 mom. 20 k]”: what stands in a copy where a withheld part was."""
    language = "sv" if language == "sv" else "fi"
    laws: dict[str, str] = {str(code): law for code, law in GROUND_LAW[language].items()}
    law = laws.get(ground, laws[AccessGround.BUSINESS_SECRET])
    return WITHHELD_MARK[language].format(law=law)


def decision_subject(request: AccessRequest) -> str:
    return f"{SUBJECT_PREFIX}{request.pk}"


def copy_subject(request: AccessRequest, bid_id: int) -> str:
    return f"{SUBJECT_PREFIX}{request.pk}:bid:{bid_id}"


def attachment_copy_subject(request: AccessRequest, attachment_id: object) -> str:
    return f"{SUBJECT_PREFIX}{request.pk}:att:{attachment_id}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def contract_signed(tender: Tender) -> bool:
    """A contract of the call is signed: its bids are public from then on (JulkL 6 § 1 mom. 6 k)."""
    return bool(LotContract.objects.filter(lot__tender=tender, status="signed").exists())


# --- Who may ask, and when --------------------------------------------------------------------------------------


def _bidder_providers(tender: Tender, user: AnyUser) -> set[int]:
    providers = roles_of(user).provider_of
    return set(
        Bid.objects.filter(tender=tender, provider_id__in=providers, status=BidStatus.SUBMITTED).values_list(
            "provider_id", flat=True
        )
    )


def _requesting_provider(tender: Tender, actor: User) -> int:
    """The provider the member asks for: its bidder in the call once the decision was sent to it; after a contract,
    any of its providers. 403 for a user who is no provider's member; 409 (with the code) when it is too early."""
    providers = roles_of(actor).provider_of
    if not providers:
        raise Forbidden(_("Only a provider's members ask for documents here."), code="providers_only")
    bidders = _bidder_providers(tender, actor)
    if bidders and decision_sent_to(tender=tender, provider_ids=bidders):
        return min(bidders)
    if contract_signed(tender):
        return min(bidders) if bidders else min(providers)
    if bidders:
        raise Conflict(
            _("A bidder may ask for the documents of the call once the decision has been sent to it."),
            code="decision_not_sent",
        )
    raise Conflict(
        _("The documents of the call become public when its contract is signed."),
        code="not_public_yet",
    )


@dataclass(frozen=True)
class Asked:
    """What a requester asks for: the bids (their answers and attachments), the comparison, anything else."""

    bids: list[int]
    answers: bool = True
    attachments: bool = True
    comparison: bool = False
    description: str = ""


def _asked_bids(tender: Tender, asked: Asked, *, own: set[int]) -> list[Bid]:
    """The submitted bids of the call named in the request (not the requester's own, which it has)."""
    ids = {int(pk) for pk in asked.bids if str(pk).isdigit()}
    if len(ids) != len(set(asked.bids)):
        raise ValidationFailed(
            errors={"bids": [{"code": "unknown_bid", "message": str(_("No such bid in this call."))}]}
        )
    bids = list(
        Bid.objects.filter(pk__in=ids, tender=tender, status=BidStatus.SUBMITTED)
        .exclude(provider_id__in=own)
        .select_related("provider")
    )
    if len(bids) != len(ids):
        raise ValidationFailed(
            errors={"bids": [{"code": "unknown_bid", "message": str(_("No such bid in this call."))}]}
        )
    if not bids and not asked.comparison and not asked.description.strip():
        raise ValidationFailed(
            errors={
                "bids": [{"code": "required", "message": str(_("Say which documents you ask for."))}],
            }
        )
    if bids and not (asked.answers or asked.attachments):
        raise ValidationFailed(
            errors={
                "answers": [{"code": "required", "message": str(_("Choose the answers, the attachments or both."))}]
            }
        )
    return bids


def _create(*, tender: Tender, asked: Asked, own: set[int], language: str, **fields: Any) -> AccessRequest:
    bids = _asked_bids(tender, asked, own=own)
    Tender.objects.select_for_update().filter(pk=tender.pk).first()  # numbers the call's requests one at a time
    number = (AccessRequest.objects.filter(tender=tender).aggregate(n=Max("number"))["n"] or 0) + 1
    request: AccessRequest = AccessRequest.objects.create(
        tender=tender,
        number=number,
        language="sv" if language == "sv" else "fi",
        answers=asked.answers,
        attachments=asked.attachments,
        comparison=asked.comparison,
        description=asked.description.strip(),
        **fields,
    )
    request.bids.set(bids)
    notify(
        kind="access_request.received",
        key=f"access-request:{request.pk}",
        tender_id=tender.pk,
        users=officers_of(tender.authority_id),
        payload={"number": number, "requester": request.requester},
    )
    return request


def access_request_create_check(*, actor: User, tender_id: int) -> None:
    """Who may ask now (`_requesting_provider`'s 404, 403 and 409); the API asks before it reads the body, whose bid
    ids could otherwise be probed."""
    _requesting_provider(tender_get(user=actor, tender_id=tender_id), actor)


def access_request_create(
    *, actor: User, tender_id: int, asked: Asked, channel: str = AccessRequest.Channel.PORTAL, language: str = ""
) -> AccessRequest:
    """A provider's member asks for documents of a call (portal or API): 404 for a call it cannot see, 409 before it
    may ask (`_requesting_provider`)."""
    with transaction.atomic():
        tender = tender_get(user=actor, tender_id=tender_id)
        provider_id = _requesting_provider(tender, actor)
        request = _create(
            tender=tender,
            asked=asked,
            own={provider_id},
            language=language or actor.preferred_language or tender.language,
            channel=channel,
            provider_id=provider_id,
            requested_by=actor,
        )
        audit_record(
            action="access_request.create",
            actor=actor,
            obj=request,
            after=_asked_record(request, asked),
        )
    return request


def _asked_record(request: AccessRequest, asked: Asked) -> dict[str, Any]:
    return {
        "number": request.number,
        "channel": request.channel,
        "provider": request.provider_id,
        "bids": sorted(int(pk) for pk in asked.bids),
        "answers": asked.answers,
        "attachments": asked.attachments,
        "comparison": asked.comparison,
    }


def _public_tender(tender_id: int) -> Tender:
    try:
        return cast(
            Tender,
            Tender.objects.exclude(
                status__in=[TenderStatus.DRAFT, TenderStatus.PENDING_APPROVAL, TenderStatus.APPROVED]
            ).get(pk=tender_id),
        )
    except (Tender.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def access_request_public_check(*, tender_id: int) -> Tender:
    """The call a member of the public may ask about: published (404 otherwise), its contract signed (409
    not_public_yet before)."""
    tender = _public_tender(tender_id)
    if not contract_signed(tender):
        raise Conflict(_("The documents of the call become public when its contract is signed."), code="not_public_yet")
    return tender


def token_link(token: str, base: str) -> str:
    """The link with the token, on the site the request came through (`base`: its scheme and host)."""
    return base.rstrip("/") + reverse("access_public:token", args=[token])


def _issue_token(request: AccessRequest, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    request.token_hash, request.token_expires_at = _hash(token), now + timedelta(days=TOKEN_DAYS)
    return token


def _mail_after_commit(*, to: str, language: str, subject: Any, body: Any, params: dict[str, Any]) -> None:
    """An e-mail to a requester who has no account, sent after the commit: it carries the link with the token, which
    is kept nowhere else (the outbox would store it)."""

    def send() -> None:
        with translation.override(language):
            try:
                send_mail(str(subject) % params, str(body) % params, None, [to])
            except Exception:  # the request stands; the requester may ask the authority
                logger.exception("The e-mail to the requester of a document request could not be sent.")

    transaction.on_commit(send)


def access_request_public_create(
    *,
    tender_id: int,
    name: str,
    email: str,
    asked: Asked,
    link_base: str,
    language: str = "fi",
    ip_address: str | None = None,
) -> tuple[AccessRequest, str]:
    """A member of the public asks, with no account: a name and an e-mail address, to which a link to the request
    (with a secret token, kept only as its hash, expiring) is sent. Answers the request and the token."""
    name, email = (name or "").strip(), (email or "").strip()
    errors = {}
    if not name:
        errors["name"] = [{"code": "required", "message": str(_("Give your name."))}]
    if not email or "@" not in email:
        errors["email"] = [{"code": "invalid_email", "message": str(_("Give an e-mail address."))}]
    if errors:
        raise ValidationFailed(errors=errors)
    now = timezone.now()
    with transaction.atomic():
        tender = access_request_public_check(tender_id=tender_id)
        request = _create(
            tender=tender,
            asked=asked,
            own=set(),
            language=language,
            channel=AccessRequest.Channel.PUBLIC,
            requester_name=name[:200],
            requester_email=email,
        )
        token = _issue_token(request, now)
        request.save(update_fields=["token_hash", "token_expires_at"])
        audit_record(
            action="access_request.create", obj=request, after=_asked_record(request, asked), ip_address=ip_address
        )
        _mail_after_commit(
            to=email,
            language=request.language,
            subject=_("Your request for documents: %(title)s"),
            body=_(
                "The contracting authority has received your request for documents of %(title)s (number %(number)s). "
                "You will get its decision by e-mail. You can follow your request here until %(expires)s: %(link)s"
            ),
            params={
                "title": tender.title,
                "number": request.number,
                "expires": timezone.localtime(request.token_expires_at).strftime("%d.%m.%Y"),
                "link": token_link(token, link_base),
            },
        )
    return request, token


# --- Reading ------------------------------------------------------------------------------------------------------


def access_requests_of_tender(*, user: AnyUser, tender_id: int) -> list[AccessRequest]:
    """The authority reads every request of the call; a provider's member its own providers' (404 for a call it
    cannot see)."""
    tender = tender_get(user=user, tender_id=tender_id)
    roles = roles_of(user)
    rows = AccessRequest.objects.filter(tender=tender).select_related("provider", "decision_document")
    if not roles.reads_authority(tender.authority_id):
        rows = rows.filter(provider_id__in=roles.provider_of)
    return list(rows.prefetch_related("bids__provider").order_by("number"))


def _visible(user: AnyUser) -> "QuerySet[AccessRequest]":
    roles = roles_of(user)
    rows: QuerySet[AccessRequest] = AccessRequest.objects.select_related(
        "tender", "provider", "decision_document", "decided_by"
    )
    if roles.auditor_of_all:
        return rows
    authorities = roles.officer_of | roles.evaluator_of | roles.decision_maker_of | roles.auditor_of
    from django.db.models import Q

    return rows.filter(Q(tender__authority_id__in=authorities) | Q(provider_id__in=roles.provider_of))


def access_request_get(*, user: AnyUser, request_id: int | str) -> AccessRequest:
    """A request for its requester's members and the authority; 404 for anyone else."""
    try:
        return _visible(user).prefetch_related("bids__provider").get(pk=request_id)
    except (AccessRequest.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def access_request_by_token(*, token: str) -> AccessRequest:
    """A public requester's request, by the token of its link: 404 for a wrong or expired one."""
    if not token or len(token) > 100:
        raise NotFound()
    request: AccessRequest | None = (
        AccessRequest.objects.select_related("tender", "decision_document")
        .prefetch_related("bids__provider")
        .filter(token_hash=_hash(token), token_expires_at__gt=timezone.now())
        .first()
    )
    if request is None:
        raise NotFound()
    return request


def disclosed_documents(request: AccessRequest) -> list[GeneratedDocument]:
    """The ready files of a decided request: its decision and the disclosed copies."""
    return list(
        GeneratedDocument.objects.filter(
            tender_id=request.tender_id, status=DocumentStatus.READY, subject__startswith=decision_subject(request)
        )
        .filter(kind__in=[DocumentKind.ACCESS_DECISION, DocumentKind.DISCLOSED_COPY])
        .exclude(subject__regex=rf"^{SUBJECT_PREFIX}{request.pk}\d")
        .order_by("kind", "subject")
    )


def comparison_documents(request: AccessRequest) -> list[GeneratedDocument]:
    """The call's comparison reports, when the decision granted them (they show no business secret)."""
    if not request.granted.get("comparison"):
        return []
    return list(
        GeneratedDocument.objects.filter(
            tender_id=request.tender_id, kind=DocumentKind.COMPARISON, status=DocumentStatus.READY
        ).order_by("subject")
    )


def _file_of(request: AccessRequest, document_id: int | str) -> GeneratedDocument:
    readable = {d.pk: d for d in disclosed_documents(request) + comparison_documents(request)}
    try:
        return readable[int(document_id)]
    except (KeyError, ValueError, TypeError) as exc:
        raise NotFound() from exc


def access_file_get(
    *, user: AnyUser, request_id: int | str, document_id: int | str, ip_address: str | None = None
) -> GeneratedDocument:
    """A file of a request for its requester's members and the authority: its decision, the copies, the comparison
    granted (which a requester that is not a bidder of the call reads only through its request)."""
    request = access_request_get(user=user, request_id=request_id)
    document = _file_of(request, document_id)
    audit_record(
        action="document.download",
        actor=user,
        obj=document,
        tender_id=document.tender_id,
        detail={"sha256": document.sha256, "access_request": request.pk},
        ip_address=ip_address,
    )
    return document


def public_document_get(*, token: str, document_id: int | str) -> GeneratedDocument:
    """A file of a public requester's request, by its token: the decision, the copies, the comparison granted."""
    request = access_request_by_token(token=token)
    readable = {d.pk: d for d in disclosed_documents(request) + comparison_documents(request)}
    try:
        document = readable[int(document_id)]
    except (KeyError, ValueError, TypeError) as exc:
        raise NotFound() from exc
    audit_record(
        action="access_request.download",
        obj=request,
        detail={"document": document.pk, "sha256": document.sha256},
    )
    return document


# --- The decision ---------------------------------------------------------------------------------------------------


def access_request_withheld(request: AccessRequest) -> list[dict[str, Any]]:
    """What the authority withholds from each bid the request names (`bids.secrecy`), in words, for the officer who
    decides: every copy leaves these parts out, whatever the decision grants."""
    from tenders.models import QualityCriterion, SuitabilityRequirement

    withheld = secrecy.secrecy_withheld(request.tender)
    criteria = {c.pk: c for c in QualityCriterion.objects.filter(tender_id=request.tender_id)}
    requirements = {r.pk: r for r in SuitabilityRequirement.objects.filter(tender_id=request.tender_id)}

    def label(part: str) -> str:
        kind, _colon, ident = part.partition(":")
        if kind == "quality" and ident.isdigit() and int(ident) in criteria:
            criterion = criteria[int(ident)]
            return str(
                _("Answer to criterion %(number)s: %(name)s") % {"number": criterion.number, "name": criterion.name}
            )
        if kind == "evidence" and ident.isdigit() and int(ident) in requirements:
            return str(_("Evidence for requirement %(number)s") % {"number": requirements[int(ident)].number})
        if kind == "attachment":
            return str(_("An attachment"))
        if kind == "contact":
            return str(_("The contact person"))
        return part

    rows = []
    for bid in sorted(request.bids.all(), key=lambda b: b.provider.name):
        parts = [
            {
                "part": label(w.part),
                "passages": len(w.passages),
                "ground": AccessGround(w.ground).label if w.ground in AccessGround.values else w.ground,
            }
            for w in withheld.get(bid.pk, [])
        ]
        rows.append({"bid": bid, "provider": bid.provider, "parts": parts})
    return rows


def access_request_decide_check(*, actor: User, request_id: int | str) -> None:
    """Who may decide (404 for those who do not see the request, 403 for its other readers), before the body."""
    request = access_request_get(user=actor, request_id=request_id)
    if not roles_of(actor).is_officer(request.tender.authority_id):
        raise Forbidden(_("Only the authority's procurement officers decide on requests for documents."))


def _officer_request(actor: User, request_id: int) -> AccessRequest:
    access_request_decide_check(actor=actor, request_id=request_id)
    return cast(
        AccessRequest,
        AccessRequest.objects.select_for_update(of=("self",))
        .select_related("tender", "provider")
        .get(pk=int(request_id)),
    )


def _granted_items(request: AccessRequest, outcome: str, items: dict[str, Any] | None) -> dict[str, Any]:
    asked_bids = set(request.bids.values_list("pk", flat=True))
    if outcome == AccessRequest.Status.REFUSED:
        return {}
    items = items or {}
    bids = items.get("bids")
    chosen = asked_bids if bids is None else {int(pk) for pk in bids if str(pk).isdigit()}
    if len(chosen) != len(set(bids or chosen)) or not chosen <= asked_bids:
        raise ValidationFailed(
            errors={"bids": [{"code": "not_asked", "message": str(_("Only bids the request names can be granted."))}]}
        )
    granted = {
        "bids": sorted(chosen),
        "answers": bool(items.get("answers", request.answers)) and request.answers,
        "attachments": bool(items.get("attachments", request.attachments)) and request.attachments,
        "comparison": bool(items.get("comparison", request.comparison)) and request.comparison,
    }
    if not granted["bids"] and not granted["comparison"] and not request.description:
        raise ValidationFailed(
            errors={"items": [{"code": "nothing_granted", "message": str(_("Nothing is granted: refuse instead."))}]}
        )
    return granted


def access_request_decide(
    *,
    actor: User,
    request_id: int,
    outcome: str,
    grounds: list[str] | tuple[str, ...] = (),
    reason: str = "",
    reason_sv: str = "",
    items: dict[str, Any] | None = None,
    link_base: str = "",
) -> AccessRequest:
    """The officer's decision: granted (everything asked, less what the authority withholds on its grounds), granted
    in part (the items named) or refused; a refusal or a partial grant names its legal grounds and reasons. Makes the
    decision's PDF with its redress and, for a grant, queues the disclosed copies; tells the requester."""
    errors: dict[str, list[dict[str, str]]] = {}
    if outcome not in OUTCOMES:
        errors["outcome"] = [{"code": "invalid", "message": str(_("Choose the decision."))}]
    grounds = sorted(set(grounds))
    if any(g not in AccessGround.values for g in grounds):
        errors["grounds"] = [{"code": "invalid", "message": str(_("Choose the legal grounds from the list."))}]
    elif outcome != AccessRequest.Status.GRANTED and not grounds:
        errors["grounds"] = [{"code": "required", "message": str(_("Give the legal grounds of what is withheld."))}]
    if outcome != AccessRequest.Status.GRANTED and not (reason or "").strip():
        errors["reason"] = [{"code": "required", "message": str(_("Give the reasons of the decision."))}]
    if errors:
        raise ValidationFailed(errors=errors)
    now = timezone.now()
    with transaction.atomic():
        request = _officer_request(actor, request_id)
        if request.status != AccessRequest.Status.RECEIVED:
            raise Conflict(_("This request is already decided."), code="already_decided", status=request.status)
        request.granted = _granted_items(request, outcome, items)
        transitions = {
            str(AccessRequest.Status.GRANTED): request.grant,
            str(AccessRequest.Status.GRANTED_IN_PART): request.grant_in_part,
            str(AccessRequest.Status.REFUSED): request.refuse,
        }
        transitions[outcome]()
        request.grounds = grounds
        request.reason, request.reason_sv = (reason or "").strip(), (reason_sv or "").strip()
        request.decided_by, request.decided_at = actor, now
        document = document_request(
            kind=DocumentKind.ACCESS_DECISION,
            tender=request.tender,
            actor=actor,
            subject=decision_subject(request),
            provider=request.provider,
            language=request.language,
        )
        request.decision_document = document
        token = _issue_token(request, now) if request.channel == AccessRequest.Channel.PUBLIC else ""
        request.save()
        audit_record(
            action="access_request.decide",
            actor=actor,
            obj=request,
            after={
                "status": request.status,
                "grounds": grounds,
                "granted": request.granted,
                "document": document.pk,
            },
        )
        if request.granted.get("bids"):
            outbox_enqueue("evaluation.access_request_disclose", request.pk)
        if request.provider_id:
            notify(
                kind="access_request.decided",
                key=f"access-request:{request.pk}:decided",
                tender_id=request.tender_id,
                providers=[request.provider_id],
                documents=[document.pk],
                languages={request.provider_id: request.language},
                payload={"number": request.number, "status": request.status},
            )
        else:
            _mail_after_commit(
                to=request.requester_email,
                language=request.language,
                subject=_("Decision on your request for documents: %(title)s"),
                body=_(
                    "The contracting authority has decided on your request for documents of %(title)s (number "
                    "%(number)s). The decision, its instructions for redress and the documents disclosed to you are "
                    "here until %(expires)s: %(link)s"
                ),
                params={
                    "title": request.tender.title,
                    "number": request.number,
                    "expires": timezone.localtime(request.token_expires_at).strftime("%d.%m.%Y"),
                    "link": token_link(token, link_base),
                },
            )
    return request


# --- The disclosed copies (the worker) ------------------------------------------------------------------------------


def _withheld_of(tender: Tender, bid_ids: list[int]) -> dict[int, list[Withheld]]:
    withheld = secrecy.secrecy_withheld(tender)
    return {bid_id: withheld.get(bid_id, []) for bid_id in bid_ids}


def _attachment_part(withheld: list[Withheld], attachment_id: object) -> Withheld | None:
    return next((w for w in withheld if w.part == f"attachment:{attachment_id}"), None)


def _store_copy(
    *, request: AccessRequest, subject: str, data: bytes, filename: str, detail: dict[str, Any]
) -> GeneratedDocument:
    digest = hashlib.sha256(data).hexdigest()
    document = GeneratedDocument(
        kind=DocumentKind.DISCLOSED_COPY,
        tender=request.tender,
        subject=subject,
        provider=request.provider,
        language=request.language,
        requested_by=request.decided_by,
        filename=filename[:200],
        sha256=digest,
        size=len(data),
        status=DocumentStatus.READY,
        renderer="documents.redaction",
        template_version="redaction-1",
        rendered_at=timezone.now(),
    )
    document.file.save(f"disclosed-{request.tender_id}-{digest[:16]}.pdf", ContentFile(data), save=False)
    document.save()
    audit_record(
        action="access_request.disclose",
        obj=request,
        detail={"document": document.pk, "sha256": digest, **detail},
    )
    return document


def _attachment_copy(request: AccessRequest, attachment: Any, withheld: list[Withheld]) -> tuple[str, dict[str, Any]]:
    """Disclose one attachment (or not): "disclosed", "redacted", "withheld" (whole, or not redactable)."""
    part = _attachment_part(withheld, attachment.pk)
    meta = attachment.unsealed_meta
    name = str(meta.get("filename", "attachment"))
    if part is not None and not part.passages:
        return "withheld", {"ground": part.ground}
    data = b"".join(attachment_plain_chunks(attachment))
    passages = list(part.passages) if part is not None else []
    if not data.startswith(b"%PDF-"):
        if passages:
            return "withheld", {"ground": part.ground if part else "", "why": "not_redactable"}
        _store_copy(
            request=request,
            subject=attachment_copy_subject(request, attachment.pk),
            data=data,
            filename=name,
            detail={"attachment": str(attachment.pk), "redacted": False},
        )
        return "disclosed", {}
    try:
        redacted = redact_pdf(data, passages)
    except RedactionFailed as exc:
        logger.warning("Attachment %s could not be redacted: %s", attachment.pk, exc)
        return "withheld", {"ground": part.ground if part else "", "why": "not_redactable"}
    if redacted.missing:
        # A passage the text does not hold may be in a scanned image of the page: it cannot be found, so the
        # attachment is not disclosed at all rather than disclosed with it.
        return "withheld", {"ground": part.ground if part else "", "why": "passage_not_found"}
    stem = name.rsplit(".", 1)[0] if "." in name else name
    _store_copy(
        request=request,
        subject=attachment_copy_subject(request, attachment.pk),
        data=redacted.pdf,
        filename=f"{stem}_disclosed.pdf",
        detail={
            "attachment": str(attachment.pk),
            "redacted": bool(passages),
            "words_withheld": redacted.words_withheld,
            "pages_withheld": redacted.pages_withheld,
        },
    )
    return ("redacted" if passages else "disclosed"), {}


def access_request_disclose(*, request_id: int) -> int:
    """Make the disclosed copies of a granted request (the worker, after the decision's commit): per bid granted,
    its answers as a PDF with the withheld parts replaced (rendered by the documents app) and its attachments
    redacted. Reading the sealed bids for it is recorded. Idempotent: a copy already made is not made again.
    Answers how many files were made."""
    made = 0
    with transaction.atomic():
        request = (
            AccessRequest.objects.select_for_update(of=("self",))
            .select_related("tender", "provider")
            .filter(pk=request_id)
            .first()
        )
        if request is None or request.status not in (
            AccessRequest.Status.GRANTED,
            AccessRequest.Status.GRANTED_IN_PART,
        ):
            return 0
        done = set(
            GeneratedDocument.objects.filter(
                tender=request.tender,
                kind=DocumentKind.DISCLOSED_COPY,
                subject__startswith=f"{SUBJECT_PREFIX}{request.pk}:",
            ).values_list("subject", flat=True)
        )
        bid_ids = [int(pk) for pk in request.granted.get("bids", [])]
        bids = list(Bid.objects.filter(pk__in=bid_ids, status=BidStatus.SUBMITTED).select_related("provider", "tender"))
        withheld = _withheld_of(request.tender, bid_ids)
        outcome: dict[str, Any] = dict(request.granted.get("files", {}))
        attachments = attachments_of_read_bids(bids) if request.granted.get("attachments") else {}
        for bid in bids:
            subject = copy_subject(request, bid.pk)
            if subject in done:
                continue
            audit_record(
                action="bid.read_for_disclosure",
                obj=bid,
                detail={"access_request": request.pk, "withheld": [w.part for w in withheld[bid.pk]]},
            )
            for attachment in attachments.get(bid.pk, []):
                if attachment_copy_subject(request, attachment.pk) in done:
                    continue
                state, extra = _attachment_copy(request, attachment, withheld[bid.pk])
                outcome[str(attachment.pk)] = {
                    "bid": bid.pk,
                    "name": str(getattr(attachment, "unsealed_meta", {}).get("filename", "")),
                    "state": state,
                    **extra,
                }
                made += state != "withheld"
            # The answers' copy last: it lists what became of each attachment.
            request.granted = {**request.granted, "files": outcome}
            request.save(update_fields=["granted"])
            document_request(
                kind=DocumentKind.DISCLOSED_COPY,
                tender=request.tender,
                actor=request.decided_by,
                subject=subject,
                provider=request.provider,
                language=request.language,
            )
            audit_record(action="access_request.disclose", obj=request, detail={"bid": bid.pk, "copy": "answers"})
            made += 1
    return made
