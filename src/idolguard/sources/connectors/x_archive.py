"""An X (Twitter) account archive ("Download an archive of your data"), as a folder or its zip.

When an account that posts deepfakes is handed over (by its owner under
pressure, by a platform, or in a court case), it often comes as the archive
X produces. Its ``data/`` folder holds JavaScript files that assign JSON to
a global (``window.YTD.tweets.part0 = [...]``) and the posted media under
``data/tweets_media/`` (``data/tweet_media/`` in older archives), each named
``<tweet id>-<file name of the media URL>``.

The archive comes from the account holder, so it is not trusted: the file
names it leads to are checked to stay inside ``data/``, sizes are checked
before anything is read, and a zip is never extracted as a whole (a zip
bomb, or a member named ``../../.bashrc``, gets nowhere).

One concept, kept in one module although it is a little over the usual size:
the archive's layout (where ``data/`` is, how media files are named), its
untrusted-input limits and the reading of its tweets are one format, and the
limits (``MAX_*``) are read where the archive is opened and where tweets
point into it alike.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, ClassVar
from urllib.parse import urlsplit

from idolguard.sources.connectors.base import (
    Connector,
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
    iso_utc,
    merge_tags,
    posted_at,
)
from idolguard.sources.connectors.local_files import (
    MISSING,
    WarningLog,
    contained_file,
    parse_json,
    read_capped,
    take_after,
)

__all__ = [
    "EXTRACT_BUDGET_BYTES",
    "MAX_DATA_FILE_BYTES",
    "MAX_MEDIA_BYTES",
    "MAX_ZIP_MEMBERS",
    "XArchiveConnector",
]

# tweets.js is parsed whole, at several times its size in memory; a prolific
# account's is tens of MB, so this only stops absurd or hostile files.
MAX_DATA_FILE_BYTES = 512 * 1024 * 1024
# One media file taken out of a zip; X itself caps uploaded videos well below.
MAX_MEDIA_BYTES = 512 * 1024 * 1024
# Real archives hold tens of thousands of files; a zip claiming millions is an attack.
MAX_ZIP_MEMBERS = 500_000
# Media taken out of a zip in one poll: bounds the temporary disk one poll can fill.
EXTRACT_BUDGET_BYTES = 4 * 1024**3

_DATA = "data"
# profile_media holds the account's avatar and header ("<account id>-<file name>").
_MEDIA_DIRS = ("tweets_media", "tweet_media", "profile_media")
_PROFILE_FILE = "profile.js"
_TWEET_FILE = re.compile(r"(tweets?)(?:-part(\d{1,6}))?\.js")
_ACCOUNT_FILE = "account.js"
_YTD_PREFIX = re.compile(rb"\s*window\.YTD\.\w+\.part\d+\s*=\s*")
_ID = re.compile(r"\d{1,20}")
_USERNAME = re.compile(r"\w{1,50}", re.ASCII)
# "Wed Oct 10 20:19:24 +0000 2018": X's own format, which email.utils reads
# once the year is moved before the time (strptime would depend on the locale).
_X_DATE = re.compile(r"[A-Za-z]{3} ([A-Za-z]{3}) (\d{1,2}) (\d\d:\d\d:\d\d) ([+-]\d{4}) (\d{4})")
_COPY_CHUNK = 1024 * 1024
# X allows four media per tweet; a list of thousands is a crafted file.
_MAX_MEDIA_PER_TWEET = 20
# What reading a damaged, encrypted or hostile zip member can raise.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    RuntimeError,
    NotImplementedError,
    ValueError,
)


class _BudgetSpent(Exception):
    """This poll has taken out as much media from the zip as it may; the rest waits."""


# --------------------------------------------------------------------------- archive access


class _Archive(ABC):
    """The files of an archive's ``data/`` folder, whether unzipped or still zipped."""

    def __init__(self) -> None:
        self.log = WarningLog()

    @abstractmethod
    def data_names(self) -> list[str]:
        """Names of the files directly in ``data/``."""

    @abstractmethod
    def read(self, name: str) -> bytes:
        """``data/<name>``, refused with ``SourceError`` when unreadable or too large."""

    @abstractmethod
    def media(self, name: str) -> Path | None:
        """A local file for ``data/tweets_media/<name>`` (or the older folder), if there is one."""

    def temporary(self) -> bool:
        """Whether the files ``media`` gives are temporary copies for the monitor to delete."""
        return False

    def close(self, *, failed: bool) -> None:  # noqa: B027 - nothing to release by default
        """Release the archive; ``failed``: nothing was handed on, so copies can go."""


