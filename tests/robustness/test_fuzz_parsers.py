"""Scope 1: our own parsers (DER, feeds, pages, bank formats, EXIF, XMP, C2PA) never crash.

Replays each target's generated seeds, the recorded regressions
(``parser_regressions.py``) and a fixed set of seeded mutations of the seeds
(bit flips, truncation, splices, repeats): every input must give a result or
one of the target's documented errors. The coverage-guided search is
``benchmarks/fuzz_parsers.py`` (atheris, optional).
"""

from __future__ import annotations

import random

import pytest

from tests.robustness.parser_regressions import REGRESSIONS
from tests.robustness.parser_targets import TARGETS, Target

MUTATIONS = 150  # per target; about a second each


def _mutate(rng: random.Random, data: bytes, others: list[bytes]) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        choice = rng.randrange(6)
        if not buf:
            buf += bytes([rng.randrange(256)])
        elif choice == 0:  # bit flip
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
        elif choice == 1:  # truncate
            del buf[rng.randrange(len(buf)) :]
        elif choice == 2:  # interesting byte
            buf[rng.randrange(len(buf))] = rng.choice([0x00, 0xFF, 0x7F, 0x80, 0x3C, 0x22, 0x0A])
        elif choice == 3:  # repeat a slice
            i = rng.randrange(len(buf))
            buf[i:i] = buf[i : i + rng.randint(1, 16)] * rng.randint(2, 50)
        elif choice == 4:  # splice another input
            other = rng.choice(others)
            buf[rng.randrange(len(buf)) :] = other[rng.randrange(len(other) + 1) :]
        else:  # delete a slice
            i = rng.randrange(len(buf))
            del buf[i : i + rng.randint(1, 32)]
    return bytes(buf)


def _inputs(target: Target) -> list[bytes]:
    seeds = target.seeds()
    rng = random.Random(target.name)
    mutated = [_mutate(rng, rng.choice(seeds), seeds) for _ in range(MUTATIONS)]
    return [*seeds, *REGRESSIONS.get(target.name, []), *mutated]


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_input_gives_a_result_or_a_documented_error(name: str) -> None:
    target = TARGETS[name]
    for data in _inputs(target):
        try:
            target.run(data)
        except target.expected:
            pass
        except Exception as exc:  # any other error is the bug this test finds
            pytest.fail(f"{name}: {type(exc).__name__}: {exc} on input {data[:200]!r}")


def test_the_seeds_parse_so_mutations_start_from_real_structure() -> None:
    for target in TARGETS.values():
        assert target.seeds(), target.name
        target.run(target.seeds()[0])  # a seed is valid input: no error at all


def test_every_regression_names_a_target() -> None:
    assert set(REGRESSIONS) <= set(TARGETS)
