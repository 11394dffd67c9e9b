"""Which regimes exist: every one offered through the ``idolguard_regimes`` hook, by key.

The composer, the CLI, the web API and the platform directory all ask this
registry, so a regime offered by a plug-in is accepted everywhere a built-in
one is. The regimes are read from ``idolguard.plugins.plugin_manager()`` on
first use (plug-ins are installed before the process starts), in registration
order: built-ins first, in the order ``builtin`` lists them. Two regimes with
one key are a configuration error, not a silent override.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload

import pluggy

from idolguard.notices.regimes.base import Regime, RegimeError, unsuitable_reason


def discover_regimes(manager: pluggy.PluginManager) -> dict[str, Regime]:
    """The regimes ``manager``'s plug-ins offer, keyed, built-ins first; duplicates refused."""
    regimes: dict[str, Regime] = {}
    # pluggy calls the last-registered plug-in first: reversed, registration order.
    for batch in reversed(manager.hook.idolguard_regimes()):
        for regime in batch:
            if not isinstance(regime, Regime):
                raise RegimeError(f"a plug-in offered {regime!r} as a regime; it is not a Regime")
            if regime.key in regimes:
                raise RegimeError(f"two plug-ins offer a regime with the key {regime.key!r}")
            regimes[regime.key] = regime
    return regimes


class RegimeRegistry(Mapping[str, Regime]):
    """The known regimes by key, loaded from the plugin manager on first use.

    ``reload`` reads them again (after a plug-in was registered in-process,
    as tests do).
    """

    def __init__(self) -> None:
        self._regimes: dict[str, Regime] | None = None

    def _all(self) -> dict[str, Regime]:
        if self._regimes is None:
            from idolguard.plugins import plugin_manager

            self._regimes = discover_regimes(plugin_manager())
        return self._regimes

    def reload(self) -> None:
        self._regimes = None

    def __getitem__(self, key: str) -> Regime:
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __repr__(self) -> str:
        return f"RegimeRegistry({list(self)!r})"


class RegimeKeys(Sequence[str]):
    """The keys of ``registry`` as a live sequence: equal to the tuple of the current keys."""

    def __init__(self, registry: RegimeRegistry) -> None:
        self._registry = registry

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return tuple(self._registry)[index]

    def __len__(self) -> int:
        return len(self._registry)

    def __iter__(self) -> Iterator[str]:
        return iter(self._registry)

    def __contains__(self, key: object) -> bool:
        return key in self._registry

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(tuple(self))


REGIMES = RegimeRegistry()
REGIME_KEYS = RegimeKeys(REGIMES)


def get_regime(key: str) -> Regime:
    try:
        return REGIMES[key]
    except KeyError:
        raise RegimeError(
            f"unknown regime {key!r}; regimes: {', '.join(REGIME_KEYS)} "
            "(see `idolguard notice regimes`)"
        ) from None


def suggest_regimes(
    platform_regimes: Sequence[str], *, category: str, owns_copyright: bool, korean: bool
) -> list[str]:
    """Regimes that fit, best first: the specific NCII laws before the general ones.

    The order is each regime's ``rank`` (``rank_korean`` for Korean-language
    platforms); a regime without one is never suggested.
    """
    order = regime_order(korean=korean)
    fitting = []
    for key in order:
        if key not in platform_regimes:
            continue
        if unsuitable_reason(REGIMES[key], category=category, owns_copyright=owns_copyright):
            continue
        fitting.append(key)
    return fitting


def regime_order(*, korean: bool = False) -> list[str]:
    """The keys of the regimes that may be suggested, best first."""
    ranked = [
        (rank, key)
        for key, regime in REGIMES.items()
        if (rank := regime.rank_korean if korean else regime.rank) is not None
    ]
    return [key for _, key in sorted(ranked)]


def unlisted_regimes() -> tuple[str, ...]:
    """The regimes assumed for a platform the directory does not list."""
    return tuple(key for key, regime in REGIMES.items() if regime.assumed_for_unlisted)
