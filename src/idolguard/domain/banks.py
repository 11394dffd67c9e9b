"""Hash banks: confirmed harmful content (``block``) and known-benign sources (``allow``).

The in-memory indexes are the whack-a-mole defence, so they are incremental:
a hash added here is searchable immediately, and hashes added by another
process (``idolguard bank add`` while ``idolguard watch`` runs) are picked up
by a cheap "rows newer than the watermark" query before matching, instead of
HMA's rebuild-pickle-reload cycle.
"""

from __future__ import annotations

import re
import threading
import time
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select, true
from sqlalchemy.orm import Session

from idolguard.config import MatchingSettings
from idolguard.exchange.formats import BankRecord
from idolguard.matching import PDQIndex, hex_to_codes
from idolguard.media import MediaLimits, MediaType, load_image, probe_video, sniff
from idolguard.media.digests import file_digests
from idolguard.signals.bank_match import BankMatch
from idolguard.signals.pdq import PDQ_DECODE_SIDE, bank_pdq_variants
from idolguard.signals.vpdq import mirrored_frames, vpdq_frames
from idolguard.storage.blobs import BlobStore
from idolguard.storage.database import Database
from idolguard.storage.models import Bank, BankContent, BankSignal

BANK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
VPDQ_BANK_PRUNE_BITS = 10
REFRESH_INTERVAL_SECONDS = 0.5
HEX64 = re.compile(r"^[0-9a-f]{64}$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")


class BankError(ValueError):
    """A bank operation was refused; the message says why and what to do."""


@dataclass(frozen=True)
class BankSummary:
    name: str
    kind: str
    enabled: bool
    contents: int
    signals: int
    description: str | None


@dataclass(frozen=True)
class AddedContent:
    bank: str
    content_id: str
    sha256: str | None
    signals: int
    created: bool  # False when this content was already in the bank
    content_pk: int = 0


# Called with the ids of bank contents that gained hashes (retroactive matching listens).
BankListener = Callable[[list[int]], None]


@dataclass(frozen=True)
class _ContentRef:
    bank: str
    kind: str
    content_id: str
    label: str | None
    enabled: bool


def serialise_vpdq(frames: Sequence[Sequence[Any]]) -> str:
    """vPDQ frames as pytx's signal string (a JSON array of ``"hash,quality,timestamp"``)."""
    from idolguard.exchange.formats import format_vpdq_signal

    return format_vpdq_signal([(str(f[3]), int(f[2]), float(f[1])) for f in frames])


