"""The audit log's hash chain: how an event is hashed, how the next link is made, how the chain is anchored outside
the database, and how it is verified."""

import fcntl
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
# Any constant: PostgreSQL's transaction-level advisory lock that makes the audit log one queue.
CHAIN_LOCK = 0x4841_4E4B  # "HANK"

# The one list of what a reader of the log is shown of an event (the evidence bundle; the API adds the actor's id and
# whether it is sealed, procurement.audit.audit_event_shown): what happened, and its place in the chain.
EVENT_FIELDS = (
    "sequence",
    "at",
    "actor_name",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "tender_id",
    "before",
    "after",
    "detail",
    "prev_hash",
    "hash",
)
LINK_FIELDS = ("prev_hash", "hash")
# What the chain hashes of an event (after the previous hash): what a reader is shown but the hashes themselves, the
# actor's id and address, and the salt that keeps the fields a sealed event hides from being guessed.
FIELDS = (*(name for name in EVENT_FIELDS if name not in LINK_FIELDS), "actor_id", "ip_address", "salt")


def _normal(value):
    """JSON as the database gives it back (a round trip), so that hashing before and after storing agrees."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder)) if value is not None else None


def event_hash(prev_hash: str, fields: dict) -> str:
    content = {name: fields[name] for name in FIELDS if name != "salt"}
    if fields.get("salt"):  # the events written before salts existed keep the hashes they were linked with
        content["salt"] = fields["salt"]
    content["at"] = fields["at"].astimezone(UTC).isoformat(timespec="microseconds")
    for name in ("before", "after", "detail"):
        content[name] = _normal(content[name])
    raw = json.dumps(content, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(prev_hash.encode() + b"\n" + raw.encode()).hexdigest()


def lock_chain() -> None:
    """Serialise appends until the transaction ends (SQLite writers are serialised already)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    length: int
    head_hash: str
    first_broken_sequence: int | None = None
    problem: str = ""
    # A stable name of the problem: event_missing, link_broken, event_changed (inside the chain); tail_missing,
    # rewritten (against the anchors outside the database); anchor_invalid, anchor_missing (the anchors themselves).
    code: str = ""
    # The latest valid anchor the chain was checked against (sequence, event_id, hash, at, anchored_at), if any.
    anchor: dict | None = None
    anchors_checked: int = 0
    # Where the anchors begin: 0 when their genesis line was written for the chain's start; the head's position when
    # an operator started the file anew (audit_anchor_init --restart), the events before it then anchored no longer.
    anchored_from: int | None = None

    def as_dict(self) -> dict:
        return {
            "intact": self.intact,
            "length": self.length,
            "head_hash": self.head_hash,
            "first_broken_sequence": self.first_broken_sequence,
            "problem": self.problem,
            "code": self.code,
            "anchor": self.anchor,
            "anchors_checked": self.anchors_checked,
            "anchored_from": self.anchored_from,
        }


def chain_link(*, limit: int = 5000) -> int:
    """Link the committed events that wait for it into the chain, in the order they were written; returns how many.

    Runs after each commit that wrote events, and periodically; the chain's lock is held only for this."""
    from .models import AuditEvent

    linked = 0
    with transaction.atomic():
        lock_chain()
        pending = list(
            AuditEvent.objects.select_for_update()
            .filter(sequence__isnull=True)
            .order_by("id")
            .values("id", *[f for f in FIELDS if f != "sequence"])[:limit]
        )
        if not pending:
            return 0
        head = (
            AuditEvent.objects.filter(sequence__isnull=False).order_by("-sequence").values("sequence", "hash").first()
        )
        sequence, prev_hash = (head["sequence"], head["hash"]) if head else (0, GENESIS)
        for row in pending:
            sequence += 1
            row["sequence"] = sequence
            digest = event_hash(prev_hash, row)
            AuditEvent.objects.filter(pk=row["id"], sequence__isnull=True).update(
                sequence=sequence, prev_hash=prev_hash, hash=digest
            )
            prev_hash = digest
            linked += 1
        head = {"sequence": sequence, "event_id": row["id"], "hash": prev_hash, "at": _iso(row["at"])}
        # The new head is anchored outside the database once the links are committed (never an uncommitted one,
        # which a rollback could make a false alarm); at once if there is no outer transaction.
        transaction.on_commit(lambda: _anchor_quietly(head))
    return linked


