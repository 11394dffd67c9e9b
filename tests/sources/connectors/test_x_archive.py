"""X account archives, unzipped and zipped: media, metadata, the id cursor, and hostile archives."""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from idolguard.sources.connectors import x_archive
from idolguard.sources.connectors.base import Poll, SourceError
from idolguard.sources.connectors.x_archive import XArchiveConnector
from tests.sources.connectors.fakeweb import FakeWeb

PHOTO_TWEET = "1850000000000000001"
VIDEO_TWEET = "1850000000000000002"
GONE_TWEET = "1850000000000000003"
TEXT_TWEET = "1850000000000000004"
TWO_PHOTOS = "1850000000000000005"

ACCOUNT = [
    {
        "account": {
            "email": "someone@example.com",
            "createdVia": "web",
            "username": "leaker_kr",
            "accountId": "987654321",
            "createdAt": "2020-01-01T00:00:00.000Z",
            "accountDisplayName": "유출 계정",
        }
    }
]


def _photo(media_id: str, tweet_id: str, name: str) -> dict[str, Any]:
    return {
        "id_str": media_id,
        "media_url_https": f"https://pbs.twimg.com/media/{name}.jpg",
        "media_url": f"http://pbs.twimg.com/media/{name}.jpg",
        "url": "https://t.co/abc",
        "expanded_url": f"https://x.com/leaker_kr/status/{tweet_id}/photo/1",
        "type": "photo",
    }


def _tweet(
    tweet_id: str, text: str, media: list[dict[str, Any]], **entities: Any
) -> dict[str, Any]:
    tweet: dict[str, Any] = {
        "id_str": tweet_id,
        "id": tweet_id,
        "full_text": text,
        "created_at": "Wed Oct 10 20:19:24 +0000 2018",
        "entities": {"hashtags": [], "urls": [], **entities},
    }
    if media:
        tweet["extended_entities"] = {"media": media}
        tweet["entities"]["media"] = media[:1]
    return {"tweet": tweet}


VIDEO = {
    "id_str": "222",
    "media_url_https": "https://pbs.twimg.com/ext_tw_video_thumb/222/pu/img/thumb.jpg",
    "type": "video",
    "video_info": {
        "variants": [
            {"content_type": "application/x-mpegURL", "url": "https://video.twimg.com/pl.m3u8"},
            {
                "bitrate": "832000",
                "content_type": "video/mp4",
                "url": "https://video.twimg.com/ext_tw_video/222/pu/vid/640x360/low.mp4?tag=12",
            },
            {
                "bitrate": "2176000",
                "content_type": "video/mp4",
                "url": "https://video.twimg.com/ext_tw_video/222/pu/vid/1280x720/high.mp4?tag=12",
            },
        ]
    },
}

PART0 = [
    _tweet(
        PHOTO_TWEET,
        "합성 사진 #에스파 #deepfake https://t.co/abc",
        [_photo("111", PHOTO_TWEET, "PhotoOne")],
        hashtags=[
            {"text": "에스파", "indices": [6, 10]},
            {"text": "deepfake", "indices": [11, 20]},
        ],
    ),
    _tweet(VIDEO_TWEET, "영상 https://t.co/vid", [VIDEO]),
    _tweet(TEXT_TWEET, "just words", []),
]
PART1 = [
    _tweet(GONE_TWEET, "deleted media", [_photo("333", GONE_TWEET, "Gone")]),
    _tweet(
        TWO_PHOTOS,
        "two",
        [_photo("551", TWO_PHOTOS, "First"), _photo("552", TWO_PHOTOS, "Second")],
    ),
    {"tweet": {"id_str": "../../etc", "full_text": "crafted"}},
]
MEDIA = {
    f"{PHOTO_TWEET}-PhotoOne.jpg": b"photo one",
    f"{VIDEO_TWEET}-high.mp4": b"video bytes",
    f"{TWO_PHOTOS}-First.jpg": b"first",
    f"{TWO_PHOTOS}-Second.jpg": b"second",
}


def _js(name: str, value: object) -> bytes:
    return f"window.YTD.{name}.part0 = {json.dumps(value, ensure_ascii=False, indent=2)}".encode()


