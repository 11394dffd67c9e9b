"""The one plugin manager: IdolGuard's own extensions and installed plug-ins, side by side.

Every extension point is a hook in ``hookspecs``. Built-in implementations
are ordinary plug-in modules listed in ``BUILTIN`` (one line per extension
family), and installed packages join through the ``idolguard`` entry-point
group, so a third-party signal, connector or regime is found exactly the way
a built-in one is.
"""

from __future__ import annotations

import importlib

import pluggy

from idolguard import hookspecs

# Modules that implement hooks for what ships with IdolGuard (one registration line each).
BUILTIN: tuple[str, ...] = (
    "idolguard.signals.builtin",
    "idolguard.sources.connectors.builtin",
    "idolguard.notices.regimes.builtin",
)


def plugin_manager(*, load_entry_points: bool = True) -> pluggy.PluginManager:
    """A manager with every hook declared, the built-ins registered and, by default, plug-ins."""
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    for name in BUILTIN:
        manager.register(importlib.import_module(name), name=name)
    if load_entry_points:
        manager.load_setuptools_entrypoints(hookspecs.PROJECT)
    return manager
