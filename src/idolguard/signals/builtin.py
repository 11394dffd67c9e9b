"""Registration of the signals that ship with IdolGuard: adding one is one line here (two
when it is not built for every scan: its class in ``SIGNAL_TYPES`` too, so its stored
results are still shown)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from idolguard.hookspecs import hookimpl
from idolguard.signals.ai_generated import AIGeneratedSignal
from idolguard.signals.bank_match import BankMatchSignal
from idolguard.signals.base import Signal
from idolguard.signals.explicit import ExplicitSignal
from idolguard.signals.faces import FacesSignal
from idolguard.signals.identity import IdentitySignal
from idolguard.signals.identity_consistency import IdentityConsistencySignal
from idolguard.signals.manipulation import ManipulationSignal
from idolguard.signals.pdq import PDQSignal
from idolguard.signals.presentation import ScoreExplanation
from idolguard.signals.provenance import ProvenanceSignal
from idolguard.signals.registry import SignalContext
from idolguard.signals.risk import RiskSignal
from idolguard.signals.text import TextSignal
from idolguard.signals.vpdq import VPDQSignal

# Every built-in signal class, for showing stored results without building the signals.
SIGNAL_TYPES: Final[tuple[type[Signal], ...]] = (
    PDQSignal,
    VPDQSignal,
    FacesSignal,
    ExplicitSignal,
    ProvenanceSignal,
    ManipulationSignal,
    AIGeneratedSignal,
    TextSignal,
    RiskSignal,
    BankMatchSignal,
    IdentitySignal,
    IdentityConsistencySignal,
)
# What each built-in score means and its limits (reviewed wording, kept in each signal).
SCORE_EXPLANATIONS: Final[MappingProxyType[str, ScoreExplanation]] = MappingProxyType(
    {kind.name: kind.explanation for kind in SIGNAL_TYPES if kind.explanation is not None}
)


@hookimpl
def idolguard_signal_types() -> list[type[Signal]]:
    return list(SIGNAL_TYPES)


@hookimpl
def idolguard_signals(context: SignalContext) -> list[Signal]:
    matching = context.matching
    signals: list[Signal] = [
        PDQSignal(min_quality=matching.pdq_min_quality),
        VPDQSignal(
            seconds_per_hash=matching.vpdq_query_seconds_per_hash,
            min_quality=matching.vpdq_min_quality,
        ),
        FacesSignal(context.faces, threads=context.threads),
        ExplicitSignal(
            threads=context.threads,
            seconds_per_frame=context.faces.video_seconds_per_frame,
            max_frames=context.faces.video_max_frames,
        ),
        ProvenanceSignal(),
        ManipulationSignal(
            context.faces,
            threads=context.threads,
            heatmap_dir=context.heatmap_dir,
            blur_explicit=context.blur_explicit,
            cascade=context.manipulation,
            watchlist=context.watchlist,
        ),
        AIGeneratedSignal(
            context.faces,
            threads=context.threads,
            cascade=context.manipulation,
            watchlist=context.watchlist,
            blur_explicit=context.blur_explicit,
        ),
        # Judges only faces named as an enrolled artist, from the scan's roster snapshot.
        IdentityConsistencySignal(
            context.watchlist.context if context.watchlist is not None else None,
            threads=context.threads,
        ),
        TextSignal(context.name_matcher),  # vocabulary works without a roster
        RiskSignal(),
    ]
    if context.bank_matcher is not None:
        signals.append(BankMatchSignal(context.bank_matcher))
    if context.face_matcher is not None:
        signals.append(IdentitySignal(context.face_matcher))
    return signals
