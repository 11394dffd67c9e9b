"""Import and export of hash banks in formats python-threatexchange (pytx) can read and write.

A codec below the domain: ``domain/banks.py`` and the CLI call it, and it knows
nothing of the database. One module per format family (``csv_format``,
``json_format``, ``pytx_format``), the shared record and signal checks in
``common``, and file reading, writing and detection in ``files``.

Why these formats
=================
Banks have to move between IdolGuard and the tools the trust-and-safety world
already runs: Meta's python-threatexchange ("pytx", checked against 1.2.17, source
read and CLI run) and HMA 2.0, which is built on it. pytx has no bank file
format as such; what it reads and writes is:

* **The local-file exchange** (``LocalFileSignalExchangeAPI``, collaboration type
  ``local_file``). It reads a text file line by line, strips each line and splits it at
  the first space into ``<signal_type> <signal>``::

      pdq f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22
      video_md5 d41d8cd98f00b204e9800998ecf8427e
      vpdq ["f8f8...9b22,100,0.0", "f8f8...9b22,100,1.0"]

  When the collaboration sets ``signal_type``, each whole line is one bare signal instead.
  Blank lines are skipped. Everything else it can't use (an unknown type, a ``#``
  comment, a malformed hash) is dropped with no more than a logged warning. Every signal
  gets pytx's trivial opinion (``INVESTIGATION_SEED``, no tags): the format carries no
  metadata. ``report_opinion`` is meant to append lines in the same form (in 1.2.17 it
  crashes on its file mode ``"wta"``). ``threatexchange dataset -P -S`` and ``threatexchange
  hash`` print the same form; ``dataset`` leaves the type out when exactly one ``-s`` type
  is selected. This is our ``"pytx"`` format.
* **``threatexchange dataset -P --csv``**, which writes the header
  ``signal_type,signal_str,collab,category,tags`` with ``category`` one of ``NEGATIVE_CLASS``,
  ``INVESTIGATION_SEED`` and ``POSITIVE_CLASS``, and ``tags`` space-separated. pytx writes
  this file but never reads it. Our ``"csv"`` format keeps these five columns first and
  adds ``content_id,label,source`` after them (see ``CSV_COLUMNS``).
* **``StaticSampleSignalExchangeAPI``** (``sample``) reads no file. It yields each
  signal type's ``get_examples()``, and the fixtures under ``tests/exchange/fixtures`` were
  made from it.
* pytx also has ``simple.<type>.te`` files. These are CSV state caches of the old
  ThreatExchange client, not an interchange format, so we don't support them.

Signal strings follow pytx's ``SignalType.validate_signal_str``:

* ``pdq``: exactly 64 lowercase hex digits (pytx rejects upper case, so we lower-case).
* ``video_md5`` and ``video_sha256``: 32 and 64 hex digits, lower-cased by pytx as well.
* ``vpdq``: one line of JSON. It is an array (``json.dumps`` with default ``", "``
  separators) of ``"<pdq hex>,<quality 0-100>,<timestamp seconds>"`` strings. pytx
  formats the timestamp with ``{:.3}``, which means three *significant digits*: second
  104 is written ``1.04e+02`` and 99.99 s becomes ``1e+02``. pytx ignores timestamps when
  matching. Older pytx wrote a JSON object keyed by frame number (``quality``, ``hash``,
  ``timestamp``). The current pytx can't read that form, and neither can we.

HMA 2.0 is not part of the pytx package. Its curation API adds one item's hashes as a JSON
object ``{signal_type: signal}`` (``POST /c/bank/<bank>/signal``). It uses the pytx type
names and validators above and has no bulk bank-export file. External lists come in
through pytx ``SignalExchangeAPI`` classes, and the ``local_file`` one reads the ``"pytx"``
line format. So the signal strings here are what HMA stores as well.

StopNCII hash lists (the FetchHashes JSON that pytx's StopNCII client parses) are read and
written by ``stopncii_format`` (``read_stopncii`` / ``write_stopncii``), outside the
``Format`` set because they carry only ``ImagePDQ`` and ``VideoMD5`` and no metadata of ours.

Our formats
===========
``pytx``
    ``<signal_type> <signal>`` per line, as above. It is lossy: only the type and the signal
    survive. On read, blank lines and ``#`` comments are skipped (pytx ignores them too),
    and ``content_id`` is derived from the signal (``derive_content_id``). On write we emit
    no BOM and no comments. pytx does not strip a BOM, so it would read ``\\ufeffpdq`` as an
    unknown type and silently drop the first hash. The writer refuses allow-list records,
    because pytx would count them as hits, and refuses types pytx lacks (``md5``,
    ``sha256``). Pass ``skip_unsupported=True`` to leave those records out instead.
``csv``
    RFC 4180, with a header row and ``\\r\\n`` line ends like pytx's own CSV. Columns are
    ``CSV_COLUMNS``; only ``signal_type`` and ``signal_str`` are required on read. ``collab``
    is the bank. ``category`` is ``NEGATIVE_CLASS`` for allow-list records and
    ``POSITIVE_CLASS`` otherwise, and ``INVESTIGATION_SEED`` reads as a block record.
    ``tags`` carries the label with whitespace turned into ``_`` (pytx splits tags on
    spaces), and ``label`` carries it exactly. Blank rows are skipped.
``json``
    One array of objects with the keys in ``JSON_KEYS``, read incrementally, so a huge
    array never sits in memory at once.
``jsonl``
    One such object per line; blank lines are skipped.

On read, records are validated and normalised (lower-case hex; a vPDQ array is re-emitted
compactly, with the timestamp text kept as written). Any error raises ``BankFormatError``
with the line number. Every reader streams, so one record is in memory at a time. Duplicate
records are passed through, and the caller dedupes them.
"""

from __future__ import annotations

from idolguard.exchange.formats.common import (
    FORMATS,
    PYTX_SIGNAL_TYPES,
    SIGNAL_TYPES,
    BankFormatError,
    BankRecord,
    Format,
    VpdqFrame,
    derive_content_id,
    format_vpdq_signal,
    normalize_signal,
    parse_vpdq_signal,
)
from idolguard.exchange.formats.csv_format import CSV_COLUMNS
from idolguard.exchange.formats.files import (
    detect_format,
    read_bank_file,
    read_records,
    write_bank_file,
    write_records,
)
from idolguard.exchange.formats.json_format import JSON_KEYS

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "JSON_KEYS",
    "PYTX_SIGNAL_TYPES",
    "SIGNAL_TYPES",
    "BankFormatError",
    "BankRecord",
    "Format",
    "VpdqFrame",
    "derive_content_id",
    "detect_format",
    "format_vpdq_signal",
    "normalize_signal",
    "parse_vpdq_signal",
    "read_bank_file",
    "read_records",
    "write_bank_file",
    "write_records",
]
