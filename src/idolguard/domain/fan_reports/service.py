"""The fan-report service: one object over the parts, as ``app.reports`` hands it out.

Each audience has its own module (``submit``, ``tracking``, ``staff``, over the
shared ``base``); this class only puts them together so the web pages, the API
and the CLI keep one handle.
"""

from __future__ import annotations

from idolguard.domain.fan_reports.staff import StaffQueue
from idolguard.domain.fan_reports.submit import Submissions
from idolguard.domain.fan_reports.tracking import FanAccess


class FanReportService(Submissions, FanAccess, StaffQueue):
    """Fan reports: submitted by anyone, followed by number and PIN, worked by staff."""
