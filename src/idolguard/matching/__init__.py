"""Exact Hamming-distance search over 256-bit PDQ hashes.

``PDQIndex`` is what the product uses; ``LinearHashIndex`` is the reference it is tested
against; ``MultiIndex`` is the immutable structure inside ``PDQIndex``, exposed for
benchmarks and for callers that build a frozen bank once.
"""

from idolguard.matching.base import HashIndex, Match
from idolguard.matching.codes import PDQ_BITS, PDQ_BYTES, codes_to_hex, hamming, hex_to_codes
from idolguard.matching.linear import LinearHashIndex
from idolguard.matching.multi_index import Layout, MultiIndex, plan_layout
from idolguard.matching.pdq_index import IndexStats, PDQIndex

__all__ = [
    "PDQ_BITS",
    "PDQ_BYTES",
    "HashIndex",
    "IndexStats",
    "Layout",
    "LinearHashIndex",
    "Match",
    "MultiIndex",
    "PDQIndex",
    "codes_to_hex",
    "hamming",
    "hex_to_codes",
    "plan_layout",
]
