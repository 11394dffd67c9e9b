"""Who takes which takedown notice: the platform directory (``platforms.toml``).

The directory is a data file a person can edit: for each platform, the e-mail
addresses and web forms that take notices, the legal regimes it answers to, the
languages a notice may be written in, how long it has been seen to take, and
the authorities to turn to when it does not act. A built-in copy ships with the
package; ``[notices] directory_file`` points at an edited copy, which replaces
the built-in one entirely.

Entries are keyed by the names :func:`idolguard.platforms.platform_for`
returns ("youtube", "dcinside", "example.co.kr"), so a captured URL finds its
platform directly; ``domains`` catch the hosts that function does not name.

The file is checked in full when it is loaded, because a wrong address is
worse than none: a notice sent to it is lost while the clock runs. Every
problem is a :class:`DirectoryError` whose message names the file and the key,
as in ``platforms.toml: platforms.youtube.contacts[0].channel must be "email"
or "webform"``; nothing in a broken file surfaces as a ``KeyError`` or
``TypeError``. Regime keys are checked against the regime registry
(``notices.regimes``), so a plug-in regime may be named here once installed.

One concept, kept in one module although it runs a little over 600 lines: the
directory file. Its model (``Contact``, ``Platform``, ``PlatformDirectory``)
is only ever built by its checker (``_Reader``), and loading goes through the
checker, so splitting them would leave two modules importing each other.
"""

from __future__ import annotations

import datetime
import difflib
import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from idolguard.notices.regimes import REGIME_KEYS
from idolguard.platforms import host_of, platform_for

__all__ = [
    "BUILTIN_SOURCE",
    "CHANNELS",
    "KINDS",
    "MAX_DIRECTORY_BYTES",
    "Contact",
    "DirectoryError",
    "Platform",
    "PlatformDirectory",
]

BUILTIN_SOURCE = "built-in"
MAX_DIRECTORY_BYTES = 1024 * 1024
CHANNELS: tuple[str, ...] = ("email", "webform")
KINDS: tuple[str, ...] = ("platform", "authority")

_BUILTIN_FILE = "platforms.toml"
_BUILTIN_LABEL = f"{_BUILTIN_FILE} ({BUILTIN_SOURCE})"
_MAX_RESPONSE_HOURS = 24 * 366

_KEY_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
_COUNTRY_RE = re.compile(r"[A-Z]{2}")
_LANGUAGE_RE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_CHECKED_RE = re.compile(r"\d{4}-(?:0[1-9]|1[0-2])")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN_RE = re.compile(rf"(?:{_LABEL}\.)+[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?")
# Platform hosts may also be single labels: an intranet forum, or "localhost" in tests.
_HOST_RE = re.compile(rf"(?:{_LABEL}\.)*[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?")
_EMAIL_LOCAL_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
)

_TOP_KEYS = ("platforms",)
_PLATFORM_KEYS = (
    "name",
    "name_ko",
    "kind",
    "country",
    "domains",
    "regimes",
    "languages",
    "response_hours",
    "escalation",
    "checked",
    "notes",
    "fan_help",
    "contacts",
)
_CONTACT_KEYS = ("channel", "address", "regimes", "languages", "note")


class DirectoryError(ValueError):
    """A platform directory that cannot be used; the message names the file and the key.

    ``source`` is the file (or ``"platforms.toml (built-in)"``); ``key_path`` is the
    offending key as written in the file (``platforms.youtube.contacts[0].channel``),
    or ``None`` when the problem is the file itself (missing, too large, not TOML).
    """

    def __init__(self, message: str, *, source: str, key_path: str | None = None) -> None:
        super().__init__(message)
        self.source = source
        self.key_path = key_path


@dataclass(frozen=True)
class Contact:
    """One place a notice can be sent: an e-mail address or a web form."""

    channel: str  # "email" | "webform"
    address: str  # e-mail address, or the form's http(s) URL
    regimes: tuple[str, ...]  # regimes it takes; empty = a general contact, no formal notice
    languages: tuple[str, ...]
    note: str  # where it was found and how to use it

    def to_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "address": self.address,
            "regimes": list(self.regimes),
            "languages": list(self.languages),
            "note": self.note,
        }


