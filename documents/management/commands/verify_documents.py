"""Check every stored document: its file against its recorded SHA-256 and the audit events that recorded it, its
signature (offline, documents/verification.py), and the audit chain those events are in. Exit 1 on any problem."""

import hashlib
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from documents.models import DocumentStatus, GeneratedDocument, SignatureStatus
from documents.verification import pdf_validation_report
from procurement.audit import audit_object_type, audit_record
from procurement.auditchain import verify_chain
from procurement.models import AuditEvent


def document_problems(document: GeneratedDocument, recorded: dict[str, set[str]]) -> list[str]:
    """What is wrong with one ready document, in words; an empty list when nothing is."""
    try:
        with document.file.open("rb") as stored:
            pdf = stored.read()
    except (OSError, ValueError) as exc:
        return [f"the file cannot be read ({exc})"]
    problems = []
    digest = hashlib.sha256(pdf).hexdigest()
    if digest != document.sha256:
        problems.append(f"the file's SHA-256 {digest} is not the recorded {document.sha256}")
    for action in ("document.rendered", "document.signed"):
        if action == "document.signed" and document.signature_status != SignatureStatus.SIGNED:
            continue
        if document.sha256 not in recorded.get(action, set()):
            problems.append(f"no {action} audit event records its SHA-256")
    if document.signature_status == SignatureStatus.SIGNED:
        report = pdf_validation_report(pdf)
        if not report["valid"]:
            why = "; ".join(s.get("summary") or s.get("error", "") for s in report["signatures"]) or "no signature"
            problems.append(f"the signature does not validate ({why}; PDF/A claimed: {report.get('pdfa_claimed')})")
    return problems


class Command(BaseCommand):
    help = "Verify every stored document against its SHA-256, its audit events and its signature."

    def handle(self, *args: Any, **options: Any) -> None:
        documents = GeneratedDocument.objects.filter(status=DocumentStatus.READY).order_by("pk")
        events = AuditEvent.objects.filter(
            object_type=audit_object_type(GeneratedDocument()), action__in=["document.rendered", "document.signed"]
        ).values_list("object_id", "action", "detail")
        recorded: dict[str, dict[str, set[str]]] = {}
        for object_id, action, detail in events.iterator():
            recorded.setdefault(object_id, {}).setdefault(action, set()).add((detail or {}).get("sha256", ""))
        checked = failed = signed = 0
        for document in documents.iterator():
            checked += 1
            signed += document.signature_status == SignatureStatus.SIGNED
            problems = document_problems(document, recorded.get(str(document.pk), {}))
            if problems:
                failed += 1
                for problem in problems:
                    self.stdout.write(self.style.ERROR(f"Document {document.pk} ({document.filename}): {problem}."))
        chain = verify_chain()
        if not chain.intact:
            self.stdout.write(self.style.ERROR(f"The audit chain is broken: {chain.problem} [{chain.code}]."))
        summary = f"{checked} documents checked, {signed} signed, {failed} with problems; audit chain " + (
            "whole." if chain.intact else "broken."
        )
        self.stdout.write(self.style.SUCCESS(summary) if not failed and chain.intact else self.style.ERROR(summary))
        audit_record(
            action="documents.verify",
            detail={"checked": checked, "signed": signed, "failed": failed, "chain_intact": chain.intact},
            denied=bool(failed) or not chain.intact,
        )
        if failed or not chain.intact:
            raise CommandError("documents failed verification", returncode=1)
