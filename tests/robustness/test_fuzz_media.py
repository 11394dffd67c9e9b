"""Hostile media through the real scan pipeline: a good result or a clear error record.

Never a crash, an undocumented code or a programmer's message.

The corpus is generated at test time (``corpus.py``): a seed of every
supported format, header lies, odd names, special files and a fixed set of
random mutants. ``benchmarks/fuzz_media.py`` runs the same generator for
thousands of inputs.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from idolguard.app import IdolGuard
from idolguard.config import Settings
from idolguard.interfaces.cli.output import record_to_json
from idolguard.pipeline.records import FileRecord
from idolguard.storage.models import Sighting
from tests.robustness import corpus

MUTANTS = 60
Fuzzed = tuple[list[Path], list[FileRecord], Path]
unclear = corpus.unclear


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], list[FileRecord], Path]:
    root = tmp_path_factory.mktemp("fuzz")
    paths = corpus.build(root / "in", random.Random(22), MUTANTS)
    from idolguard.config import load_settings

    settings: Settings = replace(
        load_settings(environ={}, home=root / "home"),
        database_url=f"sqlite:///{root / 'db.sqlite3'}",
        workers=2,
    )
    with IdolGuard(settings) as app:
        summary = app.scanner().run([root / "in"])
        with app.database.session() as session:
            stored = list(session.scalars(select(Sighting.location)))
    (root / "stored.json").write_text(json.dumps(stored))
    return paths, summary.records, root


def test_every_input_gets_exactly_one_record(
    fuzzed: Fuzzed,
) -> None:
    paths, records, root = fuzzed
    expected = {
        os.fsencode(p).decode("utf-8", "backslashreplace")
        for p in paths
        if not p.name.startswith(".")
    }
    locations = [r.location for r in records]
    assert len(locations) == len(set(locations))
    assert set(locations) == expected
    stored = json.loads((root / "stored.json").read_text())
    assert sorted(stored) == sorted(locations)


def test_every_error_is_documented_and_plain(
    fuzzed: Fuzzed,
) -> None:
    _, records, _ = fuzzed
    problems = {r.location: unclear(r) for r in records if unclear(r)}
    assert problems == {}
    for record in records:
        line = json.dumps(record_to_json(record), ensure_ascii=False)  # serialisable, no surrogates
        line.encode("utf-8")


def test_seeds_analyse_and_lies_are_refused(
    fuzzed: Fuzzed,
) -> None:
    _, records, _ = fuzzed
    by_name = {Path(r.location).name: r for r in records}
    seeds = {name: r for name, r in by_name.items() if name.startswith("seed.")}
    assert len(seeds) >= len(corpus.IMAGE_FORMATS) + 1
    assert {name: r.error for name, r in seeds.items() if r.error} == {}
    lies = {name: r.error_code for name, r in by_name.items() if name.startswith("years")}
    assert lies and set(lies.values()) == {"too_long"}
    # A name that is not UTF-8 is scanned like any other (issue 22 item 1).
    assert by_name["bad\\xff\\xfename.jpg"].error is None
    assert by_name["fifo.jpg"].error_code == "unsupported"
    assert by_name["dangling.jpg"].error_code == "not_found"
    assert by_name["loop.jpg"].error_code == "not_found"
    if os.geteuid() != 0:  # root reads anything
        assert by_name["unreadable.jpg"].error_code == "unreadable"
