"""Triage: decide which analysed files become review items, and capture their evidence.

A file opens an item when it matches a block bank (a re-upload of confirmed
content) or its risk reaches ``[review] open_min_risk``; allow-listed files
never do. Opening an item and writing its evidence manifest happen in one
transaction, then the manifest is timestamped (a network call, so outside it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from idolguard.config import ReviewSettings
from idolguard.domain.cases import CaseService
from idolguard.domain.custody.capture import EvidenceService
from idolguard.pipeline.records import FileRecord
from idolguard.storage.analysis_store import AnalysisStore
from idolguard.storage.database import Database
from idolguard.storage.models import Bank, BankContent, Item


@dataclass(frozen=True)
class Opened:
    item_id: int
    created: bool
    evidence_id: int | None


def top_artist(results: Mapping[str, Any]) -> tuple[int | None, float]:
    """The most confidently named enrolled artist in a file's results, if any."""
    identity = results.get("identity") or {}
    named = [f["identity"] for f in identity.get("faces", []) if f.get("identity")]
    if not named:
        return None, 0.0
    best = max(named, key=lambda i: float(i.get("score", 0.0)))
    return int(best["artist_id"]), float(best.get("score", 0.0))


def block_matches(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    bank = results.get("bank_match") or {}
    if bank.get("verdict") == "allow-listed":
        return []
    return [m for m in bank.get("matches", []) if m.get("bank_kind") == "block"]


class Triage:
    def __init__(
        self,
        database: Database,
        analysis: AnalysisStore,
        cases: CaseService,
        evidence: EvidenceService,
        review: ReviewSettings,
    ) -> None:
        self.db = database
        self.analysis = analysis
        self.cases = cases
        self.evidence = evidence
        self.review = review
        self._listeners: list[Callable[[Opened], None]] = []

    def add_listener(self, listener: Callable[[Opened], None]) -> None:
        """Call ``listener`` after each item is opened or re-seen (the re-upload watch)."""
        self._listeners.append(listener)

    def should_open(self, results: Mapping[str, Any]) -> str | None:
        """The reason to open an item for these results, or ``None``."""
        bank = results.get("bank_match") or {}
        if bank.get("verdict") == "allow-listed":
            return None
        matches = block_matches(results)
        risk = results.get("risk") or {}
        score = float(risk.get("score") or 0.0)
        if matches:
            best = matches[0]
            return (
                f"matches confirmed content {best['bank']}/{best['content_id']} "
                f"({best['signal_type']}, distance {best['distance']})"
            )
        if score >= self.review.open_min_risk:
            reasons = risk.get("reasons") or []
            return f"risk {score:.2f}" + (f": {reasons[0]}" if reasons else "")
        return None

    def on_record(self, record: FileRecord, *, actor: str) -> Opened | None:
        """Scanner hook: open an item (with evidence) for a file that needs a look."""
        if record.error is not None or record.sha256 is None:
            return None
        reason = self.should_open(record.results)
        if reason is None:
            return None
        return self.open(
            sha256=record.sha256,
            location=record.location,
            results=record.results,
            versions=record.versions,
            actor=actor,
            origin=record.origin,
            reason=reason,
            method=record.origin,
            source=record.source or None,
        )

    def open(
        self,
        *,
        sha256: str,
        location: str,
        actor: str,
        origin: str,
        reason: str,
        method: str,
        results: Mapping[str, Any] | None = None,
        versions: Mapping[str, str] | None = None,
        source: Mapping[str, Any] | None = None,
        reporter: str = "system",
        reporter_contact: str | None = None,
        related_sha256: Sequence[str] = (),
        case: str | None = None,
        min_risk: float = 0.0,
        artist_id: int | None = None,
    ) -> Opened:
        """Open (or re-see) an item and capture its evidence; timestamp it when configured.

        ``artist_id`` names the artist when the caller knows better than the
        faces (an account imitating an artist's name); else the faces decide.
        """
        if results is None:
            results, versions = self.analysis.stored_results(sha256)
        versions = dict(versions or {})
        if artist_id is None:
            artist_id, _confidence = top_artist(results)
        risk = max(min_risk, float((results.get("risk") or {}).get("score") or 0.0))
        related = list(related_sha256) or self._banked_media(results)
        with self.db.session() as session:
            case_id = self.cases.get_case(case).id if case is not None else None
            item, created = self.cases.open_item(
                session,
                sha256=sha256,
                location=location,
                actor=actor,
                origin=origin,
                reason=reason,
                risk=risk,
                artist_id=artist_id,
                source=source,
                reporter=reporter,
                reporter_contact=reporter_contact,
                related_sha256=related,
                case_id=case_id,
            )
            evidence_id = None
            if created or source:
                evidence_id = self.evidence.capture(
                    session, item, results=results, versions=versions, actor=actor, method=method
                ).id
            item_id = item.id
        if evidence_id is not None:
            self.evidence.stamp(evidence_id, actor=actor)
        opened = Opened(item_id, created, evidence_id)
        for listener in self._listeners:
            listener(opened)
        return opened

    def _banked_media(self, results: Mapping[str, Any]) -> list[str]:
        """Originals of the bank entries these results matched (their items hold the case)."""
        return self.banked_media({(m["bank"], m["content_id"]) for m in block_matches(results)})

    def banked_media(self, pairs: set[tuple[str, str]]) -> list[str]:
        """SHA-256 of the originals behind ``(bank, content_id)`` entries, where known."""
        found: list[str] = []
        with self.db.session() as session:
            for bank, content_id in sorted(pairs):
                sha = session.scalar(
                    select(BankContent.media_sha256)
                    .join(Bank, Bank.id == BankContent.bank_id)
                    .where(Bank.name == bank, BankContent.content_id == content_id)
                )
                if sha:
                    found.append(sha)
        return found

    def has_item(self, sha256: str) -> bool:
        with self.db.session() as session:
            found = session.scalar(select(Item.id).where(Item.media_sha256 == sha256).limit(1))
            return found is not None

    def item_exists(self, sha256: str, location: str) -> bool:
        with self.db.session() as session:
            return (
                session.scalar(
                    select(Item.id).where(Item.media_sha256 == sha256, Item.location == location)
                )
                is not None
            )
