"""The watched-folder connector: what it takes, when, under which key, how big folders progress."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from idolguard.sources.connectors.base import Found, Poll, SourceError
from idolguard.sources.connectors.folder import FolderConnector
from idolguard.sources.connectors.local_files import (
    WarningLog,
    contained_file,
    read_capped,
    take_after,
)
from tests.sources.connectors.fakeweb import FakeWeb

OLD = 1_700_000_000  # 2023-11-14: long settled
NS = 1_000_000_000


def _file(root: Path, relative: str, data: bytes = b"media", mtime: int = OLD) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


def _poll(root: Path, cursor: dict[str, Any] | None = None, **options: Any) -> Poll:
    return FolderConnector({"path": str(root), **options}).poll(cursor or {}, FakeWeb())


def _relative(poll: Poll) -> list[str]:
    return [f.extra["relative_path"] for f in poll.found]


def test_takes_media_files_with_metadata_and_skips_hidden_and_other_files(tmp_path: Path) -> None:
    photo = _file(tmp_path, "a.jpg", b"12345")
    _file(tmp_path, "sub/deeper/b.MP4", b"1")
    _file(tmp_path, "notes.txt")
    _file(tmp_path, ".hidden.jpg")
    _file(tmp_path, ".cache/c.jpg")
    _file(tmp_path, "sub/.thumbs/d.png")

    poll = _poll(tmp_path)

    assert poll.warnings == []
    assert [f.key for f in poll.found] == [
        f"a.jpg:5:{OLD * NS}",
        f"sub/deeper/b.MP4:1:{OLD * NS}",
    ]
    first = poll.found[0]
    assert first.local_path == photo.resolve()
    assert first.local_path.is_absolute()
    assert first.media_url is None
    assert first.metadata() == {
        "local_path": str(photo.resolve()),
        "platform": "local",
        "extra": {"relative_path": "a.jpg"},
    }
    assert poll.cursor == {"fresh_after": [OLD * NS, "sub/deeper/b.MP4"]}


def test_not_recursive_takes_only_the_top_folder(tmp_path: Path) -> None:
    _file(tmp_path, "top.png")
    _file(tmp_path, "sub/inner.png")
    assert _relative(_poll(tmp_path, recursive="no")) == ["top.png"]


def test_files_still_being_written_wait_for_the_next_poll(tmp_path: Path) -> None:
    _file(tmp_path, "done.jpg")
    fresh = _file(tmp_path, "copying.mp4", mtime=int(time.time()))

    first = _poll(tmp_path, settle_seconds=60)
    assert _relative(first) == ["done.jpg"]

    settled = int(time.time()) - 120
    os.utime(fresh, (settled, settled))
    second = _poll(tmp_path, first.cursor, settle_seconds=60)
    # Above the mark, so it comes first; the folder fits, so the rest comes again too.
    assert _relative(second) == ["copying.mp4", "done.jpg"]
    assert second.found[0].key == f"copying.mp4:5:{settled * NS}"


def test_a_file_dated_far_in_the_future_is_taken_rather_than_hidden(tmp_path: Path) -> None:
    future = int(time.time()) + 10 * 365 * 24 * 3600  # a camera with a wrong clock
    _file(tmp_path, "odd-clock.jpg", mtime=future)
    poll = _poll(tmp_path, settle_seconds=60)
    assert _relative(poll) == ["odd-clock.jpg"]
    # The mark is capped at the poll's settle time, not pushed ten years ahead.
    assert poll.cursor["fresh_after"][0] < time.time_ns()


def test_key_is_stable_and_changes_when_the_file_is_replaced(tmp_path: Path) -> None:
    path = _file(tmp_path, "clip.webm", b"first")
    first = _poll(tmp_path)
    again = _poll(tmp_path, first.cursor)
    assert [f.key for f in again.found] == [f.key for f in first.found]

    path.write_bytes(b"replaced, longer")
    os.utime(path, (OLD + 60, OLD + 60))
    replaced = _poll(tmp_path, again.cursor)
    assert [f.key for f in replaced.found] == [f"clip.webm:16:{(OLD + 60) * NS}"]
    assert replaced.found[0].key != first.found[0].key


def test_links_are_never_followed_out_of_the_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    secret = _file(outside, "secret.jpg")
    root = tmp_path / "watched"
    inside = _file(root, "real.jpg")
    (root / "link-in.jpg").symlink_to(inside)
    (root / "link-out.jpg").symlink_to(secret)
    (root / "dir-link").symlink_to(outside, target_is_directory=True)
    (root / "dangling.jpg").symlink_to(root / "gone.jpg")

    poll = _poll(root)

    assert _relative(poll) == ["link-in.jpg", "real.jpg"]
    assert poll.found[0].local_path == inside.resolve()  # the file, not the link
    assert sorted(poll.warnings) == [
        "'dangling.jpg' is missing; skipped",
        "'link-out.jpg' is a link leading outside the folder; skipped",
    ]


def test_special_files_named_like_media_are_skipped(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.mp4")  # reading it would hang the analysis
    _file(tmp_path, "real.mp4")
    assert _relative(_poll(tmp_path)) == ["real.mp4"]


def test_missing_folder_and_file_path_are_source_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        _poll(tmp_path / "nope")
    _file(tmp_path, "a.jpg")
    with pytest.raises(SourceError, match="is a file"):
        _poll(tmp_path / "a.jpg")
    with pytest.raises(SourceError, match="folder sources need path"):
        FolderConnector({})
    with pytest.raises(SourceError, match="settle_seconds must be a whole number"):
        FolderConnector({"path": str(tmp_path), "settle_seconds": "soon"})


def test_a_big_folder_progresses_and_late_old_files_are_still_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FolderConnector, "max_entries", 2)
    for n in range(1, 6):
        _file(tmp_path, f"f{n}.jpg", mtime=OLD + n)

    polls = [_poll(tmp_path)]
    for _ in range(2):
        polls.append(_poll(tmp_path, polls[-1].cursor))
    assert [_relative(p) for p in polls] == [
        ["f1.jpg", "f2.jpg"],
        ["f3.jpg", "f4.jpg"],
        ["f5.jpg", "f1.jpg"],  # the new ones done, the rest of the capacity rotates
    ]
    assert polls[0].warnings == [
        "the folder holds 5 media files, more than one poll reports (2); "
        "the next polls continue with the rest"
    ]
    assert polls[2].cursor == {"fresh_after": [(OLD + 5) * NS, "f5.jpg"], "rotate_after": "f1.jpg"}

    # Moved in with an old date (mv keeps it): below the mark, found by the rotation.
    _file(tmp_path, "old.jpg", mtime=OLD - 1000)
    _file(tmp_path, "new.jpg", mtime=OLD + 100)
    for _ in range(4):
        polls.append(_poll(tmp_path, polls[-1].cursor))
    assert [_relative(p) for p in polls[3:]] == [
        ["new.jpg", "f2.jpg"],  # new first, then the rotation goes on after f1
        ["f3.jpg", "f4.jpg"],
        ["f5.jpg", "new.jpg"],
        ["old.jpg", "f1.jpg"],
    ]


def test_a_folder_that_fits_returns_everything_every_poll(tmp_path: Path) -> None:
    _file(tmp_path, "b.jpg", mtime=OLD + 2)
    _file(tmp_path, "a.jpg", mtime=OLD + 1)
    first = _poll(tmp_path)
    cursor = {**first.cursor, "rotate_after": "a.jpg"}  # a stale rotation from a bigger day
    second = _poll(tmp_path, cursor)
    assert _relative(second) == ["b.jpg", "a.jpg"]
    assert second.cursor == {"fresh_after": [(OLD + 2) * NS, "b.jpg"]}


def test_a_malformed_cursor_means_starting_over(tmp_path: Path) -> None:
    _file(tmp_path, "a.jpg")
    poll = _poll(tmp_path, {"fresh_after": "garbage", "rotate_after": 7})
    assert _relative(poll) == ["a.jpg"]


# --------------------------------------------------------------------------- shared helpers


def test_contained_file_refuses_paths_out_of_the_root(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    _file(root, "photos/p.jpg")
    assert contained_file(root, "photos/p.jpg") == root / "photos" / "p.jpg"
    assert contained_file(root, "photos\\p.jpg") == root / "photos" / "p.jpg"
    assert contained_file(root, "../../etc/passwd") == "leads outside the folder"
    assert contained_file(root, "photos/../../x") == "leads outside the folder"
    assert contained_file(root, "/etc/passwd") == "is not a relative path"
    assert contained_file(root, "C:/Windows/win.ini") == "is not a relative path"
    assert contained_file(root, "") == "is not a relative path"
    assert contained_file(root, "photos") == "is not a regular file"
    assert contained_file(root, "photos/none.jpg") == "is missing"


def test_read_capped_refuses_large_files(tmp_path: Path) -> None:
    path = _file(tmp_path, "big.json", b"x" * 11)
    assert read_capped(path, 11, "the file") == b"x" * 11
    with pytest.raises(SourceError, match="larger than"):
        read_capped(path, 10, "the file")
    with pytest.raises(SourceError, match="does not exist"):
        read_capped(tmp_path / "none.json", 10, "the file")


def test_warning_log_keeps_the_first_ones_and_counts_the_rest() -> None:
    log = WarningLog(limit=2)
    for n in range(5):
        log.add(f"w{n}")
    assert log.lines() == ["w0", "w1", "... and 3 more warnings like these"]


def test_take_after_takes_whole_items_within_the_cap_and_resumes() -> None:
    def expand(names: list[str]) -> list[Found]:
        return [Found(key=n, media_url=f"https://example.com/{n}") for n in names]

    items = [(3, ["c"]), (1, ["a"]), (2, ["b1", "b2"]), (2, ["dup"]), (4, []), (5, ["e"])]
    found, done, more = take_after(items, 0, 2, len, expand)
    assert ([f.key for f in found], done, more) == (["a"], 1, True)  # "b" would not fit
    found, done, more = take_after(items, done, 2, len, expand)
    assert ([f.key for f in found], done, more) == (["b1", "b2"], 2, True)
    found, done, more = take_after(items, done, 2, len, expand)
    assert ([f.key for f in found], done, more) == (["c", "e"], 5, False)
    # An item larger than the whole cap is still taken when it comes first.
    found, done, more = take_after(items, 1, 1, len, expand)
    assert ([f.key for f in found], done, more) == (["b1", "b2"], 2, True)


def test_take_after_stops_where_expand_says() -> None:
    def expand(name: str) -> list[Found] | None:
        return None if name == "stop" else [Found(key=name, media_url="https://example.com/")]

    found, done, more = take_after([(1, "a"), (2, "stop"), (3, "c")], 0, 10, lambda _: 1, expand)
    assert ([f.key for f in found], done, more) == (["a"], 1, True)
