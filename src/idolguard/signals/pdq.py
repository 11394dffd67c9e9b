"""PDQ perceptual hashing of images (Meta's reference algorithm via ``pdqhash``).

The preprocessing is fixed and versioned because different PDQ pipelines
disagree by up to ~20 bits on the same file (research note §2.1): EXIF
orientation applied, JPEG draft-decoded to at least 512 px (10-25x faster than
full resolution on phone photos and within a few bits of it), converted to RGB.
Change any of that and ``PDQSignal.version`` must change too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pdqhash
from PIL import Image

from idolguard.media import MediaType, trim_candidates
from idolguard.signals.base import AnalysisItem, JSONDict, Signal
from idolguard.signals.presentation import FindingsView, ScanField

PDQ_DECODE_SIDE = 512


class PDQHash(NamedTuple):
    hex: str
    quality: int


def pdq_hash(image: Image.Image) -> PDQHash:
    """Hash an RGB image; the hex is Meta's canonical big-endian form."""
    pixels = np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))
    bits, quality = pdqhash.compute(pixels)
    return PDQHash(np.packbits(bits.astype(np.uint8)).tobytes().hex(), int(quality))


# Lossless flips and quarter turns. Hashing the transformed pixels is up to 26
# bits more faithful than PDQ's DCT-domain dihedral shortcut (research note §3),
# and bank entries are few, so the bank pays for it instead of every query.
PHYSICAL_VARIANTS: Mapping[str, Callable[[Image.Image], Image.Image]] = {
    "original": lambda im: im,
    "rot90": lambda im: im.transpose(Image.Transpose.ROTATE_90),
    "rot180": lambda im: im.transpose(Image.Transpose.ROTATE_180),
    "rot270": lambda im: im.transpose(Image.Transpose.ROTATE_270),
    "mirror": lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "flip": lambda im: im.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
    "transpose": lambda im: im.transpose(Image.Transpose.TRANSPOSE),
    "transverse": lambda im: im.transpose(Image.Transpose.TRANSVERSE),
}


def pdq_variants(image: Image.Image) -> dict[str, PDQHash]:
    """PDQ of the eight flip/rotation variants, for bank entries."""
    return {name: pdq_hash(transform(image)) for name, transform in PHYSICAL_VARIANTS.items()}


# Changes whenever query_pdq_hashes or bank_pdq_variants hash something else,
# so benchmark caches (and stored results, through the signal's version) follow.
QUERY_VARIANTS_VERSION = "2"


def bank_pdq_variants(image: Image.Image) -> dict[str, PDQHash]:
    """Every PDQ a bank entry for ``image`` stores: flips and turns, and its own trims.

    A banked photo that has a frame or flat band of its own loses it when a
    re-upload is trimmed out of a screenshot, so the bank keeps the trimmed
    photo too (measured: 4 of 40 screenshot misses in the variant benchmark).
    """
    hashes = pdq_variants(image)
    for name, trimmed in trim_candidates(image).items():
        hashes[name] = pdq_hash(trimmed)
    return hashes


def query_pdq_hashes(image: Image.Image) -> dict[str, PDQHash]:
    """The PDQ hashes a scanned image is matched with: as uploaded, and each distinct trim."""
    hashes = {"original": pdq_hash(image)}
    for name, trimmed in trim_candidates(image).items():
        hashes[name] = pdq_hash(trimmed)
    return hashes


class PDQSignal(Signal):
    """PDQ of the image as uploaded and, if it has borders or screenshot bars, of its trimmed cores.

    Queries hash all of them because trimming occasionally cuts into a clean
    image; matching takes the closest (research note §3, "band_trim";
    ``benchmarks/bench_reupload_variants.py``).
    """

    name = "pdq"
    # 2: strict and low-detail trims as extra query variants (issue 21).
    version = "2"
    media_types = frozenset({MediaType.IMAGE})
    description = "PDQ perceptual hash (Meta reference) with quality, plus a border-trimmed variant"

    @classmethod
    def findings(cls, result: Mapping[str, Any], view: FindingsView) -> JSONDict:
        """None: a hash means nothing to a reviewer; its bank matches are shown instead."""
        return {}

    @classmethod
    def scan_fields(cls, results: Mapping[str, Any], heatmap_dir: Path | None) -> list[ScanField]:
        pdq = results.get(cls.name) or {}
        return [
            ScanField("pdq", pdq.get("hash"), 10),
            ScanField("pdq_quality", pdq.get("quality"), 11),
        ]

    def __init__(self, min_quality: int = 50) -> None:
        self.min_quality = min_quality

    def analyse(self, item: AnalysisItem) -> JSONDict:
        decoded = item.image(PDQ_DECODE_SIDE)
        hashes = query_pdq_hashes(decoded.image)
        full = hashes.pop("original")
        result: JSONDict = {
            "hash": full.hex if full.quality >= self.min_quality else None,
            "quality": full.quality,
            "raw_hash": full.hex,
            "width": decoded.original_width,
            "height": decoded.original_height,
            "format": decoded.format,
            "trimmed": None,
        }
        # "trimmed" keeps its own field (older results and the takedown watch
        # read it); the other cuts go under "variants", name -> usable hash.
        trimmed = hashes.pop("trimmed", None)
        if trimmed is not None:
            result["trimmed"] = {
                "hash": trimmed.hex if trimmed.quality >= self.min_quality else None,
                "quality": trimmed.quality,
            }
        result["variants"] = {
            name: pdq.hex for name, pdq in hashes.items() if pdq.quality >= self.min_quality
        }
        return result

    def summary(self, result: Mapping[str, Any]) -> str:
        if result.get("hash") is None:
            return f"low quality ({result.get('quality')})"
        return f"q{result['quality']}"