def _files(
    part0: list[Any] = PART0, media: dict[str, bytes] = MEDIA, media_dir: str = "tweets_media"
) -> dict[str, bytes]:
    files = {
        "Your archive.html": b"<html></html>",
        "data/account.js": _js("account", ACCOUNT),
        "data/tweets.js": _js("tweets", part0),
        "data/tweets-part1.js": _js("tweets", PART1).replace(b".part0 =", b".part1 ="),
    }
    files.update({f"data/{media_dir}/{name}": data for name, data in media.items()})
    return files


def _folder(root: Path, files: dict[str, bytes] | None = None) -> Path:
    for name, data in (files or _files()).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def _zip(path: Path, files: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (files or _files()).items():
            archive.writestr(name, data)
    return path


def _poll(path: Path, cursor: dict[str, Any] | None = None) -> Poll:
    return XArchiveConnector({"path": str(path)}).poll(cursor or {}, FakeWeb())


@pytest.fixture(autouse=True)
def _private_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Copies taken out of zips land under the test's own folder."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


SKIPPED_ID_WARNING = "entry #6 of the tweet files has no numeric id_str; skipped"
MISSING_WARNING = (
    "1 media files are not in the archive; those with a URL on X are listed by it instead "
    "(they can be captured while still online)"
)


def test_an_unzipped_archive_lists_each_media_with_its_tweet(tmp_path: Path) -> None:
    root = _folder(tmp_path / "twitter-2026-11-25")
    poll = _poll(root)
    media = root / "data" / "tweets_media"

    assert [f.key for f in poll.found] == [
        f"{PHOTO_TWEET}:111",
        f"{VIDEO_TWEET}:222",
        f"{GONE_TWEET}:333",
        f"{TWO_PHOTOS}:551",
        f"{TWO_PHOTOS}:552",
    ]
    photo, video, gone, first, second = poll.found
    assert photo.metadata() == {
        "url": f"https://x.com/leaker_kr/status/{PHOTO_TWEET}",
        "local_path": str(media / f"{PHOTO_TWEET}-PhotoOne.jpg"),
        "platform": "x",
        "post_id": PHOTO_TWEET,
        "uploader": "leaker_kr",
        "caption": "합성 사진 #에스파 #deepfake https://t.co/abc",
        "hashtags": ["에스파", "deepfake"],
        "posted_at": "2018-10-10T20:19:24Z",
        "extra": {"media_type": "photo", "account_id": "987654321", "display_name": "유출 계정"},
    }
    assert video.local_path == media / f"{VIDEO_TWEET}-high.mp4"
    assert video.extra["media_type"] == "video"
    # Not in the archive: the picture's URL on X instead.
    assert gone.local_path is None
    assert gone.media_url == "https://pbs.twimg.com/media/Gone.jpg"
    assert gone.page_url == f"https://x.com/leaker_kr/status/{GONE_TWEET}"
    assert (first.local_path, second.local_path) == (
        media / f"{TWO_PHOTOS}-First.jpg",
        media / f"{TWO_PHOTOS}-Second.jpg",
    )
    assert poll.cursor == {"last_id": TWO_PHOTOS}
    assert poll.warnings == [SKIPPED_ID_WARNING, MISSING_WARNING]


def test_a_missing_video_falls_back_to_its_best_mp4(tmp_path: Path) -> None:
    root = _folder(tmp_path, _files(media={}))
    video = _poll(root).found[1]
    assert video.key == f"{VIDEO_TWEET}:222"
    assert video.local_path is None
    assert video.media_url == (
        "https://video.twimg.com/ext_tw_video/222/pu/vid/1280x720/high.mp4?tag=12"
    )


def test_the_cursor_returns_only_newer_tweets(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    assert [f.key for f in _poll(root, {"last_id": GONE_TWEET}).found] == [
        f"{TWO_PHOTOS}:551",
        f"{TWO_PHOTOS}:552",
    ]
    again = _poll(root, {"last_id": TWO_PHOTOS})
    assert again.found == []
    assert again.cursor == {"last_id": TWO_PHOTOS}


def test_a_big_archive_is_read_over_several_polls_without_splitting_a_tweet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(XArchiveConnector, "max_entries", 2)
    root = _folder(tmp_path)
    first = _poll(root)
    assert [f.key for f in first.found] == [f"{PHOTO_TWEET}:111", f"{VIDEO_TWEET}:222"]
    assert first.cursor == {"last_id": VIDEO_TWEET}
    second = _poll(root, first.cursor)
    # The two-photo tweet does not fit beside it and is not split: it waits.
    assert [f.key for f in second.found] == [f"{GONE_TWEET}:333"]
    assert second.cursor == {"last_id": TEXT_TWEET}  # the text-only tweet is passed too
    third = _poll(root, second.cursor)
    assert [f.key for f in third.found] == [f"{TWO_PHOTOS}:551", f"{TWO_PHOTOS}:552"]
    assert third.cursor == {"last_id": TWO_PHOTOS}


def test_older_archives_use_tweet_js_and_tweet_media(tmp_path: Path) -> None:
    files = {
        "data/account.js": _js("account", ACCOUNT),
        "data/tweet.js": _js("tweet", [PART0[0]["tweet"]]),  # items without the "tweet" wrapper
        f"data/tweet_media/{PHOTO_TWEET}-PhotoOne.jpg": b"old layout",
    }
    root = _folder(tmp_path, files)
    poll = _poll(root)
    assert [(f.key, f.local_path) for f in poll.found] == [
        (f"{PHOTO_TWEET}:111", root / "data" / "tweet_media" / f"{PHOTO_TWEET}-PhotoOne.jpg")
    ]


def test_without_account_js_tweets_are_listed_unnamed(tmp_path: Path) -> None:
    files = _files()
    del files["data/account.js"]
    poll = _poll(_folder(tmp_path, files))
    assert poll.found[0].uploader is None
    assert poll.found[0].page_url == f"https://x.com/i/web/status/{PHOTO_TWEET}"
    assert poll.warnings[0] == "data/account.js is missing or empty: the uploader is not named"


def test_the_data_folder_itself_may_be_given(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    assert len(_poll(root / "data").found) == 5


def test_media_links_out_of_the_archive_are_refused(tmp_path: Path) -> None:
    root = _folder(tmp_path / "archive", _files(media={}))
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"not part of the archive")
    (root / "data" / "tweets_media").mkdir()
    (root / "data" / "tweets_media" / f"{PHOTO_TWEET}-PhotoOne.jpg").symlink_to(secret)

    poll = _poll(root)
    photo = poll.found[0]
    assert photo.local_path is None
    assert photo.media_url == "https://pbs.twimg.com/media/PhotoOne.jpg"
    assert poll.warnings[1] == (
        f"'data/tweets_media/{PHOTO_TWEET}-PhotoOne.jpg' is a link leading outside the folder; "
        "skipped"
    )


def test_crafted_ids_and_names_cannot_leave_the_media_folder(tmp_path: Path) -> None:
    crafted = _photo("777", PHOTO_TWEET, "x")
    crafted["media_url_https"] = "https://pbs.twimg.com/media/.."
    crafted["media_url"] = "https://pbs.twimg.com/media/..%2F..%2Fsecret.jpg"
    part0 = [
        _tweet(PHOTO_TWEET, "crafted", [crafted]),
        {"tweet": {"id_str": "../../../secret", "extended_entities": {"media": [VIDEO]}}},
    ]
    root = _folder(tmp_path / "archive", _files(part0=part0, media={}))
    (tmp_path / "archive" / "secret.jpg").write_bytes(b"secret")
    poll = _poll(root)
    crafted_entry = poll.found[0]
    assert crafted_entry.key == f"{PHOTO_TWEET}:777"
    assert crafted_entry.local_path is None
    assert "entry #2 of the tweet files has no numeric id_str; skipped" in poll.warnings


def test_broken_archives_are_source_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        _poll(tmp_path / "nowhere")

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match="not an X archive folder"):
        _poll(empty)

    files = _files()
    files["data/tweets.js"] = b"window.YTD.tweets.part0 = [ {"
    with pytest.raises(SourceError, match=r"data/tweets\.js is not valid JSON"):
        _poll(_folder(tmp_path / "broken", files))

    files["data/tweets.js"] = b'window.YTD.tweets.part0 = {"tweet": {}}'
    with pytest.raises(SourceError, match="holds no list"):
        _poll(_folder(tmp_path / "not-a-list", files))


# --------------------------------------------------------------------------- zipped


def test_a_zip_is_read_without_extracting_it(tmp_path: Path, _private_temp: Path) -> None:
    archive = _zip(tmp_path / "twitter-2026-11-25.zip")
    poll = _poll(archive)

    assert [f.key for f in poll.found] == [
        f"{PHOTO_TWEET}:111",
        f"{VIDEO_TWEET}:222",
        f"{GONE_TWEET}:333",
        f"{TWO_PHOTOS}:551",
        f"{TWO_PHOTOS}:552",
    ]
    photo, video, gone, *_ = poll.found
    assert photo.local_path is not None and video.local_path is not None
    assert photo.local_path.read_bytes() == b"photo one"
    assert video.local_path.read_bytes() == b"video bytes"
    assert photo.local_path.parent.parent == _private_temp
    assert photo.local_path.parent.name.startswith("x-archive-")
    assert photo.extra == {
        "media_type": "photo",
        "account_id": "987654321",
        "display_name": "유출 계정",
        "temporary": True,
    }
    assert gone.media_url == "https://pbs.twimg.com/media/Gone.jpg"
    assert "temporary" not in gone.extra  # nothing to delete
    # Only the referenced media were copied out: not the HTML, not the data files.
    copied = sorted(p.name for p in photo.local_path.parent.iterdir())
    assert copied == [
        f"1-{PHOTO_TWEET}-PhotoOne.jpg",
        f"2-{VIDEO_TWEET}-high.mp4",
        f"3-{TWO_PHOTOS}-First.jpg",
        f"4-{TWO_PHOTOS}-Second.jpg",
    ]
    assert poll.cursor == {"last_id": TWO_PHOTOS}


def test_a_rezipped_archive_with_a_top_folder_is_found(tmp_path: Path) -> None:
    files = {f"twitter-2026/{name}": data for name, data in _files().items()}
    poll = _poll(_zip(tmp_path / "archive.zip", files))
    assert len(poll.found) == 5
    assert poll.found[0].local_path is not None


def test_zip_members_with_unsafe_names_are_refused(tmp_path: Path) -> None:
    files = _files()
    files["../evil.js"] = b"x"
    files["/etc/cron.d/evil"] = b"x"
    files[f"data/tweets_media/../../{PHOTO_TWEET}-PhotoOne.jpg"] = b"x"
    poll = _poll(_zip(tmp_path / "archive.zip", files))
    assert poll.warnings[0] == (
        f"{tmp_path / 'archive.zip'} has 3 members with unsafe names (absolute, or with '..'); "
        "they were ignored"
    )
    assert len(poll.found) == 5
    assert not (tmp_path / "evil.js").exists()


def test_a_zip_with_only_a_traversing_data_folder_is_not_an_archive(tmp_path: Path) -> None:
    files = {f"../{name}": data for name, data in _files().items()}
    with pytest.raises(SourceError, match=r"is not an X archive: it has no data/tweets\.js"):
        _poll(_zip(tmp_path / "archive.zip", files))


def test_zip_extraction_is_bounded_per_poll_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(XArchiveConnector, "extract_budget", 12)
    archive = _zip(tmp_path / "archive.zip")

    first = _poll(archive)  # "photo one" (9 bytes) fits, "video bytes" (11) does not
    assert [f.key for f in first.found] == [f"{PHOTO_TWEET}:111"]
    assert first.cursor == {"last_id": PHOTO_TWEET}
    assert first.warnings[-1] == (
        f"the archive has more media than one poll takes; the next polls continue after "
        f"tweet {PHOTO_TWEET}"
    )
    second = _poll(archive, first.cursor)
    assert [f.key for f in second.found] == [f"{VIDEO_TWEET}:222", f"{GONE_TWEET}:333"]
    third = _poll(archive, second.cursor)
    # "first" (5) and "second" (6) fit together; a tweet is never split.
    assert [f.key for f in third.found] == [f"{TWO_PHOTOS}:551", f"{TWO_PHOTOS}:552"]
    assert all(f.local_path is not None for f in third.found)


def test_a_first_media_over_the_budget_falls_back_to_its_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(XArchiveConnector, "extract_budget", 5)
    archive = _zip(tmp_path / "archive.zip")
    poll = _poll(archive, {"last_id": GONE_TWEET})
    first, second = poll.found
    assert first.local_path is not None and first.local_path.read_bytes() == b"first"
    assert second.local_path is None
    assert second.media_url == "https://pbs.twimg.com/media/Second.jpg"
    assert poll.warnings == [
        SKIPPED_ID_WARNING,
        f"tweet {TWO_PHOTOS}: '{TWO_PHOTOS}-Second.jpg' does not fit in one poll's "
        "extraction budget; its URL is given instead",
    ]


def test_oversized_zip_members_are_not_extracted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _private_temp: Path
) -> None:
    monkeypatch.setattr(x_archive, "MAX_MEDIA_BYTES", 10)
    poll = _poll(_zip(tmp_path / "archive.zip"))
    video = poll.found[1]
    assert video.local_path is None
    assert video.media_url is not None and video.media_url.endswith("high.mp4?tag=12")
    assert (
        f"'data/tweets_media/{VIDEO_TWEET}-high.mp4' is too large to take out of the zip"
        in poll.warnings
    )


