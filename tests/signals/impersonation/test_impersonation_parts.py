"""Vocabulary, links and the profile format the CLI and API read."""

from __future__ import annotations

import base64

import pytest

from idolguard.signals.impersonation import Profile, ProfileError
from idolguard.signals.impersonation.links import check_links, urls_in
from idolguard.signals.impersonation.vocabulary import (
    fan_handle_word,
    fan_marker,
    fold_text,
    official_claim,
    scam_hits,
    scam_score,
)


def test_scam_needs_an_ask_to_score_high() -> None:
    offers = {h.category for h in scam_hits(fold_text("Fan meeting tickets on sale!"))}
    asks = {h.category for h in scam_hits(fold_text("Fan meeting tickets, 입금 후 카톡 주세요"))}
    assert offers == {"meeting", "tickets"}
    assert asks == {"meeting", "tickets", "payment", "contact"}
    assert scam_score(offers) < 0.2 < 0.8 < scam_score(asks)


def test_english_terms_match_whole_words_only() -> None:
    assert not scam_hits(fold_text("profitable? no: the btcs and deposited"))
    assert [h.term for h in scam_hits(fold_text("PROFIT guaranteed"))] == ["profit"]


def test_fan_markers_and_claims() -> None:
    assert fan_marker(fold_text("하늘 팬계정입니다")) == "팬계정"
    assert official_claim(fold_text("unofficial fan page")) is None
    assert official_claim(fold_text("비공식 계정")) is None
    assert official_claim(fold_text("Official account")) == "official"
    assert fan_handle_word(["haneulupdates"]) == "updates"
    assert fan_handle_word(["haneul"]) is None


def test_links_by_kind() -> None:
    links = [
        "https://t.me/vip",
        "https://bit.ly/x",
        "https://pay.bad.example/a",
        "https://haneul.example",
        "not a url",
    ]
    found = check_links(links, blocked=["bad.example"], allowed=["haneul.example"])
    assert [(f.host, f.kind) for f in found] == [
        ("t.me", "messenger"),
        ("bit.ly", "shortener"),
        ("pay.bad.example", "blocked"),
    ]
    assert urls_in(["see https://a.example/x, or t.me/abc."]) == ["https://a.example/x", "t.me/abc"]


def test_profile_from_json() -> None:
    data = {
        "platform": "X",
        "handle": "@Haneul",
        "bio": "hi",
        "avatar": base64.b64encode(b"png").decode(),
        "links": ["https://a.example"],
        "followers": 3,
    }
    profile = Profile.from_json(data)
    assert profile.key == "x:@haneul" and profile.avatar == b"png" and profile.followers == 3
    assert "avatar" not in profile.metadata()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"handle": "a"}, "needs platform"),
        ({"platform": "x", "handle": "@ "}, "handle must not be empty"),
        ({"platform": "x", "handle": "a", "avatar": "%%"}, "not valid base64"),
        ({"platform": "x", "handle": "a", "links": "x"}, "list of text"),
        ({"platform": "x", "handle": "a", "followers": -1}, "followers"),
        ([], "JSON object"),
    ],
)
def test_bad_profiles_are_refused_clearly(data: object, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        Profile.from_json(data)  # type: ignore[arg-type]
