"""Intake: bring one file or one URL in by hand, with where it was seen, as a review item.

Scans of folders open items on their own (``Triage.on_record``); this is the
path for content a person points at: a file a fan sent with the URL it came
from, or a URL to capture directly. Either way the file is analysed, its
original stored write-once, and an item opened with its source recorded in
the evidence manifest.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from idolguard.clock import utc_iso
from idolguard.config import Settings
from idolguard.domain.review.triage import Opened, Triage
from idolguard.pipeline.scan import ScanInput, Scanner
from idolguard.platforms import platform_for
from idolguard.sources.capture import Capture, capture_url
from idolguard.sources.fetch import Fetched
from idolguard.storage.blobs import BlobStore


class IntakeError(ValueError):
    """The file could not be analysed; nothing was opened."""


def fetch_record(fetched: Fetched) -> dict[str, Any]:
    """How bytes were fetched (every hop, status, headers, time), as evidence records it."""
    return {
        "requested_url": fetched.requested_url,
        "final_url": fetched.final_url,
        "redirects": [{"url": h.url, "status": h.status} for h in fetched.hops],
        "http_status": fetched.status,
        "content_type": fetched.content_type,
        "headers": fetched.headers,
        "sha256": fetched.sha256,
        "size_bytes": fetched.size_bytes,
        "fetched_at": utc_iso(fetched.fetched_at),
    }


def capture_source(capture: Capture, blobs: BlobStore) -> dict[str, Any]:
    """What a capture says about where the media was seen, as the evidence records it.

    The page as served is evidence too: it is kept write-once next to the media.
    """
    final_url = (capture.page or capture.media).final_url
    info = capture.page_info
    source: dict[str, Any] = {
        "final_url": final_url,
        "platform": platform_for(final_url),
        "uploader": info.uploader if info else None,
        "page_title": info.title if info else None,
        "canonical_url": info.canonical_url if info else None,
        "published_at": info.published_at if info else None,
        "media_url": capture.media_url,
        "media_fetch": fetch_record(capture.media),
    }
    if capture.page is not None:
        blobs.put_file(capture.page.path, expected_sha256=capture.page.sha256)
        source["page_fetch"] = fetch_record(capture.page)
        source["page_sha256"] = capture.page.sha256
    return source


class IntakeService:
    def __init__(
        self,
        settings: Settings,
        triage: Triage,
        blobs: BlobStore,
        scanner: Callable[[], Scanner],
    ) -> None:
        self.settings = settings
        self.triage = triage
        self.blobs = blobs
        self._scanner = scanner

    def add_file(
        self,
        path: Path,
        *,
        actor: str,
        source: Mapping[str, Any] | None = None,
        origin: str = "manual",
        case: str | None = None,
        reporter: str = "staff",
        reporter_contact: str | None = None,
        location: str | None = None,
    ) -> Opened:
        scanner = self._scanner()
        source = dict(source or {})
        where = location or str(source.get("url") or path)
        # The sighting records where the file was seen, not the temporary copy it was read from.
        records = scanner.run([ScanInput(path, where, source, origin)]).records
        if not records:
            raise IntakeError(f"{path}: not a media file IdolGuard can read")
        record = records[0]
        if record.error is not None or record.sha256 is None:
            raise IntakeError(f"{path}: {record.error}")
        if not self.blobs.contains(record.sha256):
            self.blobs.put_file(path, expected_sha256=record.sha256)
        return self.triage.open(
            sha256=record.sha256,
            location=where,
            results=record.results,
            versions=record.versions,
            actor=actor,
            origin=origin,
            reason=f"added by {actor}",
            method=origin,
            source=source or {"local_path": str(path)},
            reporter=reporter,
            reporter_contact=reporter_contact,
            case=case,
        )

    def add_url(
        self,
        url: str,
        *,
        actor: str,
        case: str | None = None,
        overrides: Mapping[str, Any] | None = None,
        allow_private_addresses: bool = False,
        timeout: float = 20.0,
    ) -> Opened:
        """Fetch a URL (a page or the media itself) and open an item for what it shows."""
        work = self.settings.working_dir / "captures"
        work.mkdir(parents=True, exist_ok=True)
        dest = Path(tempfile.mkdtemp(prefix="capture-", dir=work))
        try:
            capture = capture_url(
                url,
                dest,
                limits=self.settings.limits,
                timeout=timeout,
                allow_private_addresses=allow_private_addresses,
            )
            source: dict[str, Any] = {"url": url, **capture_source(capture, self.blobs)}
            source.update({k: v for k, v in (overrides or {}).items() if v is not None})
            return self.add_file(
                capture.media.path,
                actor=actor,
                source=source,
                origin="capture",
                case=case,
                location=url,
            )
        finally:
            shutil.rmtree(dest, ignore_errors=True)
