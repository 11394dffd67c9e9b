"""Drawing a case report: the writer that lays out the cover, the items and the limits.

Design choices that matter for evidence (see the package docstring) are enforced here: the
same input gives the same bytes, characters the font cannot draw are dropped and counted,
and over-long values are shortened with a note.
"""

from __future__ import annotations

import dataclasses
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Final

from fpdf import FontFace
from fpdf.enums import Align, MethodReturnValue, VAlign, WrapMode, XPos, YPos
from fpdf.fonts import TTFFont

from idolguard.evidence.case_report.data import CaseReport, ReportItem, ReportScore
from idolguard.evidence.case_report.layout import (
    _ACCENT,
    _BODY,
    _BOTTOM,
    _CODE_FILL,
    _HEAD_FILL,
    _INK,
    _LABEL_FILL,
    _MARGIN,
    _MAX_CELL_LINES,
    _MUTED,
    _NB_ALIAS,
    _PT,
    _RULE,
    _SMALL,
    _TABLE_PADDING,
    _THUMB_BOX,
    _TOP,
    _WARN,
    _decode_thumbnail,
    _line_height,
    _ReportPDF,
    _shortened,
    _surely_fits,
    _utc,
    _when,
)
from idolguard.evidence.case_report.wording import (
    ALTERED_NOTE,
    DASH,
    LABELS,
    REPORT_LIMITS,
    VALUE_GLOSSES,
    VERIFY_COMMANDS,
    VERIFY_EN,
    VERIFY_KO,
)
from idolguard.evidence.fonts import FONT_FAMILY, truetype_subset
from idolguard.signals.presentation import GENERIC_SCORE_EXPLANATION


def render_report(report: CaseReport) -> bytes:
    """Render the case as PDF bytes; the same ``report`` always gives the same bytes."""
    return _ReportWriter(_explained(report)).render()


def _explained(report: CaseReport) -> CaseReport:
    """Each score with its signal's explanation, looked up by name where the caller left it out.

    Done before the font is subset, so the explanations' characters are in it. A name no
    plug-in lists keeps no explanation and is explained generically.
    """
    from idolguard.signals.registry import presentation_for  # only when a report is drawn

    def explained(score: ReportScore) -> ReportScore:
        if score.explanation is not None:
            return score
        return dataclasses.replace(score, explanation=presentation_for(score.name).explanation)

    items = [
        dataclasses.replace(item, scores=[explained(score) for score in item.scores])
        for item in report.items
    ]
    return dataclasses.replace(report, items=items)


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
        known = score.explanation
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
