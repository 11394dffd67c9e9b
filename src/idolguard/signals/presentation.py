"""How a signal's result is shown to people: the types behind ``Signal``'s presentation methods.

A signal knows best what its numbers mean, so it says how they appear on the
review page, in the scan JSON, in the CLI listing and in the evidence report.
These are the small, dependency-free types those methods return; the places
that show them only iterate over signals and never switch on signal names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final


@dataclass(frozen=True)
class ReportScore:
    """One row of the evidence report's score table (and of a bundle's score list)."""

    name: str  # "risk", "identity", "explicit", "bank_match", "provenance", "manipulation", ...
    value: str  # already formatted by the caller, e.g. "0.91" or "Jennie (0.87)"
    detail: str | None = None
    # What the score means and its limits; None: the report looks the signal up by name.
    explanation: ScoreExplanation | None = None


@dataclass(frozen=True)
class ScoreExplanation:
    """What a score means and where it stops being reliable, in both languages."""

    label_ko: str
    label_en: str
    meaning_ko: str
    meaning_en: str
    limits_ko: str
    limits_en: str


GENERIC_SCORE_EXPLANATION: Final = ScoreExplanation(
    label_ko="기타 점수",
    label_en="Other score",
    meaning_ko="이 보고서 버전에 설명이 없는 점수다. 값은 분석 결과에 기록된 그대로다.",
    meaning_en="A score this report version has no description for; the value is shown as "
    "recorded.",
    limits_ko="해당 신호의 문서를 확인한 뒤에 해석할 것. 모든 점수처럼 사람의 검토를 돕는 "
    "보조 수단일 뿐이다.",
    limits_en="Check the signal's documentation before relying on it; like every score, it "
    "only aids human review.",
)

NOT_SCORED: Final = "점수 없음 / not scored"  # the signal ran but could not score (e.g. no face)


def format_score(value: Any) -> str:
    """A score as the report prints it: two decimals."""
    return f"{float(value):.2f}"


def model_detail(result: Mapping[str, Any], *parts: str) -> str | None:
    """The model and threshold a score came from, with ``parts``: a court asks which model."""
    bits = [p for p in parts if p]
    if result.get("threshold") is not None:
        bits.append(f"threshold {float(result['threshold']):.2f}")
    if result.get("model"):
        bits.append(f"model {result['model']}")
    if result.get("note"):
        bits.append(str(result["note"]))
    return "; ".join(bits) or None
