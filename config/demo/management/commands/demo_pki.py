"""The demo's PKI (`make run`): built once under var/demo-pki (not in git) with a signing key for every authority of
the demo data and one for the system, then served by certomancer's Animator (time stamps, OCSP, CRLs) with --serve."""

from argparse import ArgumentParser
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from config.demo.pki import PkiServer, PkiSigner, pki_build, pki_load
from procurement.models import ContractingAuthority

DEFAULT_PORT = 8099


def demo_pki_dir() -> Path:
    return Path(settings.VAR_DIR) / "demo-pki"


class Command(BaseCommand):
    help = "Create the demo PKI under var/demo-pki once; with --serve, serve its TSA, OCSP and CRLs on 127.0.0.1."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--serve", action="store_true", help="Serve the PKI until stopped.")
        parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="The port its URLs name (default 8099).")

    def handle(self, *args: Any, **options: Any) -> None:
        directory, port = demo_pki_dir(), options["port"]
        if not (directory / "certomancer.yml").exists():
            now = datetime.now(UTC)
            signers = [
                PkiSigner("system", "system", "Hankinta (demo)", now - timedelta(days=1), now + timedelta(days=730))
            ]
            for authority in ContractingAuthority.objects.order_by("pk"):
                signers.append(
                    PkiSigner(
                        f"authority-{authority.pk}",
                        authority.business_id,
                        authority.name[:64],
                        now - timedelta(days=1),
                        now + timedelta(days=730),
                    )
                )
            pki_build(directory, url_prefix=f"http://127.0.0.1:{port}", signers=signers, now=now)
            self.stdout.write(f"The demo PKI is in {directory} ({len(signers)} signing keys).")
        if options["serve"]:
            server = PkiServer(port)
            server.swap(pki_load(directory))
            self.stdout.write(f"The demo PKI answers on http://127.0.0.1:{port}/ (time stamps, OCSP, CRLs).")
            server.server.serve_forever()