@dataclass(frozen=True)
class Platform:
    """A platform (or an authority) and the ways to reach it with a notice."""

    key: str  # as platform_for() names it: "youtube", "dcinside", "example.co.kr"
    name: str
    name_ko: str | None
    kind: str  # "platform" | "authority"
    country: str | None  # where the operator is established (ISO 3166 alpha-2)
    domains: tuple[str, ...]
    regimes: tuple[str, ...]
    languages: tuple[str, ...]
    response_hours: int | None  # as seen in practice; not a legal deadline
    escalation: tuple[str, ...]  # keys of authority entries
    checked: str  # "YYYY-MM" a person last verified the contacts; "" = never
    notes: str
    contacts: tuple[Contact, ...]
    # The platform's own page telling its users how to report a post; the fan guidance
    # links to it. Not a notice address: fans report as users, agencies by notice.
    fan_help: str | None = None

    @property
    def is_authority(self) -> bool:
        return self.kind == "authority"

    def contact_for(self, regime: str) -> Contact | None:
        """The contact to send a ``regime`` notice to, or ``None`` if none takes it.

        The first e-mail contact taking the regime wins over web forms (a notice
        can be mailed without a person at a browser); otherwise the first form.
        """
        if regime not in REGIME_KEYS:
            raise ValueError(f"unknown regime {regime!r}; known: {', '.join(REGIME_KEYS)}")
        taking = [contact for contact in self.contacts if regime in contact.regimes]
        for contact in taking:
            if contact.channel == "email":
                return contact
        return taking[0] if taking else None

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "name_ko": self.name_ko,
            "kind": self.kind,
            "country": self.country,
            "domains": list(self.domains),
            "regimes": list(self.regimes),
            "languages": list(self.languages),
            "response_hours": self.response_hours,
            "escalation": list(self.escalation),
            "checked": self.checked,
            "notes": self.notes,
            "contacts": [contact.to_json() for contact in self.contacts],
            "fan_help": self.fan_help,
        }


