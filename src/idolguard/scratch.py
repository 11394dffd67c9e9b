"""Scratch copies left behind by a killed process, removed by a later one.

Downloads (``working/monitor/entry-*``) and fan uploads (``working/reports/report-*``)
are copied to a scratch file while they are scanned and deleted afterwards, and
originals are written to ``originals/.incoming-*`` before they are renamed. A
process killed in between (SIGKILL, power loss) never deletes them, and they
are copies of possibly intimate media outside the evidence store and outside
retention. The next run that uses the folder removes those older than
``STALE_AFTER``: far longer than any one download or scan takes, so a copy still
in use by another process is never touched.

Half-written originals need more: they sit inside the evidence store, and a
scan re-run minutes after a crash must not leave them. Their writer holds an
exclusive ``flock`` on the file from creation until it is renamed into place
(``locked_scratch``); the kernel drops that lock when the writer dies, however
it dies. ``sweep_unlocked`` removes, whatever their age, the files whose lock
it can take, and leaves those a live writer holds. A writer that loses the race
between creating its file and locking it (a sweeper took the lock first and
removed the file) sees that its path no longer names its file and starts again.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: the age rule alone applies
    fcntl = None  # type: ignore[assignment]

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


@contextmanager
def locked_scratch(folder: Path, prefix: str) -> Iterator[tuple[int, Path]]:
    """A new file ``folder/prefix*``, open for writing and locked while the block runs.

    Yields the descriptor and the path. The caller renames or links the file
    into place inside the block; the file is removed when the block ends.
    """
    while True:
        fd, name = tempfile.mkstemp(prefix=prefix, dir=folder)
        path = Path(name)
        if fcntl is None:  # pragma: no cover
            break
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits while a sweeper holds it, then it is ours
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)  # a sweeper removed it between mkstemp and flock: take another name
    try:
        yield fd, path
    finally:
        path.unlink(missing_ok=True)
        with suppress(OSError):
            os.close(fd)  # the caller may have closed it already


def sweep_unlocked(folder: Path, prefix: str) -> int:
    """Remove ``folder``'s files named ``prefix*`` that no live writer holds locked.

    Without ``fcntl`` (not POSIX) this falls back to ``sweep_stale``'s age rule.
    """
    if fcntl is None:  # pragma: no cover
        return sweep_stale(folder, prefix)
    removed = 0
    try:
        entries = list(folder.iterdir())
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        try:
            fd = os.open(entry, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue  # gone already, a link, or not ours to open
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)  # a live writer holds it
            continue
        try:
            if os.stat(entry, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
                entry.unlink()
                removed += 1
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed
