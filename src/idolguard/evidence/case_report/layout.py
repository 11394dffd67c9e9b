"""Page geometry, colours and the small measuring helpers of the case report.

fpdf2 cannot split a table row across pages, so sizes here bound how much one cell may hold;
the helpers that shorten, time-stamp and decode values live here so the writer reads as the
report's sections in order.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Final

from fpdf import FPDF
from fpdf.enums import Align
from fpdf.util import Padding
from PIL import Image

from idolguard.evidence.case_report.wording import LABELS
from idolguard.evidence.fonts import FONT_FAMILY

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
