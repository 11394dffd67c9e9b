"""URL watch: re-check reported URLs until the content is gone, then watch for its return.

Every confirmed item with a web address is checked on a schedule that depends
on where it stands: often while a notice is open (that is when a removal time
is worth knowing to the hour), daily before a notice and after removal. A check
records what the URL answered; only a definitive answer (404/410/451, a page
without the media, different media) counts as removal, and the time of the
first such check becomes the removal time behind time-to-takedown figures.
When a removed URL serves the same content again the item reappears and a
follow-up notice is drafted. Requests are paced per host, and a host's
Retry-After is honoured, so the watch stays polite.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from idolguard.clock import utc_iso, utcnow
from idolguard.config import Settings
from idolguard.domain.cases import CaseService
from idolguard.domain.takedowns.service import NoticeService
from idolguard.matching.codes import hamming
from idolguard.notices.liveness import Comparison, HostPacer, Outcome, UrlCheck, check_url
from idolguard.pipeline.scan import Scanner
from idolguard.platforms import is_web_url
from idolguard.storage.analysis_store import AnalysisStore
from idolguard.storage.database import Database
from idolguard.storage.models import Item
from idolguard.storage.models import UrlCheck as UrlCheckRow

WATCH_ACTOR = "system:url-watch"
WATCHED_STATES = ("notice_sent", "confirmed", "reappeared", "removed")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WatchResult:
    item_id: int
    check: UrlCheck
    state_before: str
    state_after: str
    notices_closed: list[str] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item_id,
            "state_before": self.state_before,
            "state_after": self.state_after,
            "notices_closed": self.notices_closed,
            "follow_up_notices": self.follow_ups,
            **self.check.to_json(),
        }


class UrlWatcher:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        cases: CaseService,
        notices: NoticeService,
        analysis: AnalysisStore,
        scanner: Callable[[], Scanner],
        *,
        clock: Callable[[], datetime] = utcnow,
        pacer: HostPacer | None = None,
    ) -> None:
        self.db = database
        self.settings = settings
        self.cases = cases
        self.notices = notices
        self.analysis = analysis
        self._scanner = scanner
        self.clock = clock
        self.pacer = pacer or HostPacer(settings.watch.per_host_delay_seconds)

    def _interval(self, state: str) -> timedelta:
        watch = self.settings.watch
        if state == "notice_sent":
            return timedelta(minutes=watch.notice_recheck_minutes)
        if state == "removed":
            return timedelta(hours=watch.removed_recheck_hours)
        return timedelta(hours=watch.confirmed_recheck_hours)

    def due(self, *, limit: int | None = None) -> list[int]:
        """Items whose URL is due a check, those under an open notice first."""
        now = self.clock()
        horizon = now - timedelta(days=self.settings.watch.removed_watch_days)
        last_check = (
            select(UrlCheckRow.item_id, func.max(UrlCheckRow.checked_at).label("last"))
            .group_by(UrlCheckRow.item_id)
            .subquery()
        )
        query = (
            select(Item.id, Item.state, Item.location, Item.state_changed_at, last_check.c.last)
            .outerjoin(last_check, last_check.c.item_id == Item.id)
            .where(Item.state.in_(WATCHED_STATES))
        )
        with self.db.session() as session:
            rows = session.execute(query).all()
        due: list[tuple[int, datetime | None, int]] = []
        for item_id, state, location, changed_at, last in rows:
            if not is_web_url(location):
                continue
            if state == "removed" and changed_at < horizon:
                continue
            if last is not None and last + self._interval(state) > now:
                continue
            due.append((0 if state == "notice_sent" else 1, last, item_id))
        due.sort(key=lambda d: (d[0], d[1] is not None, d[1] or now, d[2]))
        ids = [item_id for _rank, _last, item_id in due]
        return ids[:limit] if limit is not None else ids

    def run_once(
        self,
        *,
        max_checks: int | None = None,
        item_ids: Sequence[int] | None = None,
        progress: Callable[[WatchResult], None] | None = None,
    ) -> list[WatchResult]:
        """Check every due URL once (or just ``item_ids``); safe to stop and run again."""
        limit = max_checks if max_checks is not None else self.settings.watch.max_checks
        targets = list(item_ids) if item_ids is not None else self.due(limit=limit)
        results: list[WatchResult] = []
        for item_id in targets[:limit]:
            result = self.check_item(item_id)
            results.append(result)
            if progress is not None:
                progress(result)
        return results

    def check_item(self, item_id: int) -> WatchResult:
        item = self.cases.get_item(item_id)
        if not is_web_url(item.location):
            raise ValueError(f"item {item_id} has no web address to check")
        watch = self.settings.watch
        dest = self.settings.working_dir / "watch"
        dest.mkdir(parents=True, exist_ok=True)
        self.pacer.wait(item.location)
        account = (item.source or {}).get("kind") == "account"
        check = check_url(
            item.location,
            self._account_comparer(item.sha256) if account else self._comparer(item.sha256),
            dest_dir=dest,
            limits=self.settings.limits,
            timeout=watch.timeout,
            allow_private_addresses=watch.allow_private,
            clock=self.clock,
        )
        if check.retry_after_seconds:
            self.pacer.defer(item.location, check.retry_after_seconds)
        return self._apply(item_id, check)

    def _apply(self, item_id: int, check: UrlCheck) -> WatchResult:
        closed: list[str] = []
        reappeared = False
        with self.db.session() as session:
            item = session.get(Item, item_id)
            assert item is not None
            before = item.state
            session.add(
                UrlCheckRow(
                    item_id=item_id,
                    url=check.url,
                    checked_at=check.checked_at,
                    outcome=check.outcome.value,
                    reason=check.reason,
                    detail=check.detail[:2000],
                    http_status=check.http_status,
                    final_url=check.final_url,
                    media_sha256=check.media_sha256,
                    comparison=check.comparison.value if check.comparison else None,
                    elapsed_ms=check.elapsed_ms,
                )
            )
            reason = f"URL check ({check.reason}): {check.detail}"[:500]
            if check.outcome is Outcome.REMOVED and before in (
                "notice_sent",
                "confirmed",
                "reappeared",
            ):
                closed = self.notices.record_removal(
                    session, item_id, at=check.checked_at, actor=WATCH_ACTOR, detail=reason
                )
                if item.state != "removed":
                    self.cases.transition(
                        item_id, "removed", actor=WATCH_ACTOR, reason=reason, session=session
                    )
            elif check.outcome is Outcome.LIVE:
                item.last_seen_at = check.checked_at
                if before == "removed":
                    self.cases.transition(
                        item_id, "reappeared", actor=WATCH_ACTOR, reason=reason, session=session
                    )
                    reappeared = True
            after = item.state
        follow_ups = []
        if reappeared:
            follow_ups = [view.number for view in self.notices.follow_up(item_id)]
        return WatchResult(item_id, check, before, after, closed, follow_ups)

    def _account_comparer(self, sha256: str) -> Callable[[Path, str], tuple[Comparison, str]]:
        """For an impersonating account the page is what is reported, not its picture.

        An impersonator changes avatars at will; a profile page that still serves
        any readable picture is the account still standing, so only the page
        going (404/410/451) or showing no picture any more counts as removal.
        """

        def compare(path: Path, found_sha256: str) -> tuple[Comparison, str]:
            if found_sha256 == sha256:
                return Comparison.SAME, "the account still shows the same profile picture"
            records = self._scanner().run([path]).records
            if not records or records[0].error is not None:
                error = records[0].error if records else "not readable"
                return Comparison.DIFFERENT, f"the page's picture cannot be read: {error}"
            return Comparison.SIMILAR, "the account still shows a profile picture (changed)"

        return compare

    def _comparer(self, sha256: str) -> Callable[[Path, str], tuple[Comparison, str]]:
        """Is a downloaded file the reported content? Same bytes, or a perceptual near-copy."""
        stored, _versions = self.analysis.stored_results(sha256)
        matching = self.settings.matching

        def compare(path: Path, found_sha256: str) -> tuple[Comparison, str]:
            if found_sha256 == sha256:
                return Comparison.SAME, "the same bytes (SHA-256)"
            records = self._scanner().run([path]).records
            if not records or records[0].error is not None:
                error = records[0].error if records else "not readable"
                return Comparison.DIFFERENT, f"different bytes, and they cannot be read: {error}"
            found = records[0].results
            ours = (stored.get("pdq") or {}).get("hash")
            theirs = [
                h
                for h in (
                    (found.get("pdq") or {}).get("hash"),
                    ((found.get("pdq") or {}).get("trimmed") or {}).get("hash"),
                )
                if h
            ]
            if ours and theirs:
                distance = min(hamming(ours, h) for h in theirs)
                if distance <= matching.pdq_threshold:
                    return Comparison.SIMILAR, f"a near-identical copy (PDQ distance {distance})"
                return Comparison.DIFFERENT, f"different content (PDQ distance {distance})"
            our_frames = [f[3] for f in (stored.get("vpdq") or {}).get("frames", [])]
            their_frames = [f[3] for f in (found.get("vpdq") or {}).get("frames", [])]
            if our_frames and their_frames:
                close = sum(
                    1
                    for h in their_frames
                    if min(hamming(h, o) for o in our_frames) <= matching.vpdq_frame_threshold
                )
                percent = 100.0 * close / len(their_frames)
                if percent >= matching.vpdq_query_match_percent:
                    return Comparison.SIMILAR, f"the same video ({percent:.0f}% of frames match)"
                return Comparison.DIFFERENT, f"a different video ({percent:.0f}% of frames match)"
            return Comparison.DIFFERENT, "different bytes, and no perceptual hash to compare"

        return compare

    def history(self, item_id: int) -> list[dict[str, Any]]:
        with self.db.session() as session:
            rows = session.scalars(
                select(UrlCheckRow)
                .where(UrlCheckRow.item_id == item_id)
                .order_by(UrlCheckRow.checked_at, UrlCheckRow.id)
            )
            return [
                {
                    "checked_at": utc_iso(r.checked_at),
                    "url": r.url,
                    "outcome": r.outcome,
                    "reason": r.reason,
                    "detail": r.detail,
                    "http_status": r.http_status,
                    "final_url": r.final_url,
                    "media_sha256": r.media_sha256,
                    "comparison": r.comparison,
                    "elapsed_ms": r.elapsed_ms,
                }
                for r in rows
            ]
