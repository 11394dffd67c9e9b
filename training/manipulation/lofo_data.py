"""Leave-one-family-out data: every fake family, matched reals, conditions, cached CLIP outputs.

Two sides, both read by the same CLIP ViT-B/16 encoder:

* face side: aligned ``forensics.crop`` crops (what the manipulation signal
  scores). Fake families: ``self_blend``, ``part_blend`` and ``synth_swap``
  (made here from real crops, each paired with the real it came from, as
  GenD pairs real and fake of one source), ``lfw_faceswap`` (landmark swaps)
  and ``yonsei`` (Photoshop composites).
* picture side: whole pictures (what the ai_generated signal scores). Fake
  families by source repository: ``gan_faces``, ``sdfd`` (SD 2.1),
  ``facechain`` (SD/SDXL + identity LoRA), ``easyphoto``.

Reals on both sides: colour LFW, Yonsei reals, K-pop idols, East-Asian web
photos. Reals and fakes get the SAME processing so size, JPEG history and
format cannot stand in for the label: pictures are centre-cropped to a
square, resized to ``PICTURE_SIDE`` and re-encoded as JPEG 90, face crops
re-encoded as JPEG 90, and every condition (JPEG 75/50, half size,
screenshot, beauty filter) is applied to both alike. Splits are by identity
(ArcFace clusters, ``dataset.assign_splits``) within each family; the
leave-one-family-out harness holds out whole families (source repositories).

CLIP outputs (512-d embedding and the 197 x 768 tokens, float16) are cached
under ``--cache`` keyed by the source file's SHA-256, the recipe and the
condition, so training and evaluation runs read them without the encoder.

    python -m training.manipulation.lofo_data --data ../shared/data \\
        --extra /work/main/.cache/extra-data --cache .cache/lofo
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageEnhance, ImageFilter

from idolguard.forensics.crop import WORK_SIZE, face_crop
from idolguard.forensics.synth import face_mask, face_swap, jpeg, self_blend
from training.manipulation.dataset import IMAGE_SUFFIXES, assign_splits

PICTURE_SIDE = 256
BASE_QUALITY = 90
CONDITIONS = ("clean", "jpeg75", "jpeg50", "half", "screenshot", "beauty")
SYNTHETIC = ("self_blend", "part_blend", "synth_swap")
FACE_FAMILIES = ("self_blend", "part_blend", "synth_swap", "lfw_faceswap", "yonsei")
PICTURE_FAMILIES = ("gan_faces", "sdfd", "facechain", "easyphoto")

# (family, label, folder, root, cap, sides); root "data" = ../shared/data, "extra" = diffusion set
SOURCES: tuple[tuple[str, int, str, str, int, str], ...] = (
    ("lfw", 0, "manipulation/lfw_faceswap/real", "data", 100, "both"),
    ("yonsei_real", 0, "manipulation/yonsei/real", "data", 100, "both"),
    ("kpop_photos", 0, "recognition/kpop", "data", 90, "both"),
    ("asian_photos", 0, "recognition/asian", "data", 90, "both"),
    ("lfw_faceswap", 1, "manipulation/lfw_faceswap/fake", "data", 100, "face"),
    ("yonsei", 1, "manipulation/yonsei/fake", "data", 100, "face"),
    ("gan_faces", 1, "manipulation/gan_faces", "data", 150, "picture"),
    ("sdfd", 1, "diffusion_faces/sdfd", "extra", 150, "picture"),
    ("facechain", 1, "diffusion_faces/facechain", "extra", 300, "picture"),
    ("easyphoto", 1, "diffusion_faces/easyphoto", "extra", 50, "picture"),
)
REAL_FAMILIES = ("lfw", "yonsei_real", "kpop_photos", "asian_photos")

ByteImage = NDArray[np.uint8]


@dataclass(frozen=True)
class Item:
    key: str  # sha of the source file + recipe: the cache key before the condition
    side: str  # "face" or "picture"
    family: str
    label: int
    split: str
    group: int
    pair: str  # the real item a synthetic fake was made from (its own key otherwise)
    path: str  # source file, relative to its root
    recipe: str  # "as is" or the synthetic family


# ---------------------------------------------------------------- conditions
def _jpeg_bytes(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _reopen(data: bytes) -> ByteImage:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.uint8)


def beauty_filter(image: ByteImage) -> ByteImage:
    """Skin smoothing, brightening and a saturation lift, as beauty modes and retouching do."""
    picture = Image.fromarray(image)
    radius = max(1.0, picture.width / 96)
    smooth = picture.filter(ImageFilter.GaussianBlur(radius))
    out = Image.blend(picture, smooth, 0.55)
    out = ImageEnhance.Brightness(out).enhance(1.07)
    out = ImageEnhance.Color(out).enhance(1.12)
    return jpeg(np.asarray(out, dtype=np.uint8), BASE_QUALITY)


def apply_condition(image: ByteImage, condition: str) -> ByteImage:
    """The same degradation for a real and a fake (``image`` is already matched-processed)."""
    picture = Image.fromarray(image)
    side = picture.width
    if condition == "clean":
        return image
    if condition == "jpeg75":
        return jpeg(image, 75)
    if condition == "jpeg50":
        return jpeg(image, 50)
    if condition == "half":  # half the pixels across: upsampled again by the reader
        small = picture.resize((side // 2, side // 2), Image.Resampling.BILINEAR)
        return np.asarray(small.resize((side, side), Image.Resampling.BILINEAR), dtype=np.uint8)
    if condition == "screenshot":  # zoomed 1.5x in a viewer, captured, re-uploaded as JPEG 85
        zoomed = picture.resize((side * 3 // 2, side * 3 // 2), Image.Resampling.BICUBIC)
        captured = _reopen(_jpeg_bytes(zoomed, 85))
        back = Image.fromarray(captured).resize((side, side), Image.Resampling.BILINEAR)
        return np.asarray(back, dtype=np.uint8)
    if condition == "beauty":
        return beauty_filter(image)
    raise ValueError(f"unknown condition {condition!r}")


def matched_picture(image: Image.Image) -> ByteImage:
    """Every picture, real or generated: centre square, ``PICTURE_SIDE`` px, JPEG 90."""
    picture = image.convert("RGB")
    side = min(picture.size)
    left, top = (picture.width - side) // 2, (picture.height - side) // 2
    square = picture.crop((left, top, left + side, top + side))
    resized = square.resize((PICTURE_SIDE, PICTURE_SIDE), Image.Resampling.LANCZOS)
    return jpeg(np.asarray(resized, dtype=np.uint8), BASE_QUALITY)


def part_blend(
    face: ByteImage, donor: ByteImage, rng: np.random.Generator
) -> tuple[ByteImage, NDArray[np.float32]]:
    """One or two parts (eye, nose, mouth) of another person's face pasted in, as in composites."""
    for _ in range(20):  # draw masks until one covers parts only (not the whole face)
        mask = face_mask(face.shape[0], rng)
        if 0.005 < float(mask.mean()) < 0.12:
            break
    weight = mask[..., None]
    out = face.astype(np.float32) * (1 - weight) + donor.astype(np.float32) * weight
    return np.clip(out + 0.5, 0, 255).astype(np.uint8), mask


