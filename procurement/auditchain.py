"""The audit log's hash chain: how an event is hashed, how the next link is made, and how the chain is verified."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

GENESIS = "0" * 64
# Any constant: PostgreSQL's transaction-level advisory lock that makes the audit log one queue.
CHAIN_LOCK = 0x4841_4E4B  # "HANK"

FIELDS = (
    "sequence",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "tender_id",
    "before",
    "after",
    "detail",
    "ip_address",
)


def _normal(value):
    """JSON as the database gives it back (a round trip), so that hashing before and after storing agrees."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder)) if value is not None else None


def event_hash(prev_hash: str, fields: dict) -> str:
    content = {name: fields[name] for name in FIELDS}
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

    def as_dict(self) -> dict:
        return {
            "intact": self.intact,
            "length": self.length,
            "head_hash": self.head_hash,
            "first_broken_sequence": self.first_broken_sequence,
            "problem": self.problem,
        }


def chain_link(*, limit: int = 5000) -> int:
    """Link the committed events that wait for it into the chain, in the order they were written; returns how many.

    Runs after each commit that wrote events, and periodically; the chain's lock is held only for this."""
    from django.db import transaction

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
    return linked


def verify_chain(batch: int = 5000) -> ChainReport:
    """Walk the whole chain in order; report the first broken link, or the length and head of a whole chain.

    What waits for its link is linked first, so the report covers every committed event."""
    from .models import AuditEvent

    while chain_link() >= 5000:
        pass

    expected_prev, expected_sequence, length = GENESIS, 1, 0
    last_sequence = 0
    while True:
        rows = list(
            AuditEvent.objects.filter(sequence__gt=last_sequence)
            .order_by("sequence")
            .values(*FIELDS, "prev_hash", "hash")[:batch]
        )
        if not rows:
            break
        for row in rows:
            if row["sequence"] != expected_sequence:
                return ChainReport(False, length, expected_prev, expected_sequence, "an event is missing")
            if row["prev_hash"] != expected_prev:
                return ChainReport(
                    False, length, expected_prev, row["sequence"], "the link to the previous event is broken"
                )
            if event_hash(row["prev_hash"], row) != row["hash"]:
                return ChainReport(
                    False, length, expected_prev, row["sequence"], "the event was changed after it was written"
                )
            expected_prev, expected_sequence, length = row["hash"], expected_sequence + 1, length + 1
            last_sequence = row["sequence"]
    return ChainReport(True, length, expected_prev)
