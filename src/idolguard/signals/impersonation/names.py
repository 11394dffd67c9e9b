# ruff: noqa: RUF001, RUF002  (look-alike letters are the subject of this module)
"""Whether a handle or display name imitates an artist's names or official handles.

Impersonators copy a name so that it *looks* the same, not so that it *is* the
same: Cyrillic "Јеnniе", full-width "ＪＥＮＮＩＥ", "j3nn1e", "jennie_official_kr",
"real.jennie97", Hangul typed as loose jamo ("ㅈㅔㄴㅣ") or with a look-alike
vowel ("졔니"). Both sides are therefore reduced to a *skeleton* before they
are compared:

1. NFKD: full-width and other compatibility forms become ordinary letters,
   Hangul syllables and compatibility jamo become conjoining jamo (so "제니"
   and "ㅈㅔㄴㅣ" are the same four jamo), accents fall off;
2. final consonants are read as the initial consonant they look like, and
   vowels that look or sound alike (ㅐ/ㅔ, ㅒ/ㅖ, ㅢ/ㅣ) as one;
3. Cyrillic and Greek look-alikes become the Latin letter they imitate;
4. digits are either dropped ("jennie97") or read as leetspeak ("j3nn1e"),
   whichever comes closer;
5. separators go, and decorations ("official", "real", "kr", "공식", ...) are
   stripped from either end, and remembered: claiming to be official is
   itself a sign.

Then an exact skeleton match, a near one (one edit in a name of four or more
letters, two in eight or more) or the name inside a longer handle are scored
in that order. Names shorter than three letters ("IU", "V") must match whole,
and names shorter than six are only found at the start of a longer handle
("rosé_pics", never "primrose").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from idolguard.signals.text import damerau_levenshtein

# How sure each kind of match is that the artist is meant.
SCORES = {"exact": 1.0, "look-alike": 1.0, "near": 0.85, "contains": 0.7}
MIN_FUZZY = 4  # skeleton letters a name needs before one edit is tolerated
MIN_FUZZY_TWO = 8  # ... and two edits
MIN_CONTAINED = 3  # a name must be this long to be found at the start of a longer handle
MIN_CONTAINED_ANYWHERE = 6  # ... and this long to be found anywhere ("rose" in "primrose": no)

_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
        "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "һ": "h", "ӏ": "l", "п": "n",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "μ": "u", "ϲ": "c",
        # Latin look-alikes NFKD leaves alone
        "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŀ": "l", "ß": "ss", "æ": "ae",
    }
)  # fmt: skip
# "1" stands for i and l, so l is read as i on both sides.
_LEET = str.maketrans("0134579@$l", "oieastgasi")
_DIGITS = str.maketrans("", "", "0123456789")
# Vowels that look or sound alike in names, as conjoining jamo: ㅐ→ㅔ, ㅒ→ㅖ, ㅢ→ㅣ.
_VOWELS = str.maketrans({"\u1162": "\u1166", "\u1164": "\u1168", "\u1174": "\u1175"})
# Words added to a copied name, stripped from either end of the skeleton. The
# first group also claims to be the artist; the rest only dress the name up.
CLAIMS = ("official", "offcl", "ofc", "real", "verified", "theofficial", "공식", "진짜", "본계")
DRESSING = (
    "the", "its", "iam", "im", "kr", "korea", "korean", "jp", "global", "hq", "team", "staff",
    "private", "priv", "backup", "new", "acc", "account", "page", "tv", "x", "xx", "xo",
)  # fmt: skip
_SPLIT = re.compile(r"[^\w]+|_+")


@lru_cache(maxsize=512)
def _final_to_initial() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x11A8, 0x11C3):
        name = unicodedata.name(chr(code), "")
        try:
            table[code] = unicodedata.lookup(name.replace("JONGSEONG", "CHOSEONG"))
        except KeyError:
            continue  # clusters such as ㄳ have no initial twin; they stay as they are
    return table


def _letters(text: str) -> str:
    """NFKD, case-folded, homoglyphs and jamo evened out, marks removed; digits kept."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(
        ch
        for ch in decomposed
        if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf"
    )
    plain = plain.translate(_HOMOGLYPHS).translate(_final_to_initial()).translate(_VOWELS)
    return plain


def _strip_decorations(skeleton: str, found: list[str]) -> str:
    changed = True
    words = _decoration_skeletons()
    while changed:
        changed = False
        for word in words:
            if len(skeleton) > len(word) + 1:
                if skeleton.startswith(word):
                    skeleton, changed = skeleton[len(word) :], True
                elif skeleton.endswith(word):
                    skeleton, changed = skeleton[: -len(word)], True
                else:
                    continue
                found.append(word)
                break
    return skeleton


