"""Caption text: enrolled artists' names and deepfake/NCII vocabulary around a file.

Uploaders say what they post: "제니 딥페이크", "#jenniedeepfake", "j.e.n.n.i.e
nudes". The caption, title and hashtags of the page a file was seen on (or,
when there are none, its file name and URL path) are read for two things:
who is named (the roster's names and aliases, in Hangul and romanised forms)
and what kind of content is claimed (``text_vocabulary``). Neither proves
anything about the pixels, so the result feeds the risk score as extra
evidence, never as a verdict, and every match shows the text as written.

Evasion is the norm where this content is traded, so matching works on a
folded form of the text (NFKC, case-folded, accents and zero-width characters
removed, Hangul jamo composed into syllables) and tolerates the usual tricks:
spaced-out letters ("J e n n i e", "제 니"), punctuation inside a word
("jen-nie"), leetspeak ("j3nn1e"), words glued into hashtags, Korean
particles ("제니가") and one- or two-letter misspellings. Each trick is only
allowed where it cannot fire on ordinary text: short romanised names ("IU")
must stand alone, never inside "stadium"; only letters spaced one by one are
glued back together, so "I'm in a" is not "Mina"; a romanised name inside a
longer word counts only in a hashtag or next to another match
("jenniedeepfake"), so a "Rose" is not found in every "primrose".

Work is bounded: each field is cut to ``MAX_FIELD_CHARS`` before it is read,
and matching is a dictionary look-up per position and key length, so a
hostile megabyte caption costs the same as a long ordinary one.

One concept, kept whole (the folding and matching rules depend on each other);
the vocabulary is in ``text_vocabulary`` and what is shown in ``text_presentation``.
"""

from __future__ import annotations

import math
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from idolguard.media import MediaType
from idolguard.signals.base import AnalysisItem, JSONDict, Signal, Stage
from idolguard.signals.presentation import FindingsView, ReportScore, ScanField
from idolguard.signals.text_presentation import caption_findings, text_json
from idolguard.signals.text_vocabulary import CATEGORIES, MANIPULATION, SEXUAL, VOCABULARY, Term

# Fields read, in order; the path-like ones only when none of these has text.
TEXT_FIELDS = ("caption", "title", "page_title", "hashtags")
PATH_FIELDS = ("file_name", "local_path", "media_url", "url")
FIELD_LABELS = {
    "caption": "caption",
    "title": "title",
    "page_title": "page title",
    "hashtags": "hashtags",
    "file_name": "file name",
    "local_path": "file name",
    "media_url": "URL",
    "url": "URL",
}
CATEGORY_LABELS = {MANIPULATION: "deepfake vocabulary", SEXUAL: "sexual vocabulary"}
# Only the start of each field is read: captions are short, hostile ones are not.
MAX_FIELD_CHARS = 5_000
MAX_HASHTAGS = 200
MATCHED_CHARS = 60  # text shown per match
# The roster is re-read at most this often, so a scan does not query it per file.
NAMES_MAX_AGE_SECONDS = 60.0
# How sure a name match is that the artist is meant, by how it was written.
HOW_SCORES = {"exact": 0.9, "spaced": 0.8, "hashtag": 0.8, "leet": 0.8, "fuzzy": 0.6}
# Harmful words with no enrolled artist named are about somebody, maybe nobody we protect.
UNNAMED_FACTOR = 0.5

# Leetspeak skeleton; "1" stands for both i and l, so l folds to i as well.
_LEET = str.maketrans("013457@$l", "oieastasi")
_LEET_CHARS = frozenset("013457@$")
_JAMO_L, _JAMO_V, _JAMO_T, _SYLLABLES = 0x1100, 0x1161, 0x11A7, 0xAC00


@dataclass(frozen=True)
class ArtistNames:
    """One artist's names as the text signal needs them: the name plus every alias."""

    artist_id: int
    name: str
    aliases: tuple[str, ...]


class NameSource(Protocol):
    def artist_names(self) -> list[ArtistNames]: ...


# --- folding and tokens ------------------------------------------------------------


@dataclass(frozen=True)
class _Folded:
    """Folded text, with the span of the original text each folded character came from."""

    chars: str
    starts: list[int]
    ends: list[int]


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    if unicodedata.category(ch) == "Cf":  # zero-width spaces and joiners are invisible
        return ""
    folded = unicodedata.normalize("NFKC", ch).casefold()
    if any(_SYLLABLES <= ord(c) < _SYLLABLES + 11172 for c in folded):
        return folded  # decomposing would split the syllable into jamo
    return "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))


