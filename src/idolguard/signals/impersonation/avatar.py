"""Whether an avatar or banner shows an enrolled artist or copies a known photo.

Two independent checks, both optional: PDQ against the roster's reference
photos and the banks (a copied official photo survives resizing and
re-encoding within ``PDQ_MATCH_BITS``), and faces + identity (a different
photo of the same person). The analysis only sees ``AvatarMatch`` values, so
what runs is decided where the models are (the domain), and tests can give
generated images and references.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from idolguard.matching.codes import hamming
from idolguard.signals.pdq import pdq_hash

# Meta's suggested PDQ match threshold for near-duplicate photos.
PDQ_MATCH_BITS = 31
MIN_QUALITY = 50
MAX_PIXELS = 40_000_000
DECODE_SIDE = 512


class AvatarError(ValueError):
    """The image cannot be decoded within limits."""


@dataclass(frozen=True)
class AvatarMatch:
    image: str  # avatar | banner
    kind: str  # official_photo | bank | face
    artist_id: int | None
    artist: str | None
    score: float  # in [0, 1]
    detail: str


@dataclass(frozen=True)
class PdqReference:
    """A known photo: an artist's reference/official photo or a banked image."""

    hex: str
    kind: str  # official_photo | bank
    artist_id: int | None
    artist: str | None
    label: str


class AvatarChecker(Protocol):
    def check(self, image: str, data: bytes) -> list[AvatarMatch]: ...


def decode(data: bytes) -> Image.Image:
    """Decode a profile image, bounded: at most 40 MP, drafted to ~512 px."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise AvatarError("image is larger than 40 megapixels")
        image.draft("RGB", (DECODE_SIDE, DECODE_SIDE))
        return image.convert("RGB")
    except (OSError, Image.DecompressionBombError, SyntaxError, ValueError) as exc:
        if isinstance(exc, AvatarError):
            raise
        raise AvatarError(f"image cannot be decoded: {exc}") from None


class PdqChecker:
    """PDQ of the image against reference hashes; the closest reference per artist."""

    def __init__(self, references: Sequence[PdqReference]) -> None:
        self.references = list(references)

    def check(self, image: str, data: bytes) -> list[AvatarMatch]:
        if not self.references:
            return []
        hashed = pdq_hash(decode(data))
        if hashed.quality < MIN_QUALITY:
            return []  # flat or tiny images hash to noise
        best: dict[tuple[int | None, str], tuple[int, PdqReference]] = {}
        for ref in self.references:
            distance = hamming(hashed.hex, ref.hex)
            if distance > PDQ_MATCH_BITS:
                continue
            key = (ref.artist_id, ref.kind)
            if key not in best or distance < best[key][0]:
                best[key] = (distance, ref)
        return [
            AvatarMatch(
                image,
                ref.kind,
                ref.artist_id,
                ref.artist,
                round(1.0 - distance / (2 * PDQ_MATCH_BITS + 2), 4),
                f"PDQ {distance} bits from {ref.label}",
            )
            for distance, ref in best.values()
        ]


class CombinedChecker:
    """Several checkers run in turn (PDQ, then faces); undecodable images find nothing."""

    def __init__(self, checkers: Sequence[AvatarChecker]) -> None:
        self.checkers = list(checkers)

    def check(self, image: str, data: bytes) -> list[AvatarMatch]:
        found: list[AvatarMatch] = []
        for checker in self.checkers:
            try:
                found.extend(checker.check(image, data))
            except AvatarError:
                return found
        return found
