"""Capture what a URL shows: the image or video itself, or the one its page shows.

``capture_url`` adds to ``fetch`` what a person would see on a page: its
title, who uploaded it, and the image or video it shows, which is then
fetched too, in the same session (cookies, referer) as the page. The bytes
decide what was captured (``sniff``), never the server's Content-Type.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from idolguard.media.sniff import sniff
from idolguard.media.types import MediaError, MediaLimits
from idolguard.sources.fetch import (
    DEFAULT_USER_AGENT,
    Fetched,
    FetchError,
    FetchErrorCode,
    Session,
)
from idolguard.sources.pages import PageInfo, parse_page

__all__ = ["Capture", "capture_url"]

# A page can list hundreds of <img>; the first ones are the ones that matter.
_MAX_MEDIA_ATTEMPTS = 20


@dataclass(frozen=True)
class Capture:
    """A captured URL: the page (when it was one) and the media bytes it led to."""

    page: Fetched | None
    page_info: PageInfo | None
    media: Fetched
    media_url: str


def capture_url(
    url: str,
    dest_dir: Path,
    *,
    limits: MediaLimits,
    timeout: float = 20.0,
    allow_private_addresses: bool = False,
    max_page_bytes: int = 5_000_000,
    user_agent: str = DEFAULT_USER_AGENT,
) -> Capture:
    """Capture the image or video at ``url``, or the one shown by the page at ``url``.

    The bytes decide (``sniff``), not the server's Content-Type. For a page, its
    media URLs are tried best first (at most 20) until one really is an image
    or a video; each failure is listed in the ``not_media`` error. A response
    labelled HTML may be at most ``max_page_bytes``; media at most
    ``limits.max_file_bytes``. On any failure no file is left in ``dest_dir``:
    a half capture without its record would be an orphan nobody can vouch for.
    """
    created: list[Path] = []
    succeeded = False
    with Session(
        None, timeout=timeout, user_agent=user_agent, allow_private=allow_private_addresses
    ) as session:
        try:
            first = session.fetch(
                url,
                dest_dir,
                cap_for=lambda ct: max_page_bytes if _is_html_type(ct) else limits.max_file_bytes,
                max_redirects=10,
            )
            created.append(first.path)
            reason = _not_media_reason(first.path, limits)
            if reason is None:
                succeeded = True
                return Capture(page=None, page_info=None, media=first, media_url=url)
            if not _is_html(first):
                raise FetchError(
                    FetchErrorCode.NOT_MEDIA,
                    f"{url} is neither an image, a video nor a web page ({reason})",
                    url=url,
                    status=first.status,
                    hops=first.hops,
                )
            with first.path.open("rb") as fp:
                html = fp.read(max_page_bytes)
            info = parse_page(
                html, first.final_url, max_bytes=max_page_bytes, content_type=first.content_type
            )
            tried: list[str] = []
            for candidate in info.media_urls[:_MAX_MEDIA_ATTEMPTS]:
                if candidate == first.final_url:
                    continue
                try:
                    media = session.fetch(
                        candidate,
                        dest_dir,
                        cap_for=lambda _ct: limits.max_file_bytes,
                        max_redirects=10,
                        referer=first.final_url,
                    )
                except FetchError as exc:
                    tried.append(f"{candidate} ({exc.code.value}: {exc.message})")
                    continue
                created.append(media.path)
                reason = _not_media_reason(media.path, limits)
                if reason is None:
                    succeeded = True
                    return Capture(page=first, page_info=info, media=media, media_url=candidate)
                media.path.unlink(missing_ok=True)
                tried.append(f"{candidate} (not media: {reason})")
            raise FetchError(
                FetchErrorCode.NOT_MEDIA,
                _no_media_message(first.final_url, info, tried),
                url=url,
                status=first.status,
                hops=first.hops,
            )
        finally:
            if not succeeded:
                for path in created:
                    path.unlink(missing_ok=True)


def _no_media_message(page_url: str, info: PageInfo, tried: list[str]) -> str:
    if not tried:
        return f"the page {page_url} shows no image or video URL that could be captured"
    shown = tried[:10]
    more = f"; and {len(tried) - len(shown)} more" if len(tried) > len(shown) else ""
    skipped = len(info.media_urls) - _MAX_MEDIA_ATTEMPTS
    rest = f" ({skipped} further URLs were not tried)" if skipped > 0 else ""
    return (
        f"no image or video could be captured from the page {page_url}{rest}; tried: "
        + "; ".join(shown)
        + more
    )


def _not_media_reason(path: Path, limits: MediaLimits) -> str | None:
    """``None`` when the file is a supported image or video, else why not (from ``sniff``)."""
    try:
        sniff(path, limits)
    except MediaError as exc:
        return exc.message
    return None


def _is_html_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    main = content_type.split(";", 1)[0].strip().lower()
    return main in ("text/html", "application/xhtml+xml")


_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title")


def _is_html(fetched: Fetched) -> bool:
    """Trust an HTML Content-Type, or markup that plainly is HTML (servers often omit the type)."""
    if _is_html_type(fetched.content_type):
        return True
    with fetched.path.open("rb") as fp:
        head = fp.read(1024)
    head = head.removeprefix(codecs.BOM_UTF8).lstrip().lower()
    return head.startswith(b"<") and any(marker in head for marker in _HTML_MARKERS)
