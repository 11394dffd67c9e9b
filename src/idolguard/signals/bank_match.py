"""Match content against the hash banks: the re-upload detector.

This is a ``CONTEXT`` signal: banks change all the time, so it is recomputed
on every scan from the stored hashes, never from a cached result. It depends on
a ``BankMatcher`` handed in by the composition root, so this layer does not
import the domain layer that implements it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from idolguard.signals.base import AnalysisItem, JSONDict, Signal, Stage
from idolguard.signals.presentation import FindingsView, ReportScore, ScanField, ScoreExplanation


@dataclass(frozen=True)
class BankMatch:
    bank: str
    bank_kind: str  # "block" or "allow"
    content_id: str
    label: str | None
    signal_type: str  # "pdq", "vpdq", "md5"
    distance: int  # Hamming bits (0 for exact hashes); for vpdq the median frame distance
    strength: str  # "exact", "strong" or "review"
    variant: str | None = None  # which bank variant matched (e.g. "mirror")
    query_variant: str | None = None  # "original", "trimmed", "trimmed_strict", ...
    query_match_percent: float | None = None  # vpdq only
    bank_match_percent: float | None = None  # vpdq only

    def to_json(self) -> JSONDict:
        return {k: v for k, v in asdict(self).items() if v is not None}


class BankMatcher(Protocol):
    def match_pdq(self, hashes: Mapping[str, str]) -> list[BankMatch]:
        """``hashes`` maps a query variant name ("original", "trimmed") to a PDQ hex."""

    def match_vpdq(self, frames: Sequence[Sequence[Any]]) -> list[BankMatch]:
        """``frames`` are ``[frame, timestamp, quality, hex]`` as the vPDQ signal stores them."""

    def match_exact(self, md5: str, sha256: str) -> list[BankMatch]: ...


def verdict(matches: Sequence[BankMatch]) -> str:
    """Summarise matches for triage.

    A hit in an allow-list bank outranks a block-bank hit: a deepfake stays
    within PDQ range of its benign source photo (research note §3), so when
    both match a human has to decide, and nothing automatic should happen.
    """
    kinds = {m.bank_kind for m in matches}
    if "allow" in kinds and "block" in kinds:
        return "allow-listed"
    if "block" in kinds:
        strong = any(m.strength in ("exact", "strong") for m in matches if m.bank_kind == "block")
        return "match" if strong else "possible-match"
    if "allow" in kinds:
        return "allow-listed"
    return "none"


class BankMatchSignal(Signal):
    name = "bank_match"
    version = "1"
    stage = Stage.CONTEXT
    requires = ("pdq", "vpdq")
    description = "Matches PDQ / vPDQ / MD5 against the hash banks (block and allow lists)"

    display_order = 50
    explanation = ScoreExplanation(
        label_ko="해시 뱅크 일치",
        label_en="Bank match",
        meaning_ko="팀이 확인한 콘텐츠의 해시와 비교한 결과. PDQ 지각 해시 256비트 중 "
        "31비트 이하 차이(기본값)면 일치다. MD5/SHA-256 일치는 같은 파일이다.",
        meaning_en="Comparison with hashes of content the team has confirmed. A PDQ "
        "perceptual-hash distance of ≤ 31 of 256 bits (default) is a match; an MD5 or "
        "SHA-256 hit is the identical file.",
        limits_ko="겉보기가 거의 같다는 뜻일 뿐 같은 출처라는 증명은 아니다. 딥페이크는 "
        "원본 사진과 가까울 수 있고, 크게 자르거나 편집하면 놓칠 수 있다.",
        limits_en="Means visually near-identical, not same origin: a deepfake can sit "
        "close to its benign source photo. Heavy crops or edits can evade it.",
    )

    @classmethod
    def report_scores(cls, result: Mapping[str, Any]) -> list[ReportScore]:
        """The three strongest matches, one row each."""
        return [
            ReportScore(
                cls.name,
                f"{match.get('strength')}: {match.get('bank')}/{match.get('content_id')}",
                f"{match.get('signal_type')} distance {match.get('distance')}",
                cls.explanation,
            )
            for match in (result.get("matches") or [])[:3]
        ]

    @classmethod
    def findings(cls, result: Mapping[str, Any], view: FindingsView) -> JSONDict:
        matches = [
            {
                "bank": m.get("bank"),
                "bank_kind": m.get("bank_kind"),
                "content_id": m.get("content_id"),
                "label": m.get("label"),
                "signal_type": m.get("signal_type"),
                "distance": m.get("distance"),
                "strength": m.get("strength"),
            }
            for m in result.get("matches") or []
        ]
        return {"bank_verdict": result.get("verdict"), "bank_matches": matches}

    @classmethod
    def scan_fields(cls, results: Mapping[str, Any], heatmap_dir: Path | None) -> list[ScanField]:
        bank = results.get(cls.name) or {}
        return [
            ScanField("bank_matches", list(bank.get("matches", [])), 20),
            ScanField("bank_verdict", bank.get("verdict"), 21),
        ]

    @classmethod
    def scan_reasons(cls, result: Mapping[str, Any]) -> list[str]:
        """The strongest match, when risk gave no reason (risk's bank reason comes first)."""
        matches = result.get("matches") or []
        return [match_text(matches[0])] if matches else []

    def __init__(self, matcher: BankMatcher) -> None:
        self.matcher = matcher

    def analyse(self, item: AnalysisItem) -> JSONDict:
        best = match_stored_hashes(self.matcher, item.md5, item.sha256, item.results)
        return {"matches": [m.to_json() for m in best], "verdict": verdict(best)}

    def summary(self, result: Mapping[str, Any]) -> str:
        return str(result.get("verdict", ""))


def match_text(match: Mapping[str, Any]) -> str:
    """A match in one line: bank/content, hash kind, distance and how the query was varied."""
    text = f"{match['bank']}/{match['content_id']} {match['signal_type']} d={match['distance']}"
    if match.get("variant") and match["variant"] != "original":
        text += f" ({match['variant']})"
    if str(match.get("query_variant") or "").startswith("trimmed"):
        text += " [border trimmed]"
    if match.get("query_match_percent") is not None:
        text += f" {match['query_match_percent']:.0f}% frames"
    return text


def match_stored_hashes(
    matcher: BankMatcher, md5: str, sha256: str, results: Mapping[str, Any]
) -> list[BankMatch]:
    """Match a file's stored PDQ / vPDQ results: what scans and retroactive matching share."""
    matches = list(matcher.match_exact(md5, sha256))
    pdq = results.get("pdq")
    if pdq:
        queries = {"original": pdq.get("hash")}
        trimmed = pdq.get("trimmed") or {}
        queries["trimmed"] = trimmed.get("hash")
        queries.update(pdq.get("variants") or {})
        matches.extend(matcher.match_pdq({k: v for k, v in queries.items() if v}))
    vpdq = results.get("vpdq")
    if vpdq and vpdq.get("frames"):
        matches.extend(matcher.match_vpdq(vpdq["frames"]))
    if vpdq and vpdq.get("still_queries"):
        # A banked photo re-posted as a clip; see signals.vpdq.still_queries.
        matches.extend(matcher.match_pdq(vpdq["still_queries"]))
    return _best_per_content(matches)


def _best_per_content(matches: Sequence[BankMatch]) -> list[BankMatch]:
    """Keep the closest match per (bank, content): one line per banked item in reports."""
    order = {"exact": 0, "strong": 1, "review": 2}
    best: dict[tuple[str, str], BankMatch] = {}
    for match in matches:
        key = (match.bank, match.content_id)
        current = best.get(key)
        rank = (order.get(match.strength, 3), match.distance)
        if current is None or rank < (order.get(current.strength, 3), current.distance):
            best[key] = match
    return sorted(best.values(), key=lambda m: (order.get(m.strength, 3), m.distance, m.bank))
