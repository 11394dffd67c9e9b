"""Evidence capture: what was seen, where, when, by whom, and what the analysis said.

For each item, an evidence *manifest* records the hashes of the original
(whose write-once, optionally encrypted copy sits in the blob store), where it
came from, who captured it with which tool version, and every signal's result
with its version and the thresholds in force. The manifest's canonical bytes
are hashed, logged in the chain of custody, and, when a time-stamping authority
is configured, sent for an RFC 3161 timestamp, so a court can see that the
record existed, unchanged, at that time. Previews and other working copies are
kept apart, under the working directory.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from idolguard import __version__
from idolguard.clock import utc_iso, utcnow
from idolguard.domain.custody.log import CustodyLog
from idolguard.evidence.canonical import canonical_json, sha256_hex
from idolguard.evidence.timestamp import TimestampClient, TimestampError
from idolguard.storage.blobs import BlobStore
from idolguard.storage.database import Database
from idolguard.storage.models import Case, Evidence, Item, Media

MANIFEST_FORMAT = "idolguard-evidence-v1"
TOOL = "IdolGuard"
# Large, biometric or derivable values that do not belong in a manifest.
_STRIP_KEYS = frozenset({"embedding"})


@dataclass(frozen=True)
class EvidenceView:
    id: int
    item_id: int
    manifest: bytes
    manifest_sha256: str
    captured_at: datetime
    operator: str
    timestamp_token: bytes | None
    timestamp_time: datetime | None
    tsa_url: str | None
    timestamp_error: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "item_id": self.item_id,
            "manifest_sha256": self.manifest_sha256,
            "captured_at": utc_iso(self.captured_at),
            "operator": self.operator,
            "timestamped_at": utc_iso(self.timestamp_time) if self.timestamp_time else None,
            "tsa_url": self.tsa_url,
            "timestamp_error": self.timestamp_error,
        }


def _view(row: Evidence) -> EvidenceView:
    return EvidenceView(
        row.id,
        row.item_id,
        row.manifest.encode("utf-8"),
        row.manifest_sha256,
        row.captured_at,
        row.operator,
        row.timestamp_token,
        row.timestamp_time,
        row.tsa_url,
        row.timestamp_error,
    )


def strip_for_manifest(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_for_manifest(v) for k, v in value.items() if k not in _STRIP_KEYS}
    if isinstance(value, list):
        return [strip_for_manifest(v) for v in value]
    return value


class EvidenceService:
    def __init__(
        self,
        database: Database,
        blobs: BlobStore,
        custody: CustodyLog,
        *,
        thresholds: Mapping[str, Any],
        timestamp_client: Callable[[], TimestampClient | None],
    ) -> None:
        self.db = database
        self.blobs = blobs
        self.custody = custody
        self.thresholds = dict(thresholds)
        self._timestamp_client = timestamp_client

    def capture(
        self,
        session: Session,
        item: Item,
        *,
        results: Mapping[str, Mapping[str, Any]],
        versions: Mapping[str, str],
        actor: str,
        method: str,
    ) -> Evidence:
        """Write the item's evidence manifest and log it, inside the caller's transaction."""
        media = session.get(Media, item.media_sha256)
        if media is None:
            raise ValueError(f"no media {item.media_sha256}: scan it before capturing evidence")
        case = session.get(Case, item.case_id) if item.case_id is not None else None
        pdq = results.get("pdq") or {}
        vpdq = results.get("vpdq") or {}
        seq, head = self.custody.head(session)
        captured_at = utcnow()
        manifest = {
            "format": MANIFEST_FORMAT,
            "item": {
                "id": item.id,
                "case": case.number if case else None,
                "origin": item.origin,
                "reporter": item.reporter,
                "opened_at": utc_iso(item.opened_at),
            },
            "media": {
                "sha256": media.sha256,
                "md5": media.md5,
                "size_bytes": media.size_bytes,
                "media_type": media.media_type,
                "format": media.format,
                "width": media.width,
                "height": media.height,
                "duration_seconds": media.duration_seconds,
                "pdq": pdq.get("raw_hash"),
                "pdq_quality": pdq.get("quality"),
                "vpdq_frames": vpdq.get("frames"),
            },
            "original": {
                "stored": self.blobs.contains(media.sha256),
                "encrypted_at_rest": self.blobs.key is not None,
            },
            "source": {"location": item.location, **dict(item.source or {})},
            "capture": {
                "captured_at": utc_iso(captured_at),
                "tool": TOOL,
                "tool_version": __version__,
                "operator": actor,
                "host": socket.gethostname(),
                "method": method,
            },
            "analysis": {
                name: {"version": versions.get(name), "result": strip_for_manifest(result)}
                for name, result in sorted(results.items())
            },
            "thresholds": self.thresholds,
            "custody_before": {"seq": seq, "entry_hash": head},
        }
        data = canonical_json(manifest)
        digest = sha256_hex(data)
        evidence = Evidence(
            item_id=item.id,
            manifest=data.decode("utf-8"),
            manifest_sha256=digest,
            captured_at=captured_at,
            operator=actor,
        )
        session.add(evidence)
        session.flush()
        self.custody.append(
            session,
            actor=actor,
            action="capture",
            subject=f"item:{item.id}",
            details={
                "evidence_id": evidence.id,
                "manifest_sha256": digest,
                "media_sha256": media.sha256,
                "method": method,
            },
        )
        return evidence

    # ------------------------------------------------------------ timestamps
    def stamp(self, evidence_id: int, *, actor: str) -> EvidenceView:
        """Obtain an RFC 3161 token for a manifest; failures are kept for a later retry."""
        client = self._timestamp_client()
        with self.db.session() as session:
            row = session.get(Evidence, evidence_id)
            if row is None:
                raise ValueError(f"no evidence #{evidence_id}")
            if client is None or row.timestamp_token is not None:
                return _view(row)
            data = row.manifest.encode("utf-8")
        try:
            token = client.stamp(data)
        except TimestampError as exc:
            with self.db.session() as session:
                row = session.get(Evidence, evidence_id)
                assert row is not None
                row.timestamp_error = str(exc)
                row.tsa_url = client.url
                return _view(row)
        with self.db.session() as session:
            row = session.get(Evidence, evidence_id)
            assert row is not None
            row.timestamp_token = token.response_der
            row.timestamp_time = token.gen_time
            row.tsa_url = client.url
            row.timestamp_error = None
            self.custody.append(
                session,
                actor=actor,
                action="timestamp",
                subject=f"item:{row.item_id}",
                details={
                    "evidence_id": row.id,
                    "manifest_sha256": row.manifest_sha256,
                    "gen_time": utc_iso(token.gen_time),
                    "tsa": token.tsa_name,
                    "serial": str(token.serial_number),
                    "token_sha256": sha256_hex(token.response_der),
                },
            )
            return _view(row)

    def stamp_pending(self, *, actor: str) -> list[EvidenceView]:
        """Retry every manifest without a token (resumable: each success is saved at once)."""
        if self._timestamp_client() is None:
            return []
        with self.db.session() as session:
            ids = list(
                session.scalars(
                    select(Evidence.id)
                    .where(Evidence.timestamp_token.is_(None))
                    .order_by(Evidence.id)
                )
            )
        return [self.stamp(evidence_id, actor=actor) for evidence_id in ids]

    def for_item(self, item_id: int) -> list[EvidenceView]:
        with self.db.session() as session:
            rows = session.scalars(
                select(Evidence).where(Evidence.item_id == item_id).order_by(Evidence.id)
            )
            return [_view(row) for row in rows]

    def check_originals(self) -> list[tuple[str, str]]:
        """Re-hash every stored original referenced by an item: ``[(sha256, problem)]``."""
        from idolguard.storage.blobs import BlobIntegrityError

        with self.db.session() as session:
            hashes = sorted(set(session.scalars(select(Item.media_sha256))))
        problems: list[tuple[str, str]] = []
        for sha256 in hashes:
            if not self.blobs.contains(sha256):
                problems.append((sha256, "no evidentiary copy stored"))
                continue
            try:
                self.blobs.verify(sha256)
            except BlobIntegrityError as exc:
                problems.append((sha256, str(exc)))
        return problems
