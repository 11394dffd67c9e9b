"""The scan pipeline: discover files, run content signals in parallel, then context signals."""

from idolguard.pipeline.discovery import discover
from idolguard.pipeline.scan import Scanner, ScanSummary

__all__ = ["ScanSummary", "Scanner", "discover"]
