"""The eForms Schematron rules of one notice subtype, compiled to XSLT once and cached on disk, loaded once per
process, run with Saxon (the rules need XSLT 2: lxml's XSLT 1 cannot run them).

Only the stages that the subtype's phase of complete-validation.sch activates are compiled: a subtype's XSLT is
about 9 MB and loads in about 3 s, where the whole rule set is 77 MB and loads in more than a minute."""

import hashlib
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from lxml import etree

PACKAGE_DIR = Path(__file__).resolve().parent
SCHXSLT_PIPELINE = PACKAGE_DIR / "schxslt" / "pipeline-for-svrl.xsl"
SVRL = "http://purl.oclc.org/dsdl/svrl"
SUBTYPE_PATTERN = re.compile(r"^[A-Z0-9]{1,4}$")

_lock = threading.Lock()
_processor: Any = None
_loaded: dict[tuple[str, str], Any] = {}


@dataclass(frozen=True)
class SchematronFailure:
    rule: str
    severity: str  # "ERROR", "WARN", "INFO" as the rule's role says
    path: str
    text: str
    field: str = ""  # the SDK field the rule's diagnostic names (BT-5071-Lot), where it names one


def sdk_dir() -> Path:
    """Where the SDK's rules come from: EFORMS_SDK_DIR, else the copy vendored with this package."""
    configured = getattr(settings, "EFORMS_SDK_DIR", None)
    return Path(configured) if configured else PACKAGE_DIR / "sdk"


def cache_dir() -> Path:
    configured = getattr(settings, "EFORMS_CACHE_DIR", None)
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "eforms"


def available() -> bool:
    return (sdk_dir() / "schematrons" / "static" / "complete-validation.sch").is_file()


def subtype_schema(subtype: str) -> str:
    """A Schematron of the subtype's phase only: complete-validation.sch's namespaces and variables, the phase, and
    the stage files it activates (included by absolute path)."""
    if not SUBTYPE_PATTERN.match(subtype):
        raise ValueError(f"not a notice subtype: {subtype!r}")
    static = sdk_dir() / "schematrons" / "static"
    complete = (static / "complete-validation.sch").read_text(encoding="utf-8")
    match = re.search(rf'<phase id="eforms-{re.escape(subtype)}">(.*?)</phase>', complete, re.S)
    if match is None:
        raise ValueError(f"the SDK has no phase for notice subtype {subtype}")
    stages = re.findall(r'pattern="EFORMS-([\w-]+)"', match.group(1))
    head = complete[: complete.index("<phase ")]
    # The diagnostics name the SDK field each assert is about (BT-5071-Lot…): the report carries them.
    diagnostics = re.search(r"<diagnostics>.*?</diagnostics>", complete, re.S)
    includes = "".join(f'\t<include href="{(static / f"{stage}.sch").as_uri()}"/>\n' for stage in stages)
    tail = diagnostics.group(0) if diagnostics else ""
    return f'{head}<phase id="eforms-{subtype}">{match.group(1)}</phase>\n{includes}{tail}\n</schema>\n'


def _stage_files(schema: str) -> list[Path]:
    return [Path(uri.removeprefix("file://")) for uri in re.findall(r'<include href="([^"]+)"', schema)]


def _fingerprint(schema: str) -> str:
    digest = hashlib.sha256(schema.encode())
    for path in [*_stage_files(schema), *sorted(SCHXSLT_PIPELINE.parent.rglob("*.xsl"))]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _saxon() -> Any:
    global _processor
    if _processor is None:
        from saxonche import PySaxonProcessor

        _processor = PySaxonProcessor(license=False)
    return _processor


def compiled_xslt(subtype: str) -> Path:
    """The subtype's rules as XSLT, compiled unless the cache holds them for exactly these SDK files (written to a
    temporary file and renamed, so that concurrent test workers never read a half-written one)."""
    schema = subtype_schema(subtype)
    target = cache_dir() / f"eforms-{subtype}-{_fingerprint(schema)}.xsl"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    processor = _saxon()
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        source = Path(work) / f"eforms-{subtype}.sch"
        source.write_text(schema, encoding="utf-8")
        output = Path(work) / "out.xsl"
        compiler = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(SCHXSLT_PIPELINE))
        compiler.set_parameter("phase", processor.make_string_value(f"eforms-{subtype}"))
        compiler.transform_to_file(source_file=str(source), output_file=str(output))
        os.replace(output, target)
    for stale in target.parent.glob(f"eforms-{subtype}-*.xsl"):
        if stale != target:  # compiled from SDK files that have changed since
            stale.unlink(missing_ok=True)
    return target


def _validator(subtype: str) -> Any:
    key = (str(sdk_dir()), subtype)
    if key not in _loaded:
        path = compiled_xslt(subtype)
        _loaded[key] = _saxon().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(path))
    return _loaded[key]


_PREFIXES = {
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2": "cac",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2": "cbc",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2": "ext",
    "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1": "efac",
    "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1": "efbc",
    "http://data.europa.eu/p27/eforms-ubl-extensions/1": "efext",
}


def _short_path(location: str) -> str:
    """SVRL's Q{namespace}name steps as prefix:name, the way the SDK writes its XPaths."""
    return re.sub(r"Q\{([^}]*)\}", lambda m: f"{_PREFIXES[m.group(1)]}:" if m.group(1) in _PREFIXES else "", location)


def schematron_failures(xml: bytes, *, subtype: str) -> list[SchematronFailure]:
    """The failed asserts and the successful reports of the subtype's rules on the notice."""
    with _lock:
        validator = _validator(subtype)
        document = _saxon().parse_xml(xml_text=xml.decode("utf-8"))
        report = validator.transform_to_string(xdm_node=document)
    svrl = etree.fromstring(report.encode("utf-8"))
    failures = []
    for node in svrl.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        text = node.find(f"{{{SVRL}}}text")
        diagnostic = node.find(f"{{{SVRL}}}diagnostic-reference")
        failures.append(
            SchematronFailure(
                rule=node.get("id") or "",
                severity=(node.get("role") or "ERROR").upper(),
                path=_short_path(node.get("location") or ""),
                text=" ".join((text.text or "").split()) if text is not None else "",
                field=diagnostic.get("diagnostic", "") if diagnostic is not None else "",
            )
        )
    return failures
