"""Synthetic face manipulations from real faces only: what the shipped detector learns from.

No registry package ships deepfakes to learn from, and fakes from one
generator teach a detector that generator's fingerprints. Self-Blended Images
(Shiohara & Yamasaki, CVPR 2022) avoid both: blend a face with a slightly
altered copy of itself, and the only evidence left is what every face swap
leaves behind, a blending boundary plus colour and sharpness mismatches
across it. A classical landmark-aligned swap of another person's face adds
the identity/skin mismatches of a real swap. Both run on aligned crops from
``forensics.crop`` (landmarks are at the template positions), with NumPy and
Pillow only, so the evaluation script and the tests can make the same fakes
without PyTorch.

Only neutral, ordinary face photos are used with this module.
"""

from __future__ import annotations

import io

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter

from idolguard.forensics.crop import crop_template

FloatImage = NDArray[np.float32]
ByteImage = NDArray[np.uint8]


def _ellipse_points(
    centre: NDArray[np.float64], half_width: float, half_height: float, rng: np.random.Generator
) -> list[tuple[float, float]]:
    points = []
    count = 16
    for k in range(count):
        angle = 2 * np.pi * k / count + rng.uniform(-0.1, 0.1)
        radius = rng.uniform(0.9, 1.1)
        points.append(
            (
                float(centre[0] + half_width * radius * np.cos(angle)),
                float(centre[1] + half_height * radius * np.sin(angle)),
            )
        )
    return points


def _mask_shapes(
    template: NDArray[np.float64], rng: np.random.Generator
) -> list[list[tuple[float, float]]]:
    """Polygons of one mask: the whole face, the inner face, or some of its parts."""
    eyes = template[:2].mean(axis=0)
    mouth = template[3:].mean(axis=0)
    eye_distance = float(np.linalg.norm(template[1] - template[0]))
    face_height = float(mouth[1] - eyes[1])
    roll = rng.random()
    if roll < 0.45:  # the whole face, forehead to chin: most swap tools
        centre = (eyes + mouth) / 2 + np.array([0.0, rng.uniform(-0.05, 0.2) * eye_distance])
        return [
            _ellipse_points(
                centre,
                eye_distance * rng.uniform(1.0, 1.3),
                face_height * rng.uniform(1.45, 1.85),
                rng,
            )
        ]
    if roll < 0.75:  # eyes, nose and mouth: landmark swaps like LFW's
        centre = (eyes + mouth) / 2 + np.array([0.0, 0.05 * eye_distance])
        return [
            _ellipse_points(
                centre,
                eye_distance * rng.uniform(0.85, 1.05),
                face_height * rng.uniform(0.85, 1.1),
                rng,
            )
        ]
    # Single parts (an eye, the nose, the mouth), as in hand-made composites.
    parts = {
        "left eye": (template[0] - [0, 0.1 * eye_distance], 0.38, 0.25),
        "right eye": (template[1] - [0, 0.1 * eye_distance], 0.38, 0.25),
        "nose": ((template[2] + eyes) / 2 + [0, 0.1 * eye_distance], 0.3, 0.45),
        "mouth": (mouth, 0.55, 0.3),
    }
    names = list(parts)
    chosen = [n for n in names if rng.random() < 0.5] or [names[int(rng.integers(len(names)))]]
    shapes = []
    for name in chosen:
        centre, width, height = parts[name]
        scale = rng.uniform(0.85, 1.25)
        shapes.append(
            _ellipse_points(
                np.asarray(centre, dtype=np.float64),
                width * eye_distance * scale,
                height * eye_distance * scale,
                rng,
            )
        )
    return shapes


def face_mask(size: int, rng: np.random.Generator, *, margin: float | None = None) -> FloatImage:
    """A soft, randomly shaped mask over the face in an aligned ``size`` crop, in [0, 1].

    The shape comes from the five template landmarks: the whole face (a
    jittered oval from forehead to chin), only the inner face around eyes,
    nose and mouth, or single parts; its edge is eroded or dilated and
    blurred by random amounts, because real manipulations use every kind of
    mask.
    """
    template = crop_template(size) if margin is None else crop_template(size, margin)
    canvas = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(canvas)
    for points in _mask_shapes(template, rng):
        draw.polygon(points, fill=255)
    scale = size / 128.0
    grow = int(rng.integers(0, 4))
    if grow:
        width = 2 * max(1, round(grow * scale)) + 1
        op = ImageFilter.MaxFilter if rng.random() < 0.5 else ImageFilter.MinFilter
        canvas = canvas.filter(op(width))
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(1.0, 6.0) * scale))
    mask = np.asarray(canvas, dtype=np.float32) / 255.0
    strength = float(rng.choice([0.25, 0.5, 0.75, 1.0, 1.0, 1.0]))
    result: FloatImage = mask * strength
    return result


def _colour_shift(image: FloatImage, rng: np.random.Generator) -> FloatImage:
    """Brightness, contrast, per-channel gain and gamma changes, as between two photos."""
    out = image * rng.uniform(0.9, 1.1) + rng.uniform(-0.06, 0.06)
    out = out * rng.uniform(0.94, 1.06, size=3)[None, None, :]
    mean = out.mean()
    out = (out - mean) * rng.uniform(0.85, 1.15) + mean
    shifted: FloatImage = (np.clip(out, 0.0, 1.0) ** rng.uniform(0.85, 1.15)).astype(np.float32)
    return shifted


