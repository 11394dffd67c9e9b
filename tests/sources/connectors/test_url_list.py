"""URL lists: which lines become entries, which are reported, and how a list on the web is read."""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path
from typing import Any

import pytest

from idolguard.sources.connectors import url_list
from idolguard.sources.connectors.base import Found, SourceError
from idolguard.sources.connectors.url_list import MAX_WEB_BYTES, UrlListConnector
from idolguard.sources.fetch import FetchError
from tests.sources.connectors.fakeweb import FakeWeb

LIST = """# reported by fans, 2026-11-25

https://theqoo.net/hot/123\tfake photo of 카리나 #에스파 #deepfake
https://x.com/someone/status/1850000000000000001   retweeted 3k times
   https://www.dcinside.com/board/view?id=x&no=9
ftp://files.example.com/a.mp4
not a url at all
javascript:alert(1)
https://user:secret@example.com/private.jpg
https://theqoo.net/hot/123 the same post again, another caption
HTTPS://Example.COM/Video.mp4#t=10\u3000caption after an ideographic space
"""


def _mark(*urls: str) -> dict[str, Any]:
    """The cursor after listing ``urls``, the block at the top of the list."""
    digest = hashlib.sha256("\n".join(urls).encode()).hexdigest()
    return {"count": len(urls), "last": urls[-1], "digest": digest}


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "urls.txt"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_lines_become_capture_entries_with_captions(tmp_path: Path) -> None:
    path = _write(tmp_path, LIST)
    poll = UrlListConnector({"path": str(path)}).poll({}, FakeWeb())

    assert poll.found == [
        Found(
            key="https://theqoo.net/hot/123",
            media_url="https://theqoo.net/hot/123",
            capture=True,
            page_url="https://theqoo.net/hot/123",
            platform="theqoo",
            caption="fake photo of 카리나 #에스파 #deepfake",
            hashtags=("에스파", "deepfake"),
        ),
        Found(
            key="https://x.com/someone/status/1850000000000000001",
            media_url="https://x.com/someone/status/1850000000000000001",
            capture=True,
            page_url="https://x.com/someone/status/1850000000000000001",
            platform="x",
            caption="retweeted 3k times",
        ),
        Found(
            key="https://www.dcinside.com/board/view?id=x&no=9",
            media_url="https://www.dcinside.com/board/view?id=x&no=9",
            capture=True,
            page_url="https://www.dcinside.com/board/view?id=x&no=9",
            platform="dcinside",
        ),
        Found(
            key="https://Example.COM/Video.mp4",
            media_url="https://Example.COM/Video.mp4",
            capture=True,
            page_url="https://Example.COM/Video.mp4",
            platform="example.com",
            caption="caption after an ideographic space",
        ),
    ]
    reason = "is not an http(s) URL (without user name or password); skipped"
    assert poll.warnings == [
        f"line 6 of {path}: 'ftp://files.example.com/a.mp4' {reason}",
        f"line 7 of {path}: 'not a url at all' {reason}",
        f"line 8 of {path}: 'javascript:alert(1)' {reason}",
        f"line 9 of {path}: 'https://user:secret@example.com/private.jpg' {reason}",
    ]
    assert poll.cursor == _mark(*(f.key for f in poll.found))


def test_keys_do_not_change_when_lines_move_or_captions_change(tmp_path: Path) -> None:
    path = _write(tmp_path, "https://a.example/1 first\nhttps://a.example/2\n")
    before = UrlListConnector({"path": str(path)}).poll({}, FakeWeb())
    _write(tmp_path, "https://a.example/2 now with caption\n# moved\nhttps://a.example/1\n")
    after = UrlListConnector({"path": str(path)}).poll({}, FakeWeb())
    assert sorted(f.key for f in after.found) == sorted(f.key for f in before.found)


def test_byte_order_mark_and_windows_line_ends_are_accepted(tmp_path: Path) -> None:
    path = _write(tmp_path, codecs.BOM_UTF8 + b"https://a.example/1\r\nhttps://a.example/2 cap\r\n")
    poll = UrlListConnector({"path": str(path)}).poll({}, FakeWeb())
    assert [(f.key, f.caption) for f in poll.found] == [
        ("https://a.example/1", None),
        ("https://a.example/2", "cap"),
    ]
    assert poll.warnings == []


def test_not_utf8_is_refused_with_the_line_number(tmp_path: Path) -> None:
    path = _write(
        tmp_path, b"https://a.example/1\n" + "https://b.example/ 카리나\n".encode("cp949")
    )
    with pytest.raises(SourceError, match=r"is not UTF-8 text \(line 2\); save the list as UTF-8"):
        UrlListConnector({"path": str(path)}).poll({}, FakeWeb())


def test_invalid_line_warnings_are_capped_with_a_count(tmp_path: Path) -> None:
    path = _write(tmp_path, "".join(f"bad {n}\n" for n in range(25)) + "https://ok.example/\n")
    poll = UrlListConnector({"path": str(path)}).poll({}, FakeWeb())
    assert [f.key for f in poll.found] == ["https://ok.example/"]
    assert len(poll.warnings) == 21
    assert poll.warnings[0].startswith(f"line 1 of {path}: 'bad 0' is not an http(s) URL")
    assert poll.warnings[19].startswith(f"line 20 of {path}: 'bad 19' ")
    assert poll.warnings[20] == "... and 5 more warnings like these"


def test_too_many_lines_and_too_large_files_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(url_list, "MAX_LINES", 3)
    path = _write(tmp_path, "https://a.example/1\n# c\n\nhttps://a.example/2\n")
    with pytest.raises(SourceError, match="has 4 lines; a URL list may have at most 3"):
        UrlListConnector({"path": str(path)}).poll({}, FakeWeb())
    monkeypatch.setattr(url_list, "MAX_FILE_BYTES", 10)
    with pytest.raises(SourceError, match="larger than"):
        UrlListConnector({"path": str(path)}).poll({}, FakeWeb())


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        UrlListConnector({"path": str(tmp_path / "none.txt")}).poll({}, FakeWeb())


