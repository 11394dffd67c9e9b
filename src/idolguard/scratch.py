"""Scratch copies left behind by a killed process, removed by a later one.

Downloads (``working/monitor/entry-*``) and fan uploads (``working/reports/report-*``)
are copied to a scratch file while they are scanned and deleted afterwards, and
originals are written to ``originals/.incoming-*`` before they are renamed. A
process killed in between (SIGKILL, power loss) never deletes them, and they
are copies of possibly intimate media outside the evidence store and outside
retention. The next run that uses the folder removes those older than
``STALE_AFTER``: far longer than any one download or scan takes, so a copy still
in use by another process is never touched.
"""

from __future__ import annotations

import shutil
import time
from datetime import timedelta
from pathlib import Path

STALE_AFTER = timedelta(hours=6)


def sweep_stale(folder: Path, prefix: str, older_than: timedelta = STALE_AFTER) -> int:
    """Remove ``folder``'s entries named ``prefix*`` not modified for ``older_than``."""
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    try:
        entries = list(folder.iterdir())
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        try:
            if entry.lstat().st_mtime >= cutoff:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
        except OSError:
            continue  # gone already (another process swept it), or not ours to remove
    return removed
