"""Analysis signals: each analysis is one small class behind the ``Signal`` interface."""

from idolguard.signals.bank_match import BankMatch, BankMatcher, BankMatchSignal
from idolguard.signals.base import AnalysisItem, JSONDict, Signal, Stage
from idolguard.signals.registry import (
    SignalConfigError,
    SignalContext,
    discover_signals,
    plugin_manager,
    select_signals,
)

__all__ = [
    "AnalysisItem",
    "BankMatch",
    "BankMatchSignal",
    "BankMatcher",
    "JSONDict",
    "Signal",
    "SignalConfigError",
    "SignalContext",
    "Stage",
    "discover_signals",
    "plugin_manager",
    "select_signals",
]