class _FolderArchive(_Archive):
    def __init__(self, data: Path) -> None:
        super().__init__()
        self.data = data

    def data_names(self) -> list[str]:
        try:
            return sorted(p.name for p in self.data.iterdir())
        except OSError as exc:
            raise SourceError(f"{self.data} cannot be read: {exc.strerror or exc}") from None

    def read(self, name: str) -> bytes:
        path = contained_file(self.data, name)
        if isinstance(path, str):
            raise SourceError(f"{self.data / name} {path}")
        return read_capped(path, MAX_DATA_FILE_BYTES, "the archive file")

    def media(self, name: str) -> Path | None:
        for folder in _MEDIA_DIRS:
            path = contained_file(self.data, f"{folder}/{name}")
            if not isinstance(path, str):
                return path
            if path != MISSING:
                self.log.add(f"'data/{folder}/{name[:200]}' {path}; skipped")
        return None


class _ZipArchive(_Archive):
    """A zipped archive, read member by member: only referenced media are copied out.

    Copies go to a fresh temporary folder, at most ``budget`` bytes per poll:
    ``media`` raises ``_BudgetSpent`` for a file that would go over it.
    """

    def __init__(self, path: Path, budget: int) -> None:
        super().__init__()
        self.path = path
        self.budget = budget
        self.copied = 0  # bytes
        self.extracted = 0  # files
        self.folder: Path | None = None
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise SourceError(f"{path} is not a readable zip file ({exc})") from None
        try:
            self.members = self._index(self.zip.infolist())
            self.prefix = self._data_prefix()
        except SourceError:
            self.zip.close()
            raise

    def _index(self, infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
        """Members by name, without folders, links and names that could point anywhere else."""
        if len(infos) > MAX_ZIP_MEMBERS:
            raise SourceError(
                f"{self.path} has {len(infos)} members, more than an X archive ever has "
                f"({MAX_ZIP_MEMBERS}); it is not read"
            )
        members: dict[str, zipfile.ZipInfo] = {}
        refused = 0
        for info in infos:
            if info.is_dir() or stat.S_ISLNK(info.external_attr >> 16):
                continue
            if _unsafe_member(info.filename):
                refused += 1
                continue
            members[info.filename] = info
        if refused:
            self.log.add(
                f"{self.path} has {refused} members with unsafe names (absolute, or with "
                "'..'); they were ignored"
            )
        return members

    def _data_prefix(self) -> str:
        """Where ``data/`` is in the zip: at the top, or in a folder (a re-zipped archive)."""
        marks = [
            name
            for name in self.members
            if posixpath.basename(name) in (_ACCOUNT_FILE, "tweets.js", "tweet.js")
            and posixpath.basename(posixpath.dirname(name)) == _DATA
        ]
        if not marks:
            raise SourceError(f"{self.path} is not an X archive: it has no data/tweets.js")
        return posixpath.dirname(min(marks, key=len)) + "/"

    def data_names(self) -> list[str]:
        names = (n[len(self.prefix) :] for n in self.members if n.startswith(self.prefix))
        return sorted(n for n in names if "/" not in n)

    def read(self, name: str) -> bytes:
        info = self.members[self.prefix + name]
        if info.file_size > MAX_DATA_FILE_BYTES:
            raise SourceError(
                f"data/{name} in {self.path} is larger than "
                f"{MAX_DATA_FILE_BYTES // 1_000_000} MB; it is not read"
            )
        try:
            with self.zip.open(info) as member:
                return b"".join(_chunks(member, info.file_size))
        except _ZIP_ERRORS as exc:
            raise SourceError(f"data/{name} in {self.path} cannot be read ({exc})") from None

    def media(self, name: str) -> Path | None:
        for folder in _MEDIA_DIRS:
            info = self.members.get(f"{self.prefix}{folder}/{name}")
            if info is not None:
                return self._extract(info, name)
        return None

    def _extract(self, info: zipfile.ZipInfo, name: str) -> Path | None:
        if info.file_size > MAX_MEDIA_BYTES:
            self.log.add(f"{info.filename[:200]!r} is too large to take out of the zip")
            return None
        if self.copied + info.file_size > self.budget:
            raise _BudgetSpent
        self.extracted += 1
        target = self._folder() / f"{self.extracted}-{name}"
        try:
            with self.zip.open(info) as member, target.open("xb") as sink:
                for chunk in _chunks(member, info.file_size):
                    self.copied += sink.write(chunk)
        except (*_ZIP_ERRORS, OSError) as exc:
            target.unlink(missing_ok=True)
            self.log.add(f"{info.filename[:200]!r} cannot be taken out of the zip ({exc})")
            return None
        return target

    def _folder(self) -> Path:
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="x-archive-"))
        return self.folder

    def temporary(self) -> bool:
        return True

    def close(self, *, failed: bool) -> None:
        self.zip.close()
        if failed and self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _unsafe_member(name: str) -> bool:
    """Absolute names, drive letters and ``..`` would lead outside any folder they landed in."""
    text = name.replace("\\", "/")
    return (
        PurePosixPath(text).is_absolute()
        or (len(text) > 1 and text[1] == ":")
        or ".." in PurePosixPath(text).parts
        or "\x00" in text
    )