@lru_cache(maxsize=64)
def _skel_word(word: str) -> str:
    return "".join(ch for ch in _letters(word) if ch.isalnum()).translate(_LEET)


@lru_cache(maxsize=1)
def _decoration_skeletons() -> tuple[str, ...]:
    return tuple(sorted({_skel_word(w) for w in (*CLAIMS, *DRESSING)}, key=len, reverse=True))


@dataclass(frozen=True)
class Skeleton:
    """The forms of one name compared: digits dropped, digits read as letters."""

    raw: str
    forms: tuple[str, ...]
    decorations: tuple[str, ...]

    @property
    def claims_official(self) -> bool:
        return any(d in {_skel_word(w) for w in CLAIMS} for d in self.decorations)


@lru_cache(maxsize=4096)
def skeleton(text: str) -> Skeleton:
    """The skeleton forms of ``text`` (see the module docstring), longest first."""
    letters = "".join(ch for ch in _letters(text) if ch.isalnum())
    decorations: list[str] = []
    forms: list[str] = []
    for variant in (letters.translate(_DIGITS).translate(_LEET), letters.translate(_LEET)):
        form = _strip_decorations(variant, decorations)
        if form and form not in forms:
            forms.append(form)
    return Skeleton(text, tuple(forms), tuple(dict.fromkeys(decorations)))


def words(text: str) -> list[str]:
    """The words of a display name or handle ("Jennie Kim", "jennie_kim") for token matching."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    return [w for w in _SPLIT.split(spaced) if w]


@dataclass(frozen=True)
class NameMatch:
    """The best way one profile field imitates one of an artist's names."""

    artist_id: int
    artist: str
    target: str  # the artist's name, alias or official handle it imitates
    field: str  # handle | display_name
    written: str  # the field as written
    how: str  # exact | look-alike | near | contains
    score: float
    claims_official: bool
    whole: bool  # the whole field imitates the name, not one word of it


@dataclass(frozen=True)
class NameTarget:
    artist_id: int
    artist: str
    name: str
    skeleton: Skeleton


def targets(entries: Iterable[tuple[int, str, str]]) -> list[NameTarget]:
    """Prepare (artist id, artist name, name to protect) triples once per roster snapshot."""
    prepared = []
    for artist_id, artist, name in entries:
        skel = skeleton(name)
        if skel.forms:
            prepared.append(NameTarget(artist_id, artist, name, skel))
    return prepared


def _compare(written: Skeleton, target: NameTarget, plain: bool) -> tuple[str, float] | None:
    best: tuple[str, float] | None = None
    for form in written.forms:
        for name in target.skeleton.forms:
            how: str | None = None
            if form == name:
                how = "exact" if plain else "look-alike"
            elif len(name) >= MIN_FUZZY and abs(len(form) - len(name)) <= 2:
                allowed = 2 if len(name) >= MIN_FUZZY_TWO else 1
                if damerau_levenshtein(form, name) <= allowed:
                    how = "near"
            if how is None and len(form) > len(name) and _contained(name, form):
                how = "contains"
            if how is not None and (best is None or SCORES[how] > best[1]):
                best = (how, SCORES[how])
    return best


def _contained(name: str, form: str) -> bool:
    if len(name) >= MIN_CONTAINED_ANYWHERE:
        return name in form
    return len(name) >= MIN_CONTAINED and form.startswith(name)


def _plain(text: str, name: str) -> bool:
    """Whether ``text`` writes ``name`` in ordinary letters (no look-alikes or tricks)."""
    fold = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", name).casefold()) in fold


def imitations(field: str, written: str, name_targets: Sequence[NameTarget]) -> list[NameMatch]:
    """Every artist whose names ``written`` imitates, best match per artist, best first."""
    if not written.strip():
        return []
    pieces = [written, *words(written)]
    best: dict[int, NameMatch] = {}
    for piece in dict.fromkeys(pieces):
        skel = skeleton(piece)
        if not skel.forms:
            continue
        for target in name_targets:
            found = _compare(skel, target, _plain(piece, target.name))
            if found is None:
                continue
            how, score = found
            if piece != written and how == "contains":
                continue  # a word containing a name is weaker than the whole field doing so
            claims = skeleton(written).claims_official or skel.claims_official
            match = NameMatch(
                target.artist_id,
                target.artist,
                target.name,
                field,
                written,
                how,
                score,
                claims,
                piece == written,
            )
            current = best.get(target.artist_id)
            if current is None or (match.score, match.whole) > (current.score, current.whole):
                best[target.artist_id] = match
    return sorted(best.values(), key=lambda m: -m.score)