def verify_chain(batch: int = 5000) -> ChainReport:
    """Walk the whole chain in order and hold it to its anchors outside the database; report the first problem, or
    the length and head of a whole chain.

    Inside the database each event must follow its predecessor and hash to its stored hash. Against the anchors,
    every anchored position must still hold the anchored hash (else the chain was rewritten, the later hashes
    recomputed) and the chain must reach the latest anchor (else its tail was deleted). What waits for its link is
    linked first, so the report covers every committed event."""
    from .models import AuditEvent

    while chain_link() >= 5000:
        pass

    anchors = anchors_read()
    anchored: dict[int, list[dict]] = {}
    for anchor in anchors.valid:
        anchored.setdefault(anchor["sequence"], []).append(anchor)
    latest = max((a for a in anchors.valid if a["event_id"] is not None), key=lambda a: a["sequence"], default=None)
    checked = {
        "anchor": _public(latest),
        "anchors_checked": sum(1 for a in anchors.valid if a["event_id"] is not None),
        "anchored_from": anchors.genesis["sequence"] if anchors.genesis else None,
    }

    expected_prev, expected_sequence, length = GENESIS, 1, 0
    last_sequence = 0
    last_good_anchor = 0
    while True:
        rows = list(
            AuditEvent.objects.filter(sequence__gt=last_sequence)
            .order_by("sequence")
            .values(*FIELDS, *LINK_FIELDS)[:batch]
        )
        if not rows:
            break
        for row in rows:
            if row["sequence"] != expected_sequence:
                return ChainReport(
                    False, length, expected_prev, expected_sequence, "an event is missing", "event_missing", **checked
                )
            if row["prev_hash"] != expected_prev:
                return ChainReport(
                    False,
                    length,
                    expected_prev,
                    row["sequence"],
                    "the link to the previous event is broken",
                    "link_broken",
                    **checked,
                )
            if event_hash(row["prev_hash"], row) != row["hash"]:
                return ChainReport(
                    False,
                    length,
                    expected_prev,
                    row["sequence"],
                    "the event was changed after it was written",
                    "event_changed",
                    **checked,
                )
            for anchor in anchored.get(row["sequence"], ()):
                if anchor["hash"] != row["hash"]:
                    # The links hold, so every hash from the changed event on was recomputed: the change lies
                    # after the last anchor that still matches, at or before this one.
                    return ChainReport(
                        False,
                        length,
                        expected_prev,
                        last_good_anchor + 1,
                        f"the chain was rewritten: event {row['sequence']} does not have the hash its anchor of "
                        f"{anchor['anchored_at']} recorded",
                        "rewritten",
                        **checked,
                    )
                last_good_anchor = row["sequence"]
            expected_prev, expected_sequence, length = row["hash"], expected_sequence + 1, length + 1
            last_sequence = row["sequence"]
    if latest is not None and latest["sequence"] > length:
        return ChainReport(
            False,
            length,
            expected_prev,
            length + 1,
            f"the chain ends at event {length}, but event {latest['sequence']} was anchored at "
            f"{latest['anchored_at']}: its tail is missing",
            "tail_missing",
            **checked,
        )
    if anchors.invalid:
        sequence, reason = anchors.invalid[0]
        return ChainReport(False, length, expected_prev, sequence, reason, "anchor_invalid", **checked)
    if not anchors.missing and anchors.genesis is None:
        return ChainReport(
            False,
            length,
            expected_prev,
            None,
            "the anchor file does not begin with its genesis line: it was cut, or started anew without "
            "audit_anchor_init",
            "anchor_restarted",
            **checked,
        )
    if anchors.missing and length and settings.AUDIT_ANCHOR_REQUIRED:
        return ChainReport(
            False,
            length,
            expected_prev,
            None,
            "the file of the chain's anchors is missing",
            "anchor_missing",
            **checked,
        )
    return ChainReport(True, length, expected_prev, **checked)


