"""Caption text signal: artists' names through the usual evasions, and harm vocabulary.

The roster here is a tiny fake ``NameSource``; one test reads names from a
real ``RosterService`` to check the two fit together.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from idolguard.app import IdolGuard
from idolguard.media import MediaLimits, MediaType, SniffResult
from idolguard.signals.base import AnalysisItem, Stage
from idolguard.signals.text import (
    MATCHED_CHARS,
    ArtistNames,
    TextSignal,
    damerau_levenshtein,
)
from idolguard.storage.models import Artist, ArtistAlias

ROSTER = [
    ArtistNames(1, "Jennie", ("Jennie", "제니", "Jennie Kim", "김제니")),
    ArtistNames(2, "IU", ("아이유", "이지은")),
    ArtistNames(3, "Lisa", ("리사", "Lalisa Manoban")),
    ArtistNames(4, "Rosé", ("로제", "Rose")),
    ArtistNames(5, "Mina", ("미나",)),
    ArtistNames(6, "V", ("뷔",)),
    ArtistNames(7, "Karina", ("카리나",)),
    ArtistNames(8, "Kim Taeyeon", ("Taeyeon", "태연")),
]


class FakeRoster:
    def __init__(self, names: list[ArtistNames]) -> None:
        self.names = names
        self.calls = 0

    def artist_names(self) -> list[ArtistNames]:
        self.calls += 1
        return list(self.names)


def item(path: str = "0001.jpg", **source: Any) -> AnalysisItem:
    sniffed = SniffResult(MediaType.IMAGE, "jpeg", "image/jpeg")
    return AnalysisItem(Path(path), "0" * 64, "0" * 32, 1, sniffed, MediaLimits(), source=source)


def analyse(signal: TextSignal | None = None, **kwargs: Any) -> dict[str, Any]:
    result = (signal or TextSignal(FakeRoster(ROSTER))).analyse(item(**kwargs))
    assert json.loads(json.dumps(result)) == result  # storable as JSON as it is
    return result


def names(result: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(a["name"], a["how"], a["matched"]) for a in result["artists"]]


def terms(result: dict[str, Any]) -> list[str]:
    return [t["term"] for t in result["terms"]]


def test_korean_caption_with_a_particle_and_deepfake_vocabulary() -> None:
    signal = TextSignal(FakeRoster(ROSTER))
    result = analyse(signal, caption="제니가 나오는 딥페이크 합성 영상")
    assert result["fields"] == ["caption"]
    assert result["artists"] == [
        {
            "artist_id": 1,
            "name": "Jennie",
            "alias": "제니",
            "matched": "제니가",
            "how": "exact",
            "score": 0.9,
            "field": "caption",
        }
    ]
    assert terms(result) == ["딥페이크", "합성"]
    assert result["manipulation"] == pytest.approx(0.95)
    assert result["sexual"] == 0.0
    assert result["score"] == pytest.approx(0.95)
    assert result["reasons"] == [
        "caption names Jennie ('제니가', exact)",
        "caption: deepfake vocabulary (딥페이크, 합성)",
    ]
    assert signal.summary(result) == "caption names Jennie; deepfake vocabulary"
    assert (signal.name, signal.stage, signal.requires) == ("text", Stage.CONTEXT, ())


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("JENNIE fancam", ("Jennie", "exact", "JENNIE")),
        (
            "\uff2a\uff25\uff2e\uff2e\uff29\uff25",
            ("Jennie", "exact", "\uff2a\uff25\uff2e\uff2e\uff29\uff25"),
        ),  # full width
        ("jen\u200bnie", ("Jennie", "exact", "jen\u200bnie")),  # zero-width space
        ("Rosé solo stage", ("Rosé", "exact", "Rosé")),
        ("rose solo stage", ("Rosé", "exact", "rose")),
        ("김제니의 사진", ("Jennie", "exact", "김제니의")),
        ("블랙핑크제니 직캠", ("Jennie", "hashtag", "블랙핑크제니")),
        ("Jennie Kim live", ("Jennie", "exact", "Jennie Kim")),
        ("JennieKim live", ("Jennie", "exact", "JennieKim")),
        ("Lalisa-Manoban", ("Lisa", "exact", "Lalisa-Manoban")),
        ("IU가 부른 노래", ("IU", "exact", "IU")),
        ("아이유는", ("IU", "exact", "아이유는")),
        ("#V", ("V", "exact", "#V")),
        ("제 니", ("Jennie", "spaced", "제 니")),
        ("제 니가 나오는", ("Jennie", "spaced", "제 니가")),
        ("J e n n i e", ("Jennie", "spaced", "J e n n i e")),
        ("j.e.n.n.i.e", ("Jennie", "spaced", "j.e.n.n.i.e")),
        ("jen-nie", ("Jennie", "spaced", "jen-nie")),
        ("I U", ("IU", "spaced", "I U")),
        ("#jenniedeepfake", ("Jennie", "hashtag", "#jenniedeepfake")),
        ("@jennierubyjane", ("Jennie", "hashtag", "@jennierubyjane")),
        ("jenniedeepfake.mp4", ("Jennie", "hashtag", "jenniedeepfake")),
        ("j3nn1e", ("Jennie", "leet", "j3nn1e")),
        ("1isa", ("Lisa", "leet", "1isa")),
        ("#l1s@", ("Lisa", "leet", "#l1s@")),
        ("jenine", ("Jennie", "fuzzy", "jenine")),
        ("jennei", ("Jennie", "fuzzy", "jennei")),  # swapped neighbours
        ("Karinna", ("Karina", "fuzzy", "Karinna")),
        ("Taeyeonn", ("Kim Taeyeon", "fuzzy", "Taeyeonn")),
        ("ㅈㅔㄴㅣ", ("Jennie", "exact", "ㅈㅔㄴㅣ")),  # spelled in loose jamo
    ],
)
def test_names_are_found_through_the_usual_tricks(
    caption: str, expected: tuple[str, str, str]
) -> None:
    result = analyse(caption=caption)
    assert names(result) == [expected]
    assert result["artists"][0]["score"] == {"exact": 0.9, "fuzzy": 0.6}.get(expected[1], 0.8)


@pytest.mark.parametrize(
    "caption",
    [
        "I love the stadium",  # IU is too short to match inside a word
        "build it u know",
        "I'm in a hurry",  # would spell "mina" if words were run together
        "roses and primrose",  # Rose only inside a word that is no hashtag
        "analisa went home",
        "v for vendetta",  # a one-letter name only as a whole hashtag
        "jenny from the block",  # two edits from Jennie: too far
        "kimjennie",  # a romanised name inside a plain word, nothing else there
        "minari",
        "IUU fishing",
        "Jen nie",  # only letters spaced one by one are glued back
    ],
)
def test_ordinary_words_do_not_name_anybody(caption: str) -> None:
    assert analyse(caption=caption)["artists"] == []


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("kpop deepfake", ["deepfake"]),
        ("a deep fake of her", ["deepfake"]),
        ("deep-fake", ["deepfake"]),
        ("d e e p f a k e", ["deepfake"]),
        ("#kpopdeepfakes", ["deepfake"]),
        ("d33pf4ke", ["deepfake"]),
        ("face swap app", ["faceswap"]),
        ("AI-generated photo", ["AI-generated"]),
        ("made with AI", ["AI"]),
        ("so fake", ["fake"]),
        ("딥 페이크", ["딥페이크"]),
        ("딥페 모음", ["딥페"]),
        ("얼굴 합성 사진", ["얼굴합성"]),
        ("AI합성", ["AI합성"]),
        ("지인 능욕", ["지인능욕"]),
        ("능욕짤", ["능욕"]),
        ("페이스스왑", ["페이스스왑"]),
        ("leaked nudes nsfw", ["nude", "nsfw", "leaked"]),
        ("p0rn", ["porn"]),
        ("sex tape", ["sex tape"]),
        ("nudify undress app", ["nudify", "undress"]),
        ("몰카 불법 촬영", ["불법촬영", "몰카"]),
        ("도촬 야짤 야동", ["도촬", "야짤", "야동"]),
        ("19금 노출 유출", ["19금", "노출", "유출"]),
    ],
)
def test_vocabulary(caption: str, expected: list[str]) -> None:
    assert terms(analyse(caption=caption)) == expected


@pytest.mark.parametrize(
    "caption",
    [
        "said the aid",  # "AI" only as a whole word
        "fakemon cards",
        "종합 성적 발표",  # "합성" is not spelled across two ordinary words
        "hip or not",  # nor "porn"
        "A1 steak sauce",  # leetspeak only for longer words
        "photo shoot behind the scenes",
    ],
)
def test_ordinary_words_are_not_vocabulary(caption: str) -> None:
    assert analyse(caption=caption)["terms"] == []


def test_vocabulary_is_combined_by_category_and_halved_without_a_name() -> None:
    result = analyse(caption="딥페이크 leaked")
    assert result["manipulation"] == 0.9
    assert result["sexual"] == 0.4
    assert result["score"] == pytest.approx(0.5 * (1 - 0.1 * 0.6))
    assert result["reasons"] == [
        "caption: deepfake vocabulary (딥페이크)",
        "caption: sexual vocabulary (leaked)",
    ]


def test_one_entry_per_artist_the_best_match_across_fields() -> None:
    result = analyse(
        caption="jenine fancam", title="제니 직캠", hashtags=["jennie", "#blackpink", "karina"]
    )
    assert result["fields"] == ["caption", "title", "hashtags"]
    assert names(result) == [("Jennie", "exact", "제니"), ("Karina", "exact", "#karina")]
    assert result["artists"][0]["field"] == "title"
    assert result["reasons"][1] == "hashtags names Karina ('#karina', exact)"


def test_nothing_to_read_gives_an_empty_result() -> None:
    signal = TextSignal(FakeRoster(ROSTER))
    result = analyse(signal, path="0001.jpg", caption="", hashtags=[])
    assert result == {
        "fields": ["file_name"],
        "artists": [],
        "terms": [],
        "manipulation": 0.0,
        "sexual": 0.0,
        "score": 0.0,
        "reasons": [],
    }
    assert signal.summary(result) == ""


def test_file_name_and_url_path_are_read_only_without_a_caption() -> None:
    result = analyse(path="/scans/jennie_deepfake.mp4")
    assert result["fields"] == ["file_name"]
    assert names(result) == [("Jennie", "exact", "jennie")]
    assert result["reasons"] == [
        "file name names Jennie ('jennie', exact)",
        "file name: deepfake vocabulary (deepfake)",
    ]
    assert analyse(path="jennie_deepfake.mp4", caption="cat video")["fields"] == ["caption"]

    url = "https://example.com/v/%EC%A0%9C%EB%8B%88-%EB%94%A5%ED%8E%98%EC%9D%B4%ED%81%AC?q=lisa"
    result = analyse(path="/tmp/dl/abc.mp4", url=url, local_path="/tmp/dl/abc.mp4")
    assert result["fields"] == ["file_name", "url"]
    assert names(result) == [("Jennie", "exact", "제니")]  # the query string is not read
    assert terms(result) == ["딥페이크"]
    assert result["artists"][0]["field"] == "url"


def test_without_a_roster_only_vocabulary_is_scored() -> None:
    signal = TextSignal()
    result = analyse(signal, caption="jennie deepfake")
    assert result["artists"] == []
    assert terms(result) == ["deepfake"]
    assert result["score"] == pytest.approx(0.45)
    assert signal.summary(result) == "deepfake vocabulary"


def test_hostile_captions_are_cut_and_still_read() -> None:
    caption = "jenniedeepfake" * 80_000 + " 몰카"  # over 1 MB, the tail is never read
    result = analyse(caption=caption, title="ㅈㅔ" * 500_000, hashtags=["lisa " * 200_000] * 10_000)
    assert names(result) == [("Lisa", "exact", "#lisa"), ("Jennie", "hashtag", "jennie")]
    assert terms(result) == ["deepfake"]
    spaced = analyse(caption="j e n n i e " * 200_000)
    assert names(spaced) == [("Jennie", "spaced", "j e n n i e")]
    for entry in [*result["artists"], *result["terms"]]:
        assert len(entry["matched"]) <= MATCHED_CHARS


def test_roster_is_reread_after_a_minute_not_per_file() -> None:
    now = [0.0]
    roster = FakeRoster(ROSTER[:1])
    signal = TextSignal(roster, clock=lambda: now[0])
    for _ in range(5):
        assert names(signal.analyse(item(caption="Jennie and Lisa"))) == [
            ("Jennie", "exact", "Jennie")
        ]
    assert roster.calls == 1
    roster.names = ROSTER
    now[0] = 59.0
    assert len(signal.analyse(item(caption="Jennie and Lisa"))["artists"]) == 1
    now[0] = 60.0
    assert len(signal.analyse(item(caption="Jennie and Lisa"))["artists"]) == 2
    assert roster.calls == 2


def test_damerau_levenshtein() -> None:
    assert damerau_levenshtein("jennie", "jennie") == 0
    assert damerau_levenshtein("jennie", "jenine") == 1  # one swap, not two edits
    assert damerau_levenshtein("jennie", "jenni") == 1
    assert damerau_levenshtein("jennie", "jenny") == 2
    assert damerau_levenshtein("", "abc") == 3
    assert damerau_levenshtein("karina", "carinna") == 2


def test_roster_service_lists_names_and_aliases_but_not_groups(app: IdolGuard) -> None:
    with app.database.session() as session:
        artist = Artist(name="Jennie", group_name="BLACKPINK")
        artist.aliases += [
            ArtistAlias(alias="Jennie", folded="jennie"),
            ArtistAlias(alias="제니", folded="제니"),
        ]
        session.add(artist)
        session.flush()
        artist_id = artist.id
    [entry] = app.roster.artist_names()
    assert (entry.artist_id, entry.name, sorted(entry.aliases)) == (
        artist_id,
        "Jennie",
        ["Jennie", "제니"],
    )
    signal = TextSignal(app.roster)
    assert names(signal.analyse(item(caption="블랙핑크 제니 딥페이크"))) == [
        ("Jennie", "exact", "제니")
    ]
    assert signal.analyse(item(caption="BLACKPINK deepfake"))["artists"] == []
