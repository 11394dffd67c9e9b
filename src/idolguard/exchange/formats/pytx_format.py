"""The ``pytx`` bank format: ``<signal_type> <signal>`` lines, as pytx's local-file exchange reads.

The format carries only the type and the signal; writing it is one line per
record (see ``files.write_records``), reading it is here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TextIO

from idolguard.exchange.formats.common import (
    SIGNAL_TYPES,
    BankFormatError,
    BankRecord,
    _Lines,
    _record,
    _unknown_type_message,
)


def _read_pytx(fp: TextIO, signal_type: str | None, skip_unknown: bool) -> Iterator[BankRecord]:
    lines = _Lines(fp)
    for raw in lines:
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        if signal_type is not None:
            record = _record(signal_type, text, line=lines.lineno, skip_unknown=False)
        else:
            # pytx splits at the first space; any whitespace is accepted here (a superset).
            parts = text.split(None, 1)
            if len(parts) == 1:
                if parts[0].lower() in SIGNAL_TYPES:
                    raise BankFormatError(
                        f"missing signal after signal type {parts[0]!r};"
                        " expected '<signal_type> <signal>'",
                        line=lines.lineno,
                    )
                if skip_unknown:
                    continue
                message = _unknown_type_message(parts[0])
                if re.fullmatch(r"[0-9a-fA-F]{32,}", parts[0]):
                    message += (
                        "; this looks like a bare hash: for one signal per line without a"
                        " type, pass signal_type (pytx's --signal-type)"
                    )
                raise BankFormatError(message, line=lines.lineno)
            record = _record(parts[0], parts[1], line=lines.lineno, skip_unknown=skip_unknown)
        if record is not None:
            yield record
