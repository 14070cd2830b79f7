"""A client for Hilma's ETS (write) API for eForms notices: procedures, notices in them, validation, their state.

Hilma's documentation (hilma-api: endpoints/endpoints.md, errorhandling.md, the publication flow) names the
operations; their request and answer bodies are in Hilma's API portal (sign-in required). What this client assumes of
them is in one place each: `PATHS`, `notice_body`, and the `*_from` readers of the answers. Errors come as typed
exceptions read from the problem details (RFC 7807) Hilma answers with; 429 and 503 answer with a plain string."""

import base64
import json
import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

logger = logging.getLogger(__name__)

PATHS = {
    "procedure": "/external/write/v1/procedure",
    "notice": "/external/write/v1/procedure/{procedure_id}/notice/{ets_identifier}",
    # Validation only: the notice is checked as Hilma and TED would, and nothing is kept.
    "validate": "/external/write/v1/notice/validate",
}

# Hilma's and TED's states of a notice (hilma-api validation/HilmaState.cs, TedState.cs), by their numbers.
HILMA_STATES = {0: "Undefined", 1: "Draft", 2: "WaitingToBePublished", 3: "Published", 4: "PublishedThenRejected"}
TED_STATES = {
    0: "Undefined",
    1: "Draft",
    2: "Submitted",
    3: "Stopped",
    4: "Publishing",
    5: "Published",
    6: "Deleted",
    7: "NotPublished",
    8: "ConvertedFromPublished",
    9: "Archived",
    10: "ValidationFailed",
}
# Hilma's error state of a notice that went back to Draft (the publication flow: HilmaErrorState).
HILMA_ERROR_STATES = {0: "Undefined", 1: "Undefined", 2: "TedSubmissionFailed", 5: "PublishedThenRejected"}


@dataclass(frozen=True)
class HilmaConfig:
    base_url: str
    subscription_key: str
    timeout: float = 30.0


def hilma_config() -> HilmaConfig | None:
    """Where Hilma is (HILMA_BASE_URL) and the ETS subscription's key (HILMA_SUBSCRIPTION_KEY); None when either is
    unset: Hilma is not configured and notices are kept unsent."""
    base_url = getattr(settings, "HILMA_BASE_URL", "") or ""
    key = getattr(settings, "HILMA_SUBSCRIPTION_KEY", "") or ""
    if not base_url or not key:
        return None
    return HilmaConfig(base_url.rstrip("/"), key, float(getattr(settings, "HILMA_TIMEOUT_SECONDS", 30)))


# --- errors ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One of Hilma's or TED's reasons for refusing a notice: what it concerns (a field, a rule) and what it says."""

    source: str  # "hilma" or "ted"
    message: str
    field: str = ""
    rule: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "message": self.message, "field": self.field, "rule": self.rule}


class HilmaError(Exception):
    """An answer of Hilma that is not a success, or no answer at all."""

    transient = False  # worth trying again later, unchanged

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: Any = None,
        reasons: list[Reason] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.reasons = reasons or []
        self.retry_after = retry_after


class HilmaValidationError(HilmaError):
    """400: the notice (or the request) is not valid; its `reasons` are Hilma's `errors` and TED's report."""


class HilmaAuthError(HilmaError):
    """401/403: the subscription key is wrong, or the subscription may not do this."""


class HilmaNotFound(HilmaError):
    """404: no such procedure or notice."""


class HilmaConflict(HilmaError):
    """409: the ETS identifier (or another identifier) exists already and cannot be reused."""


class HilmaRateLimited(HilmaError):
    """429: too many requests; `retry_after` seconds from the Retry-After header when it came with one."""

    transient = True


