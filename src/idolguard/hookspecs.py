"""Extension points, declared once with ``pluggy`` (as Datasette does).

A plugin is any module or installed package (entry-point group ``idolguard``)
that implements these hooks with ``@hookimpl``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from idolguard.signals.base import Signal
    from idolguard.signals.registry import SignalContext

PROJECT = "idolguard"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def idolguard_signals(context: SignalContext) -> list[Signal]:  # type: ignore[empty-body]
    """Return signal instances to offer the pipeline, built from ``context``."""


@hookspec
def idolguard_signal_types() -> list[type[Signal]]:  # type: ignore[empty-body]
    """Return the ``Signal`` classes whose stored results this plug-in knows how to show.

    Presentation (report scores and their explanation) is read from the class, so results
    stored long ago are shown without building a signal or loading its model. A result
    whose signal no plug-in lists is shown with ``Signal``'s default presentation.
    """
