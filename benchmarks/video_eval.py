"""Video temporal evidence: leave-one-generator-out figures, real-clip flags and speed.

Not part of the test suite. Two parts:

1. Accuracy, from the window measurements ``training.video.extract`` cached
   (the same code the manipulation signal runs at scan time): for each
   talking-head generator, models fitted without it (and without the real
   clip's own source) score its clips against the real clips; the real-clip
   false-positive rate is at the shipped threshold (see ``training.video.train``
   for how it is chosen, and why that rate is optimistic).
2. Speed: the product's video path (``faces`` then ``manipulation`` with the
   temporal evidence, one thread each, as ``scan`` runs them) on a generated
   720p clip (the public-domain astronaut sample drifting over a grey studio), in CPU seconds
   per second of video; 5x real time means at most 0.2.

Usage::

    PYTHONPATH=src:. python -m training.video.extract      # once, caches features
    PYTHONPATH=src:. OMP_NUM_THREADS=1 python benchmarks/video_eval.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import av  # noqa: E402
from PIL import Image  # noqa: E402
from training.video.train import CACHE, evaluate, load, restrict  # noqa: E402

from idolguard.config import FaceSettings  # noqa: E402
from idolguard.forensics.temporal.model import load_temporal_model  # noqa: E402
from idolguard.media import MediaLimits, sniff  # noqa: E402
from idolguard.signals.base import AnalysisItem  # noqa: E402
from idolguard.signals.faces import FacesSignal  # noqa: E402
from idolguard.signals.manipulation import ManipulationSignal  # noqa: E402


def accuracy(cache: Path) -> None:
    model = load_temporal_model()
    clips = restrict(load(cache), model.features)
    report = evaluate(clips)
    print(f"model temporal@{model.version}, {len(clips)} clips ({sum(c.fake for c in clips)} fake)")
    print("| generator | clips | LOGO AUC | recall at the threshold |")
    print("|---|---|---|---|")
    for g, row in report["generators"].items():  # type: ignore[attr-defined]
        print(f"| {g} | {row['clips']} | {row['auc']:.3f} | {row['recall']:.2f} |")
    print(
        f"pooled AUC {report['pooled_auc']:.3f}; "
        f"threshold (refitted here) {report['threshold']:.3f}"
    )
    print("| real source | flagged |")
    print("|---|---|")
    for s, v in report["real_fpr"].items():  # type: ignore[attr-defined]
        print(f"| {s} | {v:.3f} |")
    print(f"all real clips flagged: {report['real_fpr_all']:.3f}")


def _drifting_portrait(path: Path, seconds: float, fps: int = 25) -> None:
    """A 1280x720 H.264 clip: the astronaut portrait drifting slowly over a grey studio."""
    portrait = Image.open(ROOT / "src/idolguard/samples/astronaut.jpg").convert("RGB")
    portrait = portrait.resize((620, 620))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        for i in range(int(seconds * fps)):
            canvas = Image.new("RGB", (1280, 720), (118, 120, 124))
            x = 330 + round(60 * math.sin(i / fps))
            canvas.paste(portrait, (x, 60 + round(10 * math.sin(i / (2 * fps)))))
            frame = av.VideoFrame.from_image(canvas)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def speed(seconds: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "clip.mp4"
        _drifting_portrait(clip, seconds)
        faces = FacesSignal(FaceSettings(), threads=1)
        manipulation = ManipulationSignal(FaceSettings(), threads=1)
        limits = MediaLimits()
        runs = []
        for _ in range(3):
            item = AnalysisItem(
                clip, "ab" * 32, "0" * 32, clip.stat().st_size, sniff(clip, limits), limits
            )
            began = time.process_time()
            item.results["faces"] = faces.analyse(item)
            middle = time.process_time()
            item.results["manipulation"] = manipulation.analyse(item)
            ended = time.process_time()
            runs.append((middle - began, ended - middle))
        runs.sort(key=lambda r: r[0] + r[1])
        face_s, manip_s = runs[len(runs) // 2]
        total = face_s + manip_s
        track = item.results["manipulation"]["faces"][0]
        print(
            f"720p {seconds:g} s clip, median of 3, CPU seconds: faces {face_s:.2f}, "
            f"manipulation+temporal {manip_s:.2f}; {total / seconds:.3f} s per video second "
            f"= {seconds / total:.1f}x real time (target >= 5x); "
            f"{len(track['temporal']['windows'])} dense windows"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    accuracy(args.cache)
    if not args.skip_speed:
        speed(args.seconds)


if __name__ == "__main__":
    main()
