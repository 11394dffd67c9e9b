"""Where a profile's links lead: blocked domains, new domains, messengers, shorteners.

Scam profiles send fans off the platform: a Telegram or KakaoTalk open chat, a
WhatsApp number, a payment page on a domain registered last week, hidden
behind a shortener. Domain age needs a registry look-up IdolGuard does not do
on its own; a ``DomainAge`` can be supplied (a WHOIS/RDAP cache the agency
keeps), and without one no domain is called new.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

NEW_DOMAIN_DAYS = 90
MESSENGER_HOSTS = (
    "t.me", "telegram.me", "wa.me", "api.whatsapp.com", "chat.whatsapp.com", "open.kakao.com",
    "pf.kakao.com", "line.me", "signal.me", "discord.gg", "discord.com", "weixin.qq.com",
)  # fmt: skip
SHORTENERS = (
    "bit.ly", "tinyurl.com", "cutt.ly", "is.gd", "t.ly", "rebrand.ly", "shorturl.at",
    "ow.ly", "buff.ly", "rb.gy", "han.gl", "me2.do", "vo.la", "linktr.ee",
)  # fmt: skip
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+|\b(?:t\.me|wa\.me|open\.kakao\.com)/[^\s<>\"']+")


class DomainAge(Protocol):
    def days_since_registration(self, host: str) -> int | None: ...


@dataclass(frozen=True)
class LinkFinding:
    url: str
    host: str
    kind: str  # blocked | new_domain | messenger | shortener
    detail: str = ""


def host_of(url: str) -> str:
    text = url if "://" in url else f"http://{url}"
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    return host.casefold().removeprefix("www.")


def _under(host: str, domains: Iterable[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def urls_in(texts: Iterable[str]) -> list[str]:
    found: list[str] = []
    for text in texts:
        found.extend(m.group(0).rstrip(".,;:!?)") for m in _URL.finditer(text))
    return list(dict.fromkeys(found))


def check_links(
    links: Sequence[str],
    *,
    blocked: Iterable[str] = (),
    domain_age: DomainAge | None = None,
    allowed: Iterable[str] = (),
) -> list[LinkFinding]:
    """Findings for each link; domains in ``allowed`` (the artist's own sites) are skipped."""
    blocked_set = {d.casefold().removeprefix("www.") for d in blocked}
    allowed_set = {d.casefold().removeprefix("www.") for d in allowed}
    findings: list[LinkFinding] = []
    for url in links:
        host = host_of(url)
        if not host or _under(host, allowed_set):
            continue
        if _under(host, blocked_set):
            findings.append(LinkFinding(url, host, "blocked"))
        elif _under(host, MESSENGER_HOSTS):
            findings.append(LinkFinding(url, host, "messenger"))
        elif _under(host, SHORTENERS):
            findings.append(LinkFinding(url, host, "shortener"))
        elif domain_age is not None:
            days = domain_age.days_since_registration(host)
            if days is not None and days < NEW_DOMAIN_DAYS:
                findings.append(LinkFinding(url, host, "new_domain", f"registered {days} days ago"))
    return findings
