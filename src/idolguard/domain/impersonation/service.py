"""Checking profiles against the roster, and putting flagged ones in the review queue.

A flagged profile becomes a review item like media: its avatar (or banner) is
the item's media, so it gets the same blurred preview, scan, write-once
original and evidence manifest, and the item's location is the profile URL,
so cases, takedown notices and watch-urls liveness work on it unchanged. The
profile as seen (handle, names, bio, links, posts, counts) and the
impersonation result with its reasons are the item's source, so they are in
the evidence manifest, hashed and timestamped with it. ``source.kind`` is
``"account"``: the queue, the review page and notices tell these items apart.

The avatar check uses both ways an avatar can show an artist: PDQ against the
roster's reference photos (a copied photo) and faces + identity from the
avatar's scan (another photo of the same person).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from idolguard.config import Settings
from idolguard.domain.impersonation.officials import OfficialHandleService
from idolguard.domain.review.intake import capture_source
from idolguard.domain.review.triage import Opened, Triage, block_matches
from idolguard.domain.roster import RosterService
from idolguard.pipeline.records import FileRecord
from idolguard.pipeline.scan import ScanInput, Scanner
from idolguard.signals.impersonation import (
    ImpersonationResult,
    Profile,
    ProfileAnalyser,
    ProfileError,
)
from idolguard.signals.impersonation.avatar import (
    AvatarChecker,
    AvatarError,
    AvatarMatch,
    CombinedChecker,
    PdqChecker,
    PdqReference,
    decode,
)
from idolguard.signals.pdq import pdq_hash
from idolguard.sources.capture import capture_url
from idolguard.sources.profile_pages import parse_profile_page
from idolguard.storage.blobs import BlobStore
from idolguard.storage.database import Database
from idolguard.storage.models import Artist, ArtistPhoto

# Only what the avatar checks need when a profile is checked without being queued:
# faces + identity (the artist's face), PDQ + bank matching (banked content as avatar).
FACE_SIGNALS = ("faces", "identity", "pdq", "bank_match")
PROFILE_URLS = {
    "x": "https://x.com/{h}",
    "twitter": "https://x.com/{h}",
    "instagram": "https://www.instagram.com/{h}/",
    "tiktok": "https://www.tiktok.com/@{h}",
    "youtube": "https://www.youtube.com/@{h}",
    "facebook": "https://www.facebook.com/{h}",
    "reddit": "https://www.reddit.com/user/{h}",
    "telegram": "https://t.me/{h}",
    "threads": "https://www.threads.net/@{h}",
    "weibo": "https://weibo.com/{h}",
}
ScannerFactory = Callable[[Iterable[str] | None, bool], Scanner]
_PROFILE_KEYS = ("platform", "handle", "display_name", "bio", "url", "links", "posts")


class ImpersonationError(ValueError):
    """A profile cannot be checked or queued; the message says why."""


@dataclass(frozen=True)
class Queued:
    result: ImpersonationResult
    opened: Opened | None  # None: not flagged, nothing opened


def profile_url(profile: Profile) -> str:
    """The profile's URL: as given, else the platform's usual address for the handle."""
    if profile.url:
        return profile.url
    pattern = PROFILE_URLS.get(profile.platform)
    if pattern is None:
        raise ImpersonationError(
            f"no profile URL given and none known for platform {profile.platform!r}; "
            "give the profile's url"
        )
    return pattern.format(h=profile.handle.strip().lstrip("@"))


class _FaceMatches:
    """Avatar matches found by the scan's identity signal, handed to the analyser."""

    def __init__(self, matches: Mapping[str, list[AvatarMatch]]) -> None:
        self.matches = matches

    def check(self, image: str, data: bytes) -> list[AvatarMatch]:
        return list(self.matches.get(image, []))


def avatar_matches(image: str, results: Mapping[str, Any]) -> list[AvatarMatch]:
    """What an avatar's scan says it shows: enrolled faces, and banked (confirmed) content."""
    return identity_matches(image, results) + banked_matches(image, results)


def banked_matches(image: str, results: Mapping[str, Any]) -> list[AvatarMatch]:
    """Block-bank matches of an avatar: the picture is content a reviewer already confirmed."""
    found = []
    for match in block_matches(results):
        distance = int(match.get("distance") or 0)
        found.append(
            AvatarMatch(
                image,
                "bank",
                None,
                None,
                1.0,
                f"bank {match.get('bank')}/{match.get('content_id')}, "
                f"{match.get('signal_type')} distance {distance}",
            )
        )
    return found


def identity_matches(image: str, results: Mapping[str, Any]) -> list[AvatarMatch]:
    """Enrolled artists the identity signal named in an avatar's scan results."""
    faces = (results.get("identity") or {}).get("faces") or []
    found = []
    for face in faces:
        named = face.get("identity")
        if named:
            score = float(named.get("score", 0.0))
            found.append(
                AvatarMatch(
                    image,
                    "face",
                    int(named["artist_id"]),
                    str(named.get("name")),
                    score,
                    f"face identity {score:.2f}",
                )
            )
    return found


