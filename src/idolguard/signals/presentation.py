"""How a signal's result is shown to people: the types behind ``Signal``'s presentation methods.

A signal knows best what its numbers mean, so it says how they appear on the
review page, in the scan JSON, in the CLI listing and in the evidence report.
These are the small, dependency-free types those methods return, and the
helpers several signals share to build them (rounding, face boxes in fractions,
heatmaps); the places that show them only iterate over signals and never switch
on signal names.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

MAX_HEATMAP_CELLS: Final = 256 * 256
# Where a signal's fields come in the scan JSON when it does not say: after the built-ins'.
DEFAULT_SCAN_POSITION: Final = 1000


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


# -- the review page's findings ---------------------------------------------------------


@dataclass(frozen=True)
class FindingsView:
    """What a signal's findings may use besides its own result.

    ``results`` holds every stored result of the file: a signal may read those
    of the signals it builds on (identity names the faces that faces found).
    ``width`` and ``height`` are the frame face boxes were measured in.
    """

    results: Mapping[str, Any]
    width: float | None
    height: float | None
    video: bool


def number(value: Any) -> float | None:
    """``value`` as a float when it is a real number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def rounded(value: Any, digits: int = 4) -> float | None:
    """``value`` rounded for showing, None when it is not a number."""
    found = number(value)
    return None if found is None else round(found, digits)


def fraction_box(
    box: Sequence[Any], width: float | None, height: float | None
) -> dict[str, float] | None:
    """``[x1, y1, x2, y2]`` in pixels as left/top/width/height fractions, clipped to 0..1."""
    if not width or not height or len(box) != 4:
        return None
    numbers = [number(v) for v in box]
    if any(n is None for n in numbers):
        return None
    x1, y1, x2, y2 = (float(n or 0.0) for n in numbers)

    def clip(value: float) -> float:
        return max(0.0, min(1.0, value))

    left, top = clip(x1 / width), clip(y1 / height)
    right, bottom = clip(x2 / width), clip(y2 / height)
    if right <= left or bottom <= top:
        return None
    return {
        "left": round(left, 5),
        "top": round(top, 5),
        "width": round(right - left, 5),
        "height": round(bottom - top, 5),
    }


def heatmap(value: Any) -> dict[str, Any] | None:
    """A heatmap as a PNG data URL or a grid of numbers in 0..1; ``None`` if neither."""
    if isinstance(value, Mapping):
        for key in ("png", "png_base64", "image", "data", "grid", "values"):
            if key in value:
                found = heatmap(value[key])
                if found is not None:
                    return found
        return None
    if isinstance(value, bytes):
        return {"kind": "png", "src": "data:image/png;base64," + base64.b64encode(value).decode()}
    if isinstance(value, str) and value:
        if value.startswith("data:image/png;base64,"):
            return {"kind": "png", "src": value}
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError:
            return None
        if raw.startswith(b"\x89PNG\r\n\x1a\n"):
            return {"kind": "png", "src": "data:image/png;base64," + value}
        return None
    if isinstance(value, list) and value and all(isinstance(row, list) for row in value):
        rows = len(value)
        cols = max(len(row) for row in value)
        if rows * cols == 0 or rows * cols > MAX_HEATMAP_CELLS:
            return None
        grid = [[rounded(v, 3) or 0.0 for v in row] + [0.0] * (cols - len(row)) for row in value]
        return {"kind": "grid", "rows": rows, "cols": cols, "grid": grid}
    return None


def detector_findings(name: str, result: Mapping[str, Any]) -> dict[str, Any]:
    """A manipulation or synthesis detector's entry on the review page, with its heatmap."""
    scores = {
        key: rounded(value)
        for key, value in result.items()
        if number(value) is not None and key not in ("version",)
    }
    found = None
    for key in ("heatmap", "heatmap_png", "saliency", "mask"):
        if key in result:
            found = heatmap(result[key])
            if found is not None:
                break
    return {
        "signal": name,
        "score": rounded(result.get("score")),
        "scores": scores,
        "label": result.get("label") or result.get("verdict"),
        "model": result.get("model"),
        "heatmap": found,
    }


# -- the scan JSON ----------------------------------------------------------------------


@dataclass(frozen=True)
class ScanField:
    """One top-level field of a file's scan JSON (README, "Scan output").

    ``position`` orders the fields of all signals: the built-ins' are fixed
    (documented), a plug-in's come after them unless it says otherwise.
    """

    key: str
    value: Any
    position: int = DEFAULT_SCAN_POSITION


# -- the risk score ----------------------------------------------------------------------


@dataclass(frozen=True)
class RiskHarm:
    """How bad a plug-in signal says a file looks, for the risk score (see ``signals.risk``).

    ``score`` in [0, 1] times ``weight`` (policy: how far the signal is trusted) joins the
    other harms in risk's noisy-OR; ``reason`` is the English reason shown with the risk.
    """

    score: float
    weight: float
    reason: str


def heatmap_path(name: Any, heatmap_dir: Path | None) -> str | None:
    """A stored heatmap's name as printed: under ``heatmap_dir`` when given, else as is."""
    if not isinstance(name, str) or not name:
        return None
    return str(heatmap_dir / name) if heatmap_dir is not None else name
