"""Deepfake and NCII vocabulary, in Korean and English, for the caption text signal.

Each term has a weight in (0, 1]: how strongly the word alone suggests
harmful content of a real person. The weights are triage policy, like the
risk weights: "지인능욕" (degrading a real acquaintance, a Korean deepfake
genre) is almost always abuse, "AI" or "fake" on their own are everyday
words and only nudge the score. Negations ("stop deepfakes of ...") are out
of scope on purpose: a caption talking about deepfakes next to an artist is
worth a reviewer's glance either way, and reviewers see the words matched.

``forms`` are the spellings looked for; write a space where the phrase is
normally written apart ("sex tape", "불법 촬영"), since the matcher also finds
the glued form but does not glue ordinary words together on its own.
``whole_word`` terms are short or ambiguous English words that must stand
alone ("AI" must not match inside "said", "fake" not inside "fakemon").
"""

from __future__ import annotations

from dataclasses import dataclass

MANIPULATION = "manipulation"
SEXUAL = "sexual"
CATEGORIES = (MANIPULATION, SEXUAL)


@dataclass(frozen=True)
class Term:
    term: str  # the label reviewers see
    category: str
    weight: float
    forms: tuple[str, ...]
    whole_word: bool = False


def _terms(category: str, *rows: tuple[str, float, tuple[str, ...], bool]) -> list[Term]:
    return [
        Term(term, category, weight, forms or (term,), whole) for term, weight, forms, whole in rows
    ]


VOCABULARY: list[Term] = [
    *_terms(
        MANIPULATION,
        ("deepfake", 0.9, ("deepfake", "deep fake"), False),
        ("faceswap", 0.8, ("faceswap", "face swap"), False),
        ("AI-generated", 0.6, ("ai generated", "ai made"), False),
        ("AI", 0.3, (), True),
        ("fake", 0.3, ("fake", "fakes"), True),
        ("딥페이크", 0.9, ("딥페이크", "딥 페이크"), False),
        ("딥페", 0.8, (), False),
        ("합성", 0.5, (), False),
        ("얼굴합성", 0.8, ("얼굴합성", "얼굴 합성"), False),
        ("AI합성", 0.8, ("ai합성", "ai 합성"), False),
        ("페이스스왑", 0.8, ("페이스스왑", "페이스 스왑"), False),
        ("지인능욕", 0.95, ("지인능욕", "지인 능욕"), False),
        ("능욕", 0.7, (), False),
    ),
    *_terms(
        SEXUAL,
        ("nude", 0.6, (), False),
        ("nsfw", 0.6, (), False),
        ("porn", 0.8, (), False),
        ("sex tape", 0.8, ("sex tape", "sextape"), False),
        ("leaked", 0.4, ("leaked", "leaks"), False),
        ("nudify", 0.8, ("nudify", "nudified"), False),
        ("undress", 0.6, (), False),
        ("야동", 0.7, (), False),
        ("노출", 0.3, (), False),
        ("몰카", 0.8, (), False),
        ("불법촬영", 0.9, ("불법촬영", "불법 촬영"), False),
        ("도촬", 0.8, (), False),
        ("야짤", 0.7, (), False),
        ("19금", 0.3, (), False),
        ("유출", 0.3, (), False),
    ),
]
