"""The scan pipeline: discover files, run content signals in parallel, then context signals.

The exports load on first use, so importing ``idolguard.pipeline.records`` (the
pipeline's unit of output, which storage and the CLI need) does not pull in the
scanner, the signals and the database layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from idolguard.pipeline.discovery import discover
    from idolguard.pipeline.scan import Scanner, ScanSummary

__all__ = ["ScanSummary", "Scanner", "discover"]


def __getattr__(name: str) -> Any:
    if name == "discover":
        from idolguard.pipeline.discovery import discover

        return discover
    if name in ("Scanner", "ScanSummary"):
        from idolguard.pipeline import scan

        return getattr(scan, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
