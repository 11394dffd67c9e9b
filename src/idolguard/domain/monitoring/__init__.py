"""Continuous monitoring: sources on schedules, their entries, and what each run found.

``service`` runs sources (configuration, schedules, leases), ``entries`` takes
one run's entries from claimed to settled, and ``views`` is the read side.
"""

from idolguard.domain.monitoring.entries import MAX_ATTEMPTS
from idolguard.domain.monitoring.service import MonitorService
from idolguard.domain.monitoring.views import EntryView, MonitorError, RunReport, SourceView

__all__ = [
    "MAX_ATTEMPTS",
    "EntryView",
    "MonitorError",
    "MonitorService",
    "RunReport",
    "SourceView",
]
