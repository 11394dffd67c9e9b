"""The human-readable evidence report of a case: a Korean/English PDF for lawyers and courts.

Why it looks the way it does
============================
The bundle (files, ``manifest.json``, RFC 3161 tokens, custody log) is the evidence; this
report is how a person who will never run IdolGuard reads it. Following the spirit of the
Berkeley Protocol, each item says *what* was online (hashes, thumbnail), *where* (URLs,
platform, uploader), *when* and *how* it was captured (UTC time, operator, tool, timestamp),
*what the analysis says* and, just as prominently, *how far each number can be trusted*.
Readers in Korea and abroad get every heading and label in Korean first, then English.

Design choices that matter for evidence:

* **Reproducible bytes.** The creation date is ``generated_at``, the metadata comes from the
  case and nothing reads the clock or the environment, so the same input yields the same
  file and a report can be re-generated and compared with one filed earlier.
* **One embedded font, as TrueType.** Noto Sans KR (SIL OFL) is embedded as a subset, so the
  document renders identically on a court's machine. It has no bold face: emphasis is size
  and colour. Why its outlines are redrawn as TrueType first is told in
  ``idolguard.evidence.fonts``, which the notice PDF shares.
* **No crash on hostile text.** Page titles and uploader names come from the internet.
  Characters the font has no glyph for (emoji, control and format characters such as
  bidirectional overrides) are left out rather than drawn as empty boxes or allowed to
  reorder text, and over-long values (a 20,000-character URL) are shortened with a note
  saying how much was left out. The final "Limits" section says when this happened; the
  untouched values stay in the bundle's JSON.
* **Explanations next to every value.** What each score means and where it stops being
  reliable is the ``explanation`` of the signal that made it (``Signal.report_scores``), so
  the wording is reviewed and kept in step with the signal itself; a score of a signal that
  is no longer installed is printed with a generic explanation and its name.

The package splits by job: ``data`` (what a report holds), ``wording`` (every fixed word,
Korean then English), ``layout`` (page geometry and measuring helpers) and ``render`` (the
writer); the font converter it shares with the notice PDF is ``idolguard.evidence.fonts``.
"""

from idolguard.evidence.case_report.data import CaseReport, ReportEvent, ReportItem, ReportScore
from idolguard.evidence.case_report.render import render_report

__all__ = ["CaseReport", "ReportEvent", "ReportItem", "ReportScore", "render_report"]
