from __future__ import annotations

import numpy as np
import pytest

from idolguard.matching.codes import as_codes, codes_to_hex, hamming, hex_to_codes

# A PDQ hash as Meta's tools print it (pdq/data in facebook/ThreatExchange).
META_HEX = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def test_hex_decodes_in_printed_byte_order() -> None:
    codes = hex_to_codes([META_HEX])
    assert codes.shape == (1, 32)
    assert codes.dtype == np.uint8
    assert codes[0].tobytes() == bytes.fromhex(META_HEX)
    assert codes[0, 0] == 0xF8 and codes[0, -1] == 0x22


def test_round_trip_is_lowercase_and_lossless() -> None:
    hexes = [META_HEX, META_HEX.upper(), "0" * 64, "f" * 64]
    assert codes_to_hex(hex_to_codes(hexes)) == [h.lower() for h in hexes]


def test_empty_input_gives_empty_codes() -> None:
    assert hex_to_codes([]).shape == (0, 32)
    assert codes_to_hex(np.zeros((0, 32), np.uint8)) == []


@pytest.mark.parametrize(
    "bad",
    [
        META_HEX[:-1],
        META_HEX + "0",
        "g" + META_HEX[1:],
        " " + META_HEX[1:],
        META_HEX[:30] + "  " + META_HEX[32:],
    ],
)
def test_malformed_hex_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        hex_to_codes([META_HEX, bad])


def test_a_bare_string_is_not_mistaken_for_a_list() -> None:
    with pytest.raises(TypeError):
        hex_to_codes(META_HEX)


def test_hamming_matches_integer_popcount() -> None:
    rng = np.random.default_rng(1)
    for _ in range(50):
        a, b = (bytes(rng.integers(0, 256, 32, dtype=np.uint8)).hex() for _ in range(2))
        expected = (int(a, 16) ^ int(b, 16)).bit_count()
        assert hamming(a, b) == expected
        assert hamming(hex_to_codes([a])[0], b) == expected


def test_hamming_extremes() -> None:
    assert hamming(META_HEX, META_HEX) == 0
    complement = bytes(255 - x for x in bytes.fromhex(META_HEX)).hex()
    assert hamming(META_HEX, complement) == 256
    one_bit = hex_to_codes([META_HEX])[0]
    one_bit[31] ^= 1
    assert hamming(META_HEX, one_bit) == 1


def test_as_codes_validates_shape_and_dtype() -> None:
    assert as_codes(np.zeros(32, np.uint8)).shape == (1, 32)
    with pytest.raises(TypeError):
        as_codes(np.zeros((2, 32), np.int64))
    with pytest.raises(ValueError):
        as_codes(np.zeros((2, 31), np.uint8))
    strided = np.zeros((4, 64), np.uint8)[:, ::2]
    assert as_codes(strided).flags.c_contiguous
