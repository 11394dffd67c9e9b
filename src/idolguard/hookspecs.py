"""Extension points, declared once with ``pluggy`` (as Datasette does).

A plugin is any module or installed package (entry-point group ``idolguard``)
that implements these hooks with ``@hookimpl``. Every extension point is here:

* ``idolguard_signals``: analyses run on every scanned file;
* ``idolguard_signal_types``: signal classes whose stored results a plug-in can show;
* ``idolguard_connectors``: kinds of source to monitor;
* ``idolguard_regimes``: legal regimes a takedown notice can be drafted under.

Built-in implementations are ordinary plug-in modules listed in
``idolguard.plugins.BUILTIN``; docs/extending.md shows one of each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from idolguard.notices.regimes.base import Regime
    from idolguard.signals.base import Signal
    from idolguard.signals.registry import SignalContext
    from idolguard.sources.connectors.base import Connector

PROJECT = "idolguard"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def idolguard_signals(context: SignalContext) -> list[Signal]:  # type: ignore[empty-body]
    """Return signal instances to offer the pipeline, built from ``context``."""


@hookspec
def idolguard_connectors() -> list[type[Connector]]:  # type: ignore[empty-body]
    """Return the source connector classes this plugin offers (``Connector`` subclasses).

    Classes, not instances: a source is configured later, once per source,
    with the options the user gave (``cls(options)``). Each class's ``kind``
    is the name users type (``idolguard sources add <kind> ...``); two
    plugins offering the same kind is an error, never a silent override.
    The built-in ones are in ``idolguard.sources.connectors.builtin``.
    """


@hookspec
def idolguard_regimes() -> list[Regime]:  # type: ignore[empty-body]
    """Return the legal regimes a takedown notice may be drafted under.

    Each is a ``idolguard.notices.regimes.base.Regime`` (subclass it where the
    regime's statements need code): its key, names and law, the fields it
    requires, its statements, intro and closing in Korean and English, its
    short names, when it fits (``intimate_only``, ``needs_copyright``) and its
    rank among automatic suggestions. Keys must be unique across plug-ins. The
    regime is then offered by ``idolguard notice regimes`` and ``/api/v1/regimes``,
    accepted by the CLI and the web API, and may be named in ``platforms.toml``.
    """


@hookspec
def idolguard_signal_types() -> list[type[Signal]]:  # type: ignore[empty-body]
    """Return the ``Signal`` classes whose stored results this plug-in knows how to show.

    Presentation (report scores and their explanation) is read from the class, so results
    stored long ago are shown without building a signal or loading its model. A result
    whose signal no plug-in lists is shown with ``Signal``'s default presentation.
    """
