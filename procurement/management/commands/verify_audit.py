"""Walk the audit log's hash chain, hold it to its signed anchors outside the database, and report the first problem
(a broken link, a missing tail, a rewrite, a bad or missing anchor), or that the chain is whole."""

import json

from django.core.management.base import BaseCommand, CommandError

from procurement.audit import audit_record
from procurement.auditchain import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, **options):
        report = verify_chain()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))
        elif report.intact:
            anchor = report.anchor
            against = (
                f" It matches its {report.anchors_checked} anchors, the latest at event {anchor['sequence']} "
                f"({anchor['anchored_at']})."
                if anchor
                else " It has no anchor yet."
            )
            if report.anchored_from:
                against += (
                    f" The anchor file was started anew at event {report.anchored_from}: the events before it are "
                    "no longer held to anchors."
                )
            self.stdout.write(
                self.style.SUCCESS(
                    f"The audit chain is whole: {report.length} events, head {report.head_hash}.{against}"
                )
            )
        else:
            self.stdout.write(
                self.style.ERROR(
                    f"The audit chain is broken at event {report.first_broken_sequence}: {report.problem} "
                    f"[{report.code}] ({report.length} events verified before it)."
                )
            )
        audit_record(action="audit.verify", detail=report.as_dict(), denied=not report.intact)
        if not report.intact:
            raise CommandError("audit chain broken", returncode=2)
