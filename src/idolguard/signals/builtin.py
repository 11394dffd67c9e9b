"""Registration of the signals that ship with IdolGuard: adding one is one line here."""

from __future__ import annotations

from idolguard.hookspecs import hookimpl
from idolguard.signals.bank_match import BankMatchSignal
from idolguard.signals.base import Signal
from idolguard.signals.pdq import PDQSignal
from idolguard.signals.registry import SignalContext
from idolguard.signals.vpdq import VPDQSignal


@hookimpl
def idolguard_signals(context: SignalContext) -> list[Signal]:
    matching = context.matching
    signals: list[Signal] = [
        PDQSignal(min_quality=matching.pdq_min_quality),
        VPDQSignal(
            seconds_per_hash=matching.vpdq_query_seconds_per_hash,
            min_quality=matching.vpdq_min_quality,
        ),
    ]
    if context.bank_matcher is not None:
        signals.append(BankMatchSignal(context.bank_matcher))
    return signals
