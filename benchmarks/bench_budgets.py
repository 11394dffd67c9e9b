"""How fast hostile files are refused, and what they would cost without the limits (issue 22).

For each CPU or memory bomb class it prints the time the structural check
needs to refuse the file (default ``[limits]``), and the CPU time and peak
memory the decoder spends when that check is lifted (measured in a child
process, so one figure cannot inflate the next). Last, a pooled scan of the
JPEG bomb with the check lifted shows the worker's CPU budget stopping it.

    PYTHONPATH=src:. python benchmarks/bench_budgets.py                 # short run, about a minute
    PYTHONPATH=src:. python benchmarks/bench_budgets.py --repeats 60000 # the 60,000-scan JPEG
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from PIL import Image

from idolguard.media import MediaError, MediaLimits, sniff
from tests.robustness.test_budgets import gif_with_frames, progressive_jpeg_bomb


def tiff_with_pages(pages: int) -> bytes:
    buffer = io.BytesIO()
    images = [Image.new("L", (2, 2), i % 256) for i in range(pages)]
    images[0].save(buffer, "TIFF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


def _decode_in_child(path: str, out: multiprocessing.queues.Queue[tuple[float, int]]) -> None:
    started = time.process_time()
    with Image.open(path) as image:
        getattr(image, "n_frames", 1)
        image.load()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.put((time.process_time() - started, usage.ru_maxrss // 1024))


def uncapped(path: Path, timeout: float) -> str:
    queue: multiprocessing.Queue[tuple[float, int]] = multiprocessing.Queue()
    child = multiprocessing.Process(target=_decode_in_child, args=(str(path), queue))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        return f"> {timeout:.0f} s (stopped)"
    if queue.empty():
        return f"decoder failed (exit {child.exitcode})"
    cpu, peak_mb = queue.get()
    return f"{cpu:.2f} s CPU, peak RSS {peak_mb} MB"


def refusal(path: Path) -> str:
    started = time.perf_counter()
    try:
        sniff(path, MediaLimits())
    except MediaError as exc:
        return f"{(time.perf_counter() - started) * 1000:.1f} ms ({exc.code.value})"
    return "NOT REFUSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=2048, help="JPEG bomb width and height")
    parser.add_argument("--repeats", type=int, default=3000, help="repeated JPEG scans")
    parser.add_argument("--frames", type=int, default=100_000, help="GIF frames")
    parser.add_argument("--pages", type=int, default=20_000, help="TIFF pages")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per uncapped decode")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-budgets-"))
    files = {
        f"JPEG {args.side}px, last scan x{args.repeats}": (
            "bomb.jpg",
            progressive_jpeg_bomb(args.side, args.repeats),
        ),
        f"GIF, {args.frames} frames": ("frames.gif", gif_with_frames(args.frames)),
        f"TIFF, {args.pages} pages": ("pages.tif", tiff_with_pages(args.pages)),
    }
    print(f"{'file':<36} {'size':>10}  {'refused in':<28} without the check")
    for label, (name, data) in files.items():
        path = folder / name
        path.write_bytes(data)
        print(
            f"{label:<36} {len(data) / 1024:>7.0f} KB  {refusal(path):<28} "
            f"{uncapped(path, args.timeout)}",
            flush=True,
        )

    from idolguard.app import IdolGuard
    from idolguard.config import load_settings

    scan_dir = folder / "scan"
    scan_dir.mkdir()
    (scan_dir / "bomb.jpg").write_bytes((folder / "bomb.jpg").read_bytes())
    Image.new("RGB", (640, 480), (10, 20, 30)).save(scan_dir / "ordinary.jpg")
    settings = load_settings(environ={}, home=folder / "home")
    limits = replace(settings.limits, max_jpeg_scans=10**9, file_cpu_seconds=2.0)
    settings = replace(settings, limits=limits, workers=2)
    started = time.monotonic()
    with IdolGuard(settings) as app:
        records = app.scanner(["pdq"], workers=2).run([scan_dir]).records
    outcome = {Path(r.location).name: r.error_code or "ok" for r in records}
    print(
        f"pooled scan, scan check lifted, file_cpu_seconds=2: {outcome} "
        f"in {time.monotonic() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
