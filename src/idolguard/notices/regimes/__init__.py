"""Notice regimes: one module per legal regime, found through the ``idolguard_regimes`` hook.

``base`` defines the ``Regime`` interface and the fields regimes share;
``take_it_down``, ``dmca``, ``dsa``, ``kr_tba`` and ``kcsc`` are one regime
each; ``builtin`` offers them to the plugin manager; ``registry`` is what the
rest of IdolGuard reads. Adding a regime is one new module and one
registration line (in ``builtin``, or a plug-in package's own hook).
"""

from __future__ import annotations

from idolguard.notices.regimes.base import (
    CATEGORIES,
    FIELDS,
    FieldSpec,
    Regime,
    RegimeError,
    Statements,
    unsuitable_reason,
)
from idolguard.notices.regimes.registry import (
    REGIME_KEYS,
    REGIMES,
    RegimeRegistry,
    discover_regimes,
    get_regime,
    regime_order,
    suggest_regimes,
    unlisted_regimes,
)

__all__ = [
    "CATEGORIES",
    "FIELDS",
    "REGIMES",
    "REGIME_KEYS",
    "FieldSpec",
    "Regime",
    "RegimeError",
    "RegimeRegistry",
    "Statements",
    "discover_regimes",
    "get_regime",
    "regime_order",
    "suggest_regimes",
    "unlisted_regimes",
    "unsuitable_reason",
]