class ImpersonationService:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        roster: RosterService,
        officials: OfficialHandleService,
        triage: Triage,
        blobs: BlobStore,
        scanner: ScannerFactory,
        blocked_domains: Iterable[str] = (),
    ) -> None:
        self.settings = settings
        self.database = database
        self.roster = roster
        self.officials = officials
        self.triage = triage
        self.blobs = blobs
        self._scanner = scanner
        self.blocked_domains = tuple(blocked_domains)
        self._lock = threading.Lock()
        self._references: tuple[tuple[int, int], list[PdqReference]] = ((-1, -1), [])

    # --- reference photos ------------------------------------------------------

    def references(self) -> list[PdqReference]:
        """PDQ of every reference photo on the roster, recomputed only when photos change."""
        with self.database.session() as session:
            stamp_row = session.execute(
                select(func.count(ArtistPhoto.id), func.coalesce(func.max(ArtistPhoto.id), 0))
            ).one()
            stamp = (int(stamp_row[0]), int(stamp_row[1]))
            if stamp == self._references[0]:
                return self._references[1]
            rows = session.execute(
                select(ArtistPhoto.sha256, ArtistPhoto.artist_id, Artist.name, ArtistPhoto.filename)
                .join(Artist, Artist.id == ArtistPhoto.artist_id)
                .order_by(ArtistPhoto.id)
            ).all()
        references = []
        for sha256, artist_id, name, filename in rows:
            if not self.blobs.contains(sha256):
                continue
            with self.blobs.local_path(sha256) as path:
                try:
                    hashed = pdq_hash(decode(path.read_bytes()))
                except AvatarError:
                    continue
            label = f"reference photo {filename or sha256[:12]}"
            references.append(PdqReference(hashed.hex, "official_photo", artist_id, name, label))
        with self._lock:
            self._references = (stamp, references)
        return references

    # --- checking ----------------------------------------------------------------

    def analyser(
        self, face_matches: Mapping[str, list[AvatarMatch]] | None = None
    ) -> ProfileAnalyser:
        checkers: list[AvatarChecker] = [
            PdqChecker(self.references()),
            _FaceMatches(face_matches or {}),
        ]
        return ProfileAnalyser(
            self.roster.artist_names(),
            self.officials.entries(),
            avatar_checker=CombinedChecker(checkers),
            blocked_domains=self.blocked_domains,
        )

    def check(self, profile: Profile, *, faces: bool = True) -> ImpersonationResult:
        """The profile's impersonation risk; nothing is stored."""
        matches: dict[str, list[AvatarMatch]] = {}
        if faces:
            for label, data in _images(profile):
                record = self._scan(profile, label, data, FACE_SIGNALS, persist=False)
                matches[label] = avatar_matches(label, record[1]) if record else []
        return self.analyser(matches).analyse(profile)

    def queue(
        self,
        profile: Profile,
        *,
        actor: str,
        force: bool = False,
        case: str | None = None,
        reporter: str = "staff",
        reporter_contact: str | None = None,
        origin: str = "account",
        extra: Mapping[str, Any] | None = None,
    ) -> Queued:
        """Check a profile and, when flagged (or ``force``), open a review item for it."""
        images = _images(profile)
        if not images:
            raise ImpersonationError(
                "a profile needs an avatar or banner image to be queued: "
                "the image is what the review item shows and the evidence keeps"
            )
        label, data = images[0]
        url = profile_url(profile)
        scanned = self._scan(profile, label, data, None, persist=True, location=url)
        if scanned is None:
            raise ImpersonationError(f"the profile's {label} is not an image IdolGuard can read")
        sha256, results, versions = scanned
        result = self.analyser({label: avatar_matches(label, results)}).analyse(profile)
        if result.official:
            raise ImpersonationError(
                f"{profile.key} is an official account of {result.artist} on the allow-list; "
                "it is never queued"
            )
        if not (result.flagged or force):
            return Queued(result, None)
        opened = self._open(
            profile,
            result,
            sha256=sha256,
            results=results,
            versions=versions,
            actor=actor,
            origin=origin,
            extra={"account_image": label, **(extra or {})},
            reporter=reporter,
            reporter_contact=reporter_contact,
            case=case,
        )
        return Queued(result, opened)

    def _open(
        self,
        profile: Profile,
        result: ImpersonationResult,
        *,
        sha256: str,
        results: dict[str, Any],
        versions: dict[str, str],
        actor: str,
        origin: str,
        extra: Mapping[str, Any],
        reporter: str = "system",
        reporter_contact: str | None = None,
        case: str | None = None,
    ) -> Opened:
        url = profile_url(profile)
        top = next((r.en for r in result.reasons if r.code != "fan_account"), "")
        source = {
            "kind": "account",
            "url": url,
            "platform": profile.platform,
            "uploader": profile.handle,
            "account": profile.metadata(),
            "impersonation": result.as_json(),
            **extra,
        }
        return self.triage.open(
            sha256=sha256,
            location=url,
            results=results,
            versions=versions,
            actor=actor,
            origin=origin,
            reason=f"impersonation risk {result.risk:.2f}" + (f": {top}" if top else ""),
            method=origin,
            source=source,
            reporter=reporter,
            reporter_contact=reporter_contact,
            case=case,
            min_risk=result.risk,
            artist_id=result.artist_id,
        )

    def capture_profile(
        self,
        url: str,
        *,
        actor: str,
        reporter: str = "staff",
        reporter_contact: str | None = None,
        extra: Mapping[str, Any] | None = None,
        allow_private_addresses: bool = False,
        timeout: float = 20.0,
    ) -> Queued:
        """Fetch a profile page (as evidence: redirects, final URL, page kept) and queue it.

        Used for accounts that people point at (a fan's report): it is queued
        even when not flagged, since a person already found it suspicious, but
        an official account on the allow-list is still refused.
        """
        work = self.settings.working_dir / "captures"
        work.mkdir(parents=True, exist_ok=True)
        dest = Path(tempfile.mkdtemp(prefix="account-", dir=work))
        try:
            capture = capture_url(
                url,
                dest,
                limits=self.settings.limits,
                timeout=timeout,
                allow_private_addresses=allow_private_addresses,
            )
            if capture.page is None:
                raise ImpersonationError(f"{url} is a picture, not a profile page")
            page = parse_profile_page(
                capture.page.path.read_bytes(), capture.page.final_url, capture.page.content_type
            )
            profile = Profile(
                platform=page.platform,
                handle=page.handle or url,
                display_name=page.display_name,
                bio=page.bio,
                url=url,
                avatar=capture.media.path.read_bytes(),
                links=page.links,
            )
            evidence = {**capture_source(capture, self.blobs), **(extra or {})}
            return self.queue(
                profile,
                actor=actor,
                force=True,
                reporter=reporter,
                reporter_contact=reporter_contact,
                extra=evidence,
            )
        finally:
            shutil.rmtree(dest, ignore_errors=True)

    def open_reported(
        self,
        url: str,
        *,
        actor: str,
        reporter: str,
        reporter_contact: str | None,
        extra: dict[str, Any],
        allow_private_addresses: bool,
        timeout: float,
    ) -> Opened:
        """Fan-report hook: capture a reported account and return the item it opened."""
        queued = self.capture_profile(
            url,
            actor=actor,
            reporter=reporter,
            reporter_contact=reporter_contact,
            extra=extra,
            allow_private_addresses=allow_private_addresses,
            timeout=timeout,
        )
        if queued.opened is None:  # forced, so only a refusal above leaves it empty
            raise ImpersonationError(f"{url}: no item was opened")
        return queued.opened

    def triage_monitored(
        self, record: FileRecord, seen: dict[str, Any], avatar: bytes, actor: str
    ) -> Opened | None:
        """Monitor hook: a watched account's avatar was scanned; open an item if flagged.

        ``seen`` is the profile the connector read (``Found.extra["profile"]``)
        plus, under ``seen``, what the monitor recorded about the sighting.
        """
        if record.sha256 is None:
            return None
        data = {k: v for k, v in seen.items() if k in _PROFILE_KEYS}
        try:
            profile = Profile.from_json(data)
        except ProfileError:
            return None
        profile = replace(profile, avatar=avatar)
        result = self.analyser({"avatar": avatar_matches("avatar", record.results)}).analyse(
            profile
        )
        if result.official or not result.flagged:
            return None
        return self._open(
            profile,
            result,
            sha256=record.sha256,
            results=record.results,
            versions=record.versions,
            actor=actor,
            origin="account",
            extra={"sighting": seen.get("seen") or {}},
        )

    def _scan(
        self,
        profile: Profile,
        label: str,
        data: bytes,
        signals: Iterable[str] | None,
        *,
        persist: bool,
        location: str | None = None,
    ) -> tuple[str, dict[str, Any], dict[str, str]] | None:
        work = self.settings.working_dir / "accounts"
        work.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="account-", dir=work))
        try:
            path = folder / f"{label}.img"
            path.write_bytes(data)
            where = location or f"{profile.key} {label}"
            source = {"kind": "account", "platform": profile.platform, "uploader": profile.handle}
            scanner = self._scanner(list(signals) if signals else None, persist)
            records = scanner.run([ScanInput(path, where, source, "account")]).records
            record = records[0] if records else None
            if record is None or record.error is not None or record.sha256 is None:
                return None
            sha256: str = record.sha256
            if persist and not self.blobs.contains(sha256):
                self.blobs.put_file(path, expected_sha256=sha256)
            return sha256, record.results, record.versions
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _images(profile: Profile) -> list[tuple[str, bytes]]:
    return [
        (label, data)
        for label, data in (("avatar", profile.avatar), ("banner", profile.banner))
        if data
    ]
