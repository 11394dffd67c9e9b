"""The profile of an account, as connectors yield it and the analysis reads it.

Only what a public profile page shows: handle, display name, bio, avatar and
banner, links, creation date and follower count when shown, and the text of
recent posts. Images are carried as bytes (capped) so the analysis, the
evidence capture and the queue preview all read the same ones.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT_CHARS = 5_000
MAX_POSTS = 50
MAX_LINKS = 50
MAX_IMAGE_BYTES = 10 * 1024 * 1024


class ProfileError(ValueError):
    """A profile cannot be read; the message says which field and why."""


@dataclass(frozen=True)
class Profile:
    """One account as seen at one time. ``platform`` and ``handle`` identify it."""

    platform: str
    handle: str
    display_name: str = ""
    bio: str = ""
    url: str | None = None
    avatar: bytes | None = None
    banner: bytes | None = None
    links: tuple[str, ...] = ()
    created_at: str | None = None
    followers: int | None = None
    posts: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Where the account is, platform-qualified: ``x:@handle``."""
        return f"{self.platform}:@{normalise_handle(self.handle)}"

    def metadata(self) -> dict[str, Any]:
        """The profile's facts as evidence records them (images as their size only)."""
        data: dict[str, Any] = {
            "platform": self.platform,
            "handle": self.handle,
            "display_name": self.display_name,
            "bio": self.bio,
            "url": self.url,
            "links": list(self.links),
            "created_at": self.created_at,
            "followers": self.followers,
            "posts": list(self.posts),
        }
        return {k: v for k, v in data.items() if v not in (None, "", [])}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Profile:
        """Read a profile from JSON (CLI files, the API); images as base64 strings."""
        if not isinstance(data, Mapping):
            raise ProfileError("a profile must be a JSON object")
        platform = _text(data, "platform", required=True).lower()
        handle = _text(data, "handle", required=True)
        if not normalise_handle(handle):
            raise ProfileError("handle must not be empty")
        followers = data.get("followers")
        if followers is not None and (not isinstance(followers, int) or followers < 0):
            raise ProfileError("followers must be a whole number ≥ 0")
        return cls(
            platform=platform,
            handle=handle,
            display_name=_text(data, "display_name"),
            bio=_text(data, "bio"),
            url=_text(data, "url") or None,
            avatar=_image(data, "avatar"),
            banner=_image(data, "banner"),
            links=_texts(data, "links", MAX_LINKS),
            created_at=_text(data, "created_at") or None,
            followers=followers,
            posts=_texts(data, "posts", MAX_POSTS),
        )


def normalise_handle(handle: str) -> str:
    """A handle as platforms compare it: no leading @, case-folded, no surrounding space."""
    return handle.strip().lstrip("@").strip().casefold()


def _text(data: Mapping[str, Any], name: str, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise ProfileError(f"a profile needs {name}")
        return ""
    if not isinstance(value, str):
        raise ProfileError(f"{name} must be text")
    return value[:MAX_TEXT_CHARS]


def _texts(data: Mapping[str, Any], name: str, limit: int) -> tuple[str, ...]:
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProfileError(f"{name} must be a list of text")
    return tuple(v[:MAX_TEXT_CHARS] for v in value[:limit])


def _image(data: Mapping[str, Any], name: str) -> bytes | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ProfileError(f"{name} must be a base64 string")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ProfileError(f"{name} is not valid base64") from None
    if len(raw) > MAX_IMAGE_BYTES:
        raise ProfileError(f"{name} is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    return raw