def _seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256(":".join(parts).encode()).digest()[:8], "big")


# ---------------------------------------------------------------- selection
def _files(root: Path, folder: str, cap: int, seed: int) -> list[Path]:
    base = root / folder
    found = [
        p
        for p in sorted(base.rglob("*"))
        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and "ReadMe_image" not in p.parts
    ]
    order = sorted(found, key=lambda p: _seed(str(seed), str(p.relative_to(root))))
    return sorted(order[:cap])


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def detect(files: list[tuple[str, Path]], cache: Path) -> dict[str, dict[str, object]]:
    """Main face landmarks and ArcFace embedding per file (cached in ``detections.json``)."""
    from idolguard.faces import load_backend
    from training.manipulation.prepare import main_face

    target = cache / "detections.json"
    known: dict[str, dict[str, object]] = json.loads(target.read_text()) if target.exists() else {}
    missing = [(name, path) for name, path in files if name not in known]
    if missing:
        backend = load_backend("arcface", threads=1, detector_side=640)
        started = time.monotonic()
        for n, (name, path) in enumerate(missing, 1):
            pixels = np.asarray(Image.open(path).convert("RGB"), dtype=np.uint8)
            face = main_face(backend, pixels)
            entry: dict[str, object] = {"sha": _sha(path), "landmarks": None, "embedding": None}
            if face is not None:
                entry["landmarks"] = [[float(x), float(y)] for x, y in face.landmarks]
                entry["embedding"] = [float(v) for v in backend.embed(pixels, [face])[0]]
            known[name] = entry
            if n % 200 == 0:
                print(f"  detected {n}/{len(missing)}, {time.monotonic() - started:.0f} s")
                target.write_text(json.dumps(known))
        target.write_text(json.dumps(known))
    return known


