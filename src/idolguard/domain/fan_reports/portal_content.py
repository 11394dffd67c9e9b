"""An agency's own words on its public portal pages, and the facts the fan guidance shows.

The fan guidance (how to spot a manipulated image, why not to share it, how
to report it, what happens next, where victims get help) is the same for every
agency; each agency may add its own *blocks* to it without touching code: a
statement, a contact, and the list of artists it looks after, in Korean and in
English. Blocks are HTML written by the agency's admin, so they are sanitised
with ``nh3`` to a short allow-list before they are stored, and again when they
are shown (should the allow-list tighten later, old text obeys the new one).
Every change is written to the agency's custody chain with who made it and
the hashes of the old and new text, like the other sensitive changes.

The guidance also tells fans how long removal typically takes. That figure
is never invented: it is the agency's own measured time to takedown per
platform (``NoticeService.stats``), shown only where enough removals were
measured to call it typical; otherwise the pages say plainly there is no
figure yet.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nh3
from sqlalchemy import select
from sqlalchemy.orm import Session

from idolguard.clock import utc_iso, utcnow
from idolguard.domain.custody.log import CustodyLog
from idolguard.domain.takedowns.views import PlatformStats
from idolguard.notices.directory import PlatformDirectory
from idolguard.storage.database import Database
from idolguard.storage.models import PortalBlock

BLOCKS = ("statement", "contact", "artists")
LANGUAGES = ("ko", "en")
MAX_HTML = 20_000  # characters an admin may send for one block, before sanitising
MIN_REMOVALS_FOR_TYPICAL = 3  # fewer measured removals than this are not "typical"

# The allow-list: text structure and links, nothing that runs, loads or styles.
# Headings start at h3 because the block sits under the page's own h1 and h2.
ALLOWED_TAGS = frozenset(
    {"a", "abbr", "b", "blockquote", "br", "em", "h3", "h4", "i", "li", "ol", "p", "strong", "ul"}
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title", "hreflang"}, "abbr": {"title"}}
ALLOWED_URL_SCHEMES = frozenset({"https", "http", "mailto", "tel"})
# Dropped with everything inside them, not just unwrapped: their text is never prose.
_DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "svg", "math", "textarea"}
)
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(_DROPPED_WITH_CONTENT),
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=set(ALLOWED_URL_SCHEMES),
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


class PortalError(ValueError):
    """A portal change was refused; the message says why, for the admin."""


def sanitise_html(text: str) -> str:
    """``text`` reduced to the allow-list: no scripts, event handlers, styles or
    ``javascript:`` links survive, whatever the input looks like."""
    return _CLEANER.clean(text).strip()


def _digest(text: str | None) -> str | None:
    return hashlib.sha256(text.encode()).hexdigest() if text is not None else None


def _check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise PortalError(f"unknown {what} {value!r}; choose one of {', '.join(allowed)}")
    return value


@dataclass(frozen=True)
class PortalBlockView:
    """A stored block, as the admin page and the CLI list it."""

    key: str
    language: str
    html: str
    updated_at: datetime
    updated_by: str

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "language": self.language,
            "html": self.html,
            "updated_at": utc_iso(self.updated_at),
            "updated_by": self.updated_by,
        }


@dataclass(frozen=True)
class ShownBlock:
    """A block ready for a page: safe HTML and the language it is written in.

    ``language`` differs from the page's when the agency wrote the block in
    the other language only; the page marks it (``lang``) so screen readers
    pronounce it right.
    """

    html: str
    language: str


@dataclass(frozen=True)
class TakedownTime:
    """How long removal took at one platform, measured from this agency's own notices."""

    platform: str  # the directory key, e.g. "youtube"
    name: str
    name_ko: str | None
    removals: int
    median_hours: float | None

    @property
    def typical(self) -> bool:
        """Enough removals were measured to call the median typical."""
        return self.median_hours is not None and self.removals >= MIN_REMOVALS_FOR_TYPICAL

    def display_name(self, language: str) -> str:
        return self.name_ko if language == "ko" and self.name_ko else self.name


@dataclass(frozen=True)
class PlatformGuide:
    """A platform fans may meet the content on: where its own reporting help lives."""

    key: str
    name: str
    name_ko: str | None
    help_url: str | None  # the platform's page on how users report; None = use the post's menu
    takedown: TakedownTime | None

    def display_name(self, language: str) -> str:
        return self.name_ko if language == "ko" and self.name_ko else self.name