def _chunks(member: IO[bytes], declared: int) -> Iterator[bytes]:
    """A member's bytes in pieces, stopping one that inflates beyond its declared size.

    The size checks made before reading trust the zip's header; this makes
    sure a lying header cannot turn a small member into an unbounded one.
    """
    total = 0
    while chunk := member.read(_COPY_CHUNK):
        total += len(chunk)
        if total > declared:
            raise ValueError("the member is larger than the zip says")
        yield chunk


# --------------------------------------------------------------------------- archive content


@dataclass(frozen=True)
class _Account:
    username: str | None
    account_id: str | None
    display_name: str | None

    def page_url(self, tweet_id: str) -> str:
        if self.username:
            return f"https://x.com/{self.username}/status/{tweet_id}"
        return f"https://x.com/i/web/status/{tweet_id}"  # X redirects it to the real one


def _ytd(archive: _Archive, name: str) -> list[Any]:
    """The JSON array a ``data/*.js`` file assigns to ``window.YTD...``."""
    data = archive.read(name).removeprefix(b"\xef\xbb\xbf")
    match = _YTD_PREFIX.match(data)
    body = data[match.end() :] if match else data
    value = parse_json(body.rstrip().rstrip(b";"), f"data/{name}")
    if not isinstance(value, list):
        raise SourceError(f"data/{name} is not an X archive file: it holds no list")
    return value


def _account(archive: _Archive, names: list[str]) -> _Account:
    """Who the archive belongs to; without a usable ``account.js`` tweets are listed unnamed."""
    try:
        entry = _ytd(archive, _ACCOUNT_FILE)[:1] if _ACCOUNT_FILE in names else []
    except SourceError as exc:
        archive.log.add(f"{exc}; the uploader is not named")
        return _Account(None, None, None)
    account = entry[0].get("account") if entry and isinstance(entry[0], dict) else None
    if not isinstance(account, dict):
        archive.log.add("data/account.js is missing or empty: the uploader is not named")
        return _Account(None, None, None)
    username = account.get("username")
    return _Account(
        username if isinstance(username, str) and _USERNAME.fullmatch(username) else None,
        clip(account.get("accountId"), 40),
        clip(account.get("accountDisplayName"), 200),
    )