class BankService:
    _watermark: int  # highest bank_signal id loaded into the indexes
    _purged: int | None
    _last_refresh: float

    def __init__(
        self,
        database: Database,
        blobs: BlobStore | None,
        matching: MatchingSettings,
        limits: MediaLimits,
        *,
        only_contents: frozenset[int] | None = None,
    ) -> None:
        self.db = database
        self.blobs = blobs
        self.matching = matching
        self.limits = limits
        self.only_contents = only_contents
        self._listeners: list[BankListener] = []
        self._lock = threading.RLock()
        self._switched: tuple[int | None, int | None] | None = None  # disabled banks, contents
        self._reset_indexes()

    def scoped(self, content_pks: Iterable[int]) -> BankService:
        """A read-only matcher over just these contents: old media against new hashes."""
        return BankService(
            self.db, None, self.matching, self.limits, only_contents=frozenset(content_pks)
        )

    def add_listener(self, listener: BankListener) -> None:
        self._listeners.append(listener)

    def _notify(self, content_pks: list[int]) -> None:
        if content_pks:
            for listener in self._listeners:
                listener(content_pks)

    # ----------------------------------------------------------------- banks
    def create_bank(
        self,
        name: str,
        kind: str = "block",
        description: str | None = None,
        artist_id: int | None = None,
    ) -> None:
        if not BANK_NAME.match(name):
            raise BankError(
                f"invalid bank name {name!r}: use letters, digits, '-', '_' or '.', "
                "starting with a letter or digit"
            )
        if kind not in ("block", "allow"):
            raise BankError(f"bank kind must be 'block' or 'allow', not {kind!r}")
        with self.db.session() as session:
            if session.scalar(select(Bank).where(Bank.name == name)) is not None:
                raise BankError(f"bank {name!r} already exists")
            session.add(Bank(name=name, kind=kind, description=description, artist_id=artist_id))

    def ensure_bank(
        self,
        name: str,
        kind: str,
        *,
        description: str | None = None,
        artist_id: int | None = None,
    ) -> None:
        """Create the bank if missing; refuse to silently mix block and allow content."""
        with self.db.session() as session:
            bank = session.scalar(select(Bank).where(Bank.name == name))
        if bank is None:
            self.create_bank(name, kind, description, artist_id)
        elif bank.origin is not None:
            raise BankError(
                f"bank {name!r} holds hashes subscribed from {bank.origin}: only that publisher"
                " changes them (choose another bank)"
            )
        elif bank.kind != kind:
            raise BankError(
                f"bank {name!r} is a {bank.kind}-list bank; "
                + ("omit --allow" if bank.kind == "block" else "use --allow")
            )

    def list_banks(self) -> list[BankSummary]:
        with self.db.session() as session:
            content_counts = dict(
                session.execute(
                    select(BankContent.bank_id, func.count()).group_by(BankContent.bank_id)
                ).all()
            )
            signal_counts = dict(
                session.execute(
                    select(BankContent.bank_id, func.count())
                    .join(BankSignal, BankSignal.content_pk == BankContent.id)
                    .group_by(BankContent.bank_id)
                ).all()
            )
            return [
                BankSummary(
                    name=b.name,
                    kind=b.kind,
                    enabled=b.enabled,
                    contents=int(content_counts.get(b.id, 0)),
                    signals=int(signal_counts.get(b.id, 0)),
                    description=b.description,
                )
                for b in session.scalars(select(Bank).order_by(Bank.name))
            ]

    def delete_bank(self, name: str) -> None:
        with self.db.session() as session:
            bank = session.scalar(select(Bank).where(Bank.name == name))
            if bank is None:
                raise BankError(f"no bank named {name!r}")
            session.delete(bank)
        with self._lock:
            self._reset_indexes()  # deletions are rare: rebuild rather than track tombstones

    def apply_feed(
        self,
        bank: str,
        origin: str,
        upserts: Mapping[str, tuple[BankRecord, ...]],
        deletions: Iterable[str],
    ) -> tuple[int, int]:
        """Apply a subscribed feed's changes to its origin-marked bank, in one transaction.

        ``upserts`` maps content ids to their records (replacing what the content had),
        ``deletions`` are content ids the publisher withdrew. The bank is created with its
        origin on first use; a bank of the same name without that origin is refused, so a
        subscription can never write into the agency's own banks. Returns (added, removed).
        """
        with self.db.session() as session:
            row = session.scalar(select(Bank).where(Bank.name == bank))
            if row is None:
                row = Bank(name=bank, kind="block", origin=origin, description=f"from {origin}")
                session.add(row)
                session.flush()
            elif row.origin != origin:
                raise BankError(f"bank {bank!r} is not fed by {origin}: refusing to change it")
            withdrawn = set(deletions) - set(upserts)
            removed = self._delete_contents(session, row.id, withdrawn)
            replaced = self._delete_contents(session, row.id, set(upserts))
            if removed or replaced:
                row.purged = (row.purged or 0) + 1
            changed: list[int] = []
            for content_id, records in upserts.items():
                content = BankContent(
                    bank_id=row.id,
                    content_id=content_id,
                    label=records[0].label,
                    source=origin,
                )
                session.add(content)
                session.flush()
                changed.append(content.id)
                session.add_all(
                    BankSignal(content_pk=content.id, signal_type=t, variant=v, value=value)
                    for t, v, value, _q in dict.fromkeys(_record_signal(r) for r in records)
                )
        if removed or replaced:
            with self._lock:
                self._reset_indexes()
        self.refresh(force=True)
        self._notify(changed)
        return len(upserts), removed

    @staticmethod
    def _delete_contents(session: Any, bank_id: int, content_ids: set[str]) -> int:
        ids = sorted(content_ids)
        count = 0
        for start in range(0, len(ids), 500):
            result = session.execute(
                delete(BankContent).where(
                    BankContent.bank_id == bank_id,
                    BankContent.content_id.in_(ids[start : start + 500]),
                )
            )
            count += int(result.rowcount or 0)
        return count

    # --------------------------------------------------------------- content
    def add_file(
        self,
        path: Path,
        bank: str,
        *,
        label: str | None = None,
        source: str | None = None,
        content_id: str | None = None,
        allow: bool = False,
    ) -> AddedContent:
        """Hash a file the team has confirmed and put it in ``bank``.

        Images get the eight flip/rotation variants and their own trims; videos are hashed densely
        (every frame, near-duplicates pruned), as they are and mirrored. The original is kept in the
        write-once store, because a bank entry without its evidence is hearsay.
        """
        kind = "allow" if allow else "block"
        self.ensure_bank(bank, kind)
        info = sniff(path, self.limits)
        sha256, md5, _size = file_digests(path)
        signals: list[tuple[str, str, str, int | None]] = [
            ("sha256", "original", sha256, None),
            ("md5", "original", md5, None),
        ]
        if info.media_type is MediaType.IMAGE:
            decoded = load_image(path, self.limits, max_side=PDQ_DECODE_SIDE)
            for variant, pdq in bank_pdq_variants(decoded.image).items():
                if pdq.quality >= self.matching.pdq_min_quality:
                    signals.append(("pdq", variant, pdq.hex, pdq.quality))
        else:
            video = probe_video(path, self.limits)
            frames = vpdq_frames(
                path, video, seconds_per_hash=0, prune_distance=VPDQ_BANK_PRUNE_BITS
            )
            good = [f for f in frames if f.quality >= self.matching.vpdq_min_quality]
            if good:
                signals.append(("vpdq", "original", serialise_vpdq(good), None))
            mirrored = [
                f
                for f in mirrored_frames(path, self.limits, prune_distance=VPDQ_BANK_PRUNE_BITS)
                if f.quality >= self.matching.vpdq_min_quality
            ]
            if mirrored:
                signals.append(("vpdq", "mirror", serialise_vpdq(mirrored), None))
        if self.blobs is not None:
            self.blobs.put_file(path, expected_sha256=sha256)
        added = self._insert(
            bank,
            content_id or sha256[:16],
            label=label,
            source=source or str(path),
            sha256=sha256,
            signals=signals,
        )
        if added.signals:
            self._notify([added.content_pk])
        return added

    def import_records(self, records: Iterable[BankRecord], default_bank: str | None) -> int:
        """Add hash-only records (a partner's list, an export); returns how many hashes were new."""
        added = 0
        changed: list[int] = []
        grouped: dict[tuple[str, str], list[BankRecord]] = defaultdict(list)
        for record in records:
            bank = record.bank or default_bank
            if not bank:
                raise BankError(
                    f"record {record.content_id!r} names no bank; pass --bank to choose one"
                )
            grouped[(bank, record.content_id)].append(record)
        for (bank, content_id), group in grouped.items():
            self.ensure_bank(bank, "allow" if group[0].allow else "block")
            signals = [_record_signal(r) for r in group]
            result = self._insert(
                bank,
                content_id,
                label=group[0].label,
                source=group[0].source,
                sha256=next((s[2] for s in signals if s[0] == "sha256"), None),
                signals=signals,
            )
            added += result.signals
            if result.signals:
                changed.append(result.content_pk)
        self._notify(changed)
        return added

    def export_records(self, bank: str | None = None) -> Iterator[BankRecord]:
        with self.db.session() as session:
            query = (
                select(Bank, BankContent, BankSignal)
                .join(BankContent, BankContent.bank_id == Bank.id)
                .join(BankSignal, BankSignal.content_pk == BankContent.id)
                .order_by(Bank.name, BankContent.id, BankSignal.id)
            )
            if bank is not None:
                if session.scalar(select(Bank.id).where(Bank.name == bank)) is None:
                    raise BankError(f"no bank named {bank!r}")
                query = query.where(Bank.name == bank)
            for b, content, signal in session.execute(query):
                # Flip/rotation variants are exported too: they cannot be derived from a
                # hash alone, and without them the receiver would miss mirrored re-uploads.
                yield BankRecord(
                    content_id=content.content_id,
                    signal_type=signal.signal_type,
                    signal=signal.value,
                    label=content.label,
                    source=content.source,
                    bank=b.name,
                    allow=b.kind == "allow",
                )

    def _insert(
        self,
        bank_name: str,
        content_id: str,
        *,
        label: str | None,
        source: str | None,
        sha256: str | None,
        signals: Sequence[tuple[str, str, str, int | None]],
    ) -> AddedContent:
        with self.db.session() as session:
            bank = session.scalar(select(Bank).where(Bank.name == bank_name))
            if bank is None:
                raise BankError(f"no bank named {bank_name!r}")
            content = session.scalar(
                select(BankContent).where(
                    BankContent.bank_id == bank.id, BankContent.content_id == content_id
                )
            )
            created = content is None
            if content is None:
                content = BankContent(
                    bank_id=bank.id,
                    content_id=content_id,
                    label=label,
                    source=source,
                    media_sha256=sha256,
                )
                session.add(content)
                session.flush()
                existing: set[tuple[str, str, str]] = set()
            else:
                existing = {
                    (s.signal_type, s.variant, s.value)
                    for s in session.scalars(
                        select(BankSignal).where(BankSignal.content_pk == content.id)
                    )
                }
            new_rows = [
                BankSignal(content_pk=content.id, signal_type=t, variant=v, value=value, quality=q)
                for t, v, value, q in dict.fromkeys(signals)
                if (t, v, value) not in existing
            ]
            session.add_all(new_rows)
            content_pk = content.id
        self.refresh(force=True)
        return AddedContent(bank_name, content_id, sha256, len(new_rows), created, content_pk)

    # -------------------------------------------------------------- matching
    def refresh(self, *, force: bool = False) -> None:
        """Load bank rows added since the last look (by this or any other process)."""
        with self._lock:
            now = time.monotonic()
            if not force and now - self._last_refresh < REFRESH_INTERVAL_SECONDS:
                return
            self._last_refresh = now
            with self.db.session() as session:
                # Subscriptions bump bank.purged when a withdrawal deletes rows: one cheap sum
                # tells every matcher (in any process) that its indexes hold deleted hashes.
                purged = int(session.scalar(select(func.coalesce(func.sum(Bank.purged), 0))) or 0)
                if self._changed_elsewhere(session):
                    self._reset_indexes()
                    self._last_refresh = now
                rows = session.execute(
                    select(BankSignal, BankContent, Bank)
                    .join(BankContent, BankSignal.content_pk == BankContent.id)
                    .join(Bank, BankContent.bank_id == Bank.id)
                    .where(BankSignal.id > self._watermark)
                    .where(
                        BankSignal.content_pk.in_(self.only_contents)
                        if self.only_contents is not None
                        else true()
                    )
                    .order_by(BankSignal.id)
                ).all()
            for signal, content, bank in rows:
                self._contents[content.id] = _ContentRef(
                    bank.name,
                    bank.kind,
                    content.content_id,
                    content.label,
                    bank.enabled and content.enabled,
                )
                self._index_signal(content.id, signal)
                self._watermark = max(self._watermark, signal.id)
                self._loaded += 1
            self._flush_pending()
            if purged != self._purged:
                if self._purged is not None:  # another process withdrew hashes: rebuild
                    self._reset_indexes()
                    self.refresh(force=True)
                    return
                self._purged = purged

    def _changed_elsewhere(self, session: Session) -> bool:
        """Whether rows already loaded were deleted, or banks or contents switched on or off.

        Additions arrive by id (the watermark); deletions and switches leave no new row,
        and may come from another process (a second web worker, a cluster's coordinator,
        ``idolguard bank delete``): a deleted bank must stop matching in every process,
        not only in the one that deleted it. Counting what is still there is one cheap
        query per refresh; a difference rebuilds the index.
        """
        switched = (
            session.scalar(select(func.count(Bank.id)).where(Bank.enabled.is_(False))),
            session.scalar(
                select(func.count(BankContent.id)).where(BankContent.enabled.is_(False))
            ),
        )
        previous, self._switched = self._switched, switched
        if self._watermark == 0:
            return False
        loaded = session.scalar(
            select(func.count(BankSignal.id))
            .where(BankSignal.id <= self._watermark)
            .where(
                BankSignal.content_pk.in_(self.only_contents)
                if self.only_contents is not None
                else true()
            )
        )
        return loaded != self._loaded or (previous is not None and switched != previous)

    def _reset_indexes(self) -> None:
        self._watermark = 0
        self._purged = None  # sum of bank.purged when the indexes were built
        self._loaded = 0  # bank_signal rows in the indexes (all with ids up to the watermark)
        self._last_refresh = -1e9
        self._contents: dict[int, _ContentRef] = {}
        self._exact: dict[str, set[int]] = defaultdict(set)
        self._pdq = PDQIndex()
        self._pdq_content = array("q")
        self._pdq_variant: list[str] = []
        self._frames = PDQIndex()
        self._frame_content = array("q")
        self._frames_per_content: dict[int, int] = defaultdict(int)
        self._pending_pdq: list[str] = []
        self._pending_frames: list[str] = []

    def _index_signal(self, content_pk: int, signal: BankSignal) -> None:
        if signal.signal_type in ("md5", "sha256"):
            self._exact[signal.value].add(content_pk)
        elif signal.signal_type == "pdq":
            self._pdq_content.append(content_pk)
            self._pdq_variant.append(signal.variant)
            self._pending_pdq.append(signal.value)
        elif signal.signal_type == "vpdq":
            from idolguard.exchange.formats import parse_vpdq_signal

            for frame_hash, _quality, _ts in parse_vpdq_signal(signal.value):
                self._frame_content.append(content_pk)
                self._pending_frames.append(frame_hash)
                # The share of a clip's frames matched counts the clip as banked;
                # its mirrored frames are a second way to hit the same frames.
                if signal.variant != "mirror":
                    self._frames_per_content[content_pk] += 1

    def _flush_pending(self) -> None:
        if self._pending_pdq:
            start = len(self._pdq_content) - len(self._pending_pdq)
            ids = np.arange(start, len(self._pdq_content), dtype=np.int64)
            self._pdq.add(ids, hex_to_codes(self._pending_pdq))
            self._pending_pdq = []
        if self._pending_frames:
            start = len(self._frame_content) - len(self._pending_frames)
            ids = np.arange(start, len(self._frame_content), dtype=np.int64)
            self._frames.add(ids, hex_to_codes(self._pending_frames))
            self._pending_frames = []

    def _strength(self, distance: int) -> str:
        return "strong" if distance <= self.matching.pdq_strong_threshold else "review"

    def match_exact(self, md5: str, sha256: str) -> list[BankMatch]:
        self.refresh()
        with self._lock:
            hits = self._exact.get(sha256, set()) | self._exact.get(md5, set())
            return [
                BankMatch(ref.bank, ref.kind, ref.content_id, ref.label, "md5", 0, "exact")
                for pk in sorted(hits)
                if (ref := self._contents[pk]).enabled
            ]

    def match_pdq(self, hashes: Mapping[str, str]) -> list[BankMatch]:
        """Match image hashes against banked images and against frames of banked videos."""
        self.refresh()
        if not hashes:
            return []
        names = list(hashes)
        codes = hex_to_codes([hashes[n] for n in names])
        threshold = self.matching.pdq_threshold
        matches: list[BankMatch] = []
        with self._lock:
            image_hits = self._pdq.search(codes, threshold)
            frame_hits = self._frames.search(codes, threshold)
            for query_name, image, frame in zip(names, image_hits, frame_hits, strict=True):
                for hit in image:
                    distance = int(hit.distance)
                    matches += self._hit(
                        self._pdq_content[hit.id],
                        "pdq",
                        distance,
                        self._strength(distance),
                        variant=self._pdq_variant[hit.id],
                        query_variant=query_name,
                    )
                for hit in frame:
                    # A still that resembles one frame of a banked clip needs a human look.
                    matches += self._hit(
                        self._frame_content[hit.id],
                        "vpdq-frame",
                        int(hit.distance),
                        "review",
                        query_variant=query_name,
                    )
        return matches

    def _hit(
        self, content_pk: int, signal_type: str, distance: int, strength: str, **extra: Any
    ) -> list[BankMatch]:
        """A one-element list for an enabled content, an empty one for a disabled content."""
        ref = self._contents[content_pk]
        if not ref.enabled:
            return []
        return [
            BankMatch(
                ref.bank,
                ref.kind,
                ref.content_id,
                ref.label,
                signal_type,
                distance,
                strength,
                **extra,
            )
        ]

    def match_vpdq(self, frames: Sequence[Sequence[Any]]) -> list[BankMatch]:
        """pytx-style vPDQ matching: share of query frames, and of bank frames, that matched."""
        self.refresh()
        usable = [f for f in frames if int(f[2]) >= self.matching.vpdq_min_quality]
        if not usable:
            return []
        codes = hex_to_codes([str(f[3]) for f in usable])
        threshold = self.matching.vpdq_frame_threshold
        query_hits: dict[int, list[int]] = defaultdict(list)  # content -> best distance per frame
        bank_frames_hit: dict[int, set[int]] = defaultdict(set)
        with self._lock:
            for hits in self._frames.search(codes, threshold):
                best: dict[int, int] = {}
                for hit in hits:
                    pk = self._frame_content[hit.id]
                    bank_frames_hit[pk].add(int(hit.id))
                    best[pk] = min(best.get(pk, 256), int(hit.distance))
                for pk, distance in best.items():
                    query_hits[pk].append(distance)
            results: list[BankMatch] = []
            needed = self.matching.vpdq_query_match_percent
            for pk, distances in query_hits.items():
                ref = self._contents[pk]
                query_pct = 100.0 * len(distances) / len(usable)
                bank_pct = 100.0 * len(bank_frames_hit[pk]) / max(1, self._frames_per_content[pk])
                if not ref.enabled or (query_pct < needed and bank_pct < needed):
                    continue
                distance = int(median(distances))
                strong = query_pct >= needed and distance <= self.matching.pdq_strong_threshold
                results.append(
                    BankMatch(
                        ref.bank,
                        ref.kind,
                        ref.content_id,
                        ref.label,
                        "vpdq",
                        distance,
                        "strong" if strong else "review",
                        query_match_percent=round(query_pct, 1),
                        bank_match_percent=round(bank_pct, 1),
                    )
                )
        return results


def _record_signal(record: BankRecord) -> tuple[str, str, str, int | None]:
    kind = record.signal_type
    value = record.signal.strip().lower() if kind != "vpdq" else record.signal.strip()
    if kind == "pdq" and HEX64.match(value):
        return ("pdq", "original", value, None)
    # pytx's video_md5 / video_sha256 are plain file digests: the same exact lookup as ours.
    if kind in ("md5", "video_md5") and HEX32.match(value):
        return ("md5", "original", value, None)
    if kind in ("sha256", "video_sha256") and HEX64.match(value):
        return ("sha256", "original", value, None)
    if kind == "vpdq":
        from idolguard.exchange.formats import parse_vpdq_signal

        parse_vpdq_signal(value)  # validates
        return ("vpdq", "original", value, None)
    raise BankError(f"cannot bank signal type {kind!r} with value {record.signal[:70]!r}")