def _compose(previous: str, current: str) -> str | None:
    """The Hangul syllable that jamo ``previous`` + ``current`` spell, if they spell one.

    NFKC turns compatibility jamo (ㅈㅔㄴㅣ) into conjoining ones, which only
    compose when they sit next to each other, as they do in that trick.
    """
    p, c = ord(previous), ord(current)
    if _JAMO_L <= p < _JAMO_L + 19 and _JAMO_V <= c < _JAMO_V + 21:
        return chr(_SYLLABLES + ((p - _JAMO_L) * 21 + (c - _JAMO_V)) * 28)
    open_syllable = _SYLLABLES <= p < _SYLLABLES + 11172 and (p - _SYLLABLES) % 28 == 0
    if open_syllable and _JAMO_T < c < _JAMO_T + 28:
        return chr(p + c - _JAMO_T)
    return None


def _fold(raw: str) -> _Folded:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, ch in enumerate(raw):
        for out in _fold_char(ch):
            composed = _compose(chars[-1], out) if chars else None
            if composed is not None:
                chars[-1], ends[-1] = composed, index + 1
            else:
                chars.append(out)
                starts.append(index)
                ends.append(index + 1)
        if len(chars) >= 2 * MAX_FIELD_CHARS:  # a few characters expand a lot under NFKC
            break
    return _Folded("".join(chars), starts, ends)


def _kind(ch: str, in_latin_word: bool) -> str:
    """ "latin" or "other" for word characters, "" for separators.

    Latin and other scripts are separate words even when glued ("IU가" is
    IU plus a particle), and "@" and "$" are letters inside a Latin word
    (leetspeak) but "@" starts a mention elsewhere.
    """
    if (ch.isascii() and ch.isalnum()) or ch == "$" or (ch == "@" and in_latin_word):
        return "latin"
    return "other" if ch.isalnum() else ""


@dataclass(frozen=True)
class _Token:
    start: int  # in the folded text
    end: int
    raw_start: int  # in the original text, including a leading # or @
    raw_end: int
    tag: bool  # written as a hashtag or mention
    spaced: bool  # whitespace separates it from the previous token


def _tokenise(folded: _Folded) -> list[_Token]:
    tokens: list[_Token] = []
    start, kind, marker, spaced = -1, "", -1, True
    for index, ch in enumerate(folded.chars + " "):  # the sentinel closes the last word
        current = _kind(ch, kind == "latin")
        if start >= 0 and current != kind:
            head = marker if marker >= 0 else start
            raw_start, raw_end = folded.starts[head], folded.ends[index - 1]
            tokens.append(_Token(start, index, raw_start, raw_end, marker >= 0, spaced))
            start, marker, spaced = -1, -1, False
        if current:
            start = index if start < 0 else start
        elif ch in "#@":
            marker = index
        else:
            marker = -1
            spaced = spaced or ch.isspace()
        kind = current
    return tokens


@dataclass(frozen=True)
class _Stream:
    """A field's words, and the same words run together (``compact``) for matching.

    Matching happens on ``compact`` so that a name is found however the
    words around it are split; ``offsets`` and ``owner`` map back from a
    compact position to the words it came from, and the rules of
    ``_classify`` decide whether that split is allowed.
    """

    raw: str
    folded: _Folded
    tokens: list[_Token]
    compact: str
    offsets: list[int]  # compact position where each token starts, then the total length
    owner: list[int]  # token index of each compact character

    @classmethod
    def of(cls, raw: str) -> _Stream:
        folded = _fold(raw)
        tokens = _tokenise(folded)
        compact = "".join(folded.chars[t.start : t.end] for t in tokens)
        offsets = [0]
        owner: list[int] = []
        for index, token in enumerate(tokens):
            offsets.append(offsets[-1] + token.end - token.start)
            owner.extend([index] * (token.end - token.start))
        return cls(raw, folded, tokens, compact, offsets, owner)

    @property
    def skeleton(self) -> str:
        return self.compact.translate(_LEET)

    def token_range(self, start: int, end: int) -> range:
        return range(self.owner[start], self.owner[end - 1] + 1)

    def word(self, token: int) -> str:
        return self.compact[self.offsets[token] : self.offsets[token + 1]]

    def matched(self, start: int, end: int) -> str:
        """The original text of the words holding compact span ``[start, end)``, or the span."""
        words = self.token_range(start, end)
        text = self.raw[self.tokens[words[0]].raw_start : self.tokens[words[-1]].raw_end]
        if len(text) <= MATCHED_CHARS:
            return text
        first, last = (self._folded_index(i) for i in (start, end - 1))
        return self.raw[self.folded.starts[first] : self.folded.ends[last]][:MATCHED_CHARS]

    def _folded_index(self, position: int) -> int:
        token = self.owner[position]
        return self.tokens[token].start + position - self.offsets[token]


