"""Per-window measurements of one face track, each one a reviewer can read.

Three families, as the video issue lists them:

* mouth and jaw dynamics from the five landmarks, in a face-normalised
  frame (eye centre at the origin, eye line horizontal, eye distance 1):
  how fast the mouth width and the nose-to-mouth distance change, and how
  jerky that change is;
* head motion against the body and background: the head's own movement
  (landmarks) next to the pixel change and the phase-correlation shift of a
  patch under the face (shoulders) and of the picture outside the face.
  A photo animator moves the head while the shoulders and background stay
  frozen or slide with it;
* temporal instability: frame-to-frame jitter of the landmarks, the face
  size and the detector's confidence. Swaps flicker; animated photos are
  too smooth.

All values are dimensionless or per second, so the frame size and the
window's frame rate do not stand in for the label.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from idolguard.forensics.temporal.landmarks import WindowTrack
from idolguard.forensics.temporal.mesh import (
    CHIN,
    EYE_OUTER_LEFT,
    EYE_OUTER_RIGHT,
    LEFT_LID_DOWN,
    LEFT_LID_UP,
    LOWER_INNER_LIP,
    NOSE_TIP,
    RIGHT_LID_DOWN,
    RIGHT_LID_UP,
    UPPER_INNER_LIP,
)
from idolguard.forensics.temporal.windows import DenseWindow

FEATURES: tuple[str, ...] = (
    "lip_speed",  # std of d(mouth width)/dt, eye distances per second
    "jaw_speed",  # std of d(nose-to-mouth)/dt
    "lip_jerk",  # mean |2nd difference| / mean |1st difference| of mouth width
    "head_speed",  # eye-centre speed, eye distances per second
    "turn_speed",  # std of d(roll, yaw proxy)/dt
    "zoom_speed",  # std of d(log eye distance)/dt
    "landmark_jitter",  # mean |2nd difference| of the normalised shape
    "score_jitter",  # std of the detector's confidence
    "face_change",  # mean |frame difference| inside the face box (0-1 grey)
    "body_change_ratio",  # log of body / face pixel change
    "outside_change_ratio",  # log of outside / face pixel change
    "body_follow",  # cosine of body shift and head shift, averaged
    "body_shift_ratio",  # log of body shift / head shift
    "mouth_head_coupling",  # |corr| of mouth-width speed and head speed
    # From the 468-point mesh (0 when it is not available):
    "lip_open_speed",  # std of d(inner-lip gap)/dt, eye widths per second
    "lip_open_range",  # 90th - 10th percentile of the inner-lip gap
    "lip_open_jerk",  # mean |2nd difference| / mean |1st difference| of the gap
    "jaw_open_speed",  # std of d(nose-to-chin)/dt
    "lip_jaw_coupling",  # corr of the inner-lip gap and the nose-to-chin distance
    "blink_depth",  # 1 - least / median eye opening: a blink, or none
    "mesh_jitter",  # mean |2nd difference| of all mesh points, eye widths
)
MIN_FRAMES = 6
_EPS = 1e-3


def window_features(window: DenseWindow, track: WindowTrack) -> dict[str, float] | None:
    """The measurements of one window, or None when the face was found too rarely."""
    found = track.found
    if found.sum() < max(MIN_FRAMES, 0.6 * len(found)):
        return None
    idx = np.flatnonzero(found)
    keep = slice(int(idx[0]), int(idx[-1]) + 1)  # the stretch with the face, gaps filled
    times = track.times[keep]
    marks = _fill(track.landmarks[keep])
    frames = window.frames[keep]
    dt = np.maximum(np.diff(times), 1e-3)
    eyes = marks[:, 1] - marks[:, 0]
    eye_dist = np.maximum(np.linalg.norm(eyes, axis=1), 1.0)
    roll = np.arctan2(eyes[:, 1], eyes[:, 0])
    centre = marks[:, :2].mean(axis=1)
    shape = _normalise(marks, centre, roll, eye_dist)
    mouth_width = np.linalg.norm(shape[:, 3] - shape[:, 4], axis=1)
    nose_mouth = shape[:, 3:5, 1].mean(axis=1) - shape[:, 2, 1]
    yaw = shape[:, 2, 0]
    d_mouth = np.diff(mouth_width) / dt
    head_v = np.diff(centre, axis=0) / eye_dist.mean() / dt[:, None]
    head_speed = np.linalg.norm(head_v, axis=1)
    second = np.abs(np.diff(shape, n=2, axis=0)).mean() if len(shape) > 2 else 0.0
    grey = [f.astype(np.float32).mean(axis=2) / 255.0 for f in frames]
    face_box, body_box = _boxes(centre, eye_dist, grey[0].shape)
    face_change, body_change, outside_change = _changes(grey, face_box, body_box)
    follow, shift_ratio = _body_follow(grey, body_box, np.diff(centre, axis=0))
    valid_scores = track.scores[keep][np.isfinite(track.scores[keep])]
    values = {
        "lip_speed": float(np.std(d_mouth)),
        "jaw_speed": float(np.std(np.diff(nose_mouth) / dt)),
        "lip_jerk": float(
            np.abs(np.diff(mouth_width, n=2)).mean() / (np.abs(np.diff(mouth_width)).mean() + _EPS)
        )
        if len(mouth_width) > 2
        else 0.0,
        "head_speed": float(head_speed.mean()),
        "turn_speed": float(np.std(np.diff(roll) / dt) + np.std(np.diff(yaw) / dt)),
        "zoom_speed": float(np.std(np.diff(np.log(eye_dist)) / dt)),
        "landmark_jitter": float(second),
        "score_jitter": float(np.std(valid_scores)) if len(valid_scores) else 0.0,
        "face_change": face_change,
        "body_change_ratio": float(np.log((body_change + _EPS) / (face_change + _EPS))),
        "outside_change_ratio": float(np.log((outside_change + _EPS) / (face_change + _EPS))),
        "body_follow": follow,
        "body_shift_ratio": shift_ratio,
        "mouth_head_coupling": _abs_corr(d_mouth, head_speed),
        **_mesh_features(track.mesh[keep] if track.mesh is not None else None, dt),
    }
    return {name: values[name] for name in FEATURES}


def _mesh_features(mesh: NDArray[np.float64] | None, dt: NDArray[np.float64]) -> dict[str, float]:
    names = FEATURES[FEATURES.index("lip_open_speed") :]
    if mesh is None or len(mesh) < 3:
        return dict.fromkeys(names, 0.0)
    mesh = _fill(mesh)
    eye = np.linalg.norm(mesh[:, EYE_OUTER_RIGHT] - mesh[:, EYE_OUTER_LEFT], axis=1)
    eye = np.maximum(eye, 1e-3)
    gap = np.linalg.norm(mesh[:, UPPER_INNER_LIP] - mesh[:, LOWER_INNER_LIP], axis=1) / eye
    jaw = np.linalg.norm(mesh[:, CHIN] - mesh[:, NOSE_TIP], axis=1) / eye
    lids = (
        np.linalg.norm(mesh[:, LEFT_LID_UP] - mesh[:, LEFT_LID_DOWN], axis=1)
        + np.linalg.norm(mesh[:, RIGHT_LID_UP] - mesh[:, RIGHT_LID_DOWN], axis=1)
    ) / (2 * eye)
    first = np.abs(np.diff(gap)).mean()
    corr = float(np.corrcoef(gap, jaw)[0, 1]) if np.std(gap) > 1e-9 and np.std(jaw) > 1e-9 else 0.0
    return {
        "lip_open_speed": float(np.std(np.diff(gap) / dt)),
        "lip_open_range": float(np.percentile(gap, 90) - np.percentile(gap, 10)),
        "lip_open_jerk": float(np.abs(np.diff(gap, n=2)).mean() / (first + _EPS)),
        "jaw_open_speed": float(np.std(np.diff(jaw) / dt)),
        "lip_jaw_coupling": corr,
        "blink_depth": float(1 - lids.min() / max(float(np.median(lids)), 1e-3)),
        "mesh_jitter": float(
            (np.abs(np.diff(mesh, n=2, axis=0)).mean(axis=(1, 2)) / eye[1:-1]).mean()
        ),
    }


def as_vector(values: Mapping[str, float]) -> NDArray[np.float64]:
    return np.asarray([values[name] for name in FEATURES], dtype=np.float64)


def _fill(marks: NDArray[np.float64]) -> NDArray[np.float64]:
    """Linear interpolation over frames where the face was missed."""
    out = marks.copy()
    found = np.isfinite(out[:, 0, 0])
    if found.all():
        return out
    x = np.arange(len(out))
    for p in range(out.shape[1]):
        for c in range(2):
            out[:, p, c] = np.interp(x, x[found], out[found, p, c])
    return out


def _normalise(
    marks: NDArray[np.float64],
    centre: NDArray[np.float64],
    roll: NDArray[np.float64],
    eye_dist: NDArray[np.float64],
) -> NDArray[np.float64]:
    cos, sin = np.cos(-roll), np.sin(-roll)
    rel = (marks - centre[:, None, :]) / eye_dist[:, None, None]
    x = rel[..., 0] * cos[:, None] - rel[..., 1] * sin[:, None]
    y = rel[..., 0] * sin[:, None] + rel[..., 1] * cos[:, None]
    return np.stack([x, y], axis=-1)


Box = tuple[int, int, int, int]  # x1, y1, x2, y2


def _boxes(
    centre: NDArray[np.float64], eye_dist: NDArray[np.float64], shape: tuple[int, ...]
) -> tuple[Box, Box]:
    """The face box and the box under it (neck and shoulders), from the window's mean face."""
    height, width = shape[:2]
    cx, cy = centre.mean(axis=0)
    e = float(eye_dist.mean())

    def clip(x1: float, y1: float, x2: float, y2: float) -> Box:
        return (
            int(np.clip(x1, 0, width - 1)),
            int(np.clip(y1, 0, height - 1)),
            int(np.clip(x2, 1, width)),
            int(np.clip(y2, 1, height)),
        )

    face = clip(cx - 1.3 * e, cy - 1.3 * e, cx + 1.3 * e, cy + 2.2 * e)
    body = clip(cx - 2.5 * e, cy + 2.6 * e, cx + 2.5 * e, cy + 5.0 * e)
    return face, body


