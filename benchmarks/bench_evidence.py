"""Evidence costs: PDF report rendering, bundle writing and offline verification.

Reproduce (repository root, after scripts/bootstrap):

    .venv/bin/python benchmarks/bench_evidence.py --items 1 10 60 --original-mb 5

The report is the real Korean/English ``render_report`` on synthetic items
(a 384 px gradient thumbnail each, Korean artist and page title). The bundle
is ``write_zip`` + ``build_manifest`` over ``--items`` random originals of
``--original-mb`` MB each, then ``verify_bundle`` reads it back, rebuilds the
container and re-hashes everything (no TSA: timestamps are measured by the
network, not by us).
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from idolguard.evidence.bundle import MANIFEST, build_manifest, verify_bundle, write_zip
from idolguard.evidence.canonical import sha256_hex
from idolguard.evidence.case_report import (
    CaseReport,
    ReportEvent,
    ReportItem,
    ReportScore,
    render_report,
)


def _thumbnail() -> bytes:
    image = Image.linear_gradient("L").resize((384, 384)).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _report(items: int) -> CaseReport:
    now = datetime.now(UTC)
    thumb = _thumbnail()
    entries = [
        ReportItem(
            item_id=i,
            state="confirmed",
            media_type="image",
            sha256=sha256_hex(str(i).encode()),
            md5="0" * 32,
            pdq="f" * 64,
            size_bytes=123_456,
            source_url=f"https://example.com/post/{i}",
            final_url=f"https://example.com/post/{i}?ref=share",
            platform="example",
            uploader="@uploader",
            page_title="제니 딥페이크 영상 — reupload",
            captured_at=now,
            operator="reviewer",
            capture_tool="IdolGuard bench",
            artists=["제니 (Jennie)"],
            scores=[
                ReportScore("risk", "0.91"),
                ReportScore("identity", "Jennie (0.87)", "similarity 0.612"),
                ReportScore("explicit", "0.12"),
                ReportScore("bank_match", "strong: artist-1/item-3", "pdq distance 8"),
            ],
            reasons=["matches confirmed content artist-1/item-3"],
            evidence_sha256=sha256_hex(b"m" + str(i).encode()),
            timestamp=None,
            thumbnail_png=thumb,
            thumbnail_blurred=i % 2 == 0,
            events=[ReportEvent(now, "reviewer", "new → confirmed", "face swap")],
        )
        for i in range(1, items + 1)
    ]
    return CaseReport(
        case_number="IG-2026-0001",
        title="Benchmark case",
        artist="Jennie (제니) — BLACKPINK",
        status="open",
        opened_at=now,
        generated_at=now,
        generated_by="bench",
        tool="IdolGuard bench",
        custody_head="0" * 64,
        custody_entries=0,
        items=entries,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[1, 10, 60])
    parser.add_argument("--original-mb", type=float, default=5.0)
    args = parser.parse_args()
    print(
        f"{'items':>6} {'report s':>9} {'pages':>6} {'bundle MB':>10} {'write s':>8} "
        f"{'verify s':>9} {'verify MB/s':>12}"
    )
    for n in args.items:
        started = time.perf_counter()
        pdf = render_report(_report(n))
        report_s = time.perf_counter() - started
        pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
        with tempfile.TemporaryDirectory() as tmp:
            files: dict[str, bytes | Path] = {"report.pdf": pdf}
            for i in range(n):
                original = Path(tmp) / f"o{i}"
                original.write_bytes(os.urandom(int(args.original_mb * 1e6)))
                files[f"originals/{i}.bin"] = original
            bundle = Path(tmp) / "bundle.zip"
            started = time.perf_counter()
            manifest, _ = build_manifest(files, {"items": [], "custody": {}})
            with bundle.open("wb") as out:
                write_zip(out, {**files, MANIFEST: manifest})
            write_s = time.perf_counter() - started
            size_mb = bundle.stat().st_size / 1e6
            started = time.perf_counter()
            result = verify_bundle(bundle)
            verify_s = time.perf_counter() - started
            bad = [c.name for c in result.checks if not c.ok and c.name != "custody log"]
            assert not bad, bad  # the bench bundle has no custody log; everything else verifies
        print(
            f"{n:>6} {report_s:>9.2f} {pages:>6} {size_mb:>10.1f} {write_s:>8.2f} "
            f"{verify_s:>9.2f} {size_mb / verify_s:>12.0f}"
        )


if __name__ == "__main__":
    main()