# --- keys: names and terms ---------------------------------------------------------


@dataclass(frozen=True)
class _Name:
    artist_id: int
    name: str
    alias: str


@dataclass(frozen=True)
class _Key:
    """One spelling to look for, with the tricks it may be matched through."""

    compact: str
    bounds: frozenset[int]  # where the spelling itself has word breaks ("kim|jennie")
    target: _Name | Term
    latin: bool
    glued: bool  # may match inside a longer word
    tag_only: bool = False  # one-letter names: only as a whole hashtag ("#V")
    leet: bool = False
    max_edits: int = 0  # misspellings tolerated


def _key(form: str, target: _Name | Term) -> _Key | None:
    """The key for ``form``: the rules by script and length explained in the module docstring."""
    stream = _Stream.of(form)
    compact, size = stream.compact, len(stream.compact)
    if not compact:
        return None
    bounds = frozenset(stream.offsets[1:-1])
    latin = compact.isascii()
    if isinstance(target, Term):
        glued = not target.whole_word
        return _Key(compact, bounds, target, latin, glued, leet=latin and glued and size >= 4)
    if not latin:
        return _Key(compact, bounds, target, latin, glued=size >= 2)
    edits = 0 if bounds or size < 5 else 1 if size < 9 else 2
    return _Key(compact, bounds, target, latin, size >= 4, size == 1, size >= 4, edits)


def _name_keys(roster: Iterable[ArtistNames]) -> Iterator[_Key]:
    for artist in roster:
        seen: set[tuple[str, frozenset[int]]] = set()
        for alias in (artist.name, *artist.aliases):
            key = _key(alias, _Name(artist.artist_id, artist.name, alias))
            if key is not None and (key.compact, key.bounds) not in seen:
                seen.add((key.compact, key.bounds))
                yield key


@cache
def _vocabulary_keys() -> tuple[_Key, ...]:
    keys = (_key(form, term) for term in VOCABULARY for form in term.forms)
    return tuple(k for k in keys if k is not None)


Table = dict[int, dict[str, list[_Key]]]  # key length -> compact spelling -> keys


@dataclass(frozen=True)
class _Index:
    plain: Table
    leet: Table  # Latin keys by their leetspeak skeleton
    fuzzy: dict[str, list[_Key]]  # every deletion of a misspellable key -> keys
    fuzzy_longest: int


def _index(keys: Iterable[_Key]) -> _Index:
    plain: Table = defaultdict(lambda: defaultdict(list))
    leet: Table = defaultdict(lambda: defaultdict(list))
    fuzzy: dict[str, list[_Key]] = defaultdict(list)
    longest = 0
    for key in keys:
        plain[len(key.compact)][key.compact].append(key)
        if key.leet:
            skeleton = key.compact.translate(_LEET)
            leet[len(skeleton)][skeleton].append(key)
        if key.max_edits:
            longest = max(longest, len(key.compact))
            for variant in _deletions(key.compact, key.max_edits):
                fuzzy[variant].append(key)
    return _Index(plain, leet, fuzzy, longest)


# --- matching ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    key: _Key
    start: int  # in the stream's compact text
    end: int
    how: str
    inside: bool  # inside a longer word rather than a whole one


def _occurrences(text: str, table: Table) -> Iterator[tuple[int, int, _Key]]:
    for length, spellings in table.items():
        for start in range(len(text) - length + 1):
            for key in spellings.get(text[start : start + length], ()):
                yield start, start + length, key


