"""The evidence bundle of a call for auditors: every PDF, the call's audit events, and a manifest of hashes."""

import hashlib
import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procurement import asks
from procurement.access import roles_of
from procurement.audit import audit_event_shown, audit_events_shown, audit_record
from procurement.auditchain import EVENT_FIELDS, chain_link, verify_chain
from procurement.errors import Forbidden
from procurement.models import AuditEvent

from .models import DocumentStatus, SignatureStatus
from .services import documents_visible_to
from .verification import pdf_validation_report


def tender_audit_events_json(tender_id: int) -> bytes:
    """The call's audit events as JSON, in the chain's order (the evidence bundle's, the archive package's).

    Until the opening, an event that would say who has a bid or a draft is in it sealed, as in the log."""
    shown = audit_events_shown(AuditEvent.objects.filter(tender_id=tender_id)).order_by("sequence", "id")
    events = [{**audit_event_shown(event, EVENT_FIELDS), "sealed": event.sealed} for event in shown]
    return json.dumps(events, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()


def evidence_bundle(*, user, tender_id) -> tuple[str, bytes]:
    tender = asks.tender_readable(user=user, tender_id=tender_id)
    if not roles_of(user).audits(tender.authority_id):
        raise Forbidden(_("The evidence bundle is for auditors."))
    chain_link()  # every committed event of the call is in the chain before it is exported
    files: list[tuple[str, bytes]] = []
    documents = (
        documents_visible_to(user=user)
        .filter(tender=tender, status=DocumentStatus.READY)
        .order_by("kind", "version", "pk")
    )
    for document in documents:
        name = f"{document.kind}-{document.pk}-v{document.version}"
        with document.file.open("rb") as handle:
            files.append((f"documents/{name}.pdf", handle.read()))
        if document.signature_status == SignatureStatus.SIGNED:
            # The signature checked offline now, against the trust roots and the revocation data in the file.
            report = pdf_validation_report(files[-1][1])
            files.append((f"validation/{name}.json", json.dumps(report, ensure_ascii=False, indent=1).encode()))
    files.append(("audit-events.json", tender_audit_events_json(tender.pk)))
    chain = verify_chain()
    manifest = {
        "tender": {"id": tender.pk, "reference": tender.reference, "title": tender.title},
        "generated_at": timezone.now(),
        "generated_by": user.get_username(),
        "audit_chain": chain.as_dict(),
        "files": [
            {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)} for name, data in files
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
        archive.writestr("manifest.json", json.dumps(manifest, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1))
    data = buffer.getvalue()
    audit_record(
        action="evidence.download",
        actor=user,
        obj=tender,
        detail={"sha256": hashlib.sha256(data).hexdigest(), "files": len(files), "chain_intact": chain.intact},
    )
    return f"evidence-{tender.pk}-{timezone.now():%Y%m%d-%H%M%S}.zip", data