def _profile_entry(archive: _Archive, names: list[str], account: _Account) -> Found | None:
    """The account itself, for the impersonation check: its avatar with its profile.

    ``data/profile.js`` holds the bio, website and avatar URL; the avatar file is
    ``data/profile_media/<account id>-<file name>``. Without either nothing is listed.
    """
    if _PROFILE_FILE not in names or not account.username or not account.account_id:
        return None
    try:
        entry = _ytd(archive, _PROFILE_FILE)[:1]
    except SourceError as exc:
        archive.log.add(f"{exc}; the account's profile is not checked")
        return None
    profile = entry[0].get("profile") if entry and isinstance(entry[0], dict) else None
    if not isinstance(profile, dict) or not isinstance(profile.get("avatarMediaUrl"), str):
        return None
    avatar = PurePosixPath(urlsplit(profile["avatarMediaUrl"]).path).name
    path = archive.media(f"{account.account_id}-{avatar}") if avatar else None
    if path is None:
        archive.log.add("the profile picture is not in data/profile_media; profile not checked")
        return None
    description = profile.get("description")
    description = description if isinstance(description, dict) else {}
    bio = clip(description.get("bio")) or ""
    website = absolute_http_url(None, description.get("website"))
    url = f"https://x.com/{account.username}"
    data = {
        "platform": "x",
        "handle": account.username,
        "display_name": account.display_name or "",
        "bio": bio,
        "url": url,
        "links": [website] if website else [],
    }
    return Found(
        key=f"profile:{account.username}:{avatar}",
        local_path=path,
        page_url=url,
        platform="x",
        uploader=account.username,
        caption=bio or None,
        title=account.display_name,
        extra={"profile": data},
    )


def _tweet_files(names: list[str]) -> list[str]:
    """``tweets.js``, ``tweets-part1.js``, ... in part order; the older ``tweet*.js`` otherwise."""
    matches = [
        (m.group(1), int(m.group(2) or 0), n) for n in names if (m := _TWEET_FILE.fullmatch(n))
    ]
    if not matches:
        raise SourceError("this is not an X archive with tweets: data/tweets.js is missing")
    newest = max(stem for stem, _, _ in matches)  # "tweets" over the older "tweet"
    return [n for stem, _, n in sorted(matches) if stem == newest]


def _x_date(raw: object) -> str | None:
    if isinstance(raw, str) and (m := _X_DATE.fullmatch(raw.strip())):
        month, day, clock, zone, year = m.groups()
        normalised = iso_utc(f"{day} {month} {year} {clock} {zone}")
        if normalised:
            return normalised
    return posted_at(raw)


def _digits(value: object) -> str | None:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    return text if _ID.fullmatch(text) else None


def _media_entities(tweet: Mapping[str, Any]) -> list[Any]:
    """A tweet's media: ``extended_entities`` lists all of them, ``entities`` only the first."""
    for field in ("extended_entities", "entities"):
        holder = tweet.get(field)
        media = holder.get("media") if isinstance(holder, dict) else None
        if isinstance(media, list) and media:
            return media
    return []


def _mp4_variants(media: Mapping[str, Any]) -> list[str]:
    """A video's MP4 URLs, highest bitrate first (X writes bitrates as strings)."""
    info = media.get("video_info")
    variants = info.get("variants") if isinstance(info, dict) else None
    ranked: list[tuple[int, str]] = []
    for variant in variants if isinstance(variants, list) else []:
        if not isinstance(variant, dict) or variant.get("content_type") != "video/mp4":
            continue
        url = absolute_http_url(None, variant.get("url"))
        bitrate = _digits(variant.get("bitrate"))
        if url:
            ranked.append((int(bitrate) if bitrate else 0, url))
    return [url for _, url in sorted(ranked, key=lambda r: -r[0])]


def _online_url(media: Mapping[str, Any]) -> str | None:
    """Where the media is on X: the best MP4 of a video or GIF, else the picture."""
    if media.get("type") in ("video", "animated_gif"):
        variants = _mp4_variants(media)
        if variants:
            return variants[0]
    return absolute_http_url(None, media.get("media_url_https")) or absolute_http_url(
        None, media.get("media_url")
    )


def _file_names(tweet_id: str, media: Mapping[str, Any]) -> list[str]:
    """The names the archive may have given this media: ``<tweet id>-<URL file name>``."""
    urls = [media.get("media_url_https"), media.get("media_url"), *_mp4_variants(media)]
    names: list[str] = []
    for url in urls:
        base = _url_file_name(url)
        if base and f"{tweet_id}-{base}" not in names:
            names.append(f"{tweet_id}-{base}")
    return names


def _url_file_name(url: object) -> str | None:
    if not isinstance(url, str):
        return None
    try:
        base = posixpath.basename(urlsplit(url).path)
    except ValueError:
        return None
    if not base or base in (".", "..") or "\\" in base or len(base) > 200:
        return None
    return base


