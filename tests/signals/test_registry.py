from __future__ import annotations

from typing import ClassVar

import pytest

from idolguard.hookspecs import hookimpl
from idolguard.signals import (
    AnalysisItem,
    JSONDict,
    Signal,
    SignalConfigError,
    SignalContext,
    discover_signals,
    plugin_manager,
    select_signals,
)
from idolguard.signals.bank_match import BankMatch, verdict


class Caption(Signal):
    name = "caption"
    version = "1"
    requires: ClassVar[tuple[str, ...]] = ("pdq",)

    def analyse(self, item: AnalysisItem) -> JSONDict:
        return {}


class CaptionPlugin:
    @hookimpl
    def idolguard_signals(self, context: SignalContext) -> list[Signal]:
        return [Caption()]


def test_builtin_signals_are_discovered() -> None:
    signals = discover_signals(SignalContext(), plugin_manager())
    names = [s.name for s in signals]
    assert {"pdq", "vpdq", "text"} <= set(names)  # caption vocabulary needs no roster
    assert "bank_match" not in names  # needs a bank matcher in the context
    ordered = [s.name for s in select_signals(signals, ["risk", "text"])]
    assert ordered == ["text", "risk"]


def test_a_plugin_adds_a_signal_with_one_registration() -> None:
    manager = plugin_manager(load_entry_points=False)
    manager.register(CaptionPlugin())
    signals = discover_signals(SignalContext(), manager)
    ordered = [s.name for s in select_signals(signals, ["caption", "pdq"])]
    assert ordered == ["pdq", "caption"]  # dependencies first


def test_unknown_signal_names_are_refused() -> None:
    signals = discover_signals(SignalContext(), plugin_manager())
    with pytest.raises(SignalConfigError, match="unknown signal"):
        select_signals(signals, ["nope"])


def test_duplicate_signal_names_are_refused() -> None:
    manager = plugin_manager(load_entry_points=False)
    manager.register(CaptionPlugin(), name="one")
    manager.register(CaptionPlugin(), name="two")
    with pytest.raises(SignalConfigError, match="two plugins"):
        discover_signals(SignalContext(), manager)


def _match(kind: str, strength: str) -> BankMatch:
    return BankMatch("b", kind, "c", None, "pdq", 10, strength)


def test_allow_list_outranks_block_matches() -> None:
    assert verdict([]) == "none"
    assert verdict([_match("block", "strong")]) == "match"
    assert verdict([_match("block", "review")]) == "possible-match"
    assert verdict([_match("block", "strong"), _match("allow", "strong")]) == "allow-listed"