def build_items(data: Path, extra: Path, cache: Path, seed: int) -> list[Item]:
    roots = {"data": data, "extra": extra}
    chosen: list[tuple[str, int, str, Path, str]] = []  # family, label, name, path, sides
    for family, label, folder, root, cap, sides in SOURCES:
        for path in _files(roots[root], folder, cap, seed):
            chosen.append((family, label, f"{root}/{path.relative_to(roots[root])}", path, sides))
    found = detect([(name, path) for _, _, name, path, _ in chosen], cache)
    names = [name for _, _, name, _, _ in chosen]
    families = [family for family, *_ in chosen]
    embeddings = [
        None
        if found[name]["embedding"] is None
        else np.asarray(found[name]["embedding"], dtype=np.float32)
        for name in names
    ]
    splits, groups = assign_splits(names, families, embeddings, seed=seed)
    items: list[Item] = []
    reals_by_split: dict[str, list[Item]] = {}
    for (family, label, name, _path, sides), split, group in zip(
        chosen, splits, groups, strict=True
    ):
        sha = str(found[name]["sha"])
        has_face = found[name]["landmarks"] is not None
        if sides in ("both", "picture"):
            key = f"p-{sha[:16]}"
            items.append(Item(key, "picture", family, label, split, group, key, name, "as is"))
        if sides in ("both", "face") and has_face:
            key = f"f-{sha[:16]}"
            item = Item(key, "face", family, label, split, group, key, name, "as is")
            items.append(item)
            if label == 0:
                reals_by_split.setdefault(split, []).append(item)
    # One synthetic fake per real face, families in turn, donors from the same split.
    for split, reals in sorted(reals_by_split.items()):
        for n, real in enumerate(reals):
            recipe = SYNTHETIC[n % len(SYNTHETIC)]
            key = f"{real.key}-{recipe}"
            items.append(
                Item(key, "face", recipe, 1, split, real.group, real.key, real.path, recipe)
            )
    return items


# ---------------------------------------------------------------- pixels
class Pixels:
    """The matched-processed pixels of an item (before its condition)."""

    def __init__(self, data: Path, extra: Path, detections: dict[str, dict[str, object]]) -> None:
        self.roots = {"data": data, "extra": extra}
        self.detections = detections
        self._crops: dict[str, ByteImage] = {}

    def _file(self, name: str) -> Image.Image:
        root, relative = name.split("/", 1)
        return Image.open(self.roots[root] / relative)

    def crop(self, name: str) -> ByteImage:
        if name not in self._crops:
            pixels = np.asarray(self._file(name).convert("RGB"), dtype=np.uint8)
            marks = np.asarray(self.detections[name]["landmarks"], dtype=np.float64)
            self._crops[name] = face_crop(pixels, marks, size=WORK_SIZE)[0]
        return self._crops[name]

    def of(self, item: Item, donors: list[Item]) -> ByteImage:
        if item.side == "picture":
            return matched_picture(self._file(item.path))
        face = self.crop(item.path)
        rng = np.random.default_rng(_seed(item.key))
        if item.recipe == "self_blend":
            face = self_blend(face, rng)[0]
        elif item.recipe in ("part_blend", "synth_swap"):
            others = [d for d in donors if d.group != item.group]
            donor = self.crop(others[int(rng.integers(len(others)))].path)
            maker: Callable[..., tuple[ByteImage, NDArray[np.float32]]] = (
                part_blend if item.recipe == "part_blend" else face_swap
            )
            face = maker(face, donor, rng)[0]
        return jpeg(face, BASE_QUALITY)


# Conditions in the order they are computed: the targets name JPEG 50 and half size.
REPORT_ORDER = ("jpeg50", "half", "beauty", "screenshot", "jpeg75")
# Fakes per family scored under each condition (every fake is scored clean).
TESTED_FAKES = 40


