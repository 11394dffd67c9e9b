"""Reading an account's public profile page: handle, display name, bio, avatar, links.

Profile pages of the large platforms, and most forum and link-in-bio pages,
describe the account in Open Graph / Twitter card tags: ``og:title`` holds
"Name (@handle)", ``og:description`` the bio, ``og:image`` the avatar. This
reads those (through the one bounded page parser, ``pages``), falls back to
the URL's path for the handle, and collects the page's outbound links. No
network code: the caller fetched the page.
"""

from __future__ import annotations

import html as html_module
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from idolguard.platforms import platform_for
from idolguard.sources.pages import PageParser, decode_html

MAX_PAGE_BYTES = 2_000_000
MAX_LINKS = 50
# "Name (@handle)" as X, Instagram, Threads and TikTok titles write it.
_TITLE_HANDLE = re.compile(r"^\s*(?P<name>.*?)\s*\(@(?P<handle>[\w.\-]{1,64})\)")
_PATH_HANDLE = re.compile(r"^/(?:user/|u/|c/|channel/)?@?(?P<handle>[\w.\-]{1,64})/?$")
_HREF = re.compile(r"""href\s*=\s*["'](https?://[^"'<>\s]{1,2000})["']""", re.IGNORECASE)
_REDDIT_USER = re.compile(r"^/(?:user|u)/(?P<name>[\w-]{1,64})/?$")
_TITLE_SUFFIX = re.compile(r"\s*[|/•·\-\u2013]\s*[^|/•·\-\u2013]{1,40}$")


@dataclass(frozen=True)
class ProfilePage:
    """What a profile page says about its account (strings as written, trimmed)."""

    url: str
    platform: str
    handle: str | None
    display_name: str
    bio: str
    avatar_url: str | None
    links: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "platform": self.platform,
            "handle": self.handle,
            "display_name": self.display_name,
            "bio": self.bio,
            "url": self.url,
            "links": list(self.links),
        }


def _first(meta: dict[str, list[str]], *keys: str) -> str:
    for key in keys:
        for value in meta.get(key, []):
            if value.strip():
                return " ".join(value.split())
    return ""


def handle_from_url(url: str) -> str | None:
    """The handle in a profile URL's path (``/@name``, ``/name``, ``/user/name``), if one."""
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return None
    match = _PATH_HANDLE.match(path)
    return match.group("handle") if match else None


def parse_profile_page(html: bytes, url: str, content_type: str | None = None) -> ProfilePage:
    """Read a profile page; never raises on bad markup (missing facts are empty)."""
    text = decode_html(bytes(html[:MAX_PAGE_BYTES]), content_type)
    parser = PageParser()
    parser.run(text)
    info = parser.result(url)
    meta = parser.meta
    title = _first(meta, "og:title", "twitter:title") or (info.title or "")
    bio = _first(meta, "og:description", "twitter:description", "description")
    image = _first(meta, "og:image", "og:image:url", "twitter:image", "twitter:image:src")
    handle = _first(meta, "profile:username", "twitter:creator").lstrip("@") or None
    display = title
    match = _TITLE_HANDLE.match(title)
    if match:
        display = match.group("name")
        handle = handle or match.group("handle")
    else:
        display = _TITLE_SUFFIX.sub("", title)
    handle = handle or handle_from_url(url)
    own_host = urlsplit(url).hostname or ""
    links = []
    for found in _HREF.finditer(text[:MAX_PAGE_BYTES]):
        link = found.group(1)
        host = urlsplit(link).hostname or ""
        if host and host != own_host and link not in links:
            links.append(link)
        if len(links) >= MAX_LINKS:
            break
    return ProfilePage(
        url=url,
        platform=platform_for(url) or (own_host or "web"),
        handle=handle,
        display_name=display.strip(),
        bio=bio,
        avatar_url=urljoin(url, image) if image else None,
        links=tuple(links),
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def reddit_about_url(url: str) -> str | None:
    """The JSON address of a Reddit user's profile (``/user/NAME/about.json``), else None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if platform_for(url) != "reddit":
        return None
    match = _REDDIT_USER.match(parts.path)
    if match is None:
        return None
    return f"https://www.reddit.com/user/{match.group('name')}/about.json?raw_json=1"


def parse_reddit_about(body: bytes, url: str) -> ProfilePage | None:
    """A Reddit user's profile from ``about.json``; ``None`` when it is not one."""
    try:
        data = json.loads(body[:MAX_PAGE_BYTES].decode("utf-8", "replace"))
    except ValueError:
        return None
    user = data.get("data") if isinstance(data, dict) else None
    if not isinstance(user, dict) or not isinstance(user.get("name"), str):
        return None
    raw_sub = user.get("subreddit")
    sub: dict[str, Any] = raw_sub if isinstance(raw_sub, dict) else {}
    title = _text(sub.get("title"))
    bio = _text(sub.get("public_description"))
    image = next(
        (
            html_module.unescape(v)
            for v in (user.get("icon_img"), user.get("snoovatar_img"), sub.get("icon_img"))
            if isinstance(v, str) and v.startswith("https://")
        ),
        None,
    )
    return ProfilePage(
        url=url,
        platform="reddit",
        handle=user["name"],
        display_name=" ".join(title.split()),
        bio=" ".join(bio.split()),
        avatar_url=image,
        links=(),
    )
