"""The audit trail: one service function every feature calls, and the chain verifier.

Each company has its own chain (system-level events use the chain ``_system``). An event stores
the SHA-256 of the previous event of its chain and its own hash over all its fields, so editing,
deleting or reordering a row breaks the chain at that point; :func:`verify` finds the first
broken link. The table is additionally append-only at the database level (triggers).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from belegwerk.db.models import AuditEvent

SYSTEM_CHAIN = "_system"
GENESIS = "0" * 64


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal | date | datetime):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    raise TypeError(f"cannot serialise {type(value).__name__} for the audit trail")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def digest(value: Any) -> str | None:
    """SHA-256 of a state snapshot (``None`` stays ``None``: the object did not exist)."""
    if value is None:
        return None
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def event_hash(ev: AuditEvent) -> str:
    payload = {
        "chain": ev.chain,
        "seq": ev.seq,
        "occurred_at": _utc_text(ev.occurred_at),
        "actor": ev.actor,
        "object_type": ev.object_type,
        "object_id": ev.object_id,
        "action": ev.action,
        "before": ev.before_digest,
        "after": ev.after_digest,
        "details": ev.details,
        "prev": ev.prev_hash,
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def _lock_chain(session: Session, chain: str) -> None:
    """Serialise appends to one chain. PostgreSQL: advisory lock; SQLite writers are serialised anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:c))"), {"c": "audit:" + chain})


def record(
    session: Session,
    *,
    company_id: str | None,
    actor: str,
    object_type: str,
    object_id: str | int,
    action: str,
    before: Any = None,
    after: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the company's chain (in the caller's transaction)."""
    chain = company_id or SYSTEM_CHAIN
    _lock_chain(session, chain)
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    ev = AuditEvent(
        chain=chain,
        seq=seq,
        occurred_at=datetime.now(UTC),
        actor=actor,
        object_type=object_type,
        object_id=str(object_id),
        action=action,
        before_digest=digest(before),
        after_digest=digest(after),
        details=canonical_json(details or {}),
        prev_hash=prev,
    )
    ev.hash = event_hash(ev)
    session.add(ev)
    session.flush()
    return ev


@dataclass(frozen=True)
class ChainReport:
    chain: str
    events: int
    ok: bool
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""


def verify(session: Session, chain: str | None = None) -> list[ChainReport]:
    """Recompute every chain (or one) and report the first broken link of each."""
    chains = (
        [chain]
        if chain is not None
        else list(session.scalars(select(AuditEvent.chain).distinct().order_by(AuditEvent.chain)))
    )
    reports: list[ChainReport] = []
    for name in chains:
        reports.append(_verify_chain(session, name))
    return reports


def _verify_chain(session: Session, chain: str) -> ChainReport:
    prev = GENESIS
    expected_seq = 1
    count = 0
    rows = session.scalars(select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq))
    for ev in rows:
        count += 1
        if ev.seq != expected_seq:
            return ChainReport(chain, count, False, expected_seq, ev.id, f"event {expected_seq} is missing")
        if ev.prev_hash != prev:
            return ChainReport(chain, count, False, ev.seq, ev.id, "link to the previous event does not match")
        if event_hash(ev) != ev.hash:
            return ChainReport(chain, count, False, ev.seq, ev.id, "event content was altered (hash mismatch)")
        prev = ev.hash
        expected_seq += 1
    return ChainReport(chain, count, True)
