"""Coverage-guided fuzzing (atheris) of the parsers we wrote ourselves.

Reproduce (repository root; atheris is the optional ``fuzz`` extra, built for
CPython 3.8-3.11 on Linux; without it the script says so and exits 0):

    .venv/bin/pip install -e '.[fuzz]'
    PYTHONPATH=src:. .venv/bin/python benchmarks/fuzz_parsers.py --seconds 120

Targets (``tests/robustness/parser_targets.py``): the RFC 3161 DER codec, feed
(RSS/Atom/RDF) and page parsers, the four bank formats, EXIF and XMP findings
and the C2PA manifest summary. Each runs in its own process for ``--seconds``,
starting from generated seeds; an input that raises anything but the target's
documented errors is written to ``--out`` as ``<target>-crash-*``. Such inputs
belong in ``tests/robustness/parser_regressions.py`` (as bytes literals), with
the fix. Prints one line per target and exits 1 if any target found a bug.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
from pathlib import Path

MODULES = (
    "idolguard.evidence.der",
    "idolguard.sources.connectors.feed",
    "idolguard.sources.pages",
    "idolguard.exchange.formats.files",
    "idolguard.exchange.formats.csv_format",
    "idolguard.exchange.formats.json_format",
    "idolguard.exchange.formats.pytx_format",
    "idolguard.exchange.formats.common",
    "idolguard.signals.provenance_metadata",
    "idolguard.signals.provenance_xmp",
    "idolguard.signals.provenance_c2pa",
)


def _fuzz_one(name: str, seconds: int, out: Path) -> None:
    """In a child process: instrument our modules, seed a corpus, hand over to libFuzzer."""
    import importlib

    import atheris

    with atheris.instrument_imports(include=["idolguard"]):
        for module in MODULES:
            importlib.import_module(module)
    from tests.robustness.parser_targets import TARGETS

    target = TARGETS[name]
    corpus = out / f"{name}-corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(target.seeds()):
        (corpus / f"seed-{i}").write_bytes(seed)

    def one_input(data: bytes) -> None:
        with contextlib.suppress(*target.expected):
            target.run(data)

    atheris.Setup(
        [
            sys.argv[0],
            str(corpus),
            f"-max_total_time={seconds}",
            f"-artifact_prefix={out}/{name}-",
            "-timeout=10",  # seconds per input: a hang is a bug too
            "-rss_limit_mb=2048",
            "-max_len=65536",
            "-print_final_stats=1",
        ],
        one_input,
    )
    atheris.Fuzz()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="per target")
    parser.add_argument("--targets", nargs="+", default=None)
    parser.add_argument("--out", type=Path, default=Path(".cache/fuzz-parsers"))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("atheris is not installed (pip install -e '.[fuzz]'; CPython <= 3.11): skipped")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    if args.one:
        _fuzz_one(args.one, args.seconds, args.out.resolve())
        return 0
    from tests.robustness.parser_targets import TARGETS

    failed = 0
    for name in args.targets or sorted(TARGETS):
        started = time.monotonic()
        options = ["--seconds", str(args.seconds), "--out", str(args.out)]
        child = subprocess.run(
            [sys.executable, __file__, "--one", name, *options],
            capture_output=True,
            text=True,
        )
        log = child.stdout + child.stderr
        (args.out / f"{name}.log").write_text(log)
        stats = {
            key.strip(): value.strip()
            for key, _, value in (line.partition(": ") for line in log.splitlines())
            if key.startswith("stat::")
        }
        crashes = sorted(p.name for p in args.out.glob(f"{name}-crash-*"))
        crashes += sorted(p.name for p in args.out.glob(f"{name}-timeout-*"))
        failed += bool(crashes) or child.returncode != 0
        print(
            f"{name:11} {stats.get('stat::number_of_executed_units', '?'):>9} runs, "
            f"{stats.get('stat::new_units_added', '?'):>5} new units, "
            f"{time.monotonic() - started:5.0f} s: "
            + ("OK" if not crashes and child.returncode == 0 else f"FOUND {crashes or log[-300:]}")
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