class PlatformDirectory:
    """The platforms and authorities of one directory file, looked up by key or URL."""

    def __init__(self, platforms: Iterable[Platform], source: str) -> None:
        self.source = source  # the file's path, or "built-in"
        self._platforms: dict[str, Platform] = {p.key: p for p in platforms}
        # Longest domain first, so a subdomain listed under its own entry wins.
        self._domains: list[tuple[str, Platform]] = sorted(
            ((domain, p) for p in self._platforms.values() for domain in p.domains),
            key=lambda item: (-len(item[0]), item[0]),
        )

    @classmethod
    def load(cls, path: Path | None = None) -> PlatformDirectory:
        """Load ``path``, or the packaged ``platforms.toml`` when ``path`` is ``None``."""
        if path is None:
            resource = resources.files("idolguard.notices").joinpath(_BUILTIN_FILE)
            try:
                with resource.open("rb") as fh:
                    data = fh.read(MAX_DIRECTORY_BYTES + 1)
            except OSError as exc:
                raise DirectoryError(
                    f"{_BUILTIN_LABEL}: cannot read the built-in platform directory: {exc}",
                    source=_BUILTIN_LABEL,
                ) from exc
            return cls._from_bytes(data, label=_BUILTIN_LABEL, source=BUILTIN_SOURCE)
        path = Path(path).expanduser()
        label = str(path)
        try:
            with path.open("rb") as fh:
                data = fh.read(MAX_DIRECTORY_BYTES + 1)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise DirectoryError(
                f"{label}: cannot read the platform directory: {reason}", source=label
            ) from exc
        return cls._from_bytes(data, label=label, source=label)

    @classmethod
    def from_toml_text(cls, text: str, source: str) -> PlatformDirectory:
        """Parse and check directory ``text``; ``source`` names it in errors and ``.source``."""
        if len(text.encode("utf-8", "surrogatepass")) > MAX_DIRECTORY_BYTES:
            _too_large(source)
        return cls._from_text(text, label=source, source=source)

    @classmethod
    def _from_bytes(cls, data: bytes, *, label: str, source: str) -> PlatformDirectory:
        if len(data) > MAX_DIRECTORY_BYTES:
            _too_large(label)
        try:
            text = data.decode("utf-8-sig")  # tolerate the BOM some editors write
        except UnicodeDecodeError as exc:
            raise DirectoryError(
                f"{label}: is not UTF-8 text (byte {exc.start})", source=label
            ) from exc
        return cls._from_text(text, label=label, source=source)

    @classmethod
    def _from_text(cls, text: str, *, label: str, source: str) -> PlatformDirectory:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise DirectoryError(f"{label}: is not valid TOML: {exc}", source=label) from exc
        return cls(_Reader(label).directory(data), source)

    def __len__(self) -> int:
        return len(self._platforms)

    def __contains__(self, key: object) -> bool:
        return key in self._platforms

    def __iter__(self) -> Iterator[Platform]:
        return iter(self.platforms())

    def get(self, key: str) -> Platform | None:
        return self._platforms.get(key)

    def require(self, key: str) -> Platform:
        """The entry for ``key``; a :class:`DirectoryError` naming close keys if there is none."""
        found = self._platforms.get(key)
        if found is not None:
            return found
        close = difflib.get_close_matches(key, list(self._platforms), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise DirectoryError(
            f"no platform {key!r} in the platform directory ({self.source}){hint}",
            source=self.source,
        )

    def for_url(self, url: str) -> Platform | None:
        """The entry a URL belongs to: by its ``platform_for`` name, else by ``domains``.

        Domains match the host or any subdomain of it; the longest matching
        domain wins. ``None`` when no entry claims the URL.
        """
        name = platform_for(url)
        if name != "unknown" and name in self._platforms:
            return self._platforms[name]
        host = host_of(url)
        if host is None:
            return None
        for domain, platform in self._domains:
            if host == domain or host.endswith("." + domain):
                return platform
        return None

    def platforms(self, kind: str | None = None) -> list[Platform]:
        """All entries, or those of one ``kind``, sorted by key."""
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
        return [
            self._platforms[key]
            for key in sorted(self._platforms)
            if kind is None or self._platforms[key].kind == kind
        ]

    def escalations(self, platform: Platform) -> list[Platform]:
        """The authority entries ``platform`` names in its escalation list, in its order."""
        found = (self._platforms.get(key) for key in platform.escalation)
        return [p for p in found if p is not None and p.is_authority]

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "platforms": [p.to_json() for p in self.platforms()]}


def _too_large(label: str) -> NoReturn:
    raise DirectoryError(
        f"{label}: is larger than {MAX_DIRECTORY_BYTES // (1024 * 1024)} MiB;"
        " a platform directory is a short hand-edited file",
        source=label,
    )


def _toml_key(key: str) -> str:
    """``key`` as it would be written in a TOML key path (quoted unless bare)."""
    if _BARE_KEY_RE.fullmatch(key):
        return key
    return json.dumps(key, ensure_ascii=False)


