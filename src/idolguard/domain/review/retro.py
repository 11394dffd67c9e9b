"""Retroactive matching: when new hashes are banked, look again at everything seen before.

A clip confirmed today was often already sitting in last month's scans
under other URLs. Matching the new bank entries alone (a scoped index, so
this costs one pass over stored hashes, not a full re-scan) and opening items
for the hits turns "we have it now" into "and here is everywhere it was".
"""

from __future__ import annotations

import logging

from idolguard.domain.banks import BankService
from idolguard.domain.review.triage import Opened, Triage
from idolguard.signals.bank_match import BankMatch, match_stored_hashes
from idolguard.signals.risk import BANK_MATCH
from idolguard.storage.analysis_store import AnalysisStore

RETRO_ACTOR = "system:retro-match"
log = logging.getLogger(__name__)


class RetroMatcher:
    def __init__(self, analysis: AnalysisStore, banks: BankService, triage: Triage) -> None:
        self.analysis = analysis
        self.banks = banks
        self.triage = triage
        self.last_opened: list[Opened] = []

    def on_bank_added(self, content_pks: list[int]) -> None:
        self.last_opened = self.run(content_pks)

    def run(self, content_pks: list[int]) -> list[Opened]:
        scoped = self.banks.scoped(content_pks)
        scoped.refresh(force=True)
        opened: list[Opened] = []
        after = ""
        while batch := self.analysis.hash_results(after):
            for sha256, md5, hashes in batch:
                matches = [
                    m
                    for m in match_stored_hashes(scoped, md5, sha256, hashes)
                    if m.bank_kind == "block"
                ]
                if matches:
                    opened += self._open(sha256, matches)
            after = batch[-1][0]
        return opened

    def _open(self, sha256: str, matches: list[BankMatch]) -> list[Opened]:
        best = matches[0]
        reason = (
            f"retroactive match to {best.bank}/{best.content_id} ({best.signal_type}, "
            f"distance {best.distance})"
        )
        related = self.triage.banked_media({(m.bank, m.content_id) for m in matches})
        floor = BANK_MATCH["match" if best.strength in ("exact", "strong") else "possible-match"]
        opened: list[Opened] = []
        if self.triage.has_item(sha256):
            return opened  # already tracked (often the very item that was just confirmed)
        for location in self.analysis.latest_locations(sha256):
            if self.triage.item_exists(sha256, location):
                continue
            opened.append(
                self.triage.open(
                    sha256=sha256,
                    location=location,
                    actor=RETRO_ACTOR,
                    origin="retro-match",
                    reason=reason,
                    method="retro-match",
                    related_sha256=related,
                    min_risk=floor,
                )
            )
        return opened
