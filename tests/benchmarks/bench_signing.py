"""Benchmark: what signing adds to a document: the same PDF/A-3b rendered alone, and rendered then signed (PAdES
B-LT: a time stamp and the OCSP responses fetched over HTTP from a local certomancer PKI, as from a real one).

Prints the milliseconds per document of both, and the signing cost. Run: `make bench`."""

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.test import override_settings  # noqa: E402

from config.demo.pki import PkiServer, PkiSigner, pki_build  # noqa: E402

DOCUMENTS = 20
HTML = "<h1>Hankintapäätös</h1>" + "<p>Perustelut: vertailun tulos, pisteet ja hinnat.</p>" * 200


def main() -> None:
    import weasyprint

    from documents.signing import pdf_sign, signer_load, signing_setup
    from documents.verification import pdf_validation_report

    now = datetime.now(UTC)
    server = PkiServer()
    with tempfile.TemporaryDirectory() as directory:
        signer = PkiSigner("authority", "authority", "Testikunta", now - timedelta(days=1), now + timedelta(days=30))
        pki = pki_build(Path(directory), url_prefix=server.url_prefix, signers=[signer], now=now)
        server.swap(pki)
        server.start()
        try:
            with override_settings(HANKINTA_SIGNING_KEYS=str(pki.signing_keys), HANKINTA_TSA_URL=""):
                setup = signing_setup()
                assert setup is not None
                key = signer_load(setup, "authority")
                alone, signed, validated = [], [], []
                for _ in range(DOCUMENTS):
                    start = time.perf_counter()
                    pdf = weasyprint.HTML(string=HTML).write_pdf(pdf_variant="pdf/a-3b")
                    rendered = time.perf_counter()
                    result = pdf_sign(pdf, key=key, setup=setup)
                    done = time.perf_counter()
                    alone.append(rendered - start)
                    signed.append(done - start)
                    start = time.perf_counter()
                    assert pdf_validation_report(result.pdf)["valid"]
                    validated.append(time.perf_counter() - start)
        finally:
            server.stop()
    a, s, v = statistics.median(alone), statistics.median(signed), statistics.median(validated)
    print(f"A {len(pdf) // 1024} KiB PDF/A-3b ({len(result.pdf) // 1024} KiB signed), median of {DOCUMENTS} documents:")
    print(f"  rendering alone:                     {a * 1000:7.0f} ms per document")
    print(f"  rendering and signing (PAdES B-LTA): {s * 1000:7.0f} ms per document")
    print(f"  signing cost:                        {(s - a) * 1000:7.0f} ms per document (×{s / a:.2f})")
    print(f"  validating offline afterwards:       {v * 1000:7.0f} ms per document")


if __name__ == "__main__":
    main()