class PortalService:
    """One agency's portal blocks, and the measured facts its guidance pages show."""

    def __init__(
        self,
        database: Database,
        custody: CustodyLog,
        takedown_stats: Callable[[], list[PlatformStats]],
        directory: Callable[[], PlatformDirectory],
    ) -> None:
        self.db = database
        self.custody = custody
        self.takedown_stats = takedown_stats
        self.directory = directory

    # ------------------------------------------------------------- blocks
    def blocks(self) -> list[PortalBlockView]:
        """Every stored block, in the order of ``BLOCKS`` then ``LANGUAGES``."""
        with self.db.session() as session:
            rows = session.scalars(select(PortalBlock)).all()
            views = [
                PortalBlockView(r.key, r.language, r.html, r.updated_at, r.updated_by) for r in rows
            ]
        order = {(k, lang): i for i, (k, lang) in enumerate(_pairs())}
        return sorted(views, key=lambda v: order.get((v.key, v.language), len(order)))

    def content(self, language: str) -> dict[str, ShownBlock]:
        """The blocks to show on a page in ``language``: key -> block.

        A block missing in ``language`` falls back to the other language (an
        agency that wrote only Korean still has its statement shown to English
        readers); a key with no text in either language is left out.
        """
        _check_choice(language, LANGUAGES, "language")
        stored = {(view.key, view.language): view.html for view in self.blocks()}
        preference = (language, *(other for other in LANGUAGES if other != language))
        shown: dict[str, ShownBlock] = {}
        for key in BLOCKS:
            for lang in preference:
                html = sanitise_html(stored.get((key, lang), ""))
                if html:
                    shown[key] = ShownBlock(html, lang)
                    break
        return shown

    def set_block(self, key: str, language: str, html: str, *, actor: str) -> PortalBlockView:
        """Store the sanitised ``html`` as the block; refuses text that is empty once cleaned."""
        _check_choice(key, BLOCKS, "block")
        _check_choice(language, LANGUAGES, "language")
        if len(html) > MAX_HTML:
            raise PortalError(f"the text is longer than {MAX_HTML} characters")
        if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in html):
            raise PortalError("the text contains control characters")
        clean = sanitise_html(html)
        if not clean:
            raise PortalError(
                "nothing is left once unsafe HTML is removed; to remove the block, clear it"
            )
        with self.db.session() as session:
            row = _stored(session, key, language)
            previous = row.html if row is not None else None
            if row is None:
                row = PortalBlock(key=key, language=language, html=clean, updated_by=actor)
                session.add(row)
            row.html, row.updated_by, row.updated_at = clean, actor, utcnow()
            session.flush()
            self.custody.append(
                session,
                actor=actor,
                action="portal",
                subject=f"portal:{key}:{language}",
                details={
                    "event": "set",
                    "sha256": _digest(clean),
                    "previous_sha256": _digest(previous),
                    "length": len(clean),
                    "sanitised": clean != html.strip(),
                },
            )
            return PortalBlockView(key, language, row.html, row.updated_at, row.updated_by)

    def clear_block(self, key: str, language: str, *, actor: str) -> bool:
        """Remove a block; ``False`` when there was none (nothing is logged then)."""
        _check_choice(key, BLOCKS, "block")
        _check_choice(language, LANGUAGES, "language")
        with self.db.session() as session:
            row = _stored(session, key, language)
            if row is None:
                return False
            self.custody.append(
                session,
                actor=actor,
                action="portal",
                subject=f"portal:{key}:{language}",
                details={"event": "cleared", "previous_sha256": _digest(row.html)},
            )
            session.delete(row)
            return True

    # ------------------------------------------------------ measured facts
    def takedown_times(self) -> list[TakedownTime]:
        """Per platform with at least one measured removal, fastest typical first."""
        directory = self.directory()
        times = []
        for stats in self.takedown_stats():
            if not stats.urls_removed:
                continue
            entry = directory.get(stats.platform)
            times.append(
                TakedownTime(
                    platform=stats.platform,
                    name=entry.name if entry is not None else stats.platform,
                    name_ko=entry.name_ko if entry is not None else None,
                    removals=stats.urls_removed,
                    median_hours=stats.median_hours,
                )
            )
        return sorted(times, key=lambda t: (not t.typical, t.median_hours or 0.0, t.platform))

    def platform_guide(self) -> list[PlatformGuide]:
        """The directory's platforms (not authorities), with their help pages and timings."""
        measured = {t.platform: t for t in self.takedown_times()}
        return [
            PlatformGuide(
                key=platform.key,
                name=platform.name,
                name_ko=platform.name_ko,
                help_url=platform.fan_help,
                takedown=measured.get(platform.key),
            )
            for platform in self.directory().platforms("platform")
        ]


def _stored(session: Session, key: str, language: str) -> PortalBlock | None:
    return session.scalar(
        select(PortalBlock).where(PortalBlock.key == key, PortalBlock.language == language)
    )


def _pairs() -> list[tuple[str, str]]:
    return [(key, lang) for key in BLOCKS for lang in LANGUAGES]
