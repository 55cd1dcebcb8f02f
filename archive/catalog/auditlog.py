"""Append-only audit log, hash-chained and periodically anchored with RFC 3161 time-stamps.

Each entry's hash covers the previous entry's hash and the entry's own fields, so editing,
deleting or reordering rows breaks the chain at that row. Deleting the newest rows leaves a
valid shorter chain; the head row and the anchors (time-stamps over an entry hash, made by
a TSA outside kyso) reveal that: an anchor pointing past the end or at a different hash fails.
Entries are appended in the same transaction as the change they record; ``SqlAuditLog`` is
the catalog's ``AuditLog`` (``SqlCatalog.audit_log``) for callers that hold no transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from asn1crypto import cms, tsp

from archive.catalog import tables as t
from archive.catalog.codec import as_utc
from archive.metadata import ChainProblem, ChainReport
from archive.protocols import Anchorer
from common.clock import Clock

GENESIS = "0" * 64


def entry_hash(
    prev_hash: str, seq: int, at: datetime, actor: str, action: str, subject: str, details: str
) -> str:
    body = json.dumps(
        [seq, int(as_utc(at).timestamp() * 1_000_000), actor, action, subject, details],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(bytes.fromhex(prev_hash) + body.encode()).hexdigest()


def lock_chain(conn: sa.Connection) -> None:
    """Queue behind every other writer of the archive (the first statement of a transaction).

    An UPDATE of the head row takes SQLite's write lock (waiting its busy timeout, with no
    stale read snapshot to fail on) and PostgreSQL's row lock; every archive write appends to
    the chain, so holding the head row serialises them all: what the transaction reads next is
    what the last writer committed.
    """
    conn.execute(
        sa.update(t.audit_head).where(t.audit_head.c.id == 1).values(seq=t.audit_head.c.seq)
    )


def append(
    conn: sa.Connection,
    clock: Clock,
    *,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, object] | None = None,
) -> int:
    """Append one entry inside the caller's transaction; returns its sequence number."""
    # The UPDATE comes first so that concurrent writers queue on the head row's lock.
    conn.execute(
        sa.update(t.audit_head).where(t.audit_head.c.id == 1).values(seq=t.audit_head.c.seq + 1)
    )
    seq, prev = conn.execute(
        sa.select(t.audit_head.c.seq, t.audit_head.c.entry_hash).where(t.audit_head.c.id == 1)
    ).one()
    at = as_utc(clock.now())
    details_text = json.dumps(dict(details or {}), ensure_ascii=False, sort_keys=True, default=str)
    digest = entry_hash(prev, seq, at, actor, action, subject, details_text)
    conn.execute(
        sa.insert(t.audit_log).values(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            details=details_text,
            prev_hash=prev,
            entry_hash=digest,
        )
    )
    conn.execute(sa.update(t.audit_head).where(t.audit_head.c.id == 1).values(entry_hash=digest))
    return int(seq)


def anchor(engine: sa.Engine, anchorer: Anchorer, clock: Clock) -> int | None:
    """Time-stamp the current head of the chain; returns the anchored sequence number."""
    with engine.connect() as conn:
        seq, head = conn.execute(
            sa.select(t.audit_head.c.seq, t.audit_head.c.entry_hash).where(t.audit_head.c.id == 1)
        ).one()
    if seq == 0:
        return None
    token = anchorer.timestamp(bytes.fromhex(head))
    with engine.begin() as conn:
        conn.execute(
            sa.insert(t.anchors).values(seq=seq, entry_hash=head, token=token, at=clock.now())
        )
    return int(seq)


