"""The one id type of the web app: a database row id, 1 … 2^63-1, wherever it is read.

Row ids are signed 64-bit integers in every supported database. A larger
number passed validation as a Python ``int`` and then overflowed in the
database driver (a 500); ``0`` and negatives can never name a row. ``Id``
carries its bounds as ``annotated_types`` constraints rather than as a
``Path``/``Query``/``Form`` marker, so the same type works as a path, query
or form parameter and as a field of a JSON body model, and each answers 422
for what is out of range. Text typed by people (``#7``, a form field) goes
through :func:`parse_id`, which refuses what ``int()`` would accept but no
database could hold (``"²"``, ``"٣"``, 20 digits).
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le

MAX_ID = 2**63 - 1

Id = Annotated[int, Ge(1), Le(MAX_ID)]


def parse_id(text: str) -> int | None:
    """An id typed as text (an optional leading ``#``), or ``None`` when it cannot be one.

    Only ASCII digits count: ``str.isdigit`` accepts superscripts and other
    scripts' digits, which ``int()`` then rejects or reads unexpectedly.
    """
    digits = text.strip().lstrip("#")
    if not digits or len(digits) > 19 or not (digits.isascii() and digits.isdigit()):
        return None
    value = int(digits)
    return value if 1 <= value <= MAX_ID else None
