"""The bilingual PDF evidence report: readable, complete, robust to hostile text, reproducible."""

from __future__ import annotations

import io
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, StreamObject

from idolguard.evidence.case_report import (
    CaseReport,
    ReportEvent,
    ReportItem,
    ReportScore,
    render_report,
)

AT = datetime(2026, 11, 25, 3, 10, 11, tzinfo=UTC)
BLURRED = "흐림처리:노출콘텐츠"
BLURRED_EN = "blurred:explicitcontent"


def gradient_png(width: int = 96, height: int = 64) -> bytes:
    """A synthetic colour gradient: a stand-in thumbnail with no real content at all."""
    image = Image.new("RGB", (width, height))
    image.putdata(
        [(x * 255 // width, y * 255 // height, 128) for y in range(height) for x in range(width)]
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def make_item(item_id: int, **changes: Any) -> ReportItem:
    item = ReportItem(
        item_id=item_id,
        state="confirmed",
        media_type="image",
        sha256=f"{item_id:08x}" + "a1" * 28,
        md5=f"{item_id:08x}" + "b2" * 12,
        pdq="f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
        size_bytes=204_800 + item_id,
        source_url=f"https://social.example/posts/{item_id}",
        final_url=f"https://cdn.social.example/media/{item_id}.jpg",
        platform="X",
        uploader="@uploader",
        page_title="제니 합성 사진 유포 게시글",
        captured_at=AT + timedelta(minutes=item_id),
        operator="analyst@agency.example",
        capture_tool="IdolGuard 0.1.0",
        artists=["Jennie (제니)"],
        scores=[
            ReportScore("risk", "0.91"),
            ReportScore("identity", "Jennie (0.87)", "best of 2 faces"),
            ReportScore("explicit", "0.97"),
            ReportScore("bank_match", "match: bank artist-3, PDQ distance 4"),
            ReportScore("provenance", "no AI declaration found"),
            ReportScore("future_signal", "0.42"),
        ],
        reasons=["Jennie 0.87 x explicitness 0.97", "bank match artist-3 (distance 4)"],
        evidence_sha256=f"{item_id:08x}" + "c3" * 28,
        timestamp="2026-11-25 03:10:11 UTC by CN=Example TSA (serial 42)",
        thumbnail_png=None,
        thumbnail_blurred=False,
        events=[
            ReportEvent(AT, "scanner", "evidence captured", None),
            ReportEvent(AT + timedelta(hours=1), "kim", "new → in_review", "queue"),
            ReportEvent(AT + timedelta(hours=2), "lee", "confirmed", "artist and explicit"),
        ],
    )
    return replace(item, **changes)


def make_report(items: list[ReportItem], **changes: Any) -> CaseReport:
    report = CaseReport(
        case_number="IG-2026-0007",
        title="제니 딥페이크 유포 사건 / Jennie deepfake distribution",
        artist="Jennie (제니) — BLACKPINK",
        status="open",
        opened_at=AT - timedelta(days=3),
        generated_at=AT + timedelta(days=1),
        generated_by="kim@agency.example",
        tool="IdolGuard 0.1.0",
        custody_head="9f" * 32,
        custody_entries=128,
        items=items,
    )
    return replace(report, **changes)


def two_items() -> list[ReportItem]:
    return [
        make_item(1, thumbnail_png=gradient_png(), thumbnail_blurred=True),
        make_item(2, state="in_review", timestamp=None, page_title="팬 커뮤니티 — 직캠 모음"),
    ]


def page_texts(pdf: bytes) -> list[str]:
    """Text per page without whitespace: pypdf may put spaces between CJK glyphs."""
    reader = PdfReader(io.BytesIO(pdf))
    return ["".join(page.extract_text().split()) for page in reader.pages]


def item_pages(texts: list[str], item_id: int) -> str:
    """The text of the pages of one item: from its heading up to the next heading."""
    start = next(i for i, text in enumerate(texts) if f"항목/Item{item_id}" in text)
    end = next(
        (i for i in range(start + 1, len(texts)) if "항목/Item" in texts[i] or "한계/" in texts[i]),
        len(texts),
    )
    return "".join(texts[start:end])


@pytest.fixture(scope="module")
def two_item_pdf() -> bytes:
    return render_report(make_report(two_items()))


def test_two_item_report_is_a_valid_pdf_with_the_case_and_hashes(two_item_pdf: bytes) -> None:
    assert two_item_pdf.startswith(b"%PDF-")
    assert two_item_pdf.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(two_item_pdf), strict=True)
    assert len(reader.pages) >= 3  # cover, one page per item, limits
    text = "".join(page_texts(two_item_pdf))
    assert "IG-2026-0007" in text
    for item in two_items():
        assert item.sha256 in text
        assert item.md5 in text
        assert item.evidence_sha256 in text
    # Korean first, then English, for headings and labels.
    for heading in (
        "증거보고서/Evidencereport",
        "이번들검증방법/Howtoverifythisbundle",
        "분석점수/Scores",
        "이력/History",
        "한계/Limits",
    ):
        assert heading in text
    assert "Jennie(제니)—BLACKPINK" in text
    assert "제니합성사진유포게시글" in text
    assert "팬커뮤니티—직캠모음" in text
    assert "idolguardverifybundle.zip" in text
    assert "opensslts-verify-inevidence/<id>.tsr-dataevidence/<id>.json-CAfile<TSACA>" in text
    # Every page carries the case number and "page N / M".
    texts = page_texts(two_item_pdf)
    for number, page in enumerate(texts, start=1):
        assert "IG-2026-0007" in page
        assert f"page{number}/{len(texts)}" in page


def test_scores_are_explained_with_their_limits(two_item_pdf: bytes) -> None:
    text = "".join(page_texts(two_item_pdf))
    assert "0.5isthenamingthreshold" in text  # identity
    assert "Notproofofidentityonitsown" in text
    assert "Notalegaldetermination" in text  # explicit
    assert "Notaprobability" in text  # risk
    assert "≤31of256bits" in text  # bank_match
    assert "canbestrippedorforged" in text  # provenance
    assert "(future_signal)" in text  # an unknown score is printed, generically explained
    assert "Judgetheitembytherawvalues" in text


def test_blurred_caption_only_for_the_blurred_item(two_item_pdf: bytes) -> None:
    texts = page_texts(two_item_pdf)
    first, second = item_pages(texts, 1), item_pages(texts, 2)
    assert BLURRED in first and BLURRED_EN in first
    assert BLURRED not in second and BLURRED_EN not in second
    assert "썸네일없음/nothumbnail" in second
    # The timestamped item shows its token; the other says it is not independently attested.
    assert "CN=ExampleTSA(serial42)" in first
    assert "notindependentlyattested" in second


def test_thumbnail_is_drawn_for_the_item_that_has_one(two_item_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(two_item_pdf))
    with_images = [i for i, page in enumerate(reader.pages) if page.images]
    assert len(with_images) == 1
    assert "항목/Item1" in "".join(reader.pages[with_images[0]].extract_text().split())


def test_the_font_is_embedded(two_item_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(two_item_pdf))
    descriptors: list[DictionaryObject] = []
    for page in reader.pages:
        resources = page["/Resources"].get_object()
        assert isinstance(resources, DictionaryObject)
        fonts = resources["/Font"].get_object()
        assert isinstance(fonts, DictionaryObject)
        for ref in fonts.values():
            font = ref.get_object()
            assert isinstance(font, DictionaryObject)
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                assert isinstance(descriptor, DictionaryObject)
                descriptors.append(descriptor)
    assert descriptors
    for descriptor in descriptors:
        assert "NotoSansKR" in str(descriptor["/FontName"])
        files = [key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor]
        assert files, "the font program must be embedded, not referenced by name"
        program = descriptor[files[0]].get_object()
        assert isinstance(program, StreamObject)
        # A subset: a small fraction of the 4.6 MB font, yet real glyph data.
        assert 1_000 < len(program.get_data()) < 1_000_000


def test_metadata_and_creation_date_come_from_the_report(two_item_pdf: bytes) -> None:
    info = PdfReader(io.BytesIO(two_item_pdf)).metadata
    assert info is not None
    assert info.title == "IG-2026-0007 — 제니 딥페이크 유포 사건 / Jennie deepfake distribution"
    assert info.author == "IdolGuard 0.1.0"
    assert info.subject is not None and "IG-2026-0007" in info.subject
    assert info.creation_date == AT + timedelta(days=1)


def test_same_input_gives_identical_bytes(two_item_pdf: bytes) -> None:
    assert render_report(make_report(two_items())) == two_item_pdf
    other = render_report(make_report(two_items(), generated_at=AT + timedelta(days=2)))
    assert other != two_item_pdf


def test_many_items_and_a_very_long_url_render() -> None:
    long_url = "https://social.example/" + "p" * (2_000 - len("https://social.example/"))
    assert len(long_url) == 2_000
    items = [make_item(1, source_url=long_url, thumbnail_png=gradient_png())]
    items += [make_item(i) for i in range(2, 61)]
    pdf = render_report(make_report(items))
    texts = page_texts(pdf)
    assert len(texts) >= 60
    text = "".join(texts)
    for item in items:
        assert item.sha256 in text
    assert long_url in text  # wrapped at any character, nothing lost
    assert "charactersomitted" not in text


def test_an_absurdly_long_value_is_shortened_with_a_note() -> None:
    huge = "https://social.example/" + "가" * 30_000
    pdf = render_report(make_report([make_item(1, final_url=huge, page_title="x " * 20_000)]))
    text = "".join(page_texts(pdf))
    assert "charactersomitted" in text
    assert "https://social.example/가가가" in text
    assert "2value(s)" in text  # the Limits section says how many values were altered


def test_emoji_and_control_characters_are_dropped_not_fatal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hostile = "직캠 😀🔥 \x07\x1b[31m \u202eevil\u202c {nb} \ue000nb\ue000 end"
    item = make_item(
        1,
        page_title=hostile,
        uploader="😀",
        platform=None,
        final_url=None,
        pdq=None,
        artists=[],
        scores=[],
        reasons=[],
        events=[],
        thumbnail_png=b"not an image",
    )
    with caplog.at_level(logging.WARNING):
        pdf = render_report(make_report([item], artist=None, title="사건 🚨\x00"))
    assert not [r for r in caplog.records if "missing" in r.getMessage()]
    text = "".join(page_texts(pdf))
    assert "직캠[31mevil{nb}nbend" in text  # the readable rest, "{nb}" not taken as page count
    assert "😀" not in text and "\x07" not in text and "\u202e" not in text
    assert "썸네일을읽을수없음/thumbnailcouldnotbedecoded" in text
    assert "업로더/Uploader—" in text  # nothing left to show: a dash, not an empty cell
    assert "아티스트/Artist—" in text
    assert "charactersthefontcannotdisplay" in text


def test_naive_datetimes_are_taken_as_utc() -> None:
    naive = datetime(2026, 1, 2, 3, 4, 5)
    pdf = render_report(make_report([make_item(1, captured_at=naive)], opened_at=naive))
    assert "2026-01-0203:04:05UTC" in "".join(page_texts(pdf))


def test_an_empty_case_renders() -> None:
    text = "".join(page_texts(render_report(make_report([]))))
    assert "항목없음/noitems" in text
    assert "한계/Limits" in text


def test_a_video_items_timeline_rows_render_with_the_strip() -> None:
    from idolguard.signals.manipulation import ManipulationSignal

    stored = {
        "score": 0.91,
        "faces": [
            {
                "index": 0,
                "score": 0.91,
                "flagged": True,
                "frame_score": 0.2,
                "temporal": {"score": 0.91},
                "seconds": {"frames": [0.1, None, 0.3], "motion": [None, 0.95, 0.91]},
                "ranges": [{"start": 1.0, "end": 2.5, "peak": 0.95, "source": "motion"}],
            }
        ],
    }
    video = make_item(3, media_type="video", scores=ManipulationSignal.report_scores(stored))
    text = item_pages(page_texts(render_report(make_report([video]))), 3)
    assert "facetrack0,persecond[.@@];flagged1-2.5smotion0.95" in text
