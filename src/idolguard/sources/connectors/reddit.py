"""Reddit (and sites with Reddit's JSON API): new posts of a subreddit or user, with their media.

Subreddits that trade deepfakes of K-pop artists are a known vector. Reddit
serves any listing as JSON by appending ``.json`` to its address
(``https://www.reddit.com/r/NAME/new.json``): one request gives up to 100
posts (``?limit=100``) with author, title, text, time and the media, so no
page scraping and no login are needed.

Media is taken where Reddit puts it, most direct first: gallery images (in
the gallery's order), Reddit-hosted video, a link straight to an image or
video file; failing those, Reddit's own preview of the linked page and the
link itself for the monitor to capture. Reddit's JSON escapes ``&``, ``<``
and ``>`` in text and URLs (``&amp;``) unless the URL asks for
``raw_json=1``; they are unescaped here, since an escaped media URL does not
load.

Polls walk the listing with ``?after=`` and stop at the newest post of the
previous poll (the cursor), so a quiet subreddit costs one request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from idolguard.platforms import host_of, platform_for
from idolguard.sources.connectors.base import (
    Connector,
    Document,
    Found,
    JSONDict,
    Option,
    Poll,
    SourceError,
    WebAccess,
)
from idolguard.sources.connectors.common import (
    MAX_ENTRIES_PER_POLL,
    absolute_http_url,
    clip,
    hashtags,
    media_kind,
    posted_at,
    require_http_url,
)
from idolguard.sources.fetch import FetchError

__all__ = ["LISTING_TYPES", "RedditListingConnector"]

LISTING_TYPES = ("application/json",)
MAX_LISTING_BYTES = 5_000_000
REDDIT = "https://www.reddit.com/"
_MAX_POSTS_PER_PAGE = 500
_MAX_MEDIA_PER_POST = 50
# Hosts that serve the media file itself even when the path has no extension.
_DIRECT_MEDIA_HOSTS = frozenset({"i.redd.it", "i.imgur.com"})
# Reddit's own pages (a gallery, a comments page, a v.redd.it player) are never
# "a link to capture": their media comes from the JSON itself.
_REDDIT_DOMAINS = ("reddit.com", "redd.it")


class RedditListingConnector(Connector):
    """A Reddit JSON listing (``/r/NAME/new.json``, ``/user/NAME/submitted.json``)."""

    kind: ClassVar[str] = "reddit"
    description: ClassVar[str] = (
        "a Reddit JSON listing such as https://www.reddit.com/r/NAME/new.json: "
        "gallery images, videos and linked media of new posts"
    )
    options: ClassVar[tuple[Option, ...]] = (
        Option(
            "url",
            "the listing's JSON address, e.g. https://www.reddit.com/r/NAME/new.json?limit=100",
            required=True,
        ),
        Option(
            "max_pages",
            "how many further listing pages (?after=) to follow when the newest post of the "
            "previous poll is not on the first (0: the first page only)",
            kind=int,
            default=3,
        ),
    )

    def __init__(self, options: Mapping[str, Any]) -> None:
        super().__init__(options)
        self.url = require_http_url(self.kind, self.settings["url"])
        if not urlsplit(self.url).path.endswith(".json"):
            raise SourceError(
                f"reddit sources need a JSON listing address ending in .json, such as "
                f"https://www.reddit.com/r/NAME/new.json, not {self.url}"
            )
        self.max_pages: int = self.settings["max_pages"]
        query = dict(parse_qsl(urlsplit(self.url).query))
        self.escaped = query.get("raw_json") != "1"

    def poll(self, cursor: Mapping[str, Any], web: WebAccess) -> Poll:
        """Posts newer than the cursor's ``newest``, newest first, and the new ``newest``.

        The listing must be newest first (``/new``) for the early stop to
        mean anything. If a later page fails, the old cursor is kept so the
        next poll reads the gap again (repeats are skipped by key); running
        out of pages instead moves on with a warning, since re-reading the
        same window would never reach the older posts either.
        """
        previous = cursor.get("newest") if isinstance(cursor.get("newest"), str) else None
        found: list[Found] = []
        warnings: list[str] = []
        keys: set[str] = set()
        newest: str | None = None
        afters: set[str] = set()
        url = self.url
        pages = 0
        while True:
            try:
                document = web.get(url, max_bytes=MAX_LISTING_BYTES, accept=LISTING_TYPES)
                listing = _listing(document)
            except (FetchError, SourceError) as exc:
                if pages == 0:
                    raise
                warnings.append(f"stopped reading the listing at {url}: {exc}")
                return Poll(found=found, cursor=dict(cursor), warnings=warnings)
            pages += 1
            reached_previous = False
            for post in listing.posts:
                name = _fullname(post)
                if name is None:
                    continue
                if name == previous:
                    reached_previous = True
                    break
                if newest is None and post.get("stickied") is not True:
                    newest = name  # pinned posts stay on top for weeks: not a marker
                for entry in self._entries(post, name):
                    if entry.key in keys:
                        continue
                    if len(found) >= MAX_ENTRIES_PER_POLL:
                        warnings.append(
                            f"more media than one poll takes ({MAX_ENTRIES_PER_POLL}); "
                            "older posts of this poll were skipped"
                        )
                        return Poll(
                            found=found, cursor=_cursor(newest, previous), warnings=warnings
                        )
                    keys.add(entry.key)
                    found.append(entry)
            after = listing.after
            if reached_previous or after is None or after in afters:
                break
            if pages > self.max_pages:
                if previous is not None:
                    warnings.append(
                        f"read {pages} listing pages without reaching the newest post of the "
                        f"previous poll ({previous}, perhaps deleted); older posts were skipped; "
                        "raise max_pages or poll more often"
                    )
                break
            afters.add(after)
            url = _with_after(self.url, after)
        return Poll(found=found, cursor=_cursor(newest, previous), warnings=warnings)

    def _entries(self, post: Mapping[str, Any], name: str) -> list[Found]:
        permalink = absolute_http_url(REDDIT, _string(post, "permalink")) or absolute_http_url(
            REDDIT, f"/comments/{name.removeprefix('t3_')}/"
        )
        page_url = permalink or REDDIT
        title = clip(self._text(_string(post, "title")))
        caption = clip(self._text(_string(post, "selftext")))
        facts: JSONDict = {}
        if isinstance(post.get("over_18"), bool):
            facts["over_18"] = post["over_18"]
        subreddit = _string(post, "subreddit")
        if subreddit:
            facts["subreddit"] = subreddit[:100]
        entries: list[Found] = []
        for media in _post_media(post, self.escaped)[:_MAX_MEDIA_PER_POST]:
            extra = dict(facts, found_in=media.found_in)
            if media.caption:
                extra["gallery_caption"] = clip(self._text(media.caption), 1000)
            entries.append(
                Found(
                    key=f"{name}#{media.suffix}",
                    media_url=media.url,
                    capture=media.capture,
                    page_url=page_url,
                    platform=platform_for(page_url),
                    post_id=name,
                    uploader=clip(_string(post, "author"), 200),
                    caption=caption,
                    title=title,
                    hashtags=hashtags(title, caption),
                    posted_at=posted_at(post.get("created_utc"), assume_utc=True),
                    extra=extra,
                )
            )
        return entries

    def _text(self, text: str | None) -> str | None:
        return _unescape_text(text) if self.escaped and text else text


def _cursor(newest: str | None, previous: str | None) -> JSONDict:
    marker = newest or previous
    return {"newest": marker} if marker else {}


# --------------------------------------------------------------------------- listings


@dataclass(frozen=True)
class _Listing:
    posts: list[Mapping[str, Any]]
    after: str | None


def _listing(document: Document) -> _Listing:
    """The posts (``t3`` children) and the ``after`` token of a listing document."""
    url = document.final_url
    try:
        data = json.loads(document.body)
    except (ValueError, RecursionError) as exc:
        raise SourceError(f"{url} is not JSON ({str(exc)[:200]})") from None
    if isinstance(data, list):
        # A post's own page (/comments/ID.json) is [post listing, comment listing].
        data = next((part for part in data[:5] if _is_listing(part)), data)
    if not _is_listing(data):
        raise SourceError(
            f'{url} is not a Reddit listing (expected {{"kind": "Listing", "data": '
            '{"children": [...]}}); use a listing such as https://www.reddit.com/r/NAME/new.json'
        )
    body = data["data"]
    posts = [
        child["data"]
        for child in body["children"][:_MAX_POSTS_PER_PAGE]
        if isinstance(child, dict)
        and child.get("kind") == "t3"
        and isinstance(child.get("data"), dict)
    ]
    after = body.get("after")
    return _Listing(posts, after if isinstance(after, str) and after else None)


def _is_listing(data: object) -> bool:
    return (
        isinstance(data, dict)
        and data.get("kind") == "Listing"
        and isinstance(data.get("data"), dict)
        and isinstance(data["data"].get("children"), list)
    )


def _with_after(url: str, after: str) -> str:
    """``url`` with its ``after`` query parameter set to ``after`` (other parameters kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "after"]
    query.append(("after", after))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _fullname(post: Mapping[str, Any]) -> str | None:
    name = _string(post, "name")
    if name:
        return name[:100]
    post_id = _string(post, "id")
    return f"t3_{post_id[:100]}" if post_id else None


