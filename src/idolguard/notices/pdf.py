"""The notice as a PDF: what is attached to the e-mail, uploaded to web forms and filed.

Platforms' web forms often take an attachment, and lawyers file what was sent.
The PDF carries exactly the notice text (Korean and English) in an embedded
Noto Sans KR subset, so it renders the same everywhere, and its creation date is
the notice's date, so the same notice always gives the same bytes.
"""

from __future__ import annotations

import tempfile
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from idolguard.evidence.fonts import FONT_FAMILY, truetype_subset
from idolguard.notices.compose import DIVIDER

_MARGIN = 20.0
_BODY = 9.5
_SMALL = 7.5


class _NoticePDF(FPDF):
    def __init__(self, number: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.number = number

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, size=_SMALL)
        self.set_text_color(96, 104, 114)
        self.cell(0, 4, f"{self.number} · {self.page_no()}", align="C")


def render_notice_pdf(number: str, subject: str, body: str, date: datetime) -> bytes:
    """Render ``body`` under ``subject``; the same arguments always give the same bytes."""
    text = unicodedata.normalize("NFC", f"{subject}\n{body}\n{number}0123456789 ·")
    codepoints = {ord(c) for c in text if not unicodedata.category(c).startswith("C")}
    codepoints |= set(range(0x20, 0x7F))
    with tempfile.TemporaryDirectory(prefix="idolguard-notice-") as directory:
        font_path = Path(directory) / "NotoSansKR-notice.ttf"
        font_path.write_bytes(truetype_subset(codepoints))
        pdf = _NoticePDF(number)
        pdf.add_font(FONT_FAMILY, "", str(font_path))
        loaded = pdf.fonts[FONT_FAMILY.lower()]
        cmap = frozenset(loaded.cmap) if isinstance(loaded, TTFFont) else frozenset()

        def drawable(value: str) -> str:
            return "".join(
                c
                for c in unicodedata.normalize("NFC", value)
                if c == "\n" or (ord(c) in cmap and not unicodedata.category(c).startswith("C"))
            )

        moment = date if date.tzinfo else date.replace(tzinfo=UTC)
        pdf.set_creation_date(moment.astimezone(UTC))
        pdf.set_lang("ko")
        pdf.set_title(drawable(subject))
        pdf.set_creator("IdolGuard")
        pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
        pdf.set_auto_page_break(True, margin=18)
        pdf.add_page()
        pdf.set_font(FONT_FAMILY, size=11)
        pdf.multi_cell(0, 6, drawable(subject), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
        pdf.set_font(FONT_FAMILY, size=_BODY)
        for paragraph in body.split("\n"):
            line = drawable(paragraph)
            if line == DIVIDER:
                pdf.ln(2)
                y = pdf.get_y()
                pdf.set_draw_color(196, 202, 210)
                pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
                pdf.ln(3)
                continue
            pdf.multi_cell(0, 4.6, line or " ", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return bytes(pdf.output())