# ---- Anchors: signed checkpoints of the chain's head, kept outside the database ------------------------------------
#
# Whoever owns the database can delete the last events, or change one and recompute every later hash with the
# trigger disabled: the chain alone still looks whole. An anchor is a line of JSON with the head's position, event
# id, hash and time, signed (HMAC-SHA256) with AUDIT_ANCHOR_KEY, which is in the environment and never in the
# database, and appended to a file in AUDIT_ANCHOR_DIR, which belongs on storage the database's owner cannot
# rewrite (another host or volume, append-only). One is written after each link and by beat (audit.anchor).
#
# The file is created only by an explicit step (audit_anchor_init), and begins with a signed genesis line: the head
# when it was created (position 0 for a new chain). Each later line carries the hash of the line before it. The
# writers never create the file: one deleted stays missing (and verification says so) until an operator starts it
# anew, and a file cut at its start, or emptied, no longer begins with its genesis line.

ANCHOR_FILE = "audit-anchors.jsonl"
SIGNED_FIELDS = ("sequence", "event_id", "hash", "at", "anchored_at", "key_id", "kind", "prev", "reason")
GENESIS_KIND = "genesis"


class AnchorFileMissing(RuntimeError):
    """The anchor file is not there (or is empty): the writers do not create it (audit_anchor_init does)."""


class AnchorFileExists(RuntimeError):
    """audit_anchor_init was asked to create an anchor file that exists."""


@dataclass
class Anchors:
    valid: list[dict] = field(default_factory=list)
    invalid: list[tuple[int | None, str]] = field(default_factory=list)
    missing: bool = False
    genesis: dict | None = None


def anchor_path() -> Path:
    return Path(settings.AUDIT_ANCHOR_DIR) / ANCHOR_FILE


def _keys() -> list[bytes]:
    """The anchor keys, newest (the signing one) first; older ones only check the anchors they signed."""
    keys = [k.strip().encode() for k in (settings.AUDIT_ANCHOR_KEY or "").split(",") if k.strip()]
    if not keys:
        raise ImproperlyConfigured("AUDIT_ANCHOR_KEY is empty: the audit chain cannot be anchored.")
    return keys


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"hankinta-audit-anchor\n" + key).hexdigest()[:12]


def _signature(key: bytes, anchor: dict) -> str:
    signed = {name: anchor.get(name) for name in SIGNED_FIELDS}
    raw = json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hmac.new(key, raw, hashlib.sha256).hexdigest()


def _line_hash(line: str) -> str:
    return hashlib.sha256(line.rstrip("\n").encode("utf-8")).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def chain_head() -> dict | None:
    """The last linked event: its position, id, hash and time (what a rendered document records of the log)."""
    from .models import AuditEvent

    head = (
        AuditEvent.objects.filter(sequence__isnull=False)
        .order_by("-sequence")
        .values("sequence", "id", "hash", "at")
        .first()
    )
    if head is None:
        return None
    return {"sequence": head["sequence"], "event_id": head["id"], "hash": head["hash"], "at": _iso(head["at"])}


