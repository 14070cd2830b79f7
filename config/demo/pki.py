"""A working PKI for the tests and the demo: a root CA, signers, a time-stamping authority, an OCSP responder and CRLs.

Certomancer describes it; the keys are generated here with `cryptography` into a directory of the caller's (never
committed, nothing downloaded), and certomancer's Animator serves the time stamps, the OCSP responses, the CRLs and
the certificates over real HTTP on 127.0.0.1, so that pyHanko signs and fetches exactly as it would in production.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from asn1crypto import pem
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.serving import BaseWSGIServer, make_server

ARCH = "hankinta"
PASSPHRASE = "demo-signing-passphrase"  # noqa: S105 - a test and demo PKI's, written beside its keys
ROOT, TSA, OCSP = "root", "tsa", "root-ocsp"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _key_usage(*usages: str) -> dict[str, Any]:
    return {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage", "params": list(usages)}}


@dataclass
class PkiSigner:
    """A signer of the PKI: `label` in certomancer, `signer_id` in HANKINTA_SIGNING_KEYS (a business ID or
    "system"), `name` its certificate's common name."""

    label: str
    signer_id: str
    name: str
    valid_from: datetime
    valid_to: datetime
    revoked_at: datetime | None = None


@dataclass
class BuiltPki:
    """A built PKI in `directory`: keys/, pkcs12/, trust-roots.pem, signing-keys.json and certomancer.yml."""

    directory: Path
    signers: list[PkiSigner]
    url_prefix: str
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def tsa_url(self) -> str:
        return f"{self.url_prefix}/{ARCH}/tsa/{TSA}"

    @property
    def trust_roots(self) -> Path:
        return self.directory / "trust-roots.pem"

    @property
    def signing_keys(self) -> Path:
        return self.directory / "signing-keys.json"

    def certomancer_config(self) -> CertomancerConfig:
        return CertomancerConfig(self.config, key_search_dir=str(self.directory))

    def animator(self) -> Animator:
        return Animator(AnimatorArchStore(self.certomancer_config().pki_archs), with_web_ui=False)

    def signer(self, signer_id: str) -> PkiSigner:
        return next(signer for signer in self.signers if signer.signer_id == signer_id)

    def revoke(self, signer_id: str, *, at: datetime) -> None:
        """Revoke a signer's certificate from `at` on: the OCSP responder and the CRLs say so from then on."""
        signer = self.signer(signer_id)
        signer.revoked_at = at
        self.config["pki-architectures"][ARCH]["certs"][signer.label]["revocation"] = {
            "revoked-since": _when(at),
            "reason": "key_compromise",
        }