# --------------------------------------------------------------------------- the connector


class _TweetReader:
    """Turns tweets into entries, counting media the archive lacks."""

    def __init__(self, archive: _Archive, account: _Account) -> None:
        self.archive = archive
        self.account = account
        self.missing = 0  # media the archive lacks, given by URL
        self.handed = 0  # entries handed on so far in this poll
        self.keys: set[str] = set()  # a media item listed twice is reported once

    def numbered(self, items: list[Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
        for index, item in enumerate(items):
            tweet = item.get("tweet", item) if isinstance(item, dict) else None
            tweet_id = _digits(tweet.get("id_str")) if isinstance(tweet, dict) else None
            if tweet_id is None or not isinstance(tweet, dict):
                self.archive.log.add(
                    f"entry #{index + 1} of the tweet files has no numeric id_str; skipped"
                )
                continue
            yield int(tweet_id), tweet

    def entries(self, tweet: Mapping[str, Any]) -> list[Found] | None:
        media_items = _media_entities(tweet)
        if len(media_items) > _MAX_MEDIA_PER_TWEET:
            self.archive.log.add(
                f"tweet {tweet['id_str']} lists {len(media_items)} media; "
                f"only the first {_MAX_MEDIA_PER_TWEET} are taken"
            )
        found: list[Found] = []
        try:
            for media in media_items[:_MAX_MEDIA_PER_TWEET]:
                entry = self._found(tweet, media) if isinstance(media, dict) else None
                if entry is not None:
                    found.append(entry)
        except _BudgetSpent:
            for entry in found:  # copied for an entry that is not handed on: nobody would delete it
                if entry.local_path is not None and self.archive.temporary():
                    entry.local_path.unlink(missing_ok=True)
            return None
        self.handed += len(found)
        return found

    def warnings(self) -> list[str]:
        lines = self.archive.log.lines()
        if self.missing:
            lines.append(
                f"{self.missing} media files are not in the archive; those with a URL on X "
                "are listed by it instead (they can be captured while still online)"
            )
        return lines

    def _found(self, tweet: Mapping[str, Any], media: Mapping[str, Any]) -> Found | None:
        tweet_id = str(tweet["id_str"])
        media_id = _digits(media.get("id_str"))
        if media_id is None:
            self.archive.log.add(f"tweet {tweet_id}: a media item has no numeric id_str; skipped")
            return None
        key = f"{tweet_id}:{media_id}"
        if key in self.keys:
            return None
        self.keys.add(key)
        local = self._local(tweet_id, media)
        online = None if local else _online_url(media)
        if local is None and online is None:
            self.archive.log.add(f"tweet {tweet_id}: media {media_id} has no file and no URL")
            return None
        return Found(
            key=key,
            local_path=local,
            media_url=online,
            page_url=self.account.page_url(tweet_id),
            platform="x",
            post_id=tweet_id,
            uploader=self.account.username,
            caption=clip(tweet.get("full_text") or tweet.get("text")),
            hashtags=merge_tags(_entity_tags(tweet)),
            posted_at=_x_date(tweet.get("created_at")),
            extra=self._extra(media, temporary=local is not None and self.archive.temporary()),
        )

    def _local(self, tweet_id: str, media: Mapping[str, Any]) -> Path | None:
        """The archive's file for this media, if it has one.

        Past the zip budget the poll stops before this tweet, unless nothing
        was handed on yet: then waiting would never help (the next poll
        starts at this same tweet), so the media is given by its URL instead.
        """
        for name in _file_names(tweet_id, media):
            try:
                path = self.archive.media(name)
            except _BudgetSpent:
                if self.handed:
                    raise
                self.archive.log.add(
                    f"tweet {tweet_id}: {name[:200]!r} does not fit in one poll's extraction "
                    "budget; its URL is given instead"
                )
                return None
            if path is not None:
                return path
        self.missing += 1
        return None

    def _extra(self, media: Mapping[str, Any], *, temporary: bool) -> JSONDict:
        extra: JSONDict = {
            "media_type": clip(media.get("type"), 40),
            "account_id": self.account.account_id,
            "display_name": self.account.display_name,
            "source_status_id": _digits(media.get("source_status_id_str")),
        }
        if temporary:
            extra["temporary"] = True
        return {k: v for k, v in extra.items() if v is not None}


def _size(tweet: Mapping[str, Any]) -> int:
    """At most how many entries a tweet gives (before anything is copied out for it)."""
    return min(len(_media_entities(tweet)), _MAX_MEDIA_PER_TWEET)


def _entity_tags(tweet: Mapping[str, Any]) -> list[str]:
    entities = tweet.get("entities")
    tags = entities.get("hashtags") if isinstance(entities, dict) else None
    if not isinstance(tags, list):
        return []
    return [t["text"] for t in tags if isinstance(t, dict) and isinstance(t.get("text"), str)]


def _last_id(cursor: Mapping[str, Any]) -> int:
    """The saved high-water tweet id: a string, as ids exceed what JSON readers hold exactly."""
    value = _digits(cursor.get("last_id"))
    return int(value) if value else 0


class XArchiveConnector(Connector):
    """The photos, videos and GIFs of an X archive, unzipped or as the ``.zip`` itself.

    One entry per media item of each tweet, keyed ``<tweet id>:<media id>``.
    The archive's own file is used when it is there; a media file the
    archive lacks is given by its URL on X instead (the best MP4 for videos),
    counted in a warning. The page is ``https://x.com/<username>/status/<id>``
    and the uploader the account's username, both from ``account.js``.

    The cursor is ``{"last_id": "<tweet id>"}``: tweet ids grow with time, so
    a poll reports the tweets above the highest id handled (at most
    ``max_entries`` entries), and an archive downloaded again later and put
    in the same place yields only the newer tweets.

    From a ``.zip`` only the referenced media are copied out, at most
    ``extract_budget`` bytes per poll (the rest follows in later polls), into
    a fresh folder per poll made with ``tempfile.mkdtemp(prefix="x-archive-")``.
    Such entries have ``extra["temporary"] = True``: the monitor deletes the
    file (and its folder once empty) after handling the entry, including when
    it skips the key as already processed, or copies would pile up.
    """

    kind = "x-archive"
    description = "An X (Twitter) account archive: its folder, or the downloaded .zip."
    options = (
        Option(
            "path",
            "the unzipped archive folder (with data/ in it), or the archive's .zip file",
            required=True,
        ),
    )
    network = False
    max_entries: ClassVar[int] = MAX_ENTRIES_PER_POLL
    extract_budget: ClassVar[int] = EXTRACT_BUDGET_BYTES

    def poll(self, cursor: Mapping[str, Any], web: WebAccess) -> Poll:
        archive = self._open()
        failed = True
        try:
            poll = self._read(archive, cursor)
            failed = False
            return poll
        finally:
            archive.close(failed=failed)

    def _open(self) -> _Archive:
        given = Path(str(self.settings["path"])).expanduser()
        try:
            path = given.resolve(strict=True)
        except (OSError, RuntimeError):
            raise SourceError(f"the X archive {given} does not exist") from None
        if path.is_file():
            return _ZipArchive(path, self.extract_budget)
        data = path / _DATA if (path / _DATA).is_dir() else path
        if not any((data / n).is_file() for n in (_ACCOUNT_FILE, "tweets.js", "tweet.js")):
            raise SourceError(f"{given} is not an X archive folder: it has no data/tweets.js")
        return _FolderArchive(data.resolve())

    def _read(self, archive: _Archive, cursor: Mapping[str, Any]) -> Poll:
        names = archive.data_names()
        tweets = [t for name in _tweet_files(names) for t in _ytd(archive, name)]
        reader = _TweetReader(archive, _account(archive, names))
        found, last_id, more = take_after(
            reader.numbered(tweets), _last_id(cursor), self.max_entries, _size, reader.entries
        )
        profile = _profile_entry(archive, names, reader.account)
        if profile is not None:  # listed on every poll; the monitor skips it by key once seen
            found = [profile, *found]
        warnings = reader.warnings()
        if more:
            warnings.append(
                "the archive has more media than one poll takes; the next polls continue "
                f"after tweet {last_id}"
            )
        return Poll(found, {"last_id": str(last_id)}, warnings)