def _texture_shift(image: ByteImage, rng: np.random.Generator) -> ByteImage:
    """Blur or sharpen: a pasted face rarely has the sharpness of the frame it lands in."""
    picture = Image.fromarray(image)
    roll = rng.random()
    if roll < 0.45:
        picture = picture.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.1)))
    elif roll < 0.8:
        picture = picture.filter(
            ImageFilter.UnsharpMask(radius=rng.uniform(1, 3), percent=int(rng.integers(60, 200)))
        )
    else:
        factor = rng.uniform(0.55, 0.9)
        side = image.shape[0]
        small = max(8, int(side * factor))
        picture = picture.resize((small, small), Image.Resampling.BILINEAR).resize(
            (side, side), Image.Resampling.BILINEAR
        )
    return np.asarray(picture, dtype=np.uint8)


def _jitter_geometry(image: ByteImage, rng: np.random.Generator, amount: float) -> ByteImage:
    """A small random scale, shift and rotation: landmark alignment is never exact."""
    side = image.shape[0]
    scale = 1.0 + rng.uniform(-amount, amount)
    angle = np.deg2rad(rng.uniform(-3, 3) * amount / 0.05)
    shift = rng.uniform(-amount, amount, size=2) * side
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    centre = side / 2
    # Inverse mapping (output -> input) for Pillow's affine transform.
    a, b = cos, sin
    d, e = -sin, cos
    c = centre - a * (centre + shift[0]) - b * (centre + shift[1])
    f = centre - d * (centre + shift[0]) - e * (centre + shift[1])
    warped = Image.fromarray(image).transform(
        (side, side),
        Image.Transform.AFFINE,
        (float(a), float(b), float(c), float(d), float(e), float(f)),
        resample=Image.Resampling.BILINEAR,
        fillcolor=tuple(int(v) for v in image.reshape(-1, 3).mean(axis=0)),
    )
    return np.asarray(warped, dtype=np.uint8)


def _blend(target: ByteImage, source: ByteImage, mask: FloatImage) -> ByteImage:
    weight = mask[..., None]
    out = source.astype(np.float32) * weight + target.astype(np.float32) * (1.0 - weight)
    blended: ByteImage = np.clip(out + 0.5, 0, 255).astype(np.uint8)
    return blended


def self_blend(face: ByteImage, rng: np.random.Generator) -> tuple[ByteImage, FloatImage]:
    """A self-blended fake of an aligned face crop, and the mask that was used.

    The pasted copy is always the one slightly moved (a moved background
    would leave a tell-tale border); colour and sharpness changes go to
    either side, as the pasted face may be the brighter or the darker one.
    """
    source, target = face, face
    altered = face
    if rng.random() < 0.8:
        altered = (np.clip(_colour_shift(face.astype(np.float32) / 255.0, rng), 0, 1) * 255).astype(
            np.uint8
        )
    if rng.random() < 0.7:
        altered = _texture_shift(altered, rng)
    if rng.random() < 0.5:
        source = altered
    else:
        target = altered
    source = _jitter_geometry(source, rng, amount=0.04)
    mask = face_mask(face.shape[0], rng)
    return _blend(target, source, mask), mask


def _match_colours(source: ByteImage, target: ByteImage, mask: FloatImage) -> ByteImage:
    """Reinhard-style colour transfer inside the mask: what swap tools do before pasting."""
    weight = (mask > 0.5).astype(np.float32)[..., None]
    total = float(weight.sum())
    if total < 16:
        return source
    src = source.astype(np.float32)
    dst = target.astype(np.float32)
    src_mean = (src * weight).sum(axis=(0, 1)) / total
    dst_mean = (dst * weight).sum(axis=(0, 1)) / total
    src_std = np.sqrt((((src - src_mean) ** 2) * weight).sum(axis=(0, 1)) / total) + 1e-3
    dst_std = np.sqrt((((dst - dst_mean) ** 2) * weight).sum(axis=(0, 1)) / total) + 1e-3
    out = (src - src_mean) / src_std * dst_std + dst_mean
    matched: ByteImage = np.clip(out, 0, 255).astype(np.uint8)
    return matched


def face_swap(
    target: ByteImage, source: ByteImage, rng: np.random.Generator
) -> tuple[ByteImage, FloatImage]:
    """Another person's aligned face pasted onto ``target``: a classical landmark swap."""
    moved = _jitter_geometry(source, rng, amount=0.03)
    mask = face_mask(target.shape[0], rng)
    if rng.random() < 0.8:
        moved = _match_colours(moved, target, mask)
    if rng.random() < 0.4:
        moved = _texture_shift(moved, rng)
    return _blend(target, moved, mask), mask


def jpeg(image: ByteImage, quality: int) -> ByteImage:
    """Round-trip through JPEG at ``quality``: every re-upload does this."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=int(quality))
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGB"), dtype=np.uint8)


def paste_back(
    image: ByteImage, fake_crop: ByteImage, mask: FloatImage, matrix: NDArray[np.float64]
) -> ByteImage:
    """Put a manipulated aligned crop back into the whole picture, inside its mask only.

    ``matrix`` maps picture pixels to crop pixels (from ``face_crop``), which is
    exactly the output-to-input mapping Pillow's affine transform wants. The
    result is a whole manipulated photo that must go through face detection
    again, as a real one would.
    """
    height, width = image.shape[:2]
    coefficients = tuple(float(v) for v in matrix.ravel())
    face = Image.fromarray(fake_crop).transform(
        (width, height), Image.Transform.AFFINE, coefficients, resample=Image.Resampling.BILINEAR
    )
    weight = Image.fromarray((np.clip(mask, 0, 1) * 255).astype(np.uint8)).transform(
        (width, height), Image.Transform.AFFINE, coefficients, resample=Image.Resampling.BILINEAR
    )
    alpha = np.asarray(weight, dtype=np.float32)[..., None] / 255.0
    out = np.asarray(face, dtype=np.float32) * alpha + image.astype(np.float32) * (1 - alpha)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
