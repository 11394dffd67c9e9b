"""Small helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

SAMPLES = Path(str(files("idolguard") / "samples"))


def sample(name: str) -> Path:
    return SAMPLES / name


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()
