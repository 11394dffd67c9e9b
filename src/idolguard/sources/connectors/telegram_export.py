"""A Telegram chat exported with Telegram Desktop ("Export chat history", JSON format).

Channels and groups that trade deepfakes are often private, so nothing can be
polled online; what a moderator or a member can hand over is an export. The
export is a folder: ``result.json`` describes the chat and its messages, and
the media sit next to it (``photos/``, ``video_files/``, ...) under the
relative paths the messages name. Those paths are not trusted: an export may
be crafted, and a ``photo`` of ``../../etc/passwd`` must not read anything
outside the folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from idolguard.media import MEDIA_EXTENSIONS
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
    clip,
    hashtags,
    iso_utc,
    merge_tags,
    posted_at,
)
from idolguard.sources.connectors.local_files import (
    WarningLog,
    contained_file,
    parse_json,
    read_capped,
    take_after,
)

__all__ = ["MAX_RESULT_BYTES", "TelegramExportConnector"]

# ``json`` builds the whole document in memory, at several times its size on
# disk: a 512 MB result.json can take a few GB. Real chat exports stay far
# below this (the media are separate files); a bigger one is refused rather
# than allowed to exhaust the machine.
MAX_RESULT_BYTES = 512 * 1024 * 1024

_MEDIA_FIELDS = ("photo", "file")
# Kinds of "file" that are never a photo or video of a person.
_SKIPPED_MEDIA_TYPES = frozenset({"sticker", "voice_message", "audio_file"})
# What Telegram Desktop writes instead of a path when a file was left out of
# the export: "(File not included. Change data exporting settings to
# download.)" or "(File exceeds maximum size. ...)".
_NOT_EXPORTED = "(File "
_PUBLIC_CHAT_TYPES = frozenset({"public_channel", "public_supergroup"})
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class _Chat:
    """What an export says about the chat itself, shared by all its messages."""

    id: str
    name: str | None
    type: str | None
    username: str | None  # only for public chats whose export names it

    @classmethod
    def from_export(cls, data: Mapping[str, Any]) -> _Chat:
        raw_id = data.get("id")
        chat_id = str(raw_id) if isinstance(raw_id, int | str) and str(raw_id) else "chat"
        chat_type = clip(data.get("type"), _MAX_NAME_CHARS)
        username = data.get("username")
        public = (
            chat_type in _PUBLIC_CHAT_TYPES
            and isinstance(username, str)
            and _USERNAME.fullmatch(username) is not None
        )
        return cls(
            chat_id,
            clip(data.get("name"), _MAX_NAME_CHARS),
            chat_type,
            username if public else None,
        )


class TelegramExportConnector(Connector):
    """The photos and videos of a Telegram Desktop chat export (JSON format).

    Each message's ``photo`` and ``file`` is one entry, keyed
    ``<chat id>:<message id>:<photo|file>``. Stickers, voice messages and
    audio are left out, and so are other documents (PDFs, archives). Files
    that the export left out ("File not included") are counted in a warning:
    they exist on Telegram but cannot be analysed from this export.

    ``posted_at`` comes from ``date_unixtime`` (UTC). Older exports only have
    ``date``, written in the exporting computer's local time with no zone; it
    is kept as written rather than guessed into UTC. ``page_url`` is set only
    for a public chat whose export names its username (Telegram Desktop does
    not write it today), since a private chat's messages have no public link.

    The cursor is ``{"last_id": n}``: Telegram message ids increase within a
    chat, so a poll reports the messages above the highest id handled, at
    most ``max_entries`` entries at a time. A file that is missing from the
    folder is reported in a warning and not retried: an export is a finished
    snapshot, a file missing from it does not appear later (Telegram writes a
    new export into a new folder). Polling an export still being written
    fails on the unfinished ``result.json`` and leaves the cursor where it was.
    """

    kind = "telegram"
    description = "A Telegram Desktop chat export (JSON format): its photos and videos."
    options = (
        Option(
            "path",
            "the exported chat folder (the one with result.json), or result.json itself",
            required=True,
        ),
    )
    network = False
    max_entries: ClassVar[int] = MAX_ENTRIES_PER_POLL

    def poll(self, cursor: Mapping[str, Any], web: WebAccess) -> Poll:
        folder, result = self._locate()
        data = parse_json(read_capped(result, MAX_RESULT_BYTES, "the chat export"), str(result))
        messages = _messages(data, result)
        reader = _MessageReader(folder, _Chat.from_export(data))
        found, last_id, more = take_after(
            reader.numbered(messages), _last_id(cursor), self.max_entries, _size, reader.entries
        )
        warnings = reader.warnings()
        if more:
            warnings.append(
                f"the export has more media than one poll reports ({self.max_entries}); "
                f"the next polls continue after message {last_id}"
            )
        return Poll(found, {"last_id": last_id}, warnings)

    def _locate(self) -> tuple[Path, Path]:
        """The export folder (resolved: the containment root) and its ``result.json``."""
        given = Path(str(self.settings["path"])).expanduser()
        try:
            path = given.resolve(strict=True)
        except (OSError, RuntimeError):
            raise SourceError(f"the Telegram export {given} does not exist") from None
        if not path.is_dir():
            return path.parent, path
        result = path / "result.json"
        if result.is_file():
            return path, result
        if (path / "messages.html").is_file():
            raise SourceError(f"{given} is an HTML export; export the chat again with format JSON")
        raise SourceError(f"{given} has no result.json; is it a Telegram chat export folder?")


def _messages(data: object, result: Path) -> list[Any]:
    messages = data.get("messages") if isinstance(data, dict) else None
    if isinstance(messages, list):
        return messages
    if isinstance(data, dict) and isinstance(data.get("chats"), dict):
        raise SourceError(
            f"{result} is a whole-account export; export the one chat to watch "
            "(chat menu, Export chat history, format JSON)"
        )
    raise SourceError(f"{result} is not a Telegram chat export: it has no list of messages")


def _size(message: Mapping[str, Any]) -> int:
    """At most how many entries a message gives (before any of them is checked)."""
    return sum(message.get(field) is not None for field in _MEDIA_FIELDS)


def _last_id(cursor: Mapping[str, Any]) -> int:
    """The saved high-water id; a malformed cursor counts as none (everything again)."""
    value = cursor.get("last_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class _MessageReader:
    """Turns messages into entries, collecting what had to be skipped and why."""

    def __init__(self, folder: Path, chat: _Chat) -> None:
        self.folder = folder
        self.chat = chat
        self.log = WarningLog()
        self.not_exported = 0

    def numbered(self, messages: list[Any]) -> Iterator[tuple[int, Mapping[str, Any]]]:
        for index, message in enumerate(messages):
            number = message.get("id") if isinstance(message, dict) else None
            if isinstance(number, int) and not isinstance(number, bool):
                yield number, message
            else:
                self.log.add(f"message #{index + 1} in the list has no numeric id; skipped")

    def entries(self, message: Mapping[str, Any]) -> list[Found]:
        found = []
        for field in _MEDIA_FIELDS:
            path = self._media_path(message, field)
            if path is not None:
                found.append(self._found(message, field, path))
        return found

    def warnings(self) -> list[str]:
        lines = self.log.lines()
        if self.not_exported:
            lines.append(
                f"{self.not_exported} media files were not included in the export (they are "
                "on Telegram but were not downloaded); export again with media enabled"
            )
        return lines

    def _media_path(self, message: Mapping[str, Any], field: str) -> Path | None:
        value = message.get(field)
        if value is None or (field == "file" and not _is_visual_file(message, value)):
            return None
        if not isinstance(value, str):
            self.log.add(f"message {message['id']}: its {field} is not a path; skipped")
            return None
        if value.startswith(_NOT_EXPORTED):
            self.not_exported += 1
            return None
        path = contained_file(self.folder, value)
        if isinstance(path, str):
            self.log.add(f"message {message['id']}: {field} {value[:200]!r} {path}; skipped")
            return None
        return path

    def _found(self, message: Mapping[str, Any], field: str, path: Path) -> Found:
        text = _flatten(message.get("text"))
        number = message["id"]
        sender = message.get("from") if "from" in message else message.get("actor")
        sender_id = message.get("from_id") if "from_id" in message else message.get("actor_id")
        extra: JSONDict = {
            "chat_id": self.chat.id,
            "chat_name": self.chat.name,
            "chat_type": self.chat.type,
            "from_id": clip(sender_id, _MAX_NAME_CHARS),
            "forwarded_from": clip(message.get("forwarded_from"), _MAX_NAME_CHARS),
            "media_type": clip(message.get("media_type"), _MAX_NAME_CHARS),
        }
        return Found(
            key=f"{self.chat.id}:{number}:{field}",
            local_path=path,
            page_url=f"https://t.me/{self.chat.username}/{number}" if self.chat.username else None,
            platform="telegram",
            post_id=str(number),
            uploader=clip(sender, _MAX_NAME_CHARS),
            caption=clip(text),
            hashtags=merge_tags(_entity_tags(message), hashtags(text)),
            posted_at=iso_utc(message.get("date_unixtime")) or posted_at(message.get("date")),
            extra={k: v for k, v in extra.items() if v is not None},
        )


def _is_visual_file(message: Mapping[str, Any], value: object) -> bool:
    """Whether a message's ``file`` may be a photo or video (others are never analysed).

    The MIME type decides when the export gives one; otherwise the extension.
    A placeholder for a file left out of the export passes, to be counted.
    """
    if message.get("media_type") in _SKIPPED_MEDIA_TYPES:
        return False
    if not isinstance(value, str) or value.startswith(_NOT_EXPORTED):
        return True
    mime = message.get("mime_type")
    if isinstance(mime, str) and mime:
        return mime.lower().startswith(("image/", "video/"))
    return Path(value).suffix.lower() in MEDIA_EXTENSIONS


def _flatten(text: object) -> str | None:
    """A message's text as one string, as the reader saw it.

    Telegram writes plain text as a string, and formatted text as a list of
    strings and ``{"type": ..., "text": ...}`` parts (bold, links, hashtags).
    """
    if isinstance(text, str):
        return text
    if not isinstance(text, list):
        return None
    parts = [p if isinstance(p, str) else p.get("text") for p in text if isinstance(p, str | dict)]
    return "".join(p for p in parts if isinstance(p, str)) or None


def _entity_tags(message: Mapping[str, Any]) -> list[str]:
    """The hashtags Telegram itself marked: in ``text_entities``, else in a formatted ``text``."""
    entities = message.get("text_entities")
    if not isinstance(entities, list):
        entities = message.get("text")
    if not isinstance(entities, list):
        return []
    return [
        e["text"]
        for e in entities
        if isinstance(e, dict) and e.get("type") == "hashtag" and isinstance(e.get("text"), str)
    ]
