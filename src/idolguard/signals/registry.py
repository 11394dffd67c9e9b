"""Discovering signals (built-in and plugins) and ordering them for the pipeline."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pluggy

from idolguard.config import FaceSettings, ManipulationSettings, MatchingSettings
from idolguard.media import MediaLimits
from idolguard.signals.bank_match import BankMatcher
from idolguard.signals.base import AnalysisItem, JSONDict, Signal
from idolguard.signals.identity import FaceMatcher
from idolguard.signals.text import NameSource
from idolguard.signals.watchlist import Watchlist


class SignalConfigError(ValueError):
    """A requested signal does not exist, or signals depend on each other in a cycle."""


@dataclass(frozen=True)
class SignalContext:
    """What a signal may need to construct itself. Services are optional: absent means skip."""

    matching: MatchingSettings = field(default_factory=MatchingSettings)
    limits: MediaLimits = field(default_factory=MediaLimits)
    faces: FaceSettings = field(default_factory=FaceSettings)
    threads: int = 1  # inference threads each model may use in this process
    bank_matcher: BankMatcher | None = None
    face_matcher: FaceMatcher | None = None
    name_matcher: NameSource | None = None  # artists' names for caption text
    heatmap_dir: Path | None = None  # where manipulation heatmaps are written (working files)
    blur_explicit: float = 0.5  # heatmaps over explicit files are drawn on a blurred face
    manipulation: ManipulationSettings = field(default_factory=ManipulationSettings)
    watchlist: Watchlist | None = None  # enrolled faces, for the manipulation cascade


def plugin_manager(*, load_entry_points: bool = True) -> pluggy.PluginManager:
    """The shared plugin manager (``idolguard.plugins``), for callers that only need signals."""
    from idolguard.plugins import plugin_manager as shared

    return shared(load_entry_points=load_entry_points)


def discover_signals(context: SignalContext, manager: pluggy.PluginManager) -> list[Signal]:
    signals: list[Signal] = []
    seen: set[str] = set()
    for batch in manager.hook.idolguard_signals(context=context):
        for signal in batch:
            if signal.name in seen:
                raise SignalConfigError(f"two plugins provide a signal named {signal.name!r}")
            seen.add(signal.name)
            signals.append(signal)
    return signals


def select_signals(available: Sequence[Signal], names: Iterable[str] | None) -> list[Signal]:
    """Pick the requested signals (all when ``names`` is None) in dependency order.

    A signal's ``requires`` are soft: they are run first when selected, so a
    bank match can use PDQ, but a missing one simply contributes nothing.
    """
    by_name = {s.name: s for s in available}
    wanted = list(by_name) if names is None else list(dict.fromkeys(names))
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise SignalConfigError(
            f"unknown signal(s): {', '.join(unknown)}; available: {', '.join(sorted(by_name))}"
        )
    ordered: list[Signal] = []
    state: dict[str, str] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise SignalConfigError("signal dependency cycle: " + " -> ".join((*chain, name)))
        state[name] = "visiting"
        for dependency in by_name[name].requires:
            if dependency in wanted:
                visit(dependency, (*chain, name))
        state[name] = "done"
        ordered.append(by_name[name])

    for name in wanted:
        visit(name, ())
    return ordered


def signal_types(manager: pluggy.PluginManager | None = None) -> Mapping[str, type[Signal]]:
    """Every signal class a plug-in lists (``idolguard_signal_types``), by name.

    Without ``manager``, those of the shared plugin manager, looked up once per process.
    """
    if manager is None:
        return _default_signal_types()
    found: dict[str, type[Signal]] = {}
    for batch in manager.hook.idolguard_signal_types():
        for kind in batch:
            if kind.name in found and found[kind.name] is not kind:
                raise SignalConfigError(f"two plugins provide a signal named {kind.name!r}")
            found[kind.name] = kind
    return MappingProxyType(found)


@functools.cache
def _default_signal_types() -> Mapping[str, type[Signal]]:
    return signal_types(plugin_manager())


def presentation_for(name: str, manager: pluggy.PluginManager | None = None) -> type[Signal]:
    """The class that shows results stored under ``name``: its signal's, else the default one.

    Results outlive signals (a plug-in removed, a signal renamed), so an unknown name is
    still shown, with ``Signal``'s default presentation.
    """
    return signal_types(manager).get(name) or _stored_signal(name)


class _StoredSignal(Signal):
    """Stands in for a signal no plug-in lists, to show its stored results the default way."""

    version = "?"

    def analyse(self, item: AnalysisItem) -> JSONDict:
        raise NotImplementedError(f"{self.name} is not installed; its results can only be shown")


@functools.cache
def _stored_signal(name: str) -> type[Signal]:
    attributes: dict[str, Any] = {"name": name, "__doc__": _StoredSignal.__doc__}
    return type(f"StoredSignal[{name}]", (_StoredSignal,), attributes)
