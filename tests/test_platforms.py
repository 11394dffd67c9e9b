"""Platform naming: the readable name of the platform or site a URL belongs to."""

from __future__ import annotations

import pytest

from idolguard.platforms import platform_for


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://www.youtube.com/watch?v=abc", "youtube"),
        ("https://m.youtube.com/shorts/abc", "youtube"),
        ("https://youtu.be/abc", "youtube"),
        ("https://i.ytimg.com/vi/abc/hqdefault.jpg", "youtube"),
        ("https://twitter.com/user/status/1", "x"),
        ("https://x.com/user/status/1", "x"),
        ("https://pbs.twimg.com/media/abc.jpg", "x"),
        ("https://www.instagram.com/p/abc/", "instagram"),
        ("https://www.tiktok.com/@user/video/1", "tiktok"),
        ("https://m.facebook.com/story", "facebook"),
        ("https://old.reddit.com/r/kpop", "reddit"),
        ("https://t.me/channel/5", "telegram"),
        ("https://blog.naver.com/user/1", "naver"),
        ("https://cafe.daum.net/x", "daum"),
        ("https://gall.dcinside.com/board/view/?id=x", "dcinside"),
        ("https://theqoo.net/square/1", "theqoo"),
        ("https://pann.nate.com/talk/123", "pann"),
        ("https://news.nate.com/view/1", "nate.com"),
        ("https://www.fmkorea.com/123", "fmkorea"),
        ("https://weibo.com/u/1", "weibo"),
        ("https://www.bilibili.com/video/BV1", "bilibili"),
        ("https://sub.example.co.kr/page", "example.co.kr"),
        ("http://www.example.co.kr:8080/", "example.co.kr"),
        ("https://news.bbc.co.uk/x", "bbc.co.uk"),
        ("https://www.abc.net.au/", "abc.net.au"),
        ("https://www.example.co.jp/", "example.co.jp"),
        ("https://a.b.example.com/", "example.com"),
        ("https://EXAMPLE.COM./x", "example.com"),
        ("https://notyoutube.com/", "notyoutube.com"),
        ("www.youtube.com/watch?v=1", "youtube"),
        ("http://192.0.2.7/x", "192.0.2.7"),
        ("http://localhost:8000/", "localhost"),
        ("", "unknown"),
        ("not a url", "unknown"),
        ("http://[::1/", "unknown"),
    ],
)
def test_platform_for(url: str, platform: str) -> None:
    assert platform_for(url) == platform
