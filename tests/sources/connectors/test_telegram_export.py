"""Telegram Desktop chat exports: media, metadata, the id cursor, and hostile exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from idolguard.sources.connectors import telegram_export
from idolguard.sources.connectors.base import Poll, SourceError
from idolguard.sources.connectors.telegram_export import TelegramExportConnector
from tests.sources.connectors.fakeweb import FakeWeb

NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"


def _message(number: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": number,
        "type": "message",
        "date": "2026-11-20T21:04:11",
        "date_unixtime": str(1_795_208_651 + number),
        "from": "유출방",
        "from_id": "channel1234567890",
        "text": "",
        "text_entities": [],
        **fields,
    }


MESSAGES: list[dict[str, Any]] = [
    {
        "id": 1,
        "type": "service",
        "date": "2026-11-20T21:00:00",
        "actor": "유출방",
        "actor_id": "channel1234567890",
        "action": "create_channel",
        "text": "",
    },
    _message(
        2,
        photo="photos/photo_1@20-11-2026_21-04-11.jpg",
        width=1280,
        height=960,
        forwarded_from="Other Leaks",
        text=["새 사진 ", {"type": "hashtag", "text": "#카리나"}, " 원본 #aespa"],
        text_entities=[
            {"type": "plain", "text": "새 사진 "},
            {"type": "hashtag", "text": "#카리나"},
            {"type": "plain", "text": " 원본 #aespa"},
        ],
    ),
    _message(
        3,
        file="video_files/clip.mp4",
        thumbnail="video_files/clip.mp4_thumb.jpg",
        media_type="video_file",
        mime_type="video/mp4",
        text="full video",
    ),
    _message(4, file="stickers/sticker.webp", media_type="sticker", mime_type="image/webp"),
    _message(5, file=NOT_INCLUDED, media_type="video_file", mime_type="video/mp4"),
    _message(6, photo="../../etc/passwd"),
    _message(7, photo="/etc/passwd"),
    _message(8, photo="photos/deleted.jpg"),
    _message(9, file="files/leak-list.pdf", mime_type="application/pdf"),
    _message(10, file="voice_messages/audio_1.ogg", media_type="voice_message"),
    _message(11, photo="photos/link.jpg"),
    {"id": 12, "type": "message", "date": "2026-11-21T08:00:00", "photo": "photos/old.jpg"},
    {"type": "message", "photo": "photos/photo_1@20-11-2026_21-04-11.jpg"},
]


def _export(
    root: Path,
    messages: list[dict[str, Any]] = MESSAGES,
    **chat: Any,
) -> Path:
    folder = root / "ChatExport_2026-11-25"
    for relative in (
        "photos/photo_1@20-11-2026_21-04-11.jpg",
        "photos/old.jpg",
        "video_files/clip.mp4",
        "video_files/clip.mp4_thumb.jpg",
        "stickers/sticker.webp",
        "files/leak-list.pdf",
        "voice_messages/audio_1.ogg",
    ):
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(b"not really media")
    secret = root / "secret.jpg"
    secret.write_bytes(b"outside the export")
    link = folder / "photos" / "link.jpg"
    if not link.is_symlink():
        link.symlink_to(secret)
    data = {"name": "유출방", "type": "private_channel", "id": 1234567890, **chat}
    data["messages"] = messages
    (folder / "result.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return folder


def _poll(path: Path, cursor: dict[str, Any] | None = None) -> Poll:
    return TelegramExportConnector({"path": str(path)}).poll(cursor or {}, FakeWeb())


def test_media_messages_become_entries_with_their_metadata(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    poll = _poll(folder)

    assert [f.key for f in poll.found] == [
        "1234567890:2:photo",
        "1234567890:3:file",
        "1234567890:12:photo",
    ]
    photo, video, old = poll.found
    assert photo.local_path == folder / "photos" / "photo_1@20-11-2026_21-04-11.jpg"
    assert photo.local_path.is_absolute()
    assert photo.metadata() == {
        "local_path": str(folder / "photos" / "photo_1@20-11-2026_21-04-11.jpg"),
        "platform": "telegram",
        "post_id": "2",
        "uploader": "유출방",
        "caption": "새 사진 #카리나 원본 #aespa",
        "hashtags": ["카리나", "aespa"],
        "posted_at": "2026-11-20T21:04:13Z",
        "extra": {
            "chat_id": "1234567890",
            "chat_name": "유출방",
            "chat_type": "private_channel",
            "from_id": "channel1234567890",
            "forwarded_from": "Other Leaks",
        },
    }
    assert video.local_path == folder / "video_files" / "clip.mp4"
    assert video.caption == "full video"
    assert video.extra["media_type"] == "video_file"
    assert video.page_url is None  # a private channel has no public links
    # No unix time: the local time of the exporting computer, kept as written.
    assert old.posted_at == "2026-11-21T08:00:00"
    assert old.uploader is None

    assert poll.cursor == {"last_id": 12}
    assert poll.warnings == [
        "message #13 in the list has no numeric id; skipped",
        "message 6: photo '../../etc/passwd' leads outside the folder; skipped",
        "message 7: photo '/etc/passwd' is not a relative path; skipped",
        "message 8: photo 'photos/deleted.jpg' is missing; skipped",
        "message 11: photo 'photos/link.jpg' is a link leading outside the folder; skipped",
        "1 media files were not included in the export (they are on Telegram but were not "
        "downloaded); export again with media enabled",
    ]


def test_the_cursor_returns_only_newer_messages(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    assert [f.key for f in _poll(folder, {"last_id": 2}).found] == [
        "1234567890:3:file",
        "1234567890:12:photo",
    ]
    first = _poll(folder)
    again = _poll(folder, first.cursor)
    assert again.found == []
    assert again.cursor == {"last_id": 12}

    _export(tmp_path, [*MESSAGES, _message(13, photo="photos/old.jpg", text="posted later")])
    later = _poll(folder, again.cursor)
    assert [(f.key, f.caption) for f in later.found] == [("1234567890:13:photo", "posted later")]
    assert later.cursor == {"last_id": 13}


def test_a_malformed_cursor_starts_from_the_beginning(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    assert len(_poll(folder, {"last_id": "12"}).found) == 3
    assert len(_poll(folder, {"last_id": True}).found) == 3


def test_a_big_export_is_read_over_several_polls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TelegramExportConnector, "max_entries", 1)
    folder = _export(tmp_path)
    first = _poll(folder)
    assert [f.key for f in first.found] == ["1234567890:2:photo"]
    assert first.cursor == {"last_id": 2}
    assert first.warnings[-1] == (
        "the export has more media than one poll reports (1); "
        "the next polls continue after message 2"
    )
    second = _poll(folder, first.cursor)
    assert [f.key for f in second.found] == ["1234567890:3:file"]
    third = _poll(folder, second.cursor)
    assert [f.key for f in third.found] == ["1234567890:12:photo"]
    assert third.cursor == {"last_id": 12}


def test_result_json_itself_may_be_given(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    poll = _poll(folder / "result.json")
    assert poll.found[0].local_path == (folder / "photos" / "photo_1@20-11-2026_21-04-11.jpg")


def test_a_public_channel_with_a_username_gets_post_links(tmp_path: Path) -> None:
    folder = _export(tmp_path, type="public_channel", username="leak_room")
    poll = _poll(folder)
    assert poll.found[0].page_url == "https://t.me/leak_room/2"
    private = _export(tmp_path / "p", type="private_group", username="leak_room")
    assert _poll(private).found[0].page_url is None
    odd = _export(tmp_path / "o", type="public_channel", username="../x")
    assert _poll(odd).found[0].page_url is None


def test_long_captions_are_clipped(tmp_path: Path) -> None:
    folder = _export(tmp_path, [_message(1, photo="photos/old.jpg", text="가" * 6000)])
    caption = _poll(folder).found[0].caption
    assert caption is not None
    assert len(caption) == 5000
    assert caption.endswith("…")


def test_broken_exports_are_source_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _export(tmp_path)
    result = folder / "result.json"

    result.write_text('{"name": "x", "messages": [{"id": 1, ', encoding="utf-8")
    with pytest.raises(SourceError, match=r"is not valid JSON \(line 1, column"):
        _poll(folder)

    result.write_text("[1, 2, 3]", encoding="utf-8")
    with pytest.raises(SourceError, match="not a Telegram chat export"):
        _poll(folder)

    result.write_text('{"about": "...", "chats": {"list": []}}', encoding="utf-8")
    with pytest.raises(SourceError, match="whole-account export"):
        _poll(folder)

    result.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(SourceError, match="nested too deeply"):
        _poll(folder)

    result.write_text('{"messages": []}', encoding="utf-8")
    monkeypatch.setattr(telegram_export, "MAX_RESULT_BYTES", 10)
    with pytest.raises(SourceError, match="larger than"):
        _poll(folder)


def test_missing_or_non_json_exports_are_source_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        _poll(tmp_path / "nowhere")
    html = tmp_path / "html-export"
    html.mkdir()
    (html / "messages.html").write_text("<html></html>", encoding="utf-8")
    with pytest.raises(SourceError, match="HTML export; export the chat again with format JSON"):
        _poll(html)
    with pytest.raises(SourceError, match=r"has no result\.json"):
        _poll(tmp_path)


def test_odd_message_shapes_are_skipped_not_fatal(tmp_path: Path) -> None:
    folder = _export(
        tmp_path,
        [
            "not a message",
            _message(2, photo=["photos/old.jpg"]),
            _message(3, photo="photos/old.jpg", text={"odd": True}, text_entities="x"),
            _message(4, photo="photos\\old.jpg", text=[None, 5, {"type": "bold"}, "ok"]),
        ],
    )
    poll = _poll(folder)
    assert [(f.key, f.caption) for f in poll.found] == [
        ("1234567890:3:photo", None),
        ("1234567890:4:photo", "ok"),
    ]
    assert poll.warnings == [
        "message #1 in the list has no numeric id; skipped",
        "message 2: its photo is not a path; skipped",
    ]
