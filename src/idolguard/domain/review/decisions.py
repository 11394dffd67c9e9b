"""Review decisions: confirm or dismiss an item, and what each decision sets in motion.

Confirming puts the item's hashes into its artist's block bank (so every
re-upload is caught from then on, and everything seen before is re-matched at
once by ``RetroMatcher``) and files the item in a case. Dismissing a benign
source photo can put it on an allow-list, so deepfakes made from it are not
confused with it. Previews are blurred unless the reviewer asks to reveal,
and both are logged.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from idolguard.config import Settings
from idolguard.domain.banks import BankService
from idolguard.domain.cases import QUEUE_STATES, STATES, CaseService, ItemView
from idolguard.domain.custody.log import CustodyLog
from idolguard.domain.fan_reports import ReportView
from idolguard.domain.review.findings import item_findings
from idolguard.evidence.previews import first_picture, picture_at, render_preview
from idolguard.platforms import platform_for
from idolguard.storage.analysis_store import AnalysisStore
from idolguard.storage.blobs import BlobStore
from idolguard.storage.database import Database
from idolguard.storage.models import AnalysisResult, Artist, Item, Media

# The queue's own state for a fan's link-only report: no media yet, so no item.
AWAITING_CAPTURE = "awaiting_capture"
# How many of a file's strongest risk factors the queue's "why" column shows.
WHY_FACTORS = 2


class ReviewError(ValueError):
    """A review action was refused; the message says why."""


@dataclass(frozen=True)
class QueueFilters:
    """What a reviewer narrowed the queue to; ``None`` means any.

    ``state`` is an item state or ``AWAITING_CAPTURE`` (link-only fan reports).
    """

    artist_id: int | None = None
    origin: str | None = None
    platform: str | None = None
    state: str | None = None

    def wants_items(self) -> bool:
        return self.state != AWAITING_CAPTURE

    def wants_reports(self) -> bool:
        return self.state in (None, AWAITING_CAPTURE) and self.origin in (None, "fan")


@dataclass(frozen=True)
class QueueRow:
    """An item as the queue lists it: how it came in, where, and why it ranks there."""

    item: ItemView
    origin: str
    platform: str | None
    why: dict[str, Any]


@dataclass(frozen=True)
class LinkReportRow:
    """A fan's link-only report waiting for staff to capture its URL."""

    report: ReportView
    platform: str | None


def origin_of(item: ItemView) -> str:
    """How the item came in, as reviewers tell it apart: a fan report, a monitor, a scan..."""
    return "fan" if item.reporter == "fan" else item.origin


def platform_of(item: ItemView) -> str | None:
    """The platform the item was seen on: as recorded, else read from its URL.

    Fan uploads and hand-added files carry a URL but often no platform, and
    the queue showed "—" for x.com posts; the URL says it plainly.
    """
    source = item.source or {}
    recorded = source.get("platform")
    if isinstance(recorded, str) and recorded:
        return recorded
    for candidate in (source.get("final_url"), source.get("url"), item.location):
        if isinstance(candidate, str) and candidate.startswith(("http://", "https://")):
            found = platform_for(candidate)
            if found != "unknown":
                return found
    return None


def why_from_risk(risk: Mapping[str, Any] | None) -> dict[str, Any]:
    """The queue's "why": the strongest factors of the stored risk breakdown.

    Results stored before the breakdown existed keep their first English
    reason (``reason``); the page shows either.
    """
    risk = risk or {}
    breakdown = risk.get("breakdown") or {}
    factors = [f for f in breakdown.get("factors") or [] if isinstance(f, Mapping)]
    who = [f for f in factors if f.get("role") == "who"]
    rest = sorted(
        (f for f in factors if f.get("role") != "who" and float(f.get("value") or 0) > 0),
        key=lambda f: -float(f.get("value") or 0.0),
    )
    reasons = list(risk.get("reasons") or [])
    return {
        "factors": (who + rest)[:WHY_FACTORS] if who else rest[:WHY_FACTORS],
        "reason": reasons[0] if reasons and not factors else None,
    }


def _matches(
    filters: QueueFilters, artist_id: int | None, origin: str, platform: str | None
) -> bool:
    if filters.artist_id is not None and artist_id != filters.artist_id:
        return False
    if filters.origin is not None and origin != filters.origin:
        return False
    return filters.platform is None or platform == filters.platform


def link_report_rows(reports: Iterable[ReportView], filters: QueueFilters) -> list[LinkReportRow]:
    """The link-only reports the queue shows under ``filters`` (oldest first, as given)."""
    if not filters.wants_reports():
        return []
    rows = []
    for report in reports:
        if not report.pending_capture or report.url is None:
            continue
        platform = platform_for(report.url)
        row = LinkReportRow(report, None if platform == "unknown" else platform)
        if _matches(filters, report.artist_id, "fan", row.platform):
            rows.append(row)
    return rows