def test_broken_zips_are_source_errors_and_leave_no_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _private_temp: Path
) -> None:
    not_zip = tmp_path / "archive.zip"
    not_zip.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(SourceError, match="is not a readable zip file"):
        _poll(not_zip)

    files = _files()
    files["data/tweets-part1.js"] = b"window.YTD.tweets.part1 = [ broken"
    with pytest.raises(SourceError, match="not valid JSON"):
        _poll(_zip(tmp_path / "broken.zip", files))
    assert list(_private_temp.iterdir()) == []

    monkeypatch.setattr(x_archive, "MAX_DATA_FILE_BYTES", 100)
    with pytest.raises(SourceError, match="larger than"):
        _poll(_zip(tmp_path / "big.zip"))

    monkeypatch.setattr(x_archive, "MAX_ZIP_MEMBERS", 3)
    with pytest.raises(SourceError, match="members, more than an X archive ever has"):
        _poll(_zip(tmp_path / "many.zip"))


def test_nothing_is_copied_when_nothing_is_new(tmp_path: Path, _private_temp: Path) -> None:
    poll = _poll(_zip(tmp_path / "archive.zip"), {"last_id": TWO_PHOTOS})
    assert poll.found == []
    assert list(_private_temp.iterdir()) == []


def test_a_failure_after_copying_removes_the_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _private_temp: Path
) -> None:
    def broken(raw: object) -> str:
        raise RuntimeError("a bug after the first copy")

    monkeypatch.setattr(x_archive, "_x_date", broken)
    with pytest.raises(RuntimeError, match="a bug after the first copy"):
        _poll(_zip(tmp_path / "archive.zip"))
    assert list(_private_temp.iterdir()) == []