def _changes(grey: list[NDArray[np.float32]], face: Box, body: Box) -> tuple[float, float, float]:
    """Mean absolute frame difference inside the face, the body box and everywhere else."""
    inside = np.zeros(grey[0].shape, dtype=bool)
    inside[face[1] : face[3], face[0] : face[2]] = True
    grown = np.zeros_like(inside)
    grown[max(0, face[1] - 10) : face[3] + 10, max(0, face[0] - 10) : face[2] + 10] = True
    grown[body[1] : body[3], body[0] : body[2]] = True
    face_d, body_d, out_d = [], [], []
    for a, b in itertools.pairwise(grey):
        diff = np.abs(b - a)
        face_d.append(float(diff[inside].mean()) if inside.any() else 0.0)
        patch = diff[body[1] : body[3], body[0] : body[2]]
        body_d.append(float(patch.mean()) if patch.size else 0.0)
        out_d.append(float(diff[~grown].mean()) if (~grown).any() else 0.0)
    return float(np.mean(face_d)), float(np.mean(body_d)), float(np.mean(out_d))


def _body_follow(
    grey: list[NDArray[np.float32]], body: Box, head_steps: NDArray[np.float64]
) -> tuple[float, float]:
    """Does the body patch shift with the head? Cosine of the shifts and their size ratio."""
    x1, y1, x2, y2 = body
    if x2 - x1 < 8 or y2 - y1 < 8:
        return 0.0, 0.0
    window = np.outer(np.hanning(y2 - y1), np.hanning(x2 - x1))
    spectra = [np.fft.rfft2((g[y1:y2, x1:x2] - g[y1:y2, x1:x2].mean()) * window) for g in grey]
    cosines, body_len, head_len = [], 0.0, 0.0
    for step, (a, b) in enumerate(itertools.pairwise(spectra)):
        shift = _phase_shift(a, b, (y2 - y1, x2 - x1))
        head = head_steps[step]
        body_len += float(np.linalg.norm(shift))
        head_len += float(np.linalg.norm(head))
        denominator = float(np.linalg.norm(shift) * np.linalg.norm(head))
        if denominator > 0.25:
            cosines.append(float(np.dot(shift, head)) / denominator)
    follow = float(np.mean(cosines)) if cosines else 0.0
    return follow, float(np.log((body_len + 0.1) / (head_len + 0.1)))


def _phase_shift(
    a: NDArray[np.complex128], b: NDArray[np.complex128], shape: tuple[int, int]
) -> NDArray[np.float64]:
    """Integer shift (dx, dy) that moves patch a onto patch b, by phase correlation."""
    cross = b * np.conj(a)
    cross /= np.abs(cross) + 1e-9
    surface = np.fft.irfft2(cross, s=shape)
    dy, dx = np.unravel_index(int(np.argmax(surface)), surface.shape)
    if dy > shape[0] // 2:
        dy -= shape[0]
    if dx > shape[1] // 2:
        dx -= shape[1]
    return np.asarray([dx, dy], dtype=np.float64)


def _abs_corr(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    if len(a) < 3 or np.std(a) < 1e-9 or np.std(b) < 1e-9:
        return 0.0
    return float(abs(np.corrcoef(a, b)[0, 1]))