def block_bank_name(artist_id: int | None) -> str:
    return f"artist-{artist_id}" if artist_id is not None else "confirmed"


def allow_bank_name(artist_id: int | None) -> str:
    return f"artist-{artist_id}-sources" if artist_id is not None else "sources"


class ReviewService:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        cases: CaseService,
        banks: BankService,
        blobs: BlobStore,
        custody: CustodyLog,
        analysis: AnalysisStore | None = None,
    ) -> None:
        self.db = database
        self.settings = settings
        self.cases = cases
        self.banks = banks
        self.blobs = blobs
        self.custody = custody
        self.analysis = analysis if analysis is not None else AnalysisStore(database)

    def confirm(
        self, item_id: int, *, actor: str, reason: str, artist_id: int | None = None
    ) -> ItemView:
        with self.db.session() as session:
            item = session.get(Item, item_id)
            if item is None:
                raise ReviewError(f"no item #{item_id}")
            if artist_id is not None:
                if session.get(Artist, artist_id) is None:
                    raise ReviewError(f"no artist #{artist_id}")
                item.artist_id = artist_id
            self.cases.transition(item_id, "confirmed", actor=actor, reason=reason, session=session)
            self.cases.ensure_case_for(session, item, actor=actor)
            sha256, location, artist = item.media_sha256, item.location, item.artist_id
        self._bank(item_id, sha256, location, artist, actor=actor, allow=False, reason=reason)
        return self.cases.get_item(item_id)

    def dismiss(
        self, item_id: int, *, actor: str, reason: str, allow_list: bool = False
    ) -> ItemView:
        view = self.cases.transition(item_id, "dismissed", actor=actor, reason=reason)
        if allow_list:
            self._bank(
                item_id,
                view.sha256,
                view.location,
                view.artist_id,
                actor=actor,
                allow=True,
                reason=reason,
            )
        return self.cases.get_item(item_id)

    def _bank(
        self,
        item_id: int,
        sha256: str,
        location: str,
        artist_id: int | None,
        *,
        actor: str,
        allow: bool,
        reason: str,
    ) -> None:
        bank = allow_bank_name(artist_id) if allow else block_bank_name(artist_id)
        description = (
            "benign sources dismissed in review" if allow else "content confirmed harmful in review"
        )
        self.banks.ensure_bank(
            bank, "allow" if allow else "block", description=description, artist_id=artist_id
        )
        label = f"item {item_id}: {reason}"[:500]
        with self._original(item_id, sha256, location) as path:
            added = self.banks.add_file(
                path,
                bank,
                label=label,
                source=location,
                content_id=f"item-{item_id}",
                allow=allow,
            )
        self.custody.record(
            actor=actor,
            action="bank",
            subject=f"item:{item_id}",
            details={
                "bank": bank,
                "kind": "allow" if allow else "block",
                "content_id": added.content_id,
                "signals_added": added.signals,
                "sha256": sha256,
            },
        )

    @contextmanager
    def _original(self, item_id: int, sha256: str, location: str) -> Iterator[Path]:
        """The evidentiary copy, or the file where it was seen when no copy was stored."""
        if self.blobs.contains(sha256):
            with self.blobs.local_path(sha256) as path:
                yield path
        elif Path(location).is_file():
            yield Path(location)
        else:
            raise ReviewError(
                f"item {item_id} has no stored original (store_originals is off) and "
                f"{location} is not a readable file: its hashes cannot be banked"
            )

    def preview(self, item_id: int, *, actor: str, reveal: bool = False) -> Path:
        """Write the item's preview (a working copy) and log that it was viewed or revealed."""
        view = self.cases.get_item(item_id)
        if not self.blobs.contains(view.sha256):
            raise ReviewError(f"item {item_id} has no stored original to preview")
        side = self.settings.evidence.preview_side
        with self.blobs.local_path(view.sha256) as path:
            picture = first_picture(path, self.settings.limits, side)
        data = render_preview(picture, blur=not reveal, max_side=side)
        out_dir = self.settings.working_dir / "previews"
        out_dir.mkdir(parents=True, exist_ok=True)
        out = out_dir / f"item-{item_id}-{'revealed' if reveal else 'blurred'}.png"
        out.write_bytes(data)
        self.custody.record(
            actor=actor,
            action="reveal" if reveal else "view",
            subject=f"item:{item_id}",
            details={"preview": out.name, "blurred": not reveal},
        )
        return out

    def preview_png(self, item_id: int, *, actor: str, reveal: bool) -> bytes:
        """The item's preview as PNG bytes: blurred and greyscaled unless ``reveal``.

        Blurred previews are rendered once and kept as working copies under
        ``working_dir/previews`` (named by content, so every item showing the
        same file shares one); showing them is not logged, or listing a queue
        would flood the custody log. Revealed previews are rendered on demand,
        never written to disk, and every reveal is logged (action ``reveal``).
        """
        view = self.cases.get_item(item_id)
        side = self.settings.evidence.preview_side
        if not reveal:
            cached = self._preview_dir() / f"{view.sha256}-{side}-blurred.png"
            if cached.is_file():
                return cached.read_bytes()
            data = self._render(item_id, view.sha256, blur=True)
            _write_atomically(cached, data)
            return data
        data = self._render(item_id, view.sha256, blur=False)
        self.custody.record(
            actor=actor,
            action="reveal",
            subject=f"item:{item_id}",
            details={"preview": "in memory (not stored)", "blurred": False, "sha256": view.sha256},
        )
        return data

    def keyframe_png(self, item_id: int, seconds: float) -> bytes:
        """A video item's frame at ``seconds``, always blurred and greyscaled like previews.

        The timeline's keyframes: where a flagged range peaked. Rendered once
        per moment and kept with the previews (working copies, not evidence).
        """
        view = self.cases.get_item(item_id)
        if not self.blobs.contains(view.sha256):
            raise ReviewError(f"item {item_id} has no stored original to preview")
        side = self.settings.evidence.preview_side
        cached = self._preview_dir() / f"{view.sha256}-{side}-t{round(seconds * 1000)}-blurred.png"
        if cached.is_file():
            return cached.read_bytes()
        with self.blobs.local_path(view.sha256) as path:
            try:
                picture = picture_at(path, self.settings.limits, seconds, side)
            except ValueError as exc:
                raise ReviewError(f"item {item_id}: {exc}") from exc
        data = render_preview(picture, blur=True, max_side=side)
        _write_atomically(cached, data)
        return data

    def _preview_dir(self) -> Path:
        return self.settings.working_dir / "previews"

    def _render(self, item_id: int, sha256: str, *, blur: bool) -> bytes:
        if not self.blobs.contains(sha256):
            raise ReviewError(f"item {item_id} has no stored original to preview")
        side = self.settings.evidence.preview_side
        with self.blobs.local_path(sha256) as path:
            picture = first_picture(path, self.settings.limits, side)
        return render_preview(picture, blur=blur, max_side=side)

    def queue(self, filters: QueueFilters, limit: int | None = None) -> list[QueueRow]:
        """Items the reviewer's filters keep, riskiest first, each with why it ranks there."""
        if not filters.wants_items():
            return []
        states: Sequence[str] = QUEUE_STATES
        if filters.state in STATES:
            states = [filters.state]
        rows = []
        for item in self.cases.list_items(states=states):
            row = QueueRow(item, origin_of(item), platform_of(item), {})
            if _matches(filters, item.artist_id, row.origin, row.platform):
                rows.append(row)
            if limit is not None and len(rows) >= limit:
                break
        risks = self._risks({row.item.sha256 for row in rows})
        return [
            QueueRow(r.item, r.origin, r.platform, why_from_risk(risks.get(r.item.sha256)))
            for r in rows
        ]

    def _risks(self, shas: set[str]) -> dict[str, dict[str, Any]]:
        """The newest stored risk result of each file (one query, not every signal's data)."""
        if not shas:
            return {}
        found: dict[str, dict[str, Any]] = {}
        with self.db.session() as session:
            rows = session.execute(
                select(AnalysisResult.media_sha256, AnalysisResult.data)
                .where(
                    AnalysisResult.media_sha256.in_(sorted(shas)),
                    AnalysisResult.signal == "risk",
                    AnalysisResult.error.is_(None),
                )
                .order_by(AnalysisResult.created_at, AnalysisResult.id)
            )
            for sha, data in rows:
                found[sha] = dict(data or {})
        return found

    def findings(self, item_id: int) -> dict[str, Any]:
        """What the stored analysis of the item's file shows a reviewer (see ``findings``)."""
        view = self.cases.get_item(item_id)
        results, _versions = self.analysis.stored_results(view.sha256)
        with self.db.session() as session:
            media = session.get(Media, view.sha256)
            width = media.width if media else None
            height = media.height if media else None
        return item_findings(
            results,
            self.settings.evidence.preview_side,
            width,
            height,
            media_type=view.media_type,
        )


def _write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so that readers never see half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".preview-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
