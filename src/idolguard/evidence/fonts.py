"""The one embedded font of IdolGuard's PDFs (evidence report and notice): Noto Sans KR.

Noto Sans KR (SIL OFL) ships with CFF (PostScript) outlines and CID keys, which fpdf2 embeds
through a custom code-to-CID CMap; pypdf (7.1) reads that one byte per code, so copied or
extracted text comes out wrong once a document uses more than 255 distinct characters, as
any Korean one does. So the glyphs a document needs are subset first and their outlines
redrawn as TrueType (quadratic, within 1/1000 em), which fpdf2 embeds with the standard
Identity-H encoding that every extractor reads.
"""

from __future__ import annotations

import io
from importlib import resources
from typing import Final

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

__all__ = ["FONT_FAMILY", "truetype_subset"]

FONT_FAMILY: Final = "NotoSansKR"
_FONT_PACKAGE: Final = "pylopdf_fonts_ko"
_FONT_FILE: Final = "NotoSansKR-Regular.otf"


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
