"""The human-readable evidence report of a case: a Korean/English PDF for lawyers and courts.

Why it looks the way it does
============================
The bundle (files, ``manifest.json``, RFC 3161 tokens, custody log) is the evidence; this
report is how a person who will never run IdolGuard reads it. Following the spirit of the
Berkeley Protocol, each item says *what* was online (hashes, thumbnail), *where* (URLs,
platform, uploader), *when* and *how* it was captured (UTC time, operator, tool, timestamp),
*what the analysis says* and, just as prominently, *how far each number can be trusted*.
Readers in Korea and abroad get every heading and label in Korean first, then English.

Design choices that matter for evidence:

* **Reproducible bytes.** The creation date is ``generated_at``, the metadata comes from the
  case and nothing reads the clock or the environment, so the same input yields the same
  file and a report can be re-generated and compared with one filed earlier.
* **One embedded font, as TrueType.** Noto Sans KR (SIL OFL) is embedded as a subset, so the
  document renders identically on a court's machine. It has no bold face: emphasis is size
  and colour. The font ships with CFF (PostScript) outlines and CID keys, which fpdf2 embeds
  through a custom code-to-CID CMap; pypdf (7.1) reads that one byte per code, so copied or
  extracted text comes out wrong once a report uses more than 255 distinct characters, as
  any Korean report does. So the glyphs the report needs are subset first and their outlines
  redrawn as TrueType (quadratic, within 1/1000 em), which fpdf2 embeds with the standard
  Identity-H encoding that every extractor reads.
* **No crash on hostile text.** Page titles and uploader names come from the internet.
  Characters the font has no glyph for (emoji, control and format characters such as
  bidirectional overrides) are left out rather than drawn as empty boxes or allowed to
  reorder text, and over-long values (a 20,000-character URL) are shortened with a note
  saying how much was left out. The final "Limits" section says when this happened; the
  untouched values stay in the bundle's JSON.
* **Explanations in one place.** What each score means and where it stops being reliable is
  in ``SCORE_EXPLANATIONS``, so the wording can be reviewed and kept in step with the signals.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Final

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from fpdf import FPDF, FontFace
from fpdf.enums import Align, MethodReturnValue, VAlign, WrapMode, XPos, YPos
from fpdf.fonts import TTFFont
from fpdf.util import Padding
from PIL import Image

__all__ = [
    "GENERIC_SCORE_EXPLANATION",
    "LABELS",
    "SCORE_EXPLANATIONS",
    "CaseReport",
    "ReportEvent",
    "ReportItem",
    "ReportScore",
    "ScoreExplanation",
    "render_report",
]


@dataclass(frozen=True)
class ReportScore:
    name: str  # "risk", "identity", "explicit", "bank_match", "provenance", "manipulation", ...
    value: str  # already formatted by the caller, e.g. "0.91" or "Jennie (0.87)"
    detail: str | None = None


@dataclass(frozen=True)
class ReportEvent:
    at: datetime  # aware UTC
    actor: str
    action: str  # e.g. "new → in_review", "confirmed", "evidence captured"
    reason: str | None


@dataclass(frozen=True)
class ReportItem:
    item_id: int
    state: str  # new | in_review | confirmed | dismissed | notice_sent | removed | reappeared
    media_type: str  # image | video
    sha256: str
    md5: str
    pdq: str | None
    size_bytes: int
    source_url: str | None
    final_url: str | None
    platform: str | None
    uploader: str | None
    page_title: str | None
    captured_at: datetime  # aware UTC
    operator: str
    capture_tool: str  # e.g. "IdolGuard 0.1.0"
    artists: list[str]
    scores: list[ReportScore]
    reasons: list[str]
    evidence_sha256: str  # SHA-256 of the item's evidence manifest
    timestamp: str | None  # RFC 3161 token summary; None when not timestamped
    thumbnail_png: bytes | None  # already blurred by the caller where required
    thumbnail_blurred: bool
    events: list[ReportEvent]


@dataclass(frozen=True)
class CaseReport:
    case_number: str  # e.g. "IG-2026-0007"
    title: str
    artist: str | None  # e.g. "Jennie (제니) — BLACKPINK"
    status: str
    opened_at: datetime
    generated_at: datetime
    generated_by: str
    tool: str  # "IdolGuard 0.1.0"
    custody_head: str  # hash of the last custody-log entry included in the bundle
    custody_entries: int
    items: list[ReportItem]


@dataclass(frozen=True)
class ScoreExplanation:
    """What a score means and where it stops being reliable, in both languages."""

    label_ko: str
    label_en: str
    meaning_ko: str
    meaning_en: str
    limits_ko: str
    limits_en: str


# Reviewed wording: keep it in step with the signals in idolguard.signals. A reader in court
# sees the limits column next to every value, so a limit left out here is a limit hidden.
SCORE_EXPLANATIONS: Final = MappingProxyType(
    {
        "risk": ScoreExplanation(
            label_ko="위험도",
            label_en="Risk",
            meaning_ko="검토 순서를 정하는 0~1 점수. 신원 신뢰도와 피해 신호(노출도, AI 생성 "
            "표시, 확인된 콘텐츠와의 해시 일치)를 결합한다.",
            meaning_en="Triage priority in [0, 1] that orders the review queue; combines "
            "identity confidence with harm signals (explicitness, declared AI generation, "
            "hash match to confirmed content).",
            limits_ko="확률이 아니다. 가중치는 운영 정책이다. 판단은 사유에 적힌 원래 값으로 "
            "해야 한다.",
            limits_en="Not a probability: the weights are triage policy. Judge the item by the "
            "raw values listed under Reasons.",
        ),
        "identity": ScoreExplanation(
            label_ko="신원 일치",
            label_en="Identity",
            meaning_ko="검출된 얼굴이 등록된 아티스트와 같은 사람이라는 보정된 신뢰도(0~1). "
            "0.5가 이름을 붙이는 기준값이다.",
            meaning_en="Calibrated face-match confidence in [0, 1] that a detected face is the "
            "enrolled artist; 0.5 is the naming threshold.",
            limits_ko="작거나 가려진 얼굴, 저화질, 옆모습, 닮은 사람에서는 정확도가 낮다. "
            "이것만으로 신원을 증명하지 않으며 사람이 확인해야 한다.",
            limits_en="Lower accuracy on small, occluded, low-quality or profile faces and on "
            "look-alikes. Not proof of identity on its own; a person must confirm it.",
        ),
        "explicit": ScoreExplanation(
            label_ko="노출도",
            label_en="Explicit",
            meaning_ko="open_nsfw 분류기가 이미지를 성적으로 노골적이라고 본 점수(0~1)를 "
            "일반 인물 사진으로 보정한 값(순위는 바뀌지 않음). 동영상은 추출한 프레임 중 "
            "최댓값이다.",
            meaning_en="The open_nsfw classifier's score in [0, 1] that the image is sexually "
            "explicit, recalibrated on neutral photos of people (the order of files is "
            "unchanged); for videos, the highest value over sampled frames.",
            limits_ko="법적 판단이 아니다. 수영복이나 피부색 클로즈업에 과잉 반응할 수 있고, "
            "누가 나오는지는 알려주지 않는다.",
            limits_en="Not a legal determination. Can over-fire on swimwear and skin-toned "
            "close-ups, and says nothing about who is shown.",
        ),
        "bank_match": ScoreExplanation(
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
        ),
        "provenance": ScoreExplanation(
            label_ko="출처 정보",
            label_en="Provenance",
            meaning_ko="파일 자체의 메타데이터가 주장하는 내용(C2PA 콘텐츠 자격 증명, "
            "IPTC/XMP 소스 유형, 생성기 정보, Stable Diffusion 워터마크).",
            meaning_en="What the file's own metadata claims (C2PA Content Credentials, "
            "IPTC/XMP digital source type, generator metadata, Stable Diffusion watermark).",
            limits_ko="메타데이터는 지우거나 위조할 수 있다. 표시가 없다고 진본은 아니다 "
            "(스크린샷, 재인코딩, 업로드로 흔히 사라진다).",
            limits_en="Metadata can be stripped or forged. Its absence proves nothing: "
            "screenshots, re-encoding and uploads usually remove it.",
        ),
        "manipulation": ScoreExplanation(
            label_ko="조작 탐지",
            label_en="Manipulation",
            meaning_ko="얼굴 교체·편집 탐지 모델의 점수(0~1). 높을수록 조작 가능성이 크다.",
            meaning_en="Manipulation-detector model score in [0, 1]; higher means a face swap "
            "or edit is more likely.",
            limits_ko="모델 점수이지 판정이 아니다. 학습하지 않은 새 방법은 놓칠 수 있고, "
            "압축과 크기 변경은 정확도를 떨어뜨린다.",
            limits_en="A model score, not a finding. Detectors miss methods they were not "
            "trained on; compression and resizing lower accuracy.",
        ),
        "ai_generated": ScoreExplanation(
            label_ko="AI 생성 탐지",
            label_en="AI-generated",
            meaning_ko="AI 생성 이미지 탐지 모델의 점수(0~1). 높을수록 합성일 가능성이 크다.",
            meaning_en="AI-generated-image detector score in [0, 1]; higher means more likely "
            "synthetic.",
            limits_ko="모델 점수이지 판정이 아니다. 새로운 생성 모델은 놓칠 수 있고, 보정이 "
            "심한 실제 사진을 잘못 표시할 수 있다.",
            limits_en="A model score, not a finding. Detectors miss generators they have not "
            "seen and can flag heavily retouched real photos.",
        ),
    }
)

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

# Korean glosses for database values (states, media types). The value itself is always shown
# verbatim next to its gloss, because that is what the bundle's JSON says.
VALUE_GLOSSES: Final = MappingProxyType(
    {
        "open": "진행 중",
        "closed": "종결",
        "new": "신규",
        "in_review": "검토 중",
        "confirmed": "확인됨",
        "dismissed": "기각됨",
        "notice_sent": "삭제 요청 발송",
        "removed": "삭제됨",
        "reappeared": "재게시됨",
        "image": "이미지",
        "video": "동영상",
    }
)

VERIFY_KO: Final = (
    "IdolGuard가 있으면 아래 첫 명령 하나로 충분하다. IdolGuard 없이 확인하려면 번들의 각 "
    "파일에 sha256sum을 실행해 manifest.json의 값과 비교하고, 타임스탬프가 있는 항목은 "
    "openssl로 RFC 3161 토큰을 검증한다. 이 보고서의 해시와 관리 연속성 기록(항목 수, 마지막 "
    "항목 해시)도 번들과 같아야 한다."
)
VERIFY_EN: Final = (
    "With IdolGuard, the first command below is enough. Without it, run sha256sum on each "
    "file of the bundle and compare with manifest.json, and verify the RFC 3161 token of each "
    "timestamped item with openssl. The hashes in this report and the custody log (entry count "
    "and last-entry hash) must match the bundle too."
)
VERIFY_COMMANDS: Final = (
    "idolguard verify bundle.zip",
    "sha256sum <file>    # = manifest.json",
    "openssl ts -verify -in evidence/<id>.tsr -data evidence/<id>.json -CAfile <TSA CA>",
)

DASH: Final = "—"
# Every fixed heading and label, Korean first: one place to review the wording. The report's
# font subset is built from these characters plus those of the case.
LABELS: Final = MappingProxyType(
    {
        "header": "IdolGuard · 증거 보고서 / Evidence report",
        "footer": "페이지 / page {page} / {pages}",
        "report": "증거 보고서 / Evidence report",
        "case_number": "사건 번호 / Case number",
        "title": "제목 / Title",
        "artist": "아티스트 / Artist",
        "status": "상태 / Status",
        "opened": "개시 / Opened",
        "generated_at": "생성 일시 / Generated at",
        "generated_by": "생성자 / Generated by",
        "tool": "도구 / Tool",
        "item_count": "항목 수 / Items",
        "custody": "관리 연속성 기록 / Custody log",
        "custody_value": "{entries}개 기록 / entries, 마지막 기록 해시 / last-entry hash: {head}",
        "verify": "이 번들 검증 방법 / How to verify this bundle",
        "index": "항목 목록 / Items",
        "no_items": f"{DASH} 항목 없음 / no items",
        "item": "항목 / Item",
        "state": "상태 / State",
        "type": "유형 / Type",
        "platform": "플랫폼 / Platform",
        "captured": "수집 / Captured",
        "item_heading": "항목 / Item {id}",
        "no_thumbnail": "썸네일 없음 / no thumbnail",
        "bad_thumbnail": "썸네일을 읽을 수 없음 / thumbnail could not be decoded",
        "blurred": "흐림 처리: 노출 콘텐츠 / blurred: explicit content",
        "capture": "수집 위치·시각·방법 / Where, when and how it was captured",
        "source_url": "원본 URL / Source URL",
        "final_url": "최종 URL / Final URL",
        "uploader": "업로더 / Uploader",
        "page_title": "페이지 제목 / Page title",
        "captured_at": "수집 시각 / Captured at",
        "operator": "수집자 / Operator",
        "capture_tool": "수집 도구 / Capture tool",
        "artists": "아티스트 / Artists",
        "media_type": "미디어 유형 / Media type",
        "hashes": "해시와 타임스탬프 / Hashes and timestamp",
        "size": "크기 / Size",
        "size_value": "{size} 바이트 / bytes",
        "manifest": "증거 매니페스트 SHA-256 / Evidence manifest SHA-256",
        "timestamp": "RFC 3161 타임스탬프 / timestamp",
        "no_timestamp": f"{DASH} 없음: 독립적으로 증명되지 않음 / none: not independently attested",
        "scores": "분석 점수 / Scores",
        "score": "점수 / Score",
        "value": "값 / Value",
        "meaning": "의미 / Meaning",
        "limits_column": "한계 / Limits",
        "no_scores": f"{DASH} 점수 없음 / no scores",
        "reasons": "사유 / Reasons",
        "no_reasons": f"{DASH} 사유 없음 / no reasons recorded",
        "history": "이력 / History",
        "time": "시각 / Time",
        "actor": "행위자 / Actor",
        "action": "조치 / Action",
        "reason": "사유 / Reason",
        "no_events": f"{DASH} 기록 없음 / no events",
        "limits": "한계 / Limits",
        "omitted": "… [{count}자 생략 / {count} more characters omitted]",
        "bullet": "•",
    }
)

REPORT_LIMITS: Final = (
    (
        "점수는 사람의 검토를 돕는 분류 보조 수단이며 법적 결론이 아니다.",
        "Scores are triage aids for human review, not legal conclusions.",
    ),
    (
        "모든 시각은 수집한 컴퓨터 시계 기준의 UTC다. RFC 3161 타임스탬프가 표시된 항목만 "
        "독립적으로 증명된다.",
        "All times are UTC from the capturing machine's clock; they are independently attested "
        "only where an RFC 3161 timestamp is shown.",
    ),
    (
        "이 보고서는 번들의 요약이다. 기준은 번들의 파일과 해시이며, 다르면 번들이 우선한다.",
        "This report summarises the bundle; the bundle's files and hashes are authoritative and "
        "prevail over this report.",
    ),
    (
        "썸네일은 식별을 돕는 축소본이며 노출 콘텐츠는 흐림 처리했다. 증거는 SHA-256으로 "
        "식별되는 수집 파일이다.",
        "Thumbnails are reduced copies to aid identification, with explicit content blurred; the "
        "evidence is the captured file identified by its SHA-256.",
    ),
)
ALTERED_NOTE: Final = (
    "이 보고서에서 {n}개 값은 글꼴로 표시할 수 없는 문자(이모지, 제어 문자 등)를 빼거나 "
    "길이를 줄여 표시했다. 원래 값은 번들의 JSON 파일에 있다.",
    "In this report, {n} value(s) had characters the font cannot display (emoji, control "
    "characters) removed or were shortened; the original values are in the bundle's JSON files.",
)

FONT_FAMILY: Final = "NotoSansKR"
_FONT_PACKAGE: Final = "pylopdf_fonts_ko"
_FONT_FILE: Final = "NotoSansKR-Regular.otf"
# The page-total placeholder. A private-use character never survives _ReportWriter.text (the
# font has no glyph for it), so no text from the internet can be mistaken for the placeholder.
_NB_ALIAS: Final = "\ue000nb\ue000"

_MARGIN: Final = 18.0
_TOP: Final = 22.0
_BOTTOM: Final = 18.0
_PT: Final = 25.4 / 72  # mm per point
_BODY: Final = 8.5
_SMALL: Final = 7.5
_TABLE_PADDING: Final = Padding(top=1.2, right=1.6, bottom=1.2, left=1.6)  # mm
# A table row must fit on one page (fpdf2 cannot split a row), so no cell may exceed this.
_MAX_CELL_LINES: Final = 40
_THUMB_BOX: Final = (80.0, 60.0)  # max width, height in mm
_THUMB_PIXELS: Final = 1024  # larger thumbnails are reduced: bounded file size, same look

_INK: Final = (33, 37, 41)
_MUTED: Final = (96, 104, 114)
_ACCENT: Final = (28, 62, 110)
_WARN: Final = (166, 60, 0)
_RULE: Final = (196, 202, 210)
_LABEL_FILL: Final = (242, 244, 247)
_HEAD_FILL: Final = (225, 232, 242)
_CODE_FILL: Final = (245, 245, 245)


def render_report(report: CaseReport) -> bytes:
    """Render the case as PDF bytes; the same ``report`` always gives the same bytes."""
    return _ReportWriter(report).render()


class _ReportPDF(FPDF):
    """A4 pages whose header names the case, so a loose page can be put back where it belongs."""

    def __init__(self, case_number: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.case_number = case_number

    def header(self) -> None:
        self.set_font(FONT_FAMILY, size=_SMALL)
        self.set_text_color(*_MUTED)
        self.set_xy(self.l_margin, 10)
        half = self.epw / 2
        self.cell(half, 4, LABELS["header"], align=Align.L)
        self.cell(half, 4, self.case_number, align=Align.R)
        self.set_draw_color(*_RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, 15, self.w - self.r_margin, 15)
        self.set_y(_TOP)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, size=_SMALL)
        self.set_text_color(*_MUTED)
        footer = LABELS["footer"].format(page=self.page_no(), pages=_NB_ALIAS)
        self.cell(0, 4, footer, align=Align.C)


class _ReportWriter:
    """One rendering: holds the PDF, the font's character set and the count of altered values."""

    def __init__(self, report: CaseReport) -> None:
        self.report = report
        # Distinct original values shown altered (characters dropped or shortened).
        self.altered: set[str] = set()
        self.links: list[int] = []  # internal link per item, in report order
        self.pdf = _ReportPDF(case_number="")
        self.cmap: frozenset[int] = frozenset()

    def load_font(self, directory: Path) -> None:
        """Subset the font to what this report can draw and hand it to fpdf2 as TrueType.

        fpdf2 only takes fonts from files (and reads them again when writing the PDF), so
        the subset lives in ``directory`` until the output is done.
        """
        path = directory / "NotoSansKR-report.ttf"
        path.write_bytes(truetype_subset(_characters(self.report)))
        self.pdf.add_font(FONT_FAMILY, "", str(path))
        loaded = self.pdf.fonts[FONT_FAMILY.lower()]
        if not isinstance(loaded, TTFFont):  # pragma: no cover - add_font always gives one
            raise TypeError("Noto Sans KR did not load as an embeddable font")
        self.cmap = frozenset(loaded.cmap)
        self.pdf.case_number = self.text(self.report.case_number)

    # -- text ---------------------------------------------------------------------------

    def text(self, value: str | None, *, count: bool = True) -> str:
        """Make ``value`` safe to draw: NFC, one line, only characters the font has.

        Internet text may carry emoji, control characters or bidirectional overrides; drawing
        them would give empty boxes or reordered text, so they are dropped and counted for the
        note in the Limits section.
        """
        if value is None:
            return DASH
        kept: list[str] = []
        dropped = False
        for char in unicodedata.normalize("NFC", value):
            if char.isspace():
                kept.append(" ")
            elif unicodedata.category(char).startswith("C") or ord(char) not in self.cmap:
                dropped = True
            else:
                kept.append(char)
        if dropped and count:
            self.altered.add(value)
        cleaned = " ".join("".join(kept).split())
        return cleaned or DASH

    def fit(self, text: str, width: float, size: float, max_lines: int = _MAX_CELL_LINES) -> str:
        """Shorten ``text`` so that it wraps to at most ``max_lines`` lines in ``width``.

        fpdf2 cannot split a table row across pages, and a multi-kilobyte URL would otherwise
        stop the whole report; the note keeps the shortening visible to the reader.
        """
        if _surely_fits(text, width, size, max_lines):
            return text
        self.pdf.set_font(FONT_FAMILY, size=size)
        # Only zero-width or hairline characters are narrower than 0.2 em: text longer than
        # this is taken as too long without measuring it (at worst it is shortened early).
        inner = width - _TABLE_PADDING.left - _TABLE_PADDING.right
        most = int(max_lines * inner / (0.2 * size * _PT))
        if len(text) <= most and self._line_count(text, width, size) <= max_lines:
            return text
        self.altered.add(text)
        low, high = 0, min(len(text) - 1, most)
        while low < high:  # the longest prefix that still fits together with the note
            middle = (low + high + 1) // 2
            if self._line_count(_shortened(text, middle), width, size) <= max_lines:
                low = middle
            else:
                high = middle - 1
        return _shortened(text, low)

    def _line_count(self, text: str, width: float, size: float) -> int:
        lines = self.pdf.multi_cell(
            w=width,
            h=_line_height(size),
            text=text,
            dry_run=True,
            output=MethodReturnValue.LINES,
            wrapmode=WrapMode.WORD,
            padding=_TABLE_PADDING,
        )
        if not isinstance(lines, list):  # pragma: no cover - fpdf2 returns lines for LINES
            raise TypeError("fpdf2 did not return the wrapped lines")
        return len(lines)

    # -- layout primitives --------------------------------------------------------------

    def ensure_space(self, height: float) -> None:
        """Start a new page unless ``height`` mm fit, so headings never end a page alone."""
        if self.pdf.get_y() + height > self.pdf.page_break_trigger:
            self.pdf.add_page()

    def heading(self, text: str, size: float = 12.0, keep: float = 30.0) -> None:
        """``keep``: mm of what follows that must share the page with the heading."""
        self.ensure_space(keep)
        self.pdf.ln(3)
        self.pdf.set_font(FONT_FAMILY, size=size)
        self.pdf.set_text_color(*_ACCENT)
        self.pdf.multi_cell(
            0, _line_height(size), text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.pdf.ln(1)

    def paragraph(
        self,
        text: str,
        size: float = _BODY,
        color: tuple[int, int, int] = _INK,
        fill: tuple[int, int, int] | None = None,
    ) -> None:
        self.pdf.set_font(FONT_FAMILY, size=size)
        self.pdf.set_text_color(*color)
        if fill is not None:
            self.pdf.set_fill_color(*fill)
        self.pdf.multi_cell(
            0,
            _line_height(size),
            text,
            align=Align.L,
            fill=fill is not None,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def bullet(self, text: str) -> None:
        """A hanging-indented list entry, so wrapped lines stay clear of the bullet."""
        pdf = self.pdf
        pdf.set_font(FONT_FAMILY, size=_BODY)
        pdf.set_text_color(*_INK)
        indent = 4.0
        pdf.set_x(pdf.l_margin)
        pdf.cell(indent, _line_height(_BODY), LABELS["bullet"])
        pdf.multi_cell(
            pdf.epw - indent,
            _line_height(_BODY),
            text,
            align=Align.L,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def table(
        self,
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        headings: Sequence[str] | None = None,
        labelled: bool = False,
        size: float = _BODY,
        links: Sequence[int] | None = None,
    ) -> None:
        """A wrapped table; ``labelled`` shades the first column as the row's label.

        ``links`` (internal link ids, one per row) make the first cell of each row clickable.
        """
        pdf = self.pdf
        pdf.set_font(FONT_FAMILY, size=size)
        pdf.set_text_color(*_INK)
        pdf.set_draw_color(*_RULE)
        pdf.set_line_width(0.2)
        heading_style = FontFace(
            family=FONT_FAMILY, emphasis="", size_pt=size, color=_ACCENT, fill_color=_HEAD_FILL
        )
        label_style = FontFace(emphasis="", color=_MUTED, fill_color=_LABEL_FILL)
        fitted = [
            [self.fit(cell, width, size) for cell, width in zip(row, widths, strict=True)]
            for row in rows
        ]
        with pdf.table(
            width=pdf.epw,
            col_widths=tuple(widths),
            align=Align.L,
            text_align=Align.L,
            v_align=VAlign.T,
            first_row_as_headings=headings is not None,
            headings_style=heading_style,
            line_height=_line_height(size),
            padding=_TABLE_PADDING,
            wrapmode=WrapMode.WORD,
            borders_layout="HORIZONTAL_LINES",
        ) as table:
            if headings is not None:
                table.row(list(headings))
            for number, row in enumerate(fitted):
                cells = table.row()
                for index, cell in enumerate(row):
                    cells.cell(
                        cell,
                        style=label_style if labelled and index == 0 else None,
                        link=links[number] if links is not None and index == 0 else None,
                    )
        pdf.ln(2)

    def key_values(self, rows: Sequence[tuple[str, str]]) -> None:
        label = 48.0
        self.table(rows, (label, self.pdf.epw - label), labelled=True)

    # -- sections -----------------------------------------------------------------------

    def render(self) -> bytes:
        with tempfile.TemporaryDirectory(prefix="idolguard-report-") as directory:
            self.load_font(Path(directory))
            return self._render()

    def _render(self) -> bytes:
        report, pdf = self.report, self.pdf
        generated = _utc(report.generated_at)
        pdf.set_margins(_MARGIN, _TOP, _MARGIN)
        pdf.set_auto_page_break(True, margin=_BOTTOM)
        pdf.alias_nb_pages(_NB_ALIAS)
        pdf.set_creation_date(generated)
        pdf.set_lang("ko")
        metadata_title = f"{self.text(report.case_number, count=False)} — "
        metadata_title += self.text(report.title, count=False)
        pdf.set_title(metadata_title)
        pdf.set_subject(f"{LABELS['report']}: {self.text(report.case_number, count=False)}")
        pdf.set_author(self.text(report.tool, count=False))
        pdf.set_creator(self.text(report.tool, count=False))
        pdf.set_font(FONT_FAMILY, size=_BODY)
        pdf.add_page()

        self.links = [pdf.add_link() for _ in report.items]
        self.cover()
        self.verification()
        self.index()
        for item, link in zip(report.items, self.links, strict=True):
            pdf.add_page()
            pdf.set_link(link, page=pdf.page_no())
            self.item(item)
        self.limits()
        return bytes(pdf.output())

    def cover(self) -> None:
        report = self.report
        self.paragraph(LABELS["report"], size=20, color=_ACCENT)
        self.pdf.ln(1)
        self.paragraph(self.text(report.case_number), size=13)
        # The cover shows the start of a long title; the table below shows more of it.
        self.paragraph(self.fit(self.text(report.title), self.pdf.epw, 11, max_lines=4), size=11)
        self.pdf.ln(3)
        self.key_values(
            [
                (LABELS["case_number"], self.text(report.case_number)),
                (LABELS["title"], self.text(report.title)),
                (LABELS["artist"], self.text(report.artist)),
                (LABELS["status"], self.gloss(report.status)),
                (LABELS["opened"], _when(report.opened_at)),
                (LABELS["generated_at"], _when(report.generated_at)),
                (LABELS["generated_by"], self.text(report.generated_by)),
                (LABELS["tool"], self.text(report.tool)),
                (LABELS["item_count"], f"{len(report.items):,}"),
                (
                    LABELS["custody"],
                    LABELS["custody_value"].format(
                        entries=f"{report.custody_entries:,}", head=self.text(report.custody_head)
                    ),
                ),
            ]
        )

    def verification(self) -> None:
        self.heading(LABELS["verify"], size=11)
        self.paragraph(VERIFY_KO)
        self.pdf.ln(1)
        self.paragraph(VERIFY_EN)
        self.pdf.ln(1.5)
        self.paragraph("\n".join(VERIFY_COMMANDS), size=_SMALL, fill=_CODE_FILL)
        self.pdf.ln(1)

    def index(self) -> None:
        self.heading(LABELS["index"], size=11)
        if not self.report.items:
            self.paragraph(LABELS["no_items"])
            return
        rows = [
            (
                str(item.item_id),
                self.gloss(item.state),
                self.gloss(item.media_type),
                self.text(item.platform),
                _when(item.captured_at),
            )
            for item in self.report.items
        ]
        self.table(
            rows,
            (18, 38, 26, 48, 44),
            headings=tuple(
                LABELS[key] for key in ("item", "state", "type", "platform", "captured")
            ),
            links=self.links,
        )

    def item(self, item: ReportItem) -> None:
        self.paragraph(LABELS["item_heading"].format(id=item.item_id), size=15, color=_ACCENT)
        self.paragraph(
            f"{self.gloss(item.state)} · {self.gloss(item.media_type)}", size=_BODY, color=_MUTED
        )
        self.pdf.ln(2)
        self.thumbnail(item)

        self.heading(LABELS["capture"], size=10.5)
        self.key_values(
            [
                (LABELS["source_url"], self.text(item.source_url)),
                (LABELS["final_url"], self.text(item.final_url)),
                (LABELS["platform"], self.text(item.platform)),
                (LABELS["uploader"], self.text(item.uploader)),
                (LABELS["page_title"], self.text(item.page_title)),
                (LABELS["captured_at"], _when(item.captured_at)),
                (LABELS["operator"], self.text(item.operator)),
                (LABELS["capture_tool"], self.text(item.capture_tool)),
                (LABELS["artists"], self.joined(item.artists)),
                (LABELS["state"], self.gloss(item.state)),
                (LABELS["media_type"], self.gloss(item.media_type)),
            ]
        )

        self.heading(LABELS["hashes"], size=10.5)
        timestamp = self.text(item.timestamp) if item.timestamp else LABELS["no_timestamp"]
        self.key_values(
            [
                ("SHA-256", self.text(item.sha256)),
                ("MD5", self.text(item.md5)),
                ("PDQ", self.text(item.pdq)),
                (LABELS["size"], LABELS["size_value"].format(size=f"{item.size_bytes:,}")),
                (LABELS["manifest"], self.text(item.evidence_sha256)),
                (LABELS["timestamp"], timestamp),
            ]
        )

        # A score row with its explanations is ~50 mm: keep the first one with the heading.
        self.heading(LABELS["scores"], size=10.5, keep=70)
        if item.scores:
            self.table(
                [self.score_row(score) for score in item.scores],
                (27, 33, 57, 57),
                headings=tuple(LABELS[k] for k in ("score", "value", "meaning", "limits_column")),
                size=_SMALL,
            )
        else:
            self.paragraph(LABELS["no_scores"])

        self.heading(LABELS["reasons"], size=10.5)
        if item.reasons:
            for reason in item.reasons:
                self.bullet(self.text(reason))
        else:
            self.paragraph(LABELS["no_reasons"])
        self.pdf.ln(1)

        self.heading(LABELS["history"], size=10.5, keep=25)
        if item.events:
            self.table(
                [
                    (
                        _when(event.at),
                        self.text(event.actor),
                        self.text(event.action),
                        self.text(event.reason),
                    )
                    for event in item.events
                ],
                (38, 36, 44, 56),
                headings=tuple(LABELS[k] for k in ("time", "actor", "action", "reason")),
                size=_SMALL,
            )
        else:
            self.paragraph(LABELS["no_events"])

    def thumbnail(self, item: ReportItem) -> None:
        pdf = self.pdf
        image = _decode_thumbnail(item.thumbnail_png)
        if image is None:
            note = LABELS["no_thumbnail" if item.thumbnail_png is None else "bad_thumbnail"]
            self.paragraph(note, color=_MUTED)
        else:
            box_w, box_h = _THUMB_BOX
            scale = min(box_w / image.width, box_h / image.height)
            width, height = image.width * scale, image.height * scale
            self.ensure_space(height + 8)
            top = pdf.get_y()
            pdf.image(image, x=pdf.l_margin, y=top, w=width, h=height)
            pdf.set_draw_color(*_RULE)
            pdf.set_line_width(0.2)
            pdf.rect(pdf.l_margin, top, width, height)
            pdf.set_y(top + height + 1.5)
        if item.thumbnail_blurred:
            self.paragraph(LABELS["blurred"], color=_WARN)
        pdf.ln(1)

    def limits(self) -> None:
        self.pdf.add_page()
        self.heading(LABELS["limits"], size=12)
        notes = list(REPORT_LIMITS)
        if self.altered:
            count = len(self.altered)
            ko, en = ALTERED_NOTE
            notes.append((ko.format(n=count), en.format(n=count)))
        for ko, en in notes:
            self.bullet(f"{ko}\n{en}")
            self.pdf.ln(1.5)

    # -- value formatting ---------------------------------------------------------------

    def score_row(self, score: ReportScore) -> tuple[str, str, str, str]:
        known = SCORE_EXPLANATIONS.get(score.name)
        explanation = known or GENERIC_SCORE_EXPLANATION
        name = f"{explanation.label_ko}\n{explanation.label_en}"
        if known is None:
            name += f"\n({self.text(score.name)})"
        value = self.text(score.value)
        if score.detail:
            value += "\n" + self.text(score.detail)
        return (
            name,
            value,
            f"{explanation.meaning_ko}\n{explanation.meaning_en}",
            f"{explanation.limits_ko}\n{explanation.limits_en}",
        )

    def gloss(self, value: str) -> str:
        text = self.text(value)
        label = VALUE_GLOSSES.get(value)
        return f"{label} / {text}" if label else text

    def joined(self, values: Sequence[str]) -> str:
        return ", ".join(self.text(v) for v in values) if values else DASH


def _surely_fits(text: str, width: float, size: float, max_lines: int) -> bool:
    """A cheap upper bound on the wrapped line count, to skip fpdf2's slow measurement.

    No glyph of the font is wider than 1 em, and word wrapping wastes less than half of a
    line, so each line holds at least half of ``inner width / 1 em`` characters.
    """
    inner = width - _TABLE_PADDING.left - _TABLE_PADDING.right
    per_line = max(1, int(inner / (size * _PT)) // 2)
    lines = sum(-(-max(1, len(part)) // per_line) for part in text.split("\n"))
    return lines <= max_lines


def _shortened(text: str, keep: int) -> str:
    return f"{text[:keep]} " + LABELS["omitted"].format(count=f"{len(text) - keep:,}")


def _line_height(size: float) -> float:
    return size * _PT * 1.45


def _utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC, which is what the database stores."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _when(moment: datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%d %H:%M:%S UTC")


def _decode_thumbnail(data: bytes | None) -> Image.Image | None:
    """Decode and bound the thumbnail; a broken one must not cost the whole report."""
    if not data:
        return None
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = opened.convert("RGBA" if "A" in opened.getbands() else "RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    if image.width < 1 or image.height < 1:
        return None
    image.thumbnail((_THUMB_PIXELS, _THUMB_PIXELS))
    return image


def _strings(value: object) -> Iterator[str]:
    """Every string inside ``value`` (dataclasses, mappings, sequences), however deep."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _strings(getattr(value, field.name))
    elif isinstance(value, MappingProxyType | dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _codepoints(texts: Iterable[str]) -> set[int]:
    return {ord(char) for text in texts for char in unicodedata.normalize("NFC", text)}


# What the report writes by itself: its wording, and the digits and punctuation of numbers.
_FIXED_CODEPOINTS: Final = frozenset(
    _codepoints(
        _strings(
            (
                LABELS,
                SCORE_EXPLANATIONS,
                GENERIC_SCORE_EXPLANATION,
                VALUE_GLOSSES,
                VERIFY_KO,
                VERIFY_EN,
                VERIFY_COMMANDS,
                REPORT_LIMITS,
                ALTERED_NOTE,
            )
        )
    )
    | set(range(0x20, 0x7F))
)


def _characters(report: CaseReport) -> set[int]:
    """Every character the report may draw: a field added to the dataclasses later included."""
    return _codepoints(_strings(report)) | _FIXED_CODEPOINTS


def truetype_subset(codepoints: set[int]) -> bytes:
    """Noto Sans KR cut down to ``codepoints``, its CFF outlines redrawn as TrueType.

    Converting only the subset keeps this to a fraction of a second, and nothing in the
    result depends on the clock, so the PDF stays reproducible.
    """
    source = (resources.files(_FONT_PACKAGE) / _FONT_FILE).read_bytes()
    font = TTFont(io.BytesIO(source), recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = []  # fpdf2 draws without text shaping
    options.name_IDs = ["*"]  # keep the copyright and OFL licence records
    options.hinting = False
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)

    order = font.getGlyphOrder()
    outlines = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        # TrueType contours run the opposite way to CFF ones.
        outlines[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    del font["CFF "]
    if "VORG" in font:  # vertical origins exist only in CFF fonts
        del font["VORG"]
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000  # the TrueType version, with the fields it adds
    maxp.maxZones = 1
    for field in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0  # no glyph names: fpdf2 does not need them
    font.sfntVersion = "\x00\x01\x00\x00"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()
