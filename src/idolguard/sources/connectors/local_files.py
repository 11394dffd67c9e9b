"""Rules every connector follows when it reads local files people hand us.

Exports (Telegram, X, URL lists, folders) come from outside and may be
hostile: a path in them must never lead outside the folder the user named, a
file must never be read whole when it is absurdly large, and a million bad
entries must not produce a million-line report.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from idolguard.sources.connectors.base import Found, SourceError

__all__ = ["MISSING", "WarningLog", "contained_file", "parse_json", "read_capped", "take_after"]

# ``contained_file``'s answer for a path that names nothing: callers that look
# in several places tell it apart from a refusal.
MISSING = "is missing"

T = TypeVar("T")


class WarningLog:
    """Warnings about skipped entries: the first ``limit`` spelled out, then only a count.

    A poll's warnings are read by a person; a hostile export with a million bad
    entries must still produce a report that fits on a screen.
    """

    def __init__(self, limit: int = 20) -> None:
        self.limit = limit
        self._items: list[str] = []
        self._more = 0

    def add(self, message: str) -> None:
        if len(self._items) < self.limit:
            self._items.append(message)
        else:
            self._more += 1

    def lines(self) -> list[str]:
        """The warnings for ``Poll.warnings``, with a closing count when some were left out."""
        if not self._more:
            return list(self._items)
        return [*self._items, f"... and {self._more} more warnings like these"]


def contained_file(root: Path, relative: str) -> Path | str:
    """``root / relative`` as a real file inside ``root``, or why it cannot be used.

    The reason is a predicate ("leads outside the folder") for a warning that
    starts with the entry's name.

    ``root`` must already be resolved. ``relative`` comes from an export and is
    not trusted: absolute paths, ``..`` and symlinks leading out of ``root``
    are refused, so an export cannot make us read ``/etc/passwd`` or a file of
    another user. Backslashes count as separators (exports made on Windows).
    The answer is the resolved path, so a symlink swapped after this check
    cannot redirect the read.
    """
    text = relative.replace("\\", "/")
    pure = PurePosixPath(text)
    if not text or "\x00" in text or pure.is_absolute() or _has_drive(text):
        return "is not a relative path"
    if ".." in pure.parts:
        return "leads outside the folder"
    try:
        resolved = (root / pure).resolve(strict=True)
    except FileNotFoundError:
        return MISSING
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop
        return "cannot be resolved"
    if not resolved.is_relative_to(root):
        return "is a link leading outside the folder"
    try:
        mode = resolved.stat().st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not stat.S_ISREG(mode):
        return "is not a regular file"
    return resolved


def _has_drive(text: str) -> bool:
    """``C:/...``: absolute on Windows, and never a name an export writes on purpose."""
    return len(text) >= 2 and text[1] == ":" and text[0].isalpha()


def read_capped(path: Path, max_bytes: int, what: str) -> bytes:
    """The bytes of ``path``, refusing files over ``max_bytes`` before reading them.

    The size is checked on the open file and again while reading, so a file
    that grows in between is refused too rather than read without bound.
    """
    try:
        with path.open("rb") as fp:
            if os.fstat(fp.fileno()).st_size > max_bytes:
                raise SourceError(_too_large(what, path, max_bytes))
            data = fp.read(max_bytes + 1)
    except FileNotFoundError:
        raise SourceError(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise SourceError(f"{what} {path} is a folder, not a file") from None
    except OSError as exc:
        raise SourceError(f"{what} {path} cannot be read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise SourceError(_too_large(what, path, max_bytes))
    return data


def _too_large(what: str, path: Path, max_bytes: int) -> str:
    return f"{what} {path} is larger than {max_bytes // 1_000_000} MB; it is not read"


def parse_json(data: bytes | str, what: str) -> Any:
    """Parsed JSON, or a ``SourceError`` that says where the document is broken.

    A UTF-8 byte order mark is accepted (Windows tools write one). Deeply
    nested input hits Python's recursion limit, which is reported the same way.
    """
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        return json.loads(text)
    except UnicodeDecodeError as exc:
        raise SourceError(f"{what} is not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "was the export interrupted?"
        ) from None
    except RecursionError:
        raise SourceError(f"{what} is nested too deeply to be a real export") from None


def take_after(
    items: Iterable[tuple[int, T]],
    last_id: int,
    cap: int,
    size: Callable[[T], int],
    expand: Callable[[T], list[Found] | None],
) -> tuple[list[Found], int, bool]:
    """The entries of the items numbered above ``last_id``, in number order, for an id cursor.

    Chat messages and tweets carry increasing ids, so "everything above the
    highest id handled" is a cursor that needs no memory of what was seen.
    Items are taken whole while their entries fit in ``cap`` (``size`` says
    how many an item may give, before ``expand`` does any work), so a poll
    never lists more than the monitor handles in one run: the monitor keeps
    a cursor only when it handled everything listed. ``expand`` turns an
    item into its entries, or answers ``None`` to stop before that item (a
    budget is spent). An id listed twice (only a broken export does that)
    counts once, the first time. Returns the entries, the new high-water id,
    and whether items were left for the next poll.
    """
    found: list[Found] = []
    done = last_id
    for number, item in sorted((i for i in items if i[0] > last_id), key=lambda i: i[0]):
        if number == done:
            continue
        if found and len(found) + size(item) > cap:
            return found, done, True
        entries = expand(item)
        if entries is None:
            return found, done, True
        found.extend(entries)
        done = number
    return found, done, False


# --------------------------------------------------------------------------- the connector
