"""A plug-in signal reaches the risk score by declaring its harm (``Signal.risk_harm``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from idolguard import plugins
from idolguard.hookspecs import hookimpl
from idolguard.media import MediaType, SniffResult
from idolguard.media.types import MediaLimits
from idolguard.signals.base import AnalysisItem, JSONDict, Signal
from idolguard.signals.presentation import RiskHarm
from idolguard.signals.registry import _default_signal_types
from idolguard.signals.risk import UNNAMED_HARM_WEIGHT, RiskSignal


class VoteSignal(Signal):
    """A throwaway third-party signal: a panel's vote that the file is a deepfake."""

    name = "panel_vote"
    version = "1"
    description = "share of a review panel calling it fake (test plug-in)"

    def analyse(self, item: AnalysisItem) -> JSONDict:
        return {"score": 0.8}

    @classmethod
    def risk_harm(cls, result: Mapping[str, Any]) -> RiskHarm | None:
        score = result.get("score")
        if not isinstance(score, float) or score < 0.5:
            return None
        return RiskHarm(score, 0.5, f"panel calls it fake ({score:.2f})")


@hookimpl
def idolguard_signal_types() -> list[type[Signal]]:
    return [VoteSignal]


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(plugins, "BUILTIN", (*plugins.BUILTIN, __name__))
    _default_signal_types.cache_clear()
    yield
    _default_signal_types.cache_clear()


def item(**results: Any) -> AnalysisItem:
    sniffed = SniffResult(MediaType.IMAGE, "jpeg", "image/jpeg")
    return AnalysisItem(Path("x.jpg"), "0" * 64, "0" * 32, 1, sniffed, MediaLimits(), results)


def test_a_plugin_harm_joins_the_risk_with_its_reason(registered: None) -> None:
    result = RiskSignal().analyse(item(panel_vote={"score": 0.8}))
    assert result["score"] == pytest.approx(UNNAMED_HARM_WEIGHT * 0.5 * 0.8, abs=1e-4)
    assert result["reasons"] == ["no enrolled artist recognised, but panel calls it fake (0.80)"]
    (factor,) = result["breakdown"]["factors"]
    assert (factor["signal"], factor["key"], factor["weight"]) == (
        "panel_vote",
        "declared_harm",
        0.5,
    )


def test_no_declared_harm_changes_nothing(registered: None) -> None:
    assert RiskSignal().analyse(item(panel_vote={"score": 0.1}))["score"] == 0.0
    # Results of signals that declare nothing (and unknown names) never count.
    assert RiskSignal().analyse(item(retired={"score": 0.99}))["score"] == 0.0
