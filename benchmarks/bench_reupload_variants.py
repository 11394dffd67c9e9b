"""Re-upload matching: recall on the edits people really make, false matches on 10,000+ others.

Reproduce (from the repository root):

    PYTHONPATH=src:. .venv/bin/python benchmarks/bench_reupload_variants.py

Reads ``../shared/data`` (override with ``--data``). Banks ``--bank`` web photos
of the East-Asian set (the ones most like what agencies bank) and
``--clips`` talking-head clips, makes the re-upload variants below from each,
and queries them exactly as a scan does: the PDQ signal's query hashes
(``query_pdq_hashes``) against the bank variants a bank entry stores
(``bank_pdq_variants``), at the shipped threshold of 31 bits; clips through
vPDQ at one hash per second against densely hashed bank clips with the
shipped 80 % rule. Every other picture in the data (LFW, K-pop crops,
Yonsei, GAN and diffusion faces, colour LFW, generated non-face pictures;
none of them an edit of a banked photo) is queried the same way, and any
match is a false match. Hashes are cached under ``--cache``.

Image variants: phone screenshots (status bar + dark padding; blurred padding
story style; app UI chrome), 5 / 10 / 15 % crops at a random offset, a 10 %
zoom, stickers, a text caption, a tiled watermark, four colour filters,
mirror + recompression. Clip variants: trimmed to the middle half, 10 % crop,
mirrored, re-encoded small at low bitrate, played 1.25x and 0.8x.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

from idolguard.domain.banks import VPDQ_BANK_PRUNE_BITS
from idolguard.media import MediaLimits, probe_video
from idolguard.media.image import load_image
from idolguard.signals.pdq import PDQ_DECODE_SIDE, bank_pdq_variants, query_pdq_hashes
from idolguard.signals.vpdq import mirrored_frames, still_queries, vpdq_frames

THRESHOLD = 31
MIN_QUALITY = 50
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}
LIMITS = MediaLimits()


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _status_bar(draw: ImageDraw.ImageDraw, width: int, dark: bool) -> None:
    fg = "white" if dark else "black"
    height = width // 14
    draw.rectangle((0, 0, width, height), fill="black" if dark else "#f2f2f2")
    draw.text((width // 20, height // 5), "9:41", fill=fg, font=_font(height // 2))
    draw.text((width * 7 // 10, height // 5), "5G 87%", fill=fg, font=_font(height // 2))


def screenshot_dark(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A phone screenshot of a photo viewer: dark padding, status bar, a few UI icons."""
    width = 720
    height = 1560
    screen = Image.new("RGB", (width, height), (int(rng.integers(0, 25)),) * 3)
    photo = image.resize((width, round(width * image.height / image.width)))
    top = max(width // 14 + 4, (height - photo.height) // 2 + int(rng.integers(-60, 60)))
    screen.paste(photo, (0, top))
    draw = ImageDraw.Draw(screen)
    _status_bar(draw, width, dark=True)
    for i in range(4):
        x = 60 + i * 170
        draw.ellipse((x, height - 110, x + 44, height - 66), outline="white", width=3)
    return screen


def screenshot_blurred(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Story-style: the photo over a blurred, enlarged copy of itself, with a status bar."""
    width, height = 720, 1280
    background = ImageOps.fit(image, (width, height)).filter(ImageFilter.GaussianBlur(24))
    background = ImageEnhance.Brightness(background).enhance(0.7)
    photo = image.resize((width, round(width * image.height / image.width)))
    background.paste(photo, (0, (height - photo.height) // 2 + int(rng.integers(-40, 40))))
    draw = ImageDraw.Draw(background)
    _status_bar(draw, width, dark=True)
    return background


def screenshot_ui(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A feed post: white app chrome, avatar and name above, icons and caption below."""
    width = 720
    photo = image.resize((width, round(width * image.height / image.width)))
    header, footer = 150, 260
    screen = Image.new("RGB", (width, header + photo.height + footer), "white")
    screen.paste(photo, (0, header))
    draw = ImageDraw.Draw(screen)
    _status_bar(draw, width, dark=False)
    draw.ellipse((20, 70, 90, 140), fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
    draw.text((110, 90), "fan_account_01", fill="black", font=_font(28))
    y = header + photo.height + 20
    for i in range(3):
        draw.ellipse((20 + i * 70, y, 70 + i * 70, y + 50), outline="black", width=4)
    draw.text((20, y + 90), "1,234 likes", fill="black", font=_font(26))
    draw.text((20, y + 140), "omg look at this!! #kpop #fancam", fill="black", font=_font(26))
    return screen


def crop(fraction: float) -> Callable[[Image.Image, np.random.Generator], Image.Image]:
    def apply(image: Image.Image, rng: np.random.Generator) -> Image.Image:
        w, h = image.size
        keep_w, keep_h = round(w * (1 - fraction)), round(h * (1 - fraction))
        x = int(rng.integers(0, w - keep_w + 1))
        y = int(rng.integers(0, h - keep_h + 1))
        return image.crop((x, y, x + keep_w, y + keep_h))

    return apply


def zoom(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    w, h = image.size
    dx, dy = round(w * 0.05), round(h * 0.05)
    return image.crop((dx, dy, w - dx, h - dy)).resize((w, h), Image.Resampling.BICUBIC)


def stickers(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    out = image.copy()
    draw = ImageDraw.Draw(out)
    w, h = out.size
    for _ in range(3):
        r = int(min(w, h) * rng.uniform(0.07, 0.11))
        x, y = int(rng.integers(r, w - r)), int(rng.integers(r, h - r))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour, outline="white", width=3)
        else:
            draw.regular_polygon((x, y, r), 5, fill=colour, outline="white")
    return out


def caption(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    out = image.copy()
    draw = ImageDraw.Draw(out)
    w, h = out.size
    size = max(12, w // 14)
    y = int(h * rng.uniform(0.7, 0.85))
    draw.text(
        (w // 12, y), "she really did that", fill="white", font=_font(size),
        stroke_width=max(1, size // 12), stroke_fill="black",
    )  # fmt: skip
    return out


def watermark(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    base = image.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    w, h = base.size
    size = max(10, w // 16)
    for y in range(0, h, size * 3):
        for x in range(-size * 4 + int(rng.integers(0, size * 4)), w, size * 7):
            draw.text((x, y), "@fansite", fill=(255, 255, 255, 90), font=_font(size))
    return Image.alpha_composite(base, layer).convert("RGB")


def warm(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    r, g, b = image.split()
    r = r.point(lambda v: min(255, int(v * 1.15 + 10)))
    b = b.point(lambda v: int(v * 0.85))
    return Image.merge("RGB", (r, g, b))


def mono(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    return ImageOps.grayscale(image).convert("RGB")


def vivid(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    return ImageEnhance.Contrast(ImageEnhance.Color(image).enhance(1.6)).enhance(1.4)


def faded(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    faded_image = ImageEnhance.Contrast(image).enhance(0.6)
    return Image.blend(faded_image, Image.new("RGB", image.size, (230, 200, 170)), 0.2)


def mirrored(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    return ImageOps.mirror(image)


IMAGE_VARIANTS: dict[str, Callable[[Image.Image, np.random.Generator], Image.Image]] = {
    "screenshot_dark": screenshot_dark,
    "screenshot_blurred": screenshot_blurred,
    "screenshot_ui": screenshot_ui,
    "crop_5": crop(0.05),
    "crop_10": crop(0.10),
    "crop_15": crop(0.15),
    "zoom_10": zoom,
    "stickers": stickers,
    "caption": caption,
    "watermark": watermark,
    "filter_warm": warm,
    "filter_mono": mono,
    "filter_vivid": vivid,
    "filter_faded": faded,
    "mirror": mirrored,
}


def _seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("/".join(parts).encode()).digest()[:8], "little")


def codes(hexes: list[str]) -> np.ndarray:
    if not hexes:
        return np.zeros((0, 32), np.uint8)
    return np.frombuffer(bytes.fromhex("".join(hexes)), np.uint8).reshape(-1, 32)


_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], np.uint8)


def distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamming distances, shape (len(a), len(b))."""
    out = np.zeros((len(a), len(b)), np.int32)
    for start in range(0, len(a), 512):
        x = a[start : start + 512, None, :] ^ b[None, :, :]
        out[start : start + 512] = _POPCOUNT[x].sum(axis=2)
    return out


def image_query(path: Path) -> list[str]:
    decoded = load_image(path, LIMITS, max_side=PDQ_DECODE_SIDE)
    return [h.hex for h in query_pdq_hashes(decoded.image).values() if h.quality >= MIN_QUALITY]


def image_bank(path: Path) -> list[str]:
    decoded = load_image(path, LIMITS, max_side=PDQ_DECODE_SIDE)
    return [h.hex for h in bank_pdq_variants(decoded.image).values() if h.quality >= MIN_QUALITY]


class Cache:
    """Hashes per (file, function version), so re-runs only redo what changed."""

    def __init__(self, path: Path, version: str) -> None:
        self.path = path
        self.version = version
        self.data: dict[str, list[str]] = json.loads(path.read_text()) if path.exists() else {}

    def get(self, key: str, compute: Callable[[], list[str]]) -> list[str]:
        full = f"{self.version}|{key}"
        if full not in self.data:
            self.data[full] = compute()
        return self.data[full]

    def save(self) -> None:
        self.path.write_text(json.dumps(self.data))


def unrelated_pictures(data: Path, work: Path, generated: int) -> list[Path]:
    roots = [
        data / "recognition/lfw",
        data / "recognition/kpop",
        data / "recognition/celebs",
        data / "manipulation/yonsei/real",
        data / "manipulation/gan_faces",
        data / "manipulation/lfw_faceswap/real",
    ]
    paths = [p for root in roots for p in sorted(root.rglob("*")) if p.suffix.lower() in SUFFIXES]
    extra = Path("/work/main/.cache/extra-data/diffusion_faces")
    if extra.is_dir():
        paths += [p for p in sorted(extra.rglob("*")) if p.suffix.lower() in SUFFIXES]
    folder = work / "generated"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(generated):
        path = folder / f"gen{i:05d}.jpg"
        if not path.exists():
            _generated_picture(np.random.default_rng(i)).save(path, quality=85)
        paths.append(path)
    return paths


def _generated_picture(rng: np.random.Generator) -> Image.Image:
    """A non-face picture: gradients, shapes and text, like memes, graphics and screenshots."""
    w, h = int(rng.integers(240, 720)), int(rng.integers(240, 720))
    y, x = np.mgrid[0:h, 0:w] / max(w, h)
    base = np.stack(
        [
            127 + 120 * np.sin(2 * np.pi * (rng.uniform(0.2, 3) * x + rng.uniform(0, 3) * y + c))
            for c in rng.uniform(0, 1, 3)
        ],
        axis=2,
    )
    image = Image.fromarray(base.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(3, 12))):
        box = sorted(rng.integers(0, w, 2)), sorted(rng.integers(0, h, 2))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        shape = (int(box[0][0]), int(box[1][0]), int(box[0][1]), int(box[1][1]))
        if rng.random() < 0.5:
            draw.rectangle(shape, fill=colour)
        else:
            draw.ellipse(shape, fill=colour)
    if rng.random() < 0.5:
        draw.text((10, 10), f"notice {int(rng.integers(1e6))}", fill="black", font=_font(24))
    return image


# --- clips -------------------------------------------------------------------------------


def _transcode(
    src: Path,
    dst: Path,
    *,
    start: float = 0.0,
    end: float | None = None,
    speed: float = 1.0,
    frame_op: Callable[[Image.Image], Image.Image] = lambda im: im,
    scale: float = 1.0,
    bitrate: int | None = None,
) -> None:
    with av.open(str(src)) as source:
        stream_in = source.streams.video[0]
        rate = float(stream_in.average_rate or 25)
        frames = []
        for frame in source.decode(stream_in):
            t = float(frame.time or 0.0)
            if t < start or (end is not None and t > end):
                continue
            frames.append(frame_op(frame.to_image()))
    if not frames:
        raise RuntimeError(f"no frames kept from {src}")
    width = int(frames[0].width * scale) // 2 * 2
    height = int(frames[0].height * scale) // 2 * 2
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(round(rate * speed * 1000), 1000))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if bitrate:
            stream.bit_rate = bitrate
        for image in frames:
            image = image.resize((width, height))
            for packet in stream.encode(av.VideoFrame.from_image(image)):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def _crop10(image: Image.Image) -> Image.Image:
    w, h = image.size
    return image.crop((round(w * 0.07), round(h * 0.03), round(w * 0.97), round(h * 0.93)))


def clip_variants(src: Path, folder: Path, duration: float) -> dict[str, Path]:
    made = {}
    recipes: dict[str, dict[str, object]] = {
        "clip_trim": {"start": duration * 0.25, "end": duration * 0.75},
        "clip_crop_10": {"frame_op": _crop10},
        "clip_mirror": {"frame_op": ImageOps.mirror},
        "clip_reencode": {"scale": 0.5, "bitrate": 150_000},
        "clip_speed_1.25": {"speed": 1.25},
        "clip_speed_0.8": {"speed": 0.8},
    }
    for name, options in recipes.items():
        dst = folder / f"{src.stem}__{name}.mp4"
        if not dst.exists():
            _transcode(src, dst, **options)  # type: ignore[arg-type]
        made[name] = dst
    return made


def still_as_vertical_video(image_path: Path, dst: Path) -> None:
    """A banked still re-posted as a 3-second 720x1280 clip with black letterbox bars."""
    if dst.exists():
        return
    with Image.open(image_path) as im:
        photo = im.convert("RGB")
    frame = Image.new("RGB", (720, 1280), "black")
    scaled = photo.resize((720, round(720 * photo.height / photo.width)))
    frame.paste(scaled, (0, (1280 - scaled.height) // 2))
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 720, 1280, "yuv420p"
        for _ in range(75):
            for packet in stream.encode(av.VideoFrame.from_image(frame)):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def vpdq_hashes(path: Path, seconds_per_hash: float) -> list[str]:
    """Query clips at 1 fps; bank clips (``seconds_per_hash=0``) densely and pruned, as banked."""
    info = probe_video(path, LIMITS)
    prune = VPDQ_BANK_PRUNE_BITS if seconds_per_hash == 0 else None
    frames = vpdq_frames(path, info, seconds_per_hash=seconds_per_hash, prune_distance=prune)
    return [f.hash for f in frames if f.quality >= MIN_QUALITY]


def mirrored_hashes(path: Path) -> list[str]:
    """The mirrored frames a bank entry for this clip holds (``mirrored_frames``)."""
    frames = mirrored_frames(path, LIMITS, prune_distance=VPDQ_BANK_PRUNE_BITS)
    return [f.hash for f in frames if f.quality >= MIN_QUALITY]


def clip_matches(query: list[str], bank: dict[str, tuple[list[str], list[str]]]) -> set[str]:
    """The bank clips a query clip matches under the shipped vPDQ rule (80 % of either side).

    ``bank`` maps a clip to its dense frames as banked and mirrored, as a bank
    entry holds them; the banked clip's share counts its frames as banked.
    """
    if not query:
        return set()
    q = codes(query)
    matched = set()
    for name, (frames, mirrored) in bank.items():
        d = distances(q, codes(frames + mirrored)) <= THRESHOLD
        query_pct = 100 * d.any(axis=1).mean()
        bank_pct = 100 * min(1.0, d.any(axis=0).sum() / max(1, len(frames)))
        if query_pct >= 80 or bank_pct >= 80:
            matched.add(name)
    return matched


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--data", type=Path, default=root.parent / "shared/data")
    parser.add_argument("--cache", type=Path, default=root / ".cache/reupload")
    parser.add_argument("--bank", type=int, default=100, help="banked photos")
    parser.add_argument("--clips", type=int, default=14, help="banked clips")
    parser.add_argument("--generated", type=int, default=600, help="generated non-face pictures")
    parser.add_argument("--max-unrelated", type=int, default=0, help="0: all")
    parser.add_argument("--skip-clips", action="store_true")
    args = parser.parse_args()
    work = args.cache
    (work / "variants").mkdir(parents=True, exist_ok=True)
    from idolguard.signals.pdq import QUERY_VARIANTS_VERSION

    cache = Cache(work / "hashes.json", QUERY_VARIANTS_VERSION)
    rng = np.random.default_rng(0)

    asian = sorted(
        p for p in (args.data / "recognition/asian").rglob("*") if p.suffix.lower() in SUFFIXES
    )
    banked = [asian[i] for i in sorted(rng.choice(len(asian), args.bank, replace=False))]
    bank_hashes: dict[str, list[str]] = {}
    for path in banked:
        bank_hashes[str(path)] = cache.get("bank|" + str(path), lambda p=path: image_bank(p))
    bank_names = list(bank_hashes)
    bank_codes = codes([h for name in bank_names for h in bank_hashes[name]])
    bank_owner = np.array([i for i, name in enumerate(bank_names) for _ in bank_hashes[name]])

    def matched_items(hexes: list[str]) -> set[int]:
        if not hexes or not len(bank_codes):
            return set()
        hit = (distances(codes(hexes), bank_codes) <= THRESHOLD).any(axis=0)
        return {int(i) for i in np.unique(bank_owner[hit])}

    recall: dict[str, list[bool]] = defaultdict(list)
    wrong_item = 0
    start = time.perf_counter()
    for index, path in enumerate(banked):
        with Image.open(path) as im:
            image = ImageOps.exif_transpose(im).convert("RGB")
        for name, make in IMAGE_VARIANTS.items():
            out = work / "variants" / f"{index:03d}_{name}.jpg"
            if not out.exists():
                make(image, np.random.default_rng(_seed(str(path), name))).save(out, quality=80)
            hexes = cache.get(f"query|{out}", lambda o=out: image_query(o))
            items = matched_items(hexes)
            recall[name].append(index in items)
            wrong_item += len(items - {index})
    print(f"image variants hashed and matched in {time.perf_counter() - start:.0f} s")

    unrelated = unrelated_pictures(args.data, work, args.generated)
    if args.max_unrelated:
        unrelated = unrelated[: args.max_unrelated]
    start = time.perf_counter()
    false_matches = []
    for i, path in enumerate(unrelated):
        hexes = cache.get(f"query|{path}", lambda p=path: image_query(p))
        if matched_items(hexes):
            false_matches.append(str(path))
        if (i + 1) % 2000 == 0:
            cache.save()
            print(f"  unrelated {i + 1}/{len(unrelated)}", flush=True)
    cache.save()
    print(f"{len(unrelated)} unrelated pictures in {time.perf_counter() - start:.0f} s")

    clip_recall: dict[str, list[bool]] = defaultdict(list)
    clip_false = 0
    other_clip: set[tuple[str, str]] = set()
    still_video: list[bool] = []
    if not args.skip_clips:
        clips = sorted((args.data / "video").rglob("*.mp4"))[: args.clips]
        clip_bank = {
            str(c): (
                cache.get(f"clipbank-pruned|{c}", lambda c=c: vpdq_hashes(c, 0)),
                cache.get(f"clipbankmirror|{c}", lambda c=c: mirrored_hashes(c)),
            )
            for c in clips
        }
        (work / "clips").mkdir(exist_ok=True)
        for clip in clips:
            duration = probe_video(clip, LIMITS).duration_seconds
            for name, variant in clip_variants(clip, work / "clips", duration).items():
                query = cache.get(f"clipquery|{variant}", lambda v=variant: vpdq_hashes(v, 1.0))
                hits = clip_matches(query, clip_bank)
                clip_recall[name].append(str(clip) in hits)
                # The shared clips come in families made from one source (a still
                # animated several ways), so a hit on a sibling is listed, not counted.
                other_clip |= {(clip.name, Path(h).name) for h in hits - {str(clip)}}
        # Unrelated stills against the bank clips' frames (the "vpdq-frame" path of a scan).
        frame_codes = codes([h for pair in clip_bank.values() for frames in pair for h in frames])
        for path in unrelated:
            hexes = cache.get(f"query|{path}", lambda p=path: image_query(p))
            if hexes and (distances(codes(hexes), frame_codes) <= THRESHOLD).any():
                clip_false += 1
        for index, path in enumerate(banked[:25]):
            video = work / "clips" / f"still{index:03d}_vertical.mp4"
            still_as_vertical_video(path, video)
            # What a scan matches against banked photos: the trimmed early frame.
            frames = cache.get(
                f"stillquery|{video}",
                lambda v=video: list(still_queries(v, LIMITS, MIN_QUALITY).values()),
            )
            still_video.append(index in matched_items(frames))
        cache.save()

    print(f"\nbanked photos: {len(banked)}; unrelated pictures: {len(unrelated)}")
    print(f"{'variant':<22} recall")
    everything: list[bool] = []
    for name, hits in recall.items():
        everything += hits
        print(f"{name:<22} {np.mean(hits):.3f}  ({sum(hits)}/{len(hits)})")
    if still_video:
        everything += still_video
        print(
            f"{'still_vertical_video':<22} {np.mean(still_video):.3f}  "
            f"({sum(still_video)}/{len(still_video)})"
        )
    print(f"images, all variants: recall {np.mean(everything):.4f}; ", end="")
    print(f"false matches {len(false_matches)} / {len(unrelated)}; wrong item {wrong_item}")
    for path in false_matches[:10]:
        print(f"  false match: {path}")
    if clip_recall:
        clip_all: list[bool] = []
        for name, hits in clip_recall.items():
            clip_all += hits
            print(f"{name:<22} {np.mean(hits):.3f}  ({sum(hits)}/{len(hits)})")
        print(
            f"clips, all variants: recall {np.mean(clip_all):.4f}; false matches: "
            f"{clip_false} of {len(unrelated)} unrelated pictures match a banked clip's frame"
        )
        print(f"variants that also matched another banked clip ({len(other_clip)} pairs):")
        for query_clip, other in sorted(other_clip):
            print(f"  {query_clip} -> {other}")


if __name__ == "__main__":
    main()