def planned_rows(items: list[Item]) -> list[tuple[Item, str]]:
    """The (item, condition) rows to encode, most needed first.

    Every item clean; then, condition by condition, the ``eval`` reals and
    ``TESTED_FAKES`` fakes of each family (any split: a held-out family is
    never trained on); last, one drawn condition per training item, to
    train on. An interrupted run still leaves whole tables behind.
    """
    rows: list[tuple[Item, str]] = [(item, "clean") for item in items]
    tested: list[Item] = [i for i in items if i.label == 0 and i.split == "eval"]
    for side, family in sorted({(i.side, i.family) for i in items if i.label == 1}):
        fakes = [i for i in items if i.side == side and i.family == family]
        tested += sorted(fakes, key=lambda i: _seed(i.key, "tested"))[:TESTED_FAKES]
    for condition in REPORT_ORDER:
        rows += [(item, condition) for item in tested]
    for item in items:
        if item.split == "train":
            drawn = REPORT_ORDER[_seed(item.key, "augment") % len(REPORT_ORDER)]
            rows.append((item, drawn))
    return list(dict.fromkeys(rows))


# ---------------------------------------------------------------- features
class FeatureCache:
    """CLIP embeds (float16) and tokens (float16) by ``item key|condition``, in chunk files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.index: dict[str, tuple[Path, int]] = {}
        for chunk in sorted(folder.glob("chunk-*.npz")):
            with np.load(chunk) as data:
                for row, key in enumerate(data["keys"].tolist()):
                    self.index[str(key)] = (chunk, row)
        self._open: dict[Path, dict[str, NDArray[np.float16]]] = {}

    def __contains__(self, key: str) -> bool:
        return key in self.index

    def add(
        self, keys: list[str], embeds: NDArray[np.float32], tokens: NDArray[np.float32]
    ) -> None:
        chunk = self.folder / f"chunk-{len(list(self.folder.glob('chunk-*.npz'))):05d}.npz"
        np.savez(
            chunk,
            keys=np.array(keys),
            embeds=embeds.astype(np.float16),
            tokens=tokens.astype(np.float16),
        )
        for row, key in enumerate(keys):
            self.index[key] = (chunk, row)

    def get(self, keys: list[str]) -> tuple[NDArray[np.float16], NDArray[np.float16]]:
        embeds = np.zeros((len(keys), 512), np.float16)
        tokens = np.zeros((len(keys), 197, 768), np.float16)
        for n, key in enumerate(keys):
            chunk, row = self.index[key]
            if chunk not in self._open:
                with np.load(chunk) as data:
                    self._open[chunk] = {"embeds": data["embeds"], "tokens": data["tokens"]}
            embeds[n] = self._open[chunk]["embeds"][row]
            tokens[n] = self._open[chunk]["tokens"][row]
        return embeds, tokens


def extract(items: list[Item], pixels: Pixels, cache: FeatureCache, threads: int) -> None:
    from idolguard.forensics.ai_model import ClipEncoder

    donors = [i for i in items if i.side == "face" and i.label == 0 and i.recipe == "as is"]
    todo = [(item, c) for item, c in planned_rows(items) if f"{item.key}|{c}" not in cache]
    print(f"{len(todo)} CLIP feature rows to compute")
    if not todo:
        return
    encoder = ClipEncoder(threads)
    started = time.monotonic()
    chunk = 128
    for start in range(0, len(todo), chunk):
        part = todo[start : start + chunk]
        images, keys = [], []
        for item, condition in part:
            base = pixels.of(item, [d for d in donors if d.split == item.split])
            images.append(Image.fromarray(apply_condition(base, condition)))
            keys.append(f"{item.key}|{condition}")
        embeds, tokens = encoder.encode(images, batch=8)
        cache.add(keys, embeds, tokens)
        done = start + len(part)
        rate = (time.monotonic() - started) / done
        print(f"  {done}/{len(todo)} rows, {rate * 1000:.0f} ms/row", flush=True)


def load_items(cache: Path) -> list[Item]:
    return [Item(**row) for row in json.loads((cache / "items.json").read_text())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--extra", type=Path, default=Path(".cache/extra-data"))
    parser.add_argument("--cache", type=Path, default=Path(".cache/lofo"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    items = build_items(args.data, args.extra, args.cache, args.seed)
    (args.cache / "items.json").write_text(json.dumps([asdict(i) for i in items]))
    summary: dict[str, dict[str, int]] = {}
    for item in items:
        row = summary.setdefault(f"{item.side}/{item.family}", {})
        row[item.split] = row.get(item.split, 0) + 1
    for name, row in sorted(summary.items()):
        print(f"  {name:28s} {row}")
    detections = json.loads((args.cache / "detections.json").read_text())
    pixels = Pixels(args.data, args.extra, detections)
    extract(items, pixels, FeatureCache(args.cache / "features"), args.threads)
    print(f"data ready in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
