"""Create the audit chain's anchor file with its signed genesis line: at installation, or anew by an operator."""

from django.core.management.base import BaseCommand, CommandError

from procurement.audit import audit_record
from procurement.auditchain import AnchorFileExists, anchor_init, anchor_path, chain_head, chain_link
from procurement.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Create the anchor file of the audit chain. The writers never create it: a file that was deleted stays "
        "missing, and verify_audit reports it, until an operator starts it anew with --restart."
    )

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--install",
            action="store_true",
            help="The installation step (run after migrate): create the file for a log without events; leave an "
            "existing file as it is; never create it for a log that has events (say so, exit 0).",
        )
        mode.add_argument(
            "--restart",
            metavar="REASON",
            help="Start a missing file anew at the chain's present head, for a log that has events: the anchors "
            "then cover the chain from that event on only. Recorded as an audit event.",
        )

    def handle(self, *args, **options):
        path = anchor_path()
        if options["install"]:
            if path.exists():
                self.stdout.write(f"The anchor file {path} exists; it is left as it is.")
                return
            if AuditEvent.objects.exists():
                # A log with events whose file is gone: recreating it here would hide that (and what was deleted).
                self.stderr.write(
                    self.style.ERROR(
                        f"The anchor file {path} is missing, but the audit log has events: it is not created again. "
                        "Find out why, then start it anew with `manage.py audit_anchor_init --restart REASON`."
                    )
                )
                return
            self._create(head=None, reason="install")
            return
        reason = options["restart"]
        while chain_link() >= 5000:
            pass
        head = chain_head()
        if head is not None and not reason:
            raise CommandError(
                "The audit log has events: starting its anchor file anew needs --restart REASON.", returncode=1
            )
        anchor = self._create(head=head, reason=f"restart: {reason}" if reason else "install")
        if reason:
            audit_record(
                action="audit.anchor_init",
                detail={"path": str(path), "sequence": anchor["sequence"], "hash": anchor["hash"], "reason": reason},
            )

    def _create(self, *, head, reason):
        try:
            anchor = anchor_init(head=head, reason=reason)
        except AnchorFileExists:
            raise CommandError(f"The anchor file {anchor_path()} exists; it is left as it is.", returncode=1) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"The anchor file {anchor_path()} was created; its anchors cover the chain from event "
                f"{anchor['sequence']} on."
            )
        )
        return anchor
