"""Platform naming: which platform or site a URL belongs to, without any network code.

A leaf module (standard library only) so that anything that names a platform
(notices, the directory of abuse contacts, dashboards, connectors) can do so
without pulling in the HTTP client that fetching needs.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["host_of", "is_web_url", "platform_for"]

# Registrable domain -> platform. Checked as "host is the domain or a subdomain of it",
# longest domain first, so pann.nate.com wins over a plain nate.com fallback.
_PLATFORMS: dict[str, str] = {
    "youtube.com": "youtube",
    "youtu.be": "youtube",
    "youtube-nocookie.com": "youtube",
    "ytimg.com": "youtube",
    "googlevideo.com": "youtube",
    "twitter.com": "x",
    "x.com": "x",
    "twimg.com": "x",
    "t.co": "x",
    "instagram.com": "instagram",
    "instagr.am": "instagram",
    "cdninstagram.com": "instagram",
    "tiktok.com": "tiktok",
    "tiktokcdn.com": "tiktok",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "fb.watch": "facebook",
    "fbcdn.net": "facebook",
    "reddit.com": "reddit",
    "redd.it": "reddit",
    "redditmedia.com": "reddit",
    "t.me": "telegram",
    "telegram.me": "telegram",
    "telegram.org": "telegram",
    "naver.com": "naver",
    "naver.me": "naver",
    "pstatic.net": "naver",
    "daum.net": "daum",
    "dcinside.com": "dcinside",
    "dcinside.co.kr": "dcinside",
    "theqoo.net": "theqoo",
    "pann.nate.com": "pann",
    "fmkorea.com": "fmkorea",
    "weibo.com": "weibo",
    "weibo.cn": "weibo",
    "sinaimg.cn": "weibo",
    "bilibili.com": "bilibili",
    "b23.tv": "bilibili",
    "hdslb.com": "bilibili",
}
_PLATFORM_DOMAINS = sorted(_PLATFORMS, key=len, reverse=True)

# Second-level public suffixes common among the sites this tool sees. Not the
# full Public Suffix List (that would be a dependency); unknown ones fall back
# to the last two labels, which is right for most of the web.
_TWO_LEVEL_SUFFIXES = frozenset(
    {
        *(f"{sld}.kr" for sld in ("co", "or", "ne", "go", "re", "pe", "ac", "mil", "hs", "ms")),
        *(f"{sld}.uk" for sld in ("co", "org", "ac", "gov", "me", "ltd", "plc", "net", "sch")),
        *(f"{sld}.jp" for sld in ("co", "ne", "or", "ac", "go", "ed", "gr", "lg", "ad")),
        *(f"{sld}.au" for sld in ("com", "net", "org", "edu", "gov", "asn", "id")),
        *(f"{sld}.nz" for sld in ("co", "net", "org", "ac", "govt")),
        *(f"{sld}.cn" for sld in ("com", "net", "org", "gov", "edu")),
        *(f"{sld}.tw" for sld in ("com", "net", "org", "edu", "gov", "idv")),
        *(f"{sld}.hk" for sld in ("com", "net", "org", "edu", "gov", "idv")),
        *(f"{sld}.in" for sld in ("co", "net", "org", "ac", "gov")),
        *(f"{sld}.br" for sld in ("com", "net", "org", "gov")),
        *(f"{sld}.id" for sld in ("co", "or", "ac", "go", "web")),
        *(f"{sld}.th" for sld in ("co", "or", "ac", "go", "in")),
        *(f"{sld}.sg" for sld in ("com", "net", "org", "edu", "gov")),
        *(f"{sld}.my" for sld in ("com", "net", "org", "edu", "gov")),
        *(f"{sld}.ph" for sld in ("com", "net", "org", "edu", "gov")),
        *(f"{sld}.vn" for sld in ("com", "net", "org", "edu", "gov")),
        *(f"{sld}.za" for sld in ("co", "org", "net", "ac", "gov")),
        *(f"{sld}.mx" for sld in ("com", "org", "net", "gob", "edu")),
        *(f"{sld}.tr" for sld in ("com", "net", "org", "gov", "edu")),
    }
)


def platform_for(url: str) -> str:
    """A readable platform name for ``url`` ("youtube", "x", "dcinside", ...).

    Platforms a takedown team works with often are named; any other site is
    named by its registrable domain ("example.co.kr"), which is what an abuse
    report is addressed to. Returns "unknown" when the URL has no host.
    """
    host = host_of(url)
    if not host or any(c.isspace() or c in "/\\@<>\"'" for c in host):
        return "unknown"
    for domain in _PLATFORM_DOMAINS:
        if host == domain or host.endswith("." + domain):
            return _PLATFORMS[domain]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return host
    labels = [label for label in host.split(".") if label]
    if len(labels) <= 2:
        return ".".join(labels)
    if ".".join(labels[-2:]) in _TWO_LEVEL_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def is_web_url(location: str) -> bool:
    """Whether ``location`` is an http(s) URL (a notice can name it, a check can fetch it)."""
    return location.startswith(("http://", "https://"))


def host_of(url: str) -> str | None:
    """The lower-cased host ``url`` names, also for a bare "youtube.com/watch?v=..."."""
    text = url.strip()
    if "://" not in text and not text.startswith("//"):
        text = "//" + text  # a bare "youtube.com/watch?v=..." still names its host
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.rstrip(".").lower() or None