def _write_key(path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def pki_build(directory: Path, *, url_prefix: str, signers: list[PkiSigner], now: datetime | None = None) -> BuiltPki:
    """Generate the keys, the certomancer configuration, a PKCS#12 file per signer, the trust roots and the
    HANKINTA_SIGNING_KEYS file (the passphrase in a file beside each PKCS#12 file)."""
    now = now or datetime.now(UTC)
    keys = directory / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    labels = [ROOT, TSA, OCSP, *(signer.label for signer in signers)]
    for label in labels:
        if not (keys / f"{label}.key.pem").exists():
            _write_key(keys / f"{label}.key.pem")
    long_ago, far_ahead = _when(now - timedelta(days=365)), _when(now + timedelta(days=3650))
    revocation_info = [
        {
            "id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": [ROOT]}},
        },
        {
            "id": "authority_information_access",
            "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": [OCSP]}},
        },
    ]

    def issued(label: str, valid_from: str, valid_to: str, *extensions: dict[str, Any]) -> dict[str, Any]:
        return {
            "subject": label,
            "issuer": ROOT,
            "validity": {"valid-from": valid_from, "valid-to": valid_to},
            "extensions": list(extensions),
        }

    certs: dict[str, Any] = {
        ROOT: issued(
            ROOT,
            long_ago,
            far_ahead,
            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
            _key_usage("digital_signature", "key_cert_sign", "crl_sign"),
        ),
        TSA: issued(
            TSA,
            long_ago,
            far_ahead,
            _key_usage("digital_signature"),
            {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
            *revocation_info,
        ),
        OCSP: issued(
            OCSP,
            long_ago,
            far_ahead,
            _key_usage("digital_signature"),
            {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
            {"id": "ocsp_no_check"},
        ),
    }
    entities: dict[str, Any] = {
        ROOT: {"common-name": "Hankinta Test Root CA"},
        TSA: {"common-name": "Hankinta Test Time-Stamping Authority"},
        OCSP: {"common-name": "Hankinta Test OCSP Responder"},
    }
    for signer in signers:
        entities[signer.label] = {"common-name": signer.name}
        certs[signer.label] = issued(
            signer.label,
            _when(signer.valid_from),
            _when(signer.valid_to),
            _key_usage("digital_signature", "non_repudiation"),
            *revocation_info,
        )
        if signer.revoked_at is not None:
            certs[signer.label]["revocation"] = {"revoked-since": _when(signer.revoked_at), "reason": "key_compromise"}
    config: dict[str, Any] = {
        "external-url-prefix": url_prefix,
        "keysets": {ARCH: {"path-prefix": "keys", "keys": {label: {"path": f"{label}.key.pem"} for label in labels}}},
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "FI", "organization-name": "Hankinta test PKI"},
                "entities": entities,
                "certs": certs,
                "services": {
                    "ocsp": {OCSP: {"for-issuer": ROOT, "responder-cert": OCSP, "signing-key": OCSP}},
                    "crl-repo": {ROOT: {"for-issuer": ROOT, "signing-key": ROOT, "simulated-update-schedule": "P1D"}},
                    "time-stamping": {TSA: {"signing-key": TSA, "signing-cert": TSA}},
                    "cert-repo": {ROOT: {"for-issuer": ROOT, "publish-issued-certs": True}},
                },
            }
        },
    }
    pki = BuiltPki(directory=directory, signers=signers, url_prefix=url_prefix, config=config)
    (directory / "certomancer.yml").write_text(yaml.safe_dump(config))
    arch = pki.certomancer_config().get_pki_arch(ArchLabel(ARCH))
    root = arch.get_cert(CertLabel(ROOT))
    pki.trust_roots.write_bytes(pem.armor("CERTIFICATE", root.dump()))
    pkcs12 = directory / "pkcs12"
    pkcs12.mkdir(exist_ok=True)
    (pkcs12 / "passphrase").write_text(PASSPHRASE)
    entries = {}
    for signer in signers:
        path = pkcs12 / f"{signer.label}.p12"
        path.write_bytes(arch.package_pkcs12(CertLabel(signer.label), password=PASSPHRASE.encode()))
        entries[signer.signer_id] = {"pkcs12": str(path), "passphrase_file": str(pkcs12 / "passphrase")}
    pki.signing_keys.write_text(
        json.dumps({"tsa_url": pki.tsa_url, "trust_roots": str(pki.trust_roots), "signers": entries}, indent=2)
    )
    return pki


def pki_load(directory: Path) -> BuiltPki:
    """A PKI built earlier by `pki_build` (its certomancer.yml), to serve again: the certificates stay the same."""
    config = yaml.safe_load((directory / "certomancer.yml").read_text())
    return BuiltPki(directory=directory, signers=[], url_prefix=config["external-url-prefix"], config=config)


class PkiServer:
    """The Animator of a PKI on 127.0.0.1 in a thread; `swap` serves a changed PKI (a revocation) on the same port."""

    def __init__(self, port: int = 0) -> None:
        self._app: Animator | None = None
        self.server: BaseWSGIServer = make_server("127.0.0.1", port, self._dispatch, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url_prefix(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def _dispatch(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self._app is None:
            raise RuntimeError("PkiServer.swap() first")
        return self._app(environ, start_response)

    def swap(self, pki: BuiltPki) -> None:
        self._app = pki.animator()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
