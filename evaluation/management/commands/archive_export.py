"""`manage.py archive_export <call>`: write the archive transfer package (a BagIt bag and its zip) of a procedure
that is over."""

import logging
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evaluation.transfer import archive_package_build
from procurement.errors import DomainError
from tenders.models import Tender


class Command(BaseCommand):
    help = (
        "Write the archive transfer package of a call whose procedure is over: its records (PDF/A), the call's "
        "files, a SÄHKE2-style description with the information management plan's metadata, the audit events with "
        "the chain's verification and anchor, as a validated BagIt bag (and its zip) in --out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("call", help="The call's reference (e.g. HANK-2026-0008) or its id.")
        parser.add_argument("--out", default=".", help="The directory to write the bag and its zip in.")

    def handle(self, *args: object, call: str, out: str, **options: object) -> None:
        tender = Tender.objects.select_related("authority").filter(reference=call).first()
        if tender is None and call.isdigit():
            tender = Tender.objects.select_related("authority").filter(pk=int(call)).first()
        if tender is None:
            raise CommandError(f"No call {call!r}.")
        if int(str(options.get("verbosity", 1))) < 2:
            logging.getLogger("bagit").setLevel(logging.WARNING)  # its line per file checked, unless asked for
        directory = Path(out)
        directory.mkdir(parents=True, exist_ok=True)
        try:
            package = archive_package_build(tender=tender, actor=None, directory=directory)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(
            f"Bag {package.bag} ({package.records} records, {package.call_files} call files) validated; "
            f"zip {package.zip} sha256 {package.sha256}."
        )
