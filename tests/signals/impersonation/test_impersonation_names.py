# ruff: noqa: RUF001, RUF003  (look-alike letters are what these tests are about)
"""Name imitation: every trick the issue lists is found, ordinary words are not."""

from __future__ import annotations

import pytest

from idolguard.signals.impersonation.names import imitations, skeleton, targets

ROSTER = targets(
    [
        (1, "Haneul", "Haneul"),
        (1, "Haneul", "하늘"),
        (1, "Haneul", "haneul_official"),
        (2, "IU", "IU"),
        (3, "Rose", "Rose"),
    ]
)


def best(written: str, field: str = "handle") -> tuple[int, str, bool, bool] | None:
    found = imitations(field, written, ROSTER)
    if not found:
        return None
    m = found[0]
    return (m.artist_id, m.how, m.claims_official, m.whole)


@pytest.mark.parametrize(
    ("written", "how"),
    [
        ("haneul", "exact"),
        ("ＨＡＮＥＵＬ", "exact"),  # full-width
        ("Наnеul", "look-alike"),  # Cyrillic Н, а, е
        ("hαneul", "look-alike"),  # Greek alpha
        ("h4neu1", "look-alike"),  # leetspeak
        ("ha.ne_ul", "exact"),  # separators
        ("haneul97", "exact"),  # digits added
        ("hanuel", "near"),  # swapped letters
        ("ㅎㅏㄴㅡㄹ", "look-alike"),  # loose compatibility jamo
        ("햐늘", "near"),  # one vowel changed (jamo edit)
        ("하늘", "exact"),
    ],
)
def test_tricks_are_seen_through(written: str, how: str) -> None:
    assert best(written) == (1, how, False, True)


@pytest.mark.parametrize(
    "written", ["haneul_official_kr", "real.haneul", "officialhaneul", "하늘공식", "haneul_real"]
)
def test_decorations_are_stripped_and_claims_remembered(written: str) -> None:
    found = best(written)
    assert found is not None and found[0] == 1 and found[2] is True


def test_dressing_without_a_claim_is_not_a_claim() -> None:
    assert best("haneul_kr") == (1, "exact", False, True)


def test_final_consonant_reads_as_initial() -> None:
    # "하늘" decomposes with a final ㄹ; loose jamo spell it as an initial ㄹ.
    assert skeleton("하늘").forms == skeleton("ㅎㅏㄴㅡㄹ").forms


def test_name_inside_longer_handle() -> None:
    assert best("haneulpics") == (1, "contains", False, True)


def test_one_word_of_a_display_name_is_not_the_whole_field() -> None:
    assert best("Haneul Park", "display_name") == (1, "exact", False, False)


@pytest.mark.parametrize("written", ["stadium", "primrose_garden", "hello", "ive", "Harold"])
def test_ordinary_words_are_not_names(written: str) -> None:
    assert best(written) is None


def test_short_names_match_whole_only() -> None:
    assert best("iu") == (2, "exact", False, True)
    assert best("iuu") is None