def _signed_line(fields: dict, *, prev: str, now: datetime | None) -> tuple[dict, str]:
    key = _keys()[0]
    anchor = {**fields, "prev": prev, "anchored_at": _iso(now or timezone.now()), "key_id": _key_id(key)}
    anchor["signature"] = _signature(key, anchor)
    return anchor, json.dumps(anchor, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def _last_line(descriptor: int) -> str:
    size = os.fstat(descriptor).st_size
    start = max(0, size - 8192)
    tail = os.pread(descriptor, size - start, start).decode("utf-8", "replace")
    lines = tail.strip().splitlines()
    return lines[-1] if lines else ""


def _append(fields: dict, *, now: datetime | None = None) -> dict:
    """Sign the fields as the line that follows the file's last one and append it; never creates the file."""
    path = anchor_path()
    try:
        # Opened for appending only, never created (a deleted file must stay missing), and locked, so that the
        # lines of several processes never mix and each names the one before it.
        descriptor = os.open(path, os.O_RDWR | os.O_APPEND)
    except FileNotFoundError:
        raise AnchorFileMissing(f"{path} is missing: run `manage.py audit_anchor_init`") from None
    with os.fdopen(descriptor, "r+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        last = _last_line(descriptor)
        if not last:
            raise AnchorFileMissing(f"{path} is empty: it has no genesis line")
        anchor, line = _signed_line(fields, prev=_line_hash(last), now=now)
        os.write(descriptor, line.encode("utf-8"))
    return anchor


def anchor_write(head: dict, *, now: datetime | None = None) -> dict:
    """Sign the head and append it to the anchor file; returns the anchor (AnchorFileMissing without the file)."""
    return _append({"kind": "head", "reason": "", **head}, now=now)


def anchor_init(*, head: dict | None, reason: str, now: datetime | None = None) -> dict:
    """Create the anchor file with its genesis line (the given head, or position 0 for an empty chain).

    Refuses (AnchorFileExists) if the file is there, whatever it holds."""
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = head or {"sequence": 0, "event_id": None, "hash": GENESIS, "at": None}
    anchor, line = _signed_line({"kind": GENESIS_KIND, "reason": reason, **fields}, prev="", now=now)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o640)
    except FileExistsError:
        raise AnchorFileExists(f"{path} exists") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(line)
    return anchor


def _anchor_quietly(head: dict) -> None:
    try:
        anchor_write(head)
    except AnchorFileMissing:
        # Never created again here: a deleted file would otherwise come back with a new history and hide it.
        logger.error(
            "The audit chain's anchor file is missing; nothing is anchored until an operator runs "
            "`manage.py audit_anchor_init --restart`."
        )
    except Exception:  # the beat task (audit.anchor) anchors the head later; verification says if none exists
        logger.error("The audit chain's head could not be anchored now; beat will.", exc_info=True)


def chain_anchor(*, now: datetime | None = None) -> dict | None:
    """Link what waits, then anchor the head unless the latest anchor already holds it (beat's audit.anchor).

    Without the anchor file nothing is written (an error is logged): the file is created only by audit_anchor_init."""
    chain_link()
    head = chain_head()
    if head is None:
        return None
    path = anchor_path()
    try:
        with path.open("rb") as handle:
            last_line = _last_line(handle.fileno())
    except FileNotFoundError:
        last_line = None
    if last_line:
        try:
            last = json.loads(last_line)
        except ValueError:
            last = {}
        if last.get("sequence") == head["sequence"] and last.get("hash") == head["hash"]:
            return None
    try:
        return anchor_write(head, now=now)
    except AnchorFileMissing:
        logger.error(
            "The audit chain's anchor file %s is missing or empty: the head is not anchored. An operator "
            "starts it anew with `manage.py audit_anchor_init --restart`.",
            path,
        )
        return None


def _public(anchor: dict | None) -> dict | None:
    if anchor is None:
        return None
    return {name: anchor[name] for name in ("sequence", "event_id", "hash", "at", "anchored_at")}


def anchors_read() -> Anchors:
    """Every anchor of the file, its signature and its link to the line before checked: the valid ones, the genesis
    line if the file begins with one, and what is wrong with the others."""
    path = anchor_path()
    if not path.exists():
        return Anchors(missing=True)
    keys = {_key_id(key): key for key in _keys()}
    found = Anchors()
    previous = None
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            expected_prev, previous = ("" if previous is None else _line_hash(previous)), line
            try:
                anchor = json.loads(line)
                sequence = int(anchor["sequence"])
                if anchor["event_id"] is not None:
                    int(anchor["event_id"])
                str(anchor["hash"]), str(anchor["anchored_at"])
            except (ValueError, KeyError, TypeError):
                found.invalid.append((None, f"line {number} of the anchor file is not an anchor"))
                continue
            key = keys.get(anchor.get("key_id"))
            signature = str(anchor.get("signature", ""))
            if key is None or not hmac.compare_digest(_signature(key, anchor), signature):
                found.invalid.append(
                    (sequence, f"the anchor of event {sequence} (line {number}) does not carry a valid signature")
                )
                continue
            genesis = anchor.get("kind") == GENESIS_KIND
            if number == 1 and genesis:
                found.genesis = anchor
            elif genesis:
                found.invalid.append((sequence, f"line {number} of the anchor file is a second genesis line"))
                continue
            if anchor.get("prev") != expected_prev:
                if number > 1:  # a first line that is not the genesis line is reported as a restarted file
                    found.invalid.append(
                        (
                            sequence,
                            f"the anchor on line {number} does not follow the line before it: lines were "
                            "removed, changed or reordered",
                        )
                    )
                continue
            anchor["sequence"] = sequence
            found.valid.append(anchor)
    return found
