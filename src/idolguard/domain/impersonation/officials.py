"""The roster's official handles per platform: the allow-list no check may flag.

An agency lists each artist's own accounts once (``x``/``@haneul_official``);
the analysis then never flags them, and uses them as names to imitate, since
impersonators copy the handle as often as the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from idolguard.domain.roster import RosterService
from idolguard.signals.impersonation import OfficialHandle as OfficialEntry
from idolguard.signals.impersonation.profile import normalise_handle
from idolguard.storage.database import Database
from idolguard.storage.models import Artist, OfficialHandle

_PLATFORM = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_HANDLE = re.compile(r"^[\w.\-]{1,200}$")


class OfficialsError(ValueError):
    """An official-handle change was refused; the message says why."""


@dataclass(frozen=True)
class OfficialView:
    artist_id: int
    artist: str
    platform: str
    handle: str

    def as_json(self) -> dict[str, object]:
        return {
            "artist_id": self.artist_id,
            "artist": self.artist,
            "platform": self.platform,
            "handle": self.handle,
        }


def clean_platform(platform: str) -> str:
    value = platform.strip().casefold()
    if not _PLATFORM.match(value):
        raise OfficialsError(f"platform {platform!r} must be a short name such as x or instagram")
    return value


def clean_handle(handle: str) -> str:
    value = normalise_handle(handle)
    if not value or not _HANDLE.match(value):
        raise OfficialsError(
            f"handle {handle!r} must be letters, digits, dots, dashes or underscores"
        )
    return value


class OfficialHandleService:
    def __init__(self, database: Database, roster: RosterService) -> None:
        self.database = database
        self.roster = roster

    def add(self, artist_ref: str, platform: str, handle: str) -> OfficialView:
        artist = self.roster.get(artist_ref)
        entry = OfficialHandle(
            artist_id=artist.id, platform=clean_platform(platform), handle=clean_handle(handle)
        )
        try:
            with self.database.session() as session:
                session.add(entry)
        except IntegrityError:
            owner = self._owner(entry.platform, entry.handle)
            raise OfficialsError(
                f"{entry.platform} @{entry.handle} is already listed as {owner}'s"
            ) from None
        return OfficialView(artist.id, artist.name, entry.platform, entry.handle)

    def _owner(self, platform: str, handle: str) -> str:
        with self.database.session() as session:
            name = session.scalar(
                select(Artist.name)
                .join(OfficialHandle, OfficialHandle.artist_id == Artist.id)
                .where(OfficialHandle.platform == platform, OfficialHandle.handle == handle)
            )
            return name or "another artist"

    def remove(self, platform: str, handle: str) -> bool:
        with self.database.session() as session:
            result = session.execute(
                delete(OfficialHandle).where(
                    OfficialHandle.platform == clean_platform(platform),
                    OfficialHandle.handle == clean_handle(handle),
                )
            )
            return bool(getattr(result, "rowcount", 0))

    def listing(self, artist_ref: str | None = None) -> list[OfficialView]:
        artist_id = self.roster.get(artist_ref).id if artist_ref else None
        with self.database.session() as session:
            query = select(OfficialHandle, Artist.name).join(
                Artist, Artist.id == OfficialHandle.artist_id
            )
            if artist_id is not None:
                query = query.where(OfficialHandle.artist_id == artist_id)
            rows = session.execute(
                query.order_by(Artist.name, OfficialHandle.platform, OfficialHandle.handle)
            ).all()
            return [OfficialView(o.artist_id, name, o.platform, o.handle) for o, name in rows]

    def entries(self) -> list[OfficialEntry]:
        """The allow-list as the analysis reads it."""
        return [OfficialEntry(v.artist_id, v.artist, v.platform, v.handle) for v in self.listing()]