def _letter_spaced(stream: _Stream, start: int, end: int, boundary: int) -> bool:
    """Whether a word break inside a match is a spacing trick rather than two words.

    Breaks made of punctuation only ("jen-nie", "j.e.n.n.i.e") are tricks;
    breaks with whitespace are tricks only after a one-letter word and
    before one matched letter ("J e n n i e", "제 니가"): ordinary words run
    together would spell names and terms by accident ("I'm in a" has "mina",
    "종합 성적" has "합성").
    """
    token = stream.owner[boundary]
    if not stream.tokens[token].spaced:
        return True
    before = stream.offsets[token] - stream.offsets[token - 1]  # a whole one-letter word
    after = min(end, stream.offsets[token + 1]) - boundary  # one letter, maybe plus a particle
    return before == after == 1


def _classify(stream: _Stream, key: _Key, start: int, end: int) -> tuple[str, bool] | None:
    """How a key found at compact ``[start, end)`` was written, or None if that is not allowed."""
    words = stream.token_range(start, end)
    at_start = start == stream.offsets[words[0]]
    at_end = end == stream.offsets[words[-1] + 1]
    if key.tag_only:
        whole_tag = len(words) == 1 and at_start and at_end and stream.tokens[words[0]].tag
        return ("exact", False) if whole_tag else None
    breaks = [stream.offsets[t] - start for t in words[1:]]
    extra = [b for b in breaks if b not in key.bounds]
    if not all(_letter_spaced(stream, start, end, start + b) for b in extra):
        return None
    inside = not (at_start and at_end)
    if inside and not key.glued:
        return None
    if extra:
        return "spaced", inside
    if not inside or (not key.latin and at_start):  # Korean particles follow the name
        return "exact", inside
    return "hashtag", inside


def _lonely(stream: _Stream, hit: _Hit) -> bool:
    """A romanised name inside a longer word that is neither a hashtag nor holds another match."""
    return (
        isinstance(hit.key.target, _Name)
        and hit.key.latin
        and hit.inside
        and not any(stream.tokens[t].tag for t in stream.token_range(hit.start, hit.end))
    )


def _with_company(stream: _Stream, hits: list[_Hit]) -> list[_Hit]:
    """Drop lonely name matches unless another match shares their word ("jenniedeepfake")."""
    first_end: dict[int, int] = {}
    last_start: dict[int, int] = {}
    for hit in hits:
        for token in stream.token_range(hit.start, hit.end):
            first_end[token] = min(first_end.get(token, hit.end), hit.end)
            last_start[token] = max(last_start.get(token, hit.start), hit.start)
    return [
        hit
        for hit in hits
        if not _lonely(stream, hit)
        or any(
            first_end[t] <= hit.start or last_start[t] >= hit.end
            for t in stream.token_range(hit.start, hit.end)
        )
    ]


def _outermost_terms(hits: list[_Hit]) -> list[_Hit]:
    """Drop a term found inside a longer one ("합성" in "얼굴합성", "fake" in "deep fake")."""
    kept: list[_Hit] = []
    reach = -1
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if isinstance(hit.key.target, Term):
            if hit.end <= reach:
                continue
            reach = hit.end
        kept.append(hit)
    return kept


def _exact_hits(stream: _Stream, index: _Index) -> list[_Hit]:
    hits: list[_Hit] = []
    for start, end, key in _occurrences(stream.compact, index.plain):
        found = _classify(stream, key, start, end)
        if found is not None:
            hits.append(_Hit(key, start, end, *found))
    seen = {(h.key.target, h.start, h.end) for h in hits}
    for start, end, key in _occurrences(stream.skeleton, index.leet):
        if (key.target, start, end) in seen or _LEET_CHARS.isdisjoint(stream.compact[start:end]):
            continue
        found = _classify(stream, key, start, end)
        if found is not None:
            hits.append(_Hit(key, start, end, "leet", found[1]))
    return hits


def _fuzzy_hits(stream: _Stream, index: _Index, hits: list[_Hit]) -> list[_Hit]:
    """Whole words one or two edits away from a long romanised name ("jenine", "jisooo")."""
    if not index.fuzzy:
        return []
    covered = {t for hit in hits for t in stream.token_range(hit.start, hit.end)}
    found: dict[str, list[_Key]] = {}
    fuzzy: list[_Hit] = []
    for token in range(len(stream.tokens)):
        word = stream.word(token)
        if token in covered or not (4 <= len(word) <= index.fuzzy_longest + 2):
            continue
        if not (word.isascii() and word.isalpha()):
            continue
        if word not in found:
            found[word] = _misspelt_keys(word, index)
        start, end = stream.offsets[token], stream.offsets[token + 1]
        fuzzy.extend(_Hit(key, start, end, "fuzzy", False) for key in found[word])
    return fuzzy