def _string(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value.strip() else None


def _dict(data: object, key: str) -> Mapping[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _unescape_url(raw: str | None) -> str | None:
    """Reddit writes ``&`` in URLs as ``&amp;``; only that, so nothing else is "decoded"."""
    return raw.replace("&amp;", "&") if raw else None


def _unescape_text(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# --------------------------------------------------------------------------- media of a post


_UrlOf = Callable[[object], str | None]


@dataclass(frozen=True)
class _Media:
    suffix: str  # the post-relative part of the key: stable across polls
    url: str
    found_in: str
    capture: bool = False
    caption: str | None = None


def _post_media(post: Mapping[str, Any], escaped: bool, *, depth: int = 0) -> list[_Media]:
    """Media of a post, most direct first; see the module docstring for the order."""

    def url_of(raw: object) -> str | None:
        text = raw if isinstance(raw, str) else None
        return absolute_http_url(REDDIT, _unescape_url(text) if escaped else text)

    media = _gallery(post, url_of)
    video = _reddit_video(post, url_of)
    if video:
        media.append(video)
    direct = url_of(post.get("url_overridden_by_dest") or post.get("url"))
    if direct and not media and _is_direct_media(direct):
        if host_of(direct) == "i.imgur.com" and direct.endswith(".gifv"):
            direct = direct[: -len(".gifv")] + ".mp4"  # .gifv is an HTML player page
        media.append(_Media("url", direct, "url"))
    if media:
        return media
    parents = post.get("crosspost_parent_list")
    if depth == 0 and isinstance(parents, list) and parents and isinstance(parents[0], dict):
        inherited = _post_media(parents[0], escaped, depth=1)
        if inherited:
            return [
                _Media(f"crosspost-{m.suffix}", m.url, m.found_in, m.capture, m.caption)
                for m in inherited
            ]
    media = _previews(post, url_of)
    if direct and post.get("is_self") is not True and not _on_reddit(direct):
        # A link to a page (an article, a video host): the monitor captures
        # the page itself to find the media it shows.
        media.append(_Media("link", direct, "link", capture=True))
    return media


def _gallery(post: Mapping[str, Any], url_of: _UrlOf) -> list[_Media]:
    """Gallery images in the gallery's order, then other uploaded images (inline in the text)."""
    metadata = _dict(post, "media_metadata")
    if not metadata:
        return []
    order: list[tuple[str, str | None]] = []
    items = _dict(post, "gallery_data").get("items")
    if isinstance(items, list):
        for item in items[:_MAX_MEDIA_PER_POST]:
            if isinstance(item, dict) and isinstance(item.get("media_id"), str):
                caption = item.get("caption")
                order.append((item["media_id"], caption if isinstance(caption, str) else None))
    listed = {media_id for media_id, _ in order}
    order.extend(
        (media_id, None)
        for media_id in list(metadata)[:_MAX_MEDIA_PER_POST]
        if media_id not in listed
    )
    media: list[_Media] = []
    for media_id, caption in order:
        entry = metadata.get(media_id)
        if not isinstance(entry, dict) or entry.get("status", "valid") != "valid":
            continue
        source = _dict(entry, "s")
        raw = source.get("mp4") or source.get("gif") or source.get("u")
        if not raw:
            previews = entry.get("p")
            if isinstance(previews, list) and previews and isinstance(previews[-1], dict):
                raw = previews[-1].get("u")  # the largest preview Reddit made
        url = url_of(raw)
        if url:
            media.append(_Media(media_id[:100], url, "gallery", caption=caption))
    return media


def _reddit_video(post: Mapping[str, Any], url_of: _UrlOf) -> _Media | None:
    for container in ("secure_media", "media"):
        url = url_of(_dict(_dict(post, container), "reddit_video").get("fallback_url"))
        if url:
            return _Media("video", url, "reddit_video")
    return None


def _previews(post: Mapping[str, Any], url_of: _UrlOf) -> list[_Media]:
    """Reddit's own copies of a linked page's media: they outlive the page they came from."""
    preview = _dict(post, "preview")
    media: list[_Media] = []
    video = url_of(_dict(preview, "reddit_video_preview").get("fallback_url"))
    if video:
        media.append(_Media("preview-video", video, "preview"))
    images = preview.get("images")
    if isinstance(images, list):
        for index, image in enumerate(images[:_MAX_MEDIA_PER_POST]):
            url = url_of(_dict(image, "source").get("url"))
            if url:
                media.append(_Media(f"preview-{index}", url, "preview"))
    return media


def _is_direct_media(url: str) -> bool:
    return media_kind(url) is not None or host_of(url) in _DIRECT_MEDIA_HOSTS


def _on_reddit(url: str) -> bool:
    host = host_of(url) or ""
    return any(host == domain or host.endswith("." + domain) for domain in _REDDIT_DOMAINS)