def test_the_account_profile_is_listed_for_the_impersonation_check(tmp_path: Path) -> None:
    files = _files()
    profile = [
        {
            "profile": {
                "description": {"bio": "Official. DM me for tickets", "website": "https://t.co/x"},
                "avatarMediaUrl": "https://pbs.twimg.com/profile_images/1/Av4tar.jpg",
            }
        }
    ]
    files["data/profile.js"] = _js("profile", profile)
    files["data/profile_media/987654321-Av4tar.jpg"] = b"avatar bytes"
    for poll in (
        _poll(_folder(tmp_path / "folder", files)),
        _poll(_zip(tmp_path / "a.zip", files)),
    ):
        first = poll.found[0]
        assert first.key == "profile:leaker_kr:Av4tar.jpg"
        assert first.local_path is not None and first.local_path.read_bytes() == b"avatar bytes"
        assert first.extra["profile"] == {
            "platform": "x",
            "handle": "leaker_kr",
            "display_name": "유출 계정",
            "bio": "Official. DM me for tickets",
            "url": "https://x.com/leaker_kr",
            "links": ["https://t.co/x"],
        }
        assert all("profile" not in f.extra for f in poll.found[1:])


def test_an_archive_without_its_profile_picture_lists_no_profile(tmp_path: Path) -> None:
    files = _files()
    files["data/profile.js"] = _js(
        "profile", [{"profile": {"avatarMediaUrl": "https://pbs.twimg.com/p/None.jpg"}}]
    )
    poll = _poll(_folder(tmp_path / "folder", files))
    assert all("profile" not in f.extra for f in poll.found)
    assert any("profile picture is not in data/profile_media" in w for w in poll.warnings)