def anchor_if_due(
    engine: sa.Engine, anchorer: Anchorer, clock: Clock, every: timedelta
) -> int | None:
    """Anchor the head when the newest anchor is older than ``every`` (call it periodically)."""
    with engine.connect() as conn:
        last = conn.execute(
            sa.select(t.anchors.c.seq, t.anchors.c.at).order_by(t.anchors.c.id.desc()).limit(1)
        ).first()
        head_seq = conn.scalar(sa.select(t.audit_head.c.seq).where(t.audit_head.c.id == 1))
    if last is not None and (int(last.seq) == head_seq or clock.now() - as_utc(last.at) < every):
        return None
    return anchor(engine, anchorer, clock)


def token_imprint(token: bytes) -> bytes | None:
    """The SHA-256 message imprint inside an RFC 3161 token, or None if it is not one."""
    try:
        info = cms.ContentInfo.load(token)
        signed = info["content"]
        encap = signed["encap_content_info"]
        tst = encap["content"].parsed
        if not isinstance(tst, tsp.TSTInfo):
            return None
        imprint = tst["message_imprint"]
        if imprint["hash_algorithm"]["algorithm"].native != "sha256":
            return None
        return bytes(imprint["hashed_message"].native)
    except (ValueError, TypeError, KeyError):
        return None


def verify(engine: sa.Engine) -> ChainReport:
    """Recompute the chain from the first entry and check the head and every anchor."""
    problems: list[ChainProblem] = []
    hashes: dict[int, str] = {}
    prev = GENESIS
    expected_seq = 1
    count = 0
    with engine.connect() as conn:
        anchor_rows = conn.execute(sa.select(t.anchors).order_by(t.anchors.c.id)).mappings().all()
        anchored = {int(a["seq"]) for a in anchor_rows}
        rows = conn.execute(
            sa.select(t.audit_log).order_by(t.audit_log.c.seq).execution_options(yield_per=2000)
        ).mappings()
        for row in rows:
            count += 1
            seq = int(row["seq"])
            if seq != expected_seq or row["prev_hash"] != prev:
                problems.append(ChainProblem(seq, "missing_or_reordered"))
            recomputed = entry_hash(
                row["prev_hash"],
                seq,
                row["at"],
                row["actor"],
                row["action"],
                row["subject"],
                row["details"],
            )
            if recomputed != row["entry_hash"]:
                problems.append(ChainProblem(seq, "edited"))
            if seq in anchored:  # keep only what anchors need: memory stays flat
                hashes[seq] = row["entry_hash"]
            prev = row["entry_hash"]
            expected_seq = seq + 1
        head_seq, head_hash = conn.execute(
            sa.select(t.audit_head.c.seq, t.audit_head.c.entry_hash).where(t.audit_head.c.id == 1)
        ).one()
        if head_seq != expected_seq - 1 or head_hash != prev:
            problems.append(ChainProblem(int(head_seq), "head_mismatch"))
    for anchor_row in anchor_rows:
        seq = int(anchor_row["seq"])
        if hashes.get(seq) != anchor_row["entry_hash"]:
            problems.append(ChainProblem(seq, "anchor_mismatch"))
        imprint = token_imprint(bytes(anchor_row["token"]))
        if imprint is not None and imprint != bytes.fromhex(anchor_row["entry_hash"]):
            problems.append(ChainProblem(seq, "anchor_token_mismatch"))
    return ChainReport(count, len(anchor_rows), tuple(problems))


class SqlAuditLog:
    """archive ``AuditLog`` on the catalog's database."""

    def __init__(self, engine: sa.Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def append(
        self,
        *,
        actor: str,
        action: str,
        subject: str,
        details: Mapping[str, object] | None = None,
    ) -> int:
        with self._engine.begin() as conn:
            return append(
                conn, self._clock, actor=actor, action=action, subject=subject, details=details
            )

    def verify(self) -> ChainReport:
        return verify(self._engine)

    def anchor(self, anchorer: Anchorer) -> int | None:
        return anchor(self._engine, anchorer, self._clock)

    def anchor_if_due(self, anchorer: Anchorer, every: timedelta) -> int | None:
        return anchor_if_due(self._engine, anchorer, self._clock, every)