class HilmaUnavailable(HilmaError):
    """502, 503, another 5xx, a timeout or a refused connection: Hilma (or TED behind it) is not there now. The
    request may have reached Hilma (an answer lost on the way back): `maybe_received` says so."""

    transient = True

    def __init__(self, message: str, *, maybe_received: bool = True, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.maybe_received = maybe_received


# --- what comes back -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeStatus:
    """What Hilma tells of a notice: its state in Hilma and at TED, its numbers and publication date, and why it
    stopped when it did."""

    hilma_state: str
    ted_state: str
    hilma_error_state: str = ""
    hilma_number: str = ""
    ted_number: str = ""
    published_on: datetime | None = None
    reasons: list[Reason] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def published(self) -> bool:
        """Published in Hilma (after TED published it, or by the 48-hour rule before TED did)."""
        return self.hilma_state == "Published"

    @property
    def rejected(self) -> bool:
        """Processing stopped: TED did not publish it, or withdrew it after Hilma published it (a red box of the
        publication flow); the notice must be corrected and sent as a new version."""
        if self.hilma_state == "PublishedThenRejected" or self.hilma_error_state == "PublishedThenRejected":
            return True
        if self.ted_state in ("NotPublished", "Stopped", "ValidationFailed", "Deleted"):
            return True
        return self.hilma_state == "Draft" and self.hilma_error_state == "TedSubmissionFailed"

    @property
    def ted_pending(self) -> bool:
        """TED has not yet said its last word (a notice Hilma published by the 48-hour rule may still be rejected)."""
        return self.ted_state in ("Submitted", "Publishing")


def _state_name(value: Any, names: dict[int, str]) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return names.get(int(value), str(value))
    return str(value)


def _first(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        for candidate in (key, key[:1].upper() + key[1:]):
            if data.get(candidate) not in (None, ""):
                return data[candidate]
    return None


def status_from(data: dict[str, Any]) -> NoticeStatus:
    """A notice's status from Hilma's answer (names in camelCase or PascalCase, states by name or number)."""
    published = _first(data, "datePublished", "publishedOn", "publicationDate")
    when = parse_datetime(str(published)) if published else None
    if when is not None and timezone.is_naive(when):
        when = timezone.make_aware(when, UTC)
    ted_error = _first(data, "tedError", "tedErrorMessage")
    reasons = [Reason("ted", str(ted_error))] if ted_error else []
    return NoticeStatus(
        hilma_state=_state_name(_first(data, "hilmaState", "state"), HILMA_STATES),
        ted_state=_state_name(_first(data, "tedState", "tedPublishState"), TED_STATES),
        hilma_error_state=_state_name(_first(data, "hilmaErrorState"), HILMA_ERROR_STATES),
        hilma_number=str(_first(data, "noticeNumber", "hilmaNumber", "noticeId") or ""),
        ted_number=str(_first(data, "tedPublicationNumber", "tedNoticeNumber", "ojsNumber") or ""),
        published_on=when,
        reasons=reasons,
        raw=data,
    )


def reasons_from(body: Any) -> list[Reason]:
    """Hilma's `errors` (a list of messages, or messages by field) and TED's validation report (SVRL XML in a
    string: each failed assert with its rule and the element it concerns)."""
    if not isinstance(body, dict):
        return [Reason("hilma", str(body))] if body else []
    reasons: list[Reason] = []
    errors = _first(body, "errors")
    if isinstance(errors, dict):
        for key, messages in errors.items():
            for message in messages if isinstance(messages, list) else [messages]:
                reasons.append(Reason("hilma", str(message), field=str(key)))
    elif isinstance(errors, list):
        for item in errors:
            if isinstance(item, dict):
                message = _first(item, "message", "errorMessage", "error") or json.dumps(item, ensure_ascii=False)
                key = _first(item, "key", "field", "propertyName") or ""
                reasons.append(Reason("hilma", str(message), field=str(key)))
            else:
                reasons.append(Reason("hilma", str(item)))
    report = _first(body, "tedValidationErrors", "tedValidationResult")
    if report:
        reasons += ted_report_reasons(str(report))
    if not reasons:
        text = _first(body, "detail", "title")
        if text:
            reasons.append(Reason("hilma", str(text)))
    return reasons


SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def ted_report_reasons(report: str) -> list[Reason]:
    """The failed asserts of TED's validation report; the report as one reason when it cannot be read so."""
    if "<!DOCTYPE" in report or "<!ENTITY" in report:
        return [Reason("ted", report[:2000])]
    try:
        root = ET.fromstring(report)  # noqa: S314 - no DOCTYPE, so no entities to expand
    except ET.ParseError:
        return [Reason("ted", report[:2000])]
    reasons = []
    for failed in root.iter(f"{SVRL}failed-assert"):
        text = "".join(failed.itertext()).strip()
        reasons.append(Reason("ted", text, field=failed.get("location", ""), rule=failed.get("id", "")))
    return reasons or [Reason("ted", report[:2000])]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, float((parsedate_to_datetime(value) - timezone.now()).total_seconds()))
    except (TypeError, ValueError):
        return None


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def error_for(response: httpx.Response) -> HilmaError:
    """The typed error of an answer that is not a success."""
    status = response.status_code
    body = _body(response)
    title = ""
    if isinstance(body, dict):
        title = str(_first(body, "title", "message", "detail") or "")
    elif body:
        title = str(body)[:500]
    message = f"Hilma answered {status}" + (f": {title}" if title else "")
    kwargs: dict[str, Any] = {"status": status, "body": body, "retry_after": _retry_after(response)}
    if status == 400:
        return HilmaValidationError(message, reasons=reasons_from(body), **kwargs)
    if status in (401, 403):
        return HilmaAuthError(message, **kwargs)
    if status == 404:
        return HilmaNotFound(message, **kwargs)
    if status == 409:
        return HilmaConflict(message, **kwargs)
    if status == 429:
        return HilmaRateLimited(message, **kwargs)
    if status >= 500:
        # 502: TED could not be reached to validate the notice, so nothing was kept; 500 and 503 may have kept it.
        return HilmaUnavailable(message, maybe_received=status != 502, **kwargs)
    return HilmaError(message, **kwargs)


# --- the client --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, for the record of a sending."""

    method: str
    endpoint: str
    status: int
    body: Any


def notice_body(xml: str, statistics: dict[str, Any] | None) -> dict[str, Any]:
    """A notice as Hilma's ETS API takes it: the eForms XML (Base64, as the read API gives it back) and the answers
    to Hilma's statistics questions per lot (endpoints/hilmastatistics.md)."""
    return {
        "eForm": base64.b64encode(xml.encode("utf-8")).decode("ascii"),
        "hilmaStatistics": statistics or None,
    }


class HilmaClient:
    """Hilma's ETS API for one subscription. Each method answers what Hilma said or raises a HilmaError."""

    def __init__(self, config: HilmaConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self._http = httpx.Client(
            base_url=config.base_url,
            headers={"Ocp-Apim-Subscription-Key": config.subscription_key, "Accept": "application/json"},
            timeout=httpx.Timeout(config.timeout),
            transport=transport,
        )

    def __enter__(self) -> "HilmaClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, path: str, *, json_body: Any = None) -> Exchange:
        try:
            response = self._http.request(method, path, json=json_body)
        except httpx.ConnectError as exc:
            raise HilmaUnavailable(f"Hilma could not be reached: {exc}", maybe_received=False) from exc
        except httpx.TimeoutException as exc:
            # A connect timeout never sent the request; a read timeout may have lost Hilma's answer.
            received = not isinstance(exc, httpx.ConnectTimeout)
            raise HilmaUnavailable(f"Hilma did not answer in time: {exc}", maybe_received=received) from exc
        except httpx.TransportError as exc:  # the connection broke: the answer, if any, is lost
            raise HilmaUnavailable(f"The connection to Hilma broke: {exc}", maybe_received=True) from exc
        if response.status_code >= 300:
            raise error_for(response)
        return Exchange(method, path, response.status_code, _body(response) if response.content else {})

    def procedure_create(self, *, identifier: str, title: str, buyer_id: str) -> tuple[str, Exchange]:
        """Create the procedure the call's notices go into; answers Hilma's id for it."""
        exchange = self._request(
            "POST",
            PATHS["procedure"],
            json_body={"procedureIdentifier": identifier, "name": title, "organisationNationalId": buyer_id},
        )
        body = exchange.body if isinstance(exchange.body, dict) else {}
        procedure_id = _first(body, "procedureId", "id")
        if procedure_id in (None, ""):
            raise HilmaError("Hilma created the procedure but did not say its id", status=exchange.status, body=body)
        return str(procedure_id), exchange

    def notice_create(
        self, *, procedure_id: str, ets_identifier: str, xml: str, statistics: dict[str, Any] | None
    ) -> Exchange:
        """Send a notice for publication in the procedure, under our ETS identifier (unique per notice version)."""
        path = PATHS["notice"].format(procedure_id=procedure_id, ets_identifier=ets_identifier)
        return self._request("POST", path, json_body=notice_body(xml, statistics))

    def notice_validate(self, *, xml: str, statistics: dict[str, Any] | None) -> Exchange:
        """Have Hilma check the notice as it would on sending (its own rules and TED's), keeping nothing."""
        return self._request("POST", PATHS["validate"], json_body=notice_body(xml, statistics))

    def notice_status(self, *, procedure_id: str, ets_identifier: str) -> tuple[NoticeStatus, Exchange]:
        """The notice's state in Hilma and at TED, its numbers and publication date."""
        path = PATHS["notice"].format(procedure_id=procedure_id, ets_identifier=ets_identifier)
        exchange = self._request("GET", path)
        return status_from(exchange.body if isinstance(exchange.body, dict) else {}), exchange


def hilma_client() -> HilmaClient | None:
    """A client for the configured Hilma, or None when Hilma is not configured."""
    config = hilma_config()
    return HilmaClient(config) if config is not None else None
