"""Accounts to watch: a list of profile page URLs, each read for its profile and avatar.

Agencies keep lists of suspicious accounts (reported by fans, found by hand);
this source re-reads each profile page on every poll and yields its avatar as
the media to analyse, with the profile (handle, display name, bio, links) in
``Found.extra["profile"]``. The monitor then hands the entry to the
impersonation check instead of ordinary triage, so a flagged profile becomes
an ``account`` review item. The key holds the avatar's URL, so an account that
changes its picture is looked at again; an unchanged one is not.

The list is a local text file, one URL per line (``#`` comments and blank
lines ignored), like the ``urls`` source. Reddit users (``reddit.com/user/NAME``)
are read from their JSON profile (``about.json``), everything else from the
page's HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from idolguard.sources.connectors.base import (
    Connector,
    Found,
    Option,
    Poll,
    WebAccess,
)
from idolguard.sources.connectors.common import absolute_http_url, clip
from idolguard.sources.connectors.local_files import WarningLog, read_capped
from idolguard.sources.profile_pages import (
    MAX_PAGE_BYTES,
    ProfilePage,
    parse_profile_page,
    parse_reddit_about,
    reddit_about_url,
)

MAX_FILE_BYTES = 1_000_000
MAX_PROFILES_PER_POLL = 200
_PAGE_TYPES = ("text/html", "application/xhtml+xml")


class ProfilesConnector(Connector):
    kind = "profiles"
    description = (
        "profile pages of accounts to check for impersonation (one URL a line in a local file)"
    )
    options = (Option("path", "text file with one profile URL per line", required=True),)

    def poll(self, cursor: Mapping[str, Any], web: WebAccess) -> Poll:
        path = Path(self.settings["path"]).expanduser()
        text = read_capped(path, MAX_FILE_BYTES, "profile list").decode("utf-8", "replace")
        warnings = WarningLog()
        found: list[Found] = []
        urls: list[str] = []
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            url = absolute_http_url(None, line.split()[0])
            if url is None:
                warnings.add(f"line {number}: not an http(s) URL")
                continue
            if url not in urls:
                urls.append(url)
        for url in urls[:MAX_PROFILES_PER_POLL]:
            try:
                profile = _read_profile(url, web)
            except Exception as exc:  # FetchError and friends: one account must not stop the rest
                warnings.add(f"{url}: {exc}")
                continue
            if profile is None:
                warnings.add(f"{url}: not a profile IdolGuard can read")
                continue
            if profile.avatar_url is None:
                warnings.add(f"{url}: the page shows no profile picture; nothing to analyse")
                continue
            data = profile.as_json()
            data["url"] = url
            data["handle"] = profile.handle or url
            found.append(
                Found(
                    key=f"{url}#{profile.avatar_url}",
                    media_url=profile.avatar_url,
                    page_url=url,
                    platform=profile.platform,
                    uploader=profile.handle,
                    caption=clip(profile.bio),
                    title=clip(profile.display_name),
                    extra={"profile": data},
                )
            )
        if len(urls) > MAX_PROFILES_PER_POLL:
            skipped = len(urls) - MAX_PROFILES_PER_POLL
            warnings.add(f"only the first {MAX_PROFILES_PER_POLL} URLs are read; {skipped} skipped")
        return Poll(found, {}, warnings.lines())


def _read_profile(url: str, web: WebAccess) -> ProfilePage | None:
    """A Reddit user through its JSON profile; any other page through its HTML."""
    about = reddit_about_url(url)
    if about is not None:
        document = web.get(about, max_bytes=MAX_PAGE_BYTES, accept=("application/json",))
        return parse_reddit_about(document.body, url)
    page = web.get(url, max_bytes=MAX_PAGE_BYTES, accept=_PAGE_TYPES)
    return parse_profile_page(page.body, page.final_url, page.content_type)