def _misspelt_keys(word: str, index: _Index) -> list[_Key]:
    candidates = {
        key
        for variant in _deletions(word, 2 if len(word) >= 7 else 1)
        for key in index.fuzzy.get(variant, ())
    }
    return sorted(
        (k for k in candidates if damerau_levenshtein(word, k.compact) <= k.max_edits),
        key=lambda k: (k.compact, str(k.target)),
    )


def _hits(stream: _Stream, index: _Index) -> list[_Hit]:
    hits = _outermost_terms(_with_company(stream, _exact_hits(stream, index)))
    return sorted([*hits, *_fuzzy_hits(stream, index, hits)], key=lambda h: (h.start, -h.end))


def _deletions(word: str, depth: int) -> set[str]:
    """``word`` with up to ``depth`` characters deleted.

    Two words within ``depth`` edits of each other share one of these, so
    misspellings are found by look-up rather than by comparing every word
    with every name.
    """
    found, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def damerau_levenshtein(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) turning ``a`` into ``b``.

    The optimal-string-alignment variant: enough for typos in one word.
    """
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        before, previous = previous, current
    return previous[-1]


# --- reading the item -------------------------------------------------------------


def _field_text(value: Any, hashtags: bool) -> str:
    if isinstance(value, str):
        return value[:MAX_FIELD_CHARS]
    if hashtags and isinstance(value, list | tuple):
        tags = (t[:MAX_FIELD_CHARS].lstrip("#") for t in value[:MAX_HASHTAGS] if isinstance(t, str))
        return " ".join(f"#{t}" for t in tags if t)[:MAX_FIELD_CHARS]
    return ""


def _path_part(name: str, value: Any) -> str:
    if not isinstance(value, str):
        return ""
    if name in {"media_url", "url"}:
        try:
            return unquote(urlsplit(value[:MAX_FIELD_CHARS]).path)
        except ValueError:
            return ""
    return Path(value[:MAX_FIELD_CHARS]).name


def source_texts(item: AnalysisItem) -> list[tuple[str, str]]:
    """(field, text) pairs to read: the page's words, else the file's name and URL path.

    File names are only a fallback: when the page has a caption, the file
    name is usually a platform's random id, and reading both would count
    one uploader's words twice.
    """
    source = item.source
    found = [(f, _field_text(source.get(f), f == "hashtags")) for f in TEXT_FIELDS]
    found = [(f, text) for f, text in found if text.strip()]
    if found:
        return found
    paths = [("file_name", item.path.name)]
    paths += [(f, _path_part(f, source.get(f))) for f in PATH_FIELDS[1:]]
    unique: dict[str, str] = {}
    for field_name, text in paths:
        if text.strip() and text not in unique:
            unique[text] = field_name
    return [(field_name, text) for text, field_name in unique.items()]


def _entry(stream: _Stream, hit: _Hit, field_name: str) -> JSONDict:
    matched = stream.matched(hit.start, hit.end)
    target = hit.key.target
    if isinstance(target, Term):
        return {
            "term": target.term,
            "category": target.category,
            "matched": matched,
            "weight": target.weight,
            "field": field_name,
        }
    return {
        "artist_id": target.artist_id,
        "name": target.name,
        "alias": target.alias,
        "matched": matched,
        "how": hit.how,
        "score": HOW_SCORES[hit.how],
        "field": field_name,
    }


# --- results and reasons -------------------------------------------------------------


def combine(weights: Iterable[float]) -> float:
    """Noisy-OR, as the risk score combines evidence (risk imports this module, not the reverse)."""
    return 1.0 - math.prod(1.0 - max(0.0, min(1.0, w)) for w in weights)


def field_label(entries: Sequence[Mapping[str, Any]]) -> str:
    labels = dict.fromkeys(FIELD_LABELS.get(str(e.get("field")), "caption") for e in entries)
    return "/".join(labels) or "caption"


def name_reason(artist: Mapping[str, Any]) -> str:
    """ "caption names Jennie ('#jenniedeepfake', hashtag)": who, where and as written."""
    return (
        f"{field_label([artist])} names {artist['name']} ({artist['matched']!r}, {artist['how']})"
    )


def vocabulary_reasons(result: Mapping[str, Any]) -> list[str]:
    """One reason per category found, strongest terms first.

    For example "caption: deepfake vocabulary (딥페이크, 합성)".
    """
    reasons = []
    for category in CATEGORIES:
        found = [t for t in result.get("terms", []) if t.get("category") == category]
        if found:
            words = ", ".join(str(t["term"]) for t in found)
            reasons.append(f"{field_label(found)}: {CATEGORY_LABELS[category]} ({words})")
    return reasons


def text_harm(result: Mapping[str, Any]) -> float:
    """How bad the words say the content is, whoever is named: noisy-OR of the two categories."""
    return combine(float(result.get(c) or 0.0) for c in CATEGORIES)


class TextSignal(Signal):
    """Names and harmful vocabulary in the words around a file (see the module docstring).

    A context signal: the words belong to a sighting, not to the bytes, and
    the roster changes between scans. ``names`` may be None (no roster):
    then only the vocabulary is scored.
    """

    name = "text"
    version = "1"
    media_types = frozenset({MediaType.IMAGE, MediaType.VIDEO})
    stage = Stage.CONTEXT
    description = "artists' names and deepfake/NCII vocabulary in captions, titles and hashtags"

    @classmethod
    def report_scores(cls, result: Mapping[str, Any]) -> list[ReportScore]:
        """None: the caption's words reach the report through risk's reasons, not as a score."""
        return []

    def __init__(
        self,
        names: NameSource | None = None,
        *,
        max_age_seconds: float = NAMES_MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.names = names
        self.max_age_seconds = max_age_seconds
        self.clock = clock
        self._loaded_at: float | None = None
        self._roster: tuple[ArtistNames, ...] = ()
        self._index = _index(_vocabulary_keys())

    def _current_index(self) -> _Index:
        """The keys to match; the roster is re-read once our copy is ``max_age_seconds`` old."""
        if self.names is None:
            return self._index
        now = self.clock()
        if self._loaded_at is None or now - self._loaded_at >= self.max_age_seconds:
            roster = tuple(self.names.artist_names())
            self._loaded_at = now
            if roster != self._roster:
                self._roster = roster
                self._index = _index([*_vocabulary_keys(), *_name_keys(roster)])
        return self._index

    def analyse(self, item: AnalysisItem) -> JSONDict:
        index = self._current_index()
        fields = source_texts(item)
        artists: dict[int, JSONDict] = {}
        terms: dict[str, JSONDict] = {}
        for field_name, text in fields:
            stream = _Stream.of(text)
            for hit in _hits(stream, index):
                entry = _entry(stream, hit, field_name)
                if "artist_id" in entry:
                    best = artists.get(entry["artist_id"])
                    if best is None or entry["score"] > best["score"]:
                        artists[entry["artist_id"]] = entry
                else:
                    terms.setdefault(entry["term"], entry)
        return _result([f for f, _ in fields], list(artists.values()), list(terms.values()))

    @classmethod
    def findings(cls, result: Mapping[str, Any], view: FindingsView) -> JSONDict:
        return {"caption": caption_findings(result)}

    @classmethod
    def scan_fields(cls, results: Mapping[str, Any], heatmap_dir: Path | None) -> list[ScanField]:
        return [ScanField("text", text_json(results.get(cls.name)), 100)]

    @classmethod
    def scan_reasons(cls, result: Mapping[str, Any]) -> list[str]:
        """None: its evidence reaches the listing through risk's reasons."""
        return []

    def summary(self, result: Mapping[str, Any]) -> str:
        parts = []
        artists = result.get("artists") or []
        if artists:
            parts.append(f"{field_label(artists)} names " + ", ".join(a["name"] for a in artists))
        parts += [CATEGORY_LABELS[c] for c in CATEGORIES if result.get(c)]
        return "; ".join(parts)


def _result(fields: list[str], artists: list[JSONDict], terms: list[JSONDict]) -> JSONDict:
    artists.sort(key=lambda a: -float(a["score"]))
    terms.sort(key=lambda t: -float(t["weight"]))
    result: JSONDict = {"fields": fields, "artists": artists, "terms": terms}
    for category in CATEGORIES:
        weights = [float(t["weight"]) for t in terms if t["category"] == category]
        result[category] = round(combine(weights), 4)
    result["score"] = round(text_harm(result) * (1.0 if artists else UNNAMED_FACTOR), 4)
    result["reasons"] = [*map(name_reason, artists), *vocabulary_reasons(result)]
    return result