def test_exactly_one_of_path_and_url(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="exactly one of path"):
        UrlListConnector({})
    with pytest.raises(SourceError, match="exactly one of path"):
        UrlListConnector({"path": str(tmp_path), "url": "https://a.example/list.txt"})
    with pytest.raises(SourceError, match="absolute http"):
        UrlListConnector({"url": "file:///etc/passwd"})


def test_a_list_on_the_web_is_read_politely_and_only_when_changed() -> None:
    url = "https://lists.example.org/reported.txt"
    web = FakeWeb(
        pages={url: b"https://a.example/1 one\nnope\n"},
        types={url: "text/plain"},
        etags={url: '"v1"'},
    )
    connector = UrlListConnector({"url": url})

    first = connector.poll({}, web)
    assert [(f.key, f.caption) for f in first.found] == [("https://a.example/1", "one")]
    assert first.warnings == [
        f"line 2 of {url}: 'nope' is not an http(s) URL (without user name or password); skipped"
    ]
    assert first.cursor == {**_mark("https://a.example/1"), "etag": '"v1"'}

    second = connector.poll(first.cursor, web)
    assert second.found == []
    assert second.cursor == first.cursor
    assert web.asked == [(url, None, None), (url, '"v1"', None)]


def test_validators_are_kept_only_once_the_whole_list_was_listed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(UrlListConnector, "max_entries", 1)
    url = "https://lists.example.org/reported.txt"
    web = FakeWeb(pages={url: b"https://a.example/1\nhttps://a.example/2\n"}, etags={url: '"v1"'})
    connector = UrlListConnector({"url": url})
    first = connector.poll({}, web)
    assert first.cursor == _mark("https://a.example/1")  # no etag: "not modified" would stop here
    second = connector.poll(first.cursor, web)
    assert [f.key for f in second.found] == ["https://a.example/2"]
    assert second.cursor == {**_mark("https://a.example/1", "https://a.example/2"), "etag": '"v1"'}


def test_web_errors_are_left_to_the_monitor() -> None:
    web = FakeWeb(pages={"https://lists.example.org/big.txt": b"x" * (MAX_WEB_BYTES + 1)})
    with pytest.raises(FetchError, match="too large"):
        UrlListConnector({"url": "https://lists.example.org/big.txt"}).poll({}, web)
    with pytest.raises(FetchError, match="404"):
        UrlListConnector({"url": "https://lists.example.org/gone.txt"}).poll({}, web)


def _urls(*numbers: int) -> str:
    return "".join(f"https://a.example/{n}\n" for n in numbers)


def _keys(poll: Any) -> list[str]:
    return [f.key.rsplit("/", 1)[1] for f in poll.found]


def _run(tmp_path: Path, text: str, cursor: dict[str, Any]) -> Any:
    _write(tmp_path, text)
    return UrlListConnector({"path": str(tmp_path / "urls.txt")}).poll(cursor, FakeWeb())


def test_a_long_list_is_listed_over_several_polls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(UrlListConnector, "max_entries", 2)
    first = _run(tmp_path, _urls(1, 2, 3, 4, 5), {})
    assert _keys(first) == ["1", "2"]
    assert first.warnings == [
        "3 URLs of the list are not listed yet (at most 2 per poll); the next polls continue"
    ]
    second = _run(tmp_path, _urls(1, 2, 3, 4, 5), first.cursor)
    assert _keys(second) == ["3", "4"]
    third = _run(tmp_path, _urls(1, 2, 3, 4, 5), second.cursor)
    assert (_keys(third), third.warnings) == (["5"], [])
    done = _run(tmp_path, _urls(1, 2, 3, 4, 5), third.cursor)
    assert (_keys(done), done.cursor) == ([], third.cursor)


def test_urls_added_at_either_end_come_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(UrlListConnector, "max_entries", 3)
    first = _run(tmp_path, _urls(1, 2), {})
    appended = _run(tmp_path, _urls(1, 2, 3), first.cursor)
    assert _keys(appended) == ["3"]
    # A "newest first" list: new lines on top, and one more at the end.
    both = _run(tmp_path, _urls(11, 10, 1, 2, 3, 4), appended.cursor)
    assert _keys(both) == ["11", "10", "4"]
    assert both.cursor == _mark(*(f"https://a.example/{n}" for n in (11, 10, 1, 2, 3, 4)))


def test_more_new_lines_on_top_than_one_poll_takes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(UrlListConnector, "max_entries", 2)
    first = _run(tmp_path, _urls(1, 2), {})
    text = _urls(13, 12, 11, 1, 2, 3)
    second = _run(tmp_path, text, first.cursor)
    assert _keys(second) == ["13", "12"]
    third = _run(tmp_path, text, second.cursor)
    assert _keys(third) == ["11", "1"]  # the old block comes once more: harmless
    fourth = _run(tmp_path, text, third.cursor)
    assert _keys(fourth) == ["2", "3"]


def test_an_edit_inside_the_listed_block_starts_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(UrlListConnector, "max_entries", 10)
    first = _run(tmp_path, _urls(1, 2, 3), {})
    edited = _run(tmp_path, _urls(1, 9, 3), first.cursor)
    assert _keys(edited) == ["1", "9", "3"]
    malformed = _run(tmp_path, _urls(1, 9, 3), {"count": "3", "last": 1, "digest": None})
    assert _keys(malformed) == ["1", "9", "3"]
