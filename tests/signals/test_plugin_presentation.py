"""A plug-in signal is shown wherever a built-in one is, through the Signal interface alone:
the scan JSON, the CLI listing's reason, the review findings and item page, the bundle
score list and the evidence report.

This module is itself the plug-in: it is registered on the shared plugin manager the way
a built-in module is, and nothing else in IdolGuard knows the signal's name.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from idolguard import plugins
from idolguard.domain.custody.bundles import _score_list
from idolguard.domain.review.findings import item_findings
from idolguard.evidence.case_report import CaseReport, ReportItem, render_report
from idolguard.hookspecs import hookimpl
from idolguard.interfaces.cli.output import record_to_json, scan_row
from idolguard.pipeline.records import FileRecord
from idolguard.signals.base import AnalysisItem, JSONDict, Signal
from idolguard.signals.presentation import ReportScore, ScoreExplanation
from idolguard.signals.registry import (
    SignalContext,
    _default_signal_types,
    discover_signals,
    plugin_manager,
    presentation_for,
)
from tests.helpers import sample
from tests.interfaces.web.conftest import Web
from tests.interfaces.web.conftest import web as web  # the fixture, for the item page

AT = datetime(2026, 11, 25, 3, 10, 11, tzinfo=UTC)


class GrainSignal(Signal):
    """A minimal third-party signal: a name, a version, a score and what the score means."""

    name = "film_grain"
    version = "1"
    description = "film grain estimate (a throwaway plug-in for tests)"
    explanation = ScoreExplanation(
        label_ko="필름 그레인",
        label_en="Film grain",
        meaning_ko="필름 그레인 추정치(0~1).",
        meaning_en="Estimated film grain in [0, 1].",
        limits_ko="시험용 신호다.",
        limits_en="A test signal only.",
    )

    def analyse(self, item: AnalysisItem) -> JSONDict:
        return {"score": 0.4242}


@hookimpl
def idolguard_signal_types() -> list[type[Signal]]:
    return [GrainSignal]


@hookimpl
def idolguard_signals(context: SignalContext) -> list[Signal]:
    return [GrainSignal()]


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This module joins the built-ins, exactly as one registration line would add it."""
    monkeypatch.setattr(plugins, "BUILTIN", (*plugins.BUILTIN, __name__))
    _default_signal_types.cache_clear()
    yield
    _default_signal_types.cache_clear()


RESULTS: dict[str, Any] = {"film_grain": {"score": 0.4242}, "risk": {"score": 0.5}}


def test_the_plugin_signal_runs_and_is_found_by_name(registered: None) -> None:
    manager = plugin_manager(load_entry_points=False)
    assert "film_grain" in [s.name for s in discover_signals(SignalContext(), manager)]
    assert presentation_for("film_grain") is GrainSignal


def test_the_plugin_score_is_in_the_bundle_score_list(registered: None) -> None:
    scores = _score_list(RESULTS)

    assert [s.name for s in scores] == ["risk", "film_grain"]  # built-ins first
    assert scores[1] == ReportScore("film_grain", "0.42", None, GrainSignal.explanation)


def test_an_unknown_stored_signal_is_shown_the_default_way() -> None:
    scores = _score_list({"retired_signal": {"score": 0.1}, "no_score": {"x": 1}})

    assert scores == [ReportScore("retired_signal", "0.10")]


def test_the_plugin_score_is_explained_in_the_evidence_report(registered: None) -> None:
    item = ReportItem(
        item_id=1,
        state="confirmed",
        media_type="image",
        sha256="a1" * 32,
        md5="b2" * 16,
        pdq=None,
        size_bytes=1,
        source_url=None,
        final_url=None,
        platform=None,
        uploader=None,
        page_title=None,
        captured_at=AT,
        operator="kim",
        capture_tool="IdolGuard",
        artists=[],
        # The explanation is looked up by the score's name, as for a caller that left it out.
        scores=[ReportScore("film_grain", "0.42")],
        reasons=[],
        evidence_sha256="c3" * 32,
        timestamp=None,
        thumbnail_png=None,
        thumbnail_blurred=False,
        events=[],
    )
    report = CaseReport(
        case_number="IG-2026-0001",
        title="test",
        artist=None,
        status="open",
        opened_at=AT,
        generated_at=AT,
        generated_by="kim",
        tool="IdolGuard",
        custody_head="9f" * 32,
        custody_entries=1,
        items=[item],
    )
    reader = PdfReader(io.BytesIO(render_report(report)))
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)

    assert "필름그레인" in text and "Filmgrain" in text
    assert "Estimatedfilmgrainin[0,1]." in text and "Atestsignalonly." in text
    assert "(film_grain)" not in text  # explained by the plug-in, not generically


def _file(**results: dict[str, Any]) -> FileRecord:
    return FileRecord(
        location="/scans/a.jpg", sha256="ab" * 32, media_type="image", results=results
    )


def test_the_plugin_score_is_in_the_scan_json_under_its_name(registered: None) -> None:
    printed = record_to_json(_file(**RESULTS))

    assert printed["film_grain"] == 0.4242
    keys = list(printed)
    # After the built-ins' documented fields, before the raw results; those stay as they were.
    assert keys.index("reasons") < keys.index("film_grain") < keys.index("signals")
    assert printed["pdq"] is None and printed["risk"] == 0.5 and printed["faces"] == []
    assert printed["signals"]["film_grain"] == {"version": None, "score": 0.4242}


def test_the_plugin_gives_the_listing_its_reason_when_risk_gives_none(registered: None) -> None:
    assert scan_row(_file(**RESULTS)).reason == "film_grain 0.42"
    # Risk's reasons stay the strongest.
    ranked = {**RESULTS, "risk": {"score": 0.5, "reasons": ["Jennie recognised (score 0.90)"]}}
    assert scan_row(_file(**ranked)).reason == "Jennie recognised (score 0.90)"


def test_the_plugin_is_in_the_review_findings(registered: None) -> None:
    found = item_findings(RESULTS, 512, 640, 480, media_type="image")

    assert found["other"] == [
        {
            "signal": "film_grain",
            "label": {"ko": "필름 그레인", "en": "Film grain"},
            "description": "film grain estimate (a throwaway plug-in for tests)",
            "score": 0.4242,
        }
    ]
    # It fills none of the built-ins' blocks.
    assert found["faces"] == [] and found["manipulation"]["detectors"] == []
    assert found["risk"]["score"] == 0.5 and "film_grain" in found["signals"]


def test_the_plugin_is_shown_on_the_item_page(registered: None, web: Web) -> None:
    stella = web.agency("stella")
    opened = stella.intake.add_file(
        sample("coffee.jpg"), actor="t", source={"url": "https://example.com/p/1"}
    )
    item = stella.cases.get_item(opened.item_id)
    # The scan ran the plug-in and stored its result under its name, like any signal's.
    assert stella.analysis.stored_results(item.sha256)[0]["film_grain"] == {"score": 0.4242}

    english = web.browser("viewer").get(f"/items/{item.id}")
    korean = web.browser("viewer", lang="ko").get(f"/items/{item.id}")

    assert english.status_code == 200 and korean.status_code == 200, english.text
    assert 'data-signal="film_grain"' in english.text
    assert "<h3>Film grain</h3>" in english.text and "<strong>0.42</strong>" in english.text
    assert "<h3>필름 그레인</h3>" in korean.text
    findings = web.api("viewer").get(f"/api/v1/items/{item.id}").json()["findings"]
    assert [entry["signal"] for entry in findings["other"]] == ["film_grain"]