def _describe(value: object) -> str:
    """The TOML type of a parsed value, for messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime.date | datetime.time):
        return "a date or time"
    return type(value).__name__


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Reader:
    """Turns parsed TOML into checked entries; every failure names its key path."""

    def __init__(self, label: str) -> None:
        self.label = label

    def fail(self, path: str, message: str) -> NoReturn:
        raise DirectoryError(f"{self.label}: {path} {message}", source=self.label, key_path=path)

    # -- the file ---------------------------------------------------------------

    def directory(self, data: dict[str, Any]) -> list[Platform]:
        self.known_keys(data, "", _TOP_KEYS)
        if "platforms" not in data:
            self.fail("platforms", "is missing: the file needs [platforms.<key>] tables")
        table = self.table(data["platforms"], "platforms")
        if not table:
            self.fail("platforms", "has no entries")
        kinds: dict[str, str] = {}
        entries: list[tuple[str, Platform]] = []
        for key, value in table.items():
            path = f"platforms.{_toml_key(key)}"
            if not _KEY_RE.fullmatch(key):
                self.fail(
                    path,
                    "is not a valid key: use 1 to 64 lower-case letters, digits, '.', '_' or"
                    " '-', starting with a letter or digit (the names platform_for() returns,"
                    ' like "youtube" or "example.co.kr")',
                )
            entry = self.table(value, path)
            platform = self.platform(key, entry, path)
            kinds[key] = platform.kind
            entries.append((path, platform))
        owners: dict[str, str] = {}
        for path, platform in entries:
            self.check_escalation(platform, path, kinds)
            for i, domain in enumerate(platform.domains):
                owner = owners.setdefault(domain, path)
                if owner != path:
                    self.fail(
                        f"{path}.domains[{i}]", f"is {_quoted(domain)}, already under {owner}"
                    )
        return [platform for _, platform in entries]

    def platform(self, key: str, table: dict[str, Any], path: str) -> Platform:
        self.known_keys(table, path, _PLATFORM_KEYS)
        name = self.text(table, "name", path, required=True).strip()
        if not name:
            self.fail(f"{path}.name", "must not be empty")
        name_ko = self.text(table, "name_ko", path).strip() or None
        kind = self.text(table, "kind", path, default="platform")
        if kind not in KINDS:
            self.fail(f"{path}.kind", 'must be "platform" or "authority"')
        country = self.text(table, "country", path) or None
        if country is not None and not _COUNTRY_RE.fullmatch(country):
            self.fail(f"{path}.country", 'must be a two-letter country code like "KR" or "US"')
        domains = self.strings(table, "domains", path)
        for i, domain in enumerate(domains):
            if not _HOST_RE.fullmatch(domain) or len(domain) > 253:
                self.fail(
                    f"{path}.domains[{i}]",
                    f'is {_quoted(domain)}, not a host name like "example.com"'
                    " (lower case, no scheme, port or path)",
                )
        regimes = self.regimes(table, path)
        languages = self.languages(table, path)
        response_hours = self.hours(table, path)
        escalation = self.strings(table, "escalation", path)
        checked = self.text(table, "checked", path)
        if checked and not _CHECKED_RE.fullmatch(checked):
            self.fail(
                f"{path}.checked",
                'must be "" (not verified) or the year and month a person last verified'
                ' the contacts, like "2025-06"',
            )
        notes = self.text(table, "notes", path).strip()
        fan_help = self.text(table, "fan_help", path) or None
        if fan_help is not None:
            self.check_webform(fan_help, f"{path}.fan_help")
        contacts = self.contacts(table, path, regimes)
        return Platform(
            key=key,
            name=name,
            name_ko=name_ko,
            kind=kind,
            country=country,
            domains=domains,
            regimes=regimes,
            languages=languages,
            response_hours=response_hours,
            escalation=escalation,
            checked=checked,
            notes=notes,
            contacts=contacts,
            fan_help=fan_help,
        )

    def check_escalation(self, platform: Platform, path: str, kinds: dict[str, str]) -> None:
        authorities = sorted(key for key, kind in kinds.items() if kind == "authority")
        listed = ", ".join(authorities) if authorities else "none"
        for i, target in enumerate(platform.escalation):
            where = f"{path}.escalation[{i}]"
            if target == platform.key:
                self.fail(where, "names the entry itself")
            kind = kinds.get(target)
            if kind is None:
                self.fail(
                    where,
                    f"is {_quoted(target)}, not an entry in this file (authorities: {listed})",
                )
            if kind != "authority":
                self.fail(
                    where,
                    f"is {_quoted(target)}, a {kind}, not an authority (authorities: {listed})",
                )

    def contacts(
        self, table: dict[str, Any], path: str, platform_regimes: tuple[str, ...]
    ) -> tuple[Contact, ...]:
        where = f"{path}.contacts"
        value = table.get("contacts", [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.fail(
                where,
                f"must be an array of tables ([[{where}]] sections), not {_describe(value)}",
            )
        return tuple(
            self.contact(item, f"{where}[{i}]", path, platform_regimes)
            for i, item in enumerate(value)
        )

    def contact(
        self,
        table: dict[str, Any],
        path: str,
        platform_path: str,
        platform_regimes: tuple[str, ...],
    ) -> Contact:
        self.known_keys(table, path, _CONTACT_KEYS)
        channel = self.text(table, "channel", path, required=True)
        if channel not in CHANNELS:
            self.fail(f"{path}.channel", 'must be "email" or "webform"')
        address = self.text(table, "address", path, required=True)
        if channel == "email":
            self.check_email(address, f"{path}.address")
        else:
            self.check_webform(address, f"{path}.address")
        regimes = self.regimes(table, path)
        for i, regime in enumerate(regimes):
            if regime not in platform_regimes:
                self.fail(
                    f"{path}.regimes[{i}]",
                    f"is {_quoted(regime)}, which {platform_path}.regimes does not list;"
                    " add it there too",
                )
        languages = self.languages(table, path)
        note = self.text(table, "note", path).strip()
        return Contact(
            channel=channel, address=address, regimes=regimes, languages=languages, note=note
        )

    def check_email(self, address: str, path: str) -> None:
        local, at, domain = address.partition("@")
        plausible = (
            at == "@"
            and "@" not in domain
            and not any(c.isspace() for c in address)
            and len(local) <= 64
            and _EMAIL_LOCAL_RE.fullmatch(local) is not None
            and _DOMAIN_RE.fullmatch(domain.lower()) is not None
        )
        if not plausible:
            self.fail(
                path,
                f'is {_quoted(address)}, not a single e-mail address like "abuse@example.com"'
                ' (for a web form, use channel = "webform")',
            )

    def check_webform(self, address: str, path: str) -> None:
        if any(c.isspace() or not c.isprintable() for c in address):
            self.fail(path, f"contains spaces or control characters: {_quoted(address)}")
        try:
            parts = urlsplit(address)
            host = parts.hostname
        except ValueError:  # e.g. a malformed IPv6 literal or port
            host = None
        if host is None or parts.scheme not in ("https", "http"):
            self.fail(path, f"is {_quoted(address)}, not an https:// (or http://) URL")
        if "@" in parts.netloc:
            self.fail(path, f"must not carry a user name or password: {_quoted(address)}")

    # -- values -----------------------------------------------------------------

    def known_keys(self, table: dict[str, Any], path: str, allowed: tuple[str, ...]) -> None:
        unknown = [key for key in table if key not in allowed]
        if unknown:
            key = _toml_key(unknown[0])
            where = f"{path}.{key}" if path else key
            self.fail(where, f"is not a known key (known: {', '.join(allowed)})")

    def table(self, value: object, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, f"must be a table, not {_describe(value)}")
        return value

    def text(
        self,
        table: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        default: str = "",
    ) -> str:
        where = f"{path}.{key}"
        if key not in table:
            if required:
                self.fail(where, "is missing")
            return default
        value = table[key]
        if not isinstance(value, str):
            self.fail(where, f"must be a string, not {_describe(value)}")
        return value

    def strings(self, table: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
        where = f"{path}.{key}"
        value = table.get(key, [])
        if not isinstance(value, list):
            self.fail(where, f"must be an array of strings, not {_describe(value)}")
        seen: set[str] = set()
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.fail(f"{where}[{i}]", f"must be a string, not {_describe(item)}")
            if item in seen:
                self.fail(f"{where}[{i}]", f"repeats {_quoted(item)}")
            seen.add(item)
        return tuple(value)

    def regimes(self, table: dict[str, Any], path: str) -> tuple[str, ...]:
        regimes = self.strings(table, "regimes", path)
        for i, regime in enumerate(regimes):
            if regime not in REGIME_KEYS:
                self.fail(
                    f"{path}.regimes[{i}]",
                    f"is {_quoted(regime)}, not a known regime (known: {', '.join(REGIME_KEYS)})",
                )
        return regimes

    def languages(self, table: dict[str, Any], path: str) -> tuple[str, ...]:
        languages = self.strings(table, "languages", path)
        for i, language in enumerate(languages):
            if not _LANGUAGE_RE.fullmatch(language):
                self.fail(
                    f"{path}.languages[{i}]",
                    f'is {_quoted(language)}, not a language code like "ko" or "en"',
                )
        return languages

    def hours(self, table: dict[str, Any], path: str) -> int | None:
        if "response_hours" not in table:
            return None
        value = table["response_hours"]
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(
                f"{path}.response_hours",
                f"must be a positive whole number of hours, not {_describe(value)}",
            )
        if not 1 <= value <= _MAX_RESPONSE_HOURS:
            self.fail(
                f"{path}.response_hours",
                f"must be a positive whole number of hours (1 to {_MAX_RESPONSE_HOURS}),"
                f" not {value}",
            )
        return value
