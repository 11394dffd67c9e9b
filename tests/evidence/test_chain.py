"""The custody hash chain (``evidence.chain``) and canonical JSON (``evidence.canonical``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from idolguard.clock import parse_utc_iso, utc_iso
from idolguard.evidence.canonical import canonical_json, sha256_hex
from idolguard.evidence.chain import (
    CONTENT_FIELDS,
    GENESIS,
    ChainVerification,
    content_hash,
    link_hash,
    verify_chain,
)

Record = dict[str, Any]
KST = timezone(timedelta(hours=9))
START = datetime(2024, 5, 1, 9, 30, 0, 123456, tzinfo=UTC)
ACTIONS = ["intake", "analyse", "capture", "match", "review", "notice", "export"]
REDACTED_KEYS = ("seq", "content_hash", "prev_hash", "entry_hash")


def entry(seq: int, prev: str, **content: Any) -> Record:
    fields: Record = {
        "seq": seq,
        "at": utc_iso(START + timedelta(minutes=seq, microseconds=seq * 7)),
        "actor": "운영자 김민지" if seq % 2 else "system",
        "action": ACTIONS[seq % len(ACTIONS)],
        "subject": f"item:{seq}",
        "details": {
            "note": f"증거 {seq}번: 원본 보관",
            "case": {"id": 42, "artist": "아이유", "tags": ["딥페이크", "takedown"]},
            "score": 0.5 + seq / 100,
            "flags": {"nsfw": seq % 3 == 0, "reviewed": None},
        },
    }
    fields.update(content)
    digest = content_hash(*(fields[name] for name in CONTENT_FIELDS))
    return {
        **fields,
        "content_hash": digest,
        "prev_hash": prev,
        "entry_hash": link_hash(seq, prev, digest),
    }


def make_chain(n: int = 10) -> list[Record]:
    records: list[Record] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        record = entry(seq, prev)
        records.append(record)
        prev = record["entry_hash"]
    return records


def redact(record: Record) -> Record:
    return {k: record[k] for k in REDACTED_KEYS}


def rehash(record: Record) -> Record:
    """What a forger with no secret can do: recompute this entry's own hashes after an edit."""
    digest = content_hash(*(record[name] for name in CONTENT_FIELDS))
    return {
        **record,
        "content_hash": digest,
        "entry_hash": link_hash(record["seq"], record["prev_hash"], digest),
    }


def assert_broken(
    result: ChainVerification,
    seq: int,
    problem: str,
    chain: list[Record],
    checked: int | None = None,
) -> None:
    """Broken at ``seq``; the ``checked`` records before it (default seq - 1) verified."""
    checked = seq - 1 if checked is None else checked
    assert not result.ok
    assert result.first_broken == seq
    assert result.problem is not None and problem in result.problem
    assert result.problem.startswith(f"entry {seq} ")
    assert result.entries == checked
    assert result.head == (chain[checked - 1]["entry_hash"] if checked else GENESIS)


@pytest.fixture
def chain() -> list[Record]:
    return make_chain()


# -- the intact chain ------------------------------------------------------------------------------


def test_intact_chain_verifies(chain: list[Record]) -> None:
    result = verify_chain(chain)
    assert result == ChainVerification(True, 10, chain[-1]["entry_hash"], None, None)
    assert result.to_json() == {
        "ok": True,
        "entries": 10,
        "head": chain[-1]["entry_hash"],
        "first_broken": None,
        "problem": None,
    }


def test_chain_survives_a_json_lines_round_trip(chain: list[Record]) -> None:
    lines = b"\n".join(canonical_json(r) for r in chain)
    assert "아이유".encode() in lines
    records = [json.loads(line) for line in lines.splitlines()]
    assert verify_chain(records).ok


def test_verify_accepts_any_iterable(chain: list[Record]) -> None:
    def stream() -> Iterator[Record]:
        yield from chain

    assert verify_chain(stream()).head == chain[-1]["entry_hash"]


def test_empty_chain_is_ok_and_ends_at_genesis() -> None:
    assert verify_chain([]) == ChainVerification(True, 0, GENESIS, None, None)


def test_hashes_follow_the_documented_formulas() -> None:
    """Anyone can recompute them with a JSON library and SHA-256, as the module promises."""
    details = {"b": [1, 2], "a": "한글"}
    content = {
        "seq": 3,
        "at": "2024-05-01T09:30:00.000000Z",
        "actor": "운영자",
        "action": "capture",
        "subject": "item:3",
        "details": details,
    }
    by_hand = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    expected = hashlib.sha256(by_hand.encode("utf-8")).hexdigest()
    assert (
        content_hash(3, "2024-05-01T09:30:00.000000Z", "운영자", "capture", "item:3", details)
        == expected
    )
    at = datetime(2024, 5, 1, 18, 30, tzinfo=KST)  # a datetime is normalised to UTC
    assert content_hash(3, at, "운영자", "capture", "item:3", details) == expected
    link = hashlib.sha256(f"idolguard-custody-v1\n3\n{GENESIS}\n{expected}".encode()).hexdigest()
    assert link_hash(3, GENESIS, expected) == link


def test_every_content_field_is_committed() -> None:
    base: tuple[Any, ...] = (1, "2024-01-01T00:00:00.000000Z", "a", "capture", "item:1", {"k": "v"})
    reference = content_hash(*base)
    for index, changed in enumerate(
        [2, "2024-01-01T00:00:00.000001Z", "b", "review", "item:2", {"k": "w"}]
    ):
        args: list[Any] = list(base)
        args[index] = changed
        assert content_hash(*args) != reference, CONTENT_FIELDS[index]
    assert link_hash(1, GENESIS, reference) != link_hash(2, GENESIS, reference)
    assert link_hash(1, GENESIS, reference) != link_hash(1, "1" * 64, reference)


# -- tampering -------------------------------------------------------------------------------------


def test_changed_detail_value(chain: list[Record]) -> None:
    chain[3]["details"] = {**chain[3]["details"], "note": "증거 4번: 삭제됨"}
    assert_broken(verify_chain(chain), 4, "altered after it was written", chain)


def test_changed_nested_detail_value(chain: list[Record]) -> None:
    details = json.loads(json.dumps(chain[4]["details"]))
    details["case"]["tags"].append("extra")
    chain[4]["details"] = details
    assert_broken(verify_chain(chain), 5, "altered", chain)


def test_changed_actor(chain: list[Record]) -> None:
    chain[5]["actor"] = "someone else"
    assert_broken(verify_chain(chain), 6, "altered", chain)


@pytest.mark.parametrize(
    "at",
    [
        "2024-05-01T09:32:00.123471Z",  # one microsecond later
        "2024-05-01T09:32:00.123470+00:00",  # the same instant, written differently
    ],
)
def test_changed_time(chain: list[Record], at: str) -> None:
    assert chain[1]["at"] == "2024-05-01T09:32:00.123470Z"
    chain[1]["at"] = at
    assert_broken(verify_chain(chain), 2, "altered", chain)


def test_changed_content_hash_on_a_full_entry(chain: list[Record]) -> None:
    chain[2]["content_hash"] = "f" * 64
    assert_broken(verify_chain(chain), 3, "altered", chain)


def test_deleted_middle_entry(chain: list[Record]) -> None:
    del chain[4]
    result = verify_chain(chain)
    assert_broken(result, 6, "entries missing", chain, checked=4)
    assert (
        result.problem == "entry 6 follows 4: entries missing (entry 5 removed, or rows reordered)"
    )


def test_swapped_entries(chain: list[Record]) -> None:
    chain[2], chain[3] = chain[3], chain[2]
    result = verify_chain(chain)
    assert not result.ok
    assert result.first_broken == 4
    assert result.entries == 2
    assert result.head == chain[1]["entry_hash"]


def test_swapped_entries_renumbered(chain: list[Record]) -> None:
    """Reordering and renumbering (with recomputed content hashes) still breaks the links."""
    third, fourth = chain[2], chain[3]
    chain[2] = rehash({**fourth, "seq": 3, "prev_hash": chain[1]["entry_hash"]})
    chain[3] = {**third, "seq": 4}
    assert_broken(verify_chain(chain), 4, "does not link", chain)


def test_duplicated_entry(chain: list[Record]) -> None:
    chain.insert(5, dict(chain[4]))
    result = verify_chain(chain)
    assert_broken(result, 5, "out of order", chain, checked=5)
    assert (
        result.problem == "entry 5 follows 5: entries out of order (rows reordered or duplicated)"
    )


def test_changed_entry_hash(chain: list[Record]) -> None:
    chain[6]["entry_hash"] = "0" * 63 + "1"
    assert_broken(verify_chain(chain), 7, "wrong entry hash", chain)


def test_changed_entry_hash_with_next_link_adjusted(chain: list[Record]) -> None:
    chain[6]["entry_hash"] = "a" * 64
    chain[7]["prev_hash"] = "a" * 64
    assert_broken(verify_chain(chain), 7, "wrong entry hash", chain)


def test_changed_prev_hash(chain: list[Record]) -> None:
    chain[7]["prev_hash"] = chain[5]["entry_hash"]
    assert_broken(verify_chain(chain), 8, "does not link", chain)


def test_first_entry_must_link_to_genesis(chain: list[Record]) -> None:
    chain[0] = rehash({**chain[0], "prev_hash": "1" * 64})
    assert_broken(verify_chain(chain), 1, "does not link", chain)


@pytest.mark.parametrize("first", [0, 2])
def test_chain_must_start_at_one(first: int) -> None:
    record = entry(first, GENESIS)
    result = verify_chain([record])
    assert not result.ok and result.first_broken == first
    assert result.entries == 0 and result.head == GENESIS


def test_rehashed_edit_breaks_the_next_link(chain: list[Record]) -> None:
    chain[3] = rehash({**chain[3], "details": {"note": "rewritten"}})
    assert_broken(verify_chain(chain), 5, "does not link", chain)


def test_rewritten_tail_verifies_only_to_a_different_head(chain: list[Record]) -> None:
    """A forger who rewrites every later entry gets a valid chain, but not the recorded head."""
    original_head = chain[-1]["entry_hash"]
    prev = chain[2]["entry_hash"]
    for index in range(3, len(chain)):
        chain[index] = rehash({**chain[index], "actor": "forger", "prev_hash": prev})
        prev = chain[index]["entry_hash"]
    result = verify_chain(chain)
    assert result.ok and result.entries == 10
    assert result.head != original_head


def test_dropped_tail_is_only_visible_in_the_head(chain: list[Record]) -> None:
    result = verify_chain(chain[:8])
    assert result.ok and result.entries == 8
    assert result.head == chain[7]["entry_hash"] != chain[-1]["entry_hash"]


def test_start_prev_verifies_a_tail(chain: list[Record]) -> None:
    result = verify_chain(chain[4:], start_prev=chain[3]["entry_hash"])
    assert result == ChainVerification(True, 6, chain[-1]["entry_hash"], None, None)
    wrong = verify_chain(chain[4:], start_prev=chain[2]["entry_hash"])
    assert not wrong.ok and wrong.first_broken == 5 and "does not link" in (wrong.problem or "")
    gap = verify_chain(chain[4:5] + chain[6:], start_prev=chain[3]["entry_hash"])
    assert not gap.ok and gap.first_broken == 7 and "missing" in (gap.problem or "")


# -- redaction -------------------------------------------------------------------------------------


def test_redacted_entries_in_the_middle_still_verify(chain: list[Record]) -> None:
    mixed = chain[:3] + [redact(r) for r in chain[3:7]] + chain[7:]
    assert verify_chain(mixed) == verify_chain(chain)
    assert verify_chain([redact(r) for r in chain]).head == chain[-1]["entry_hash"]
    assert "details" not in json.dumps(mixed[4])


def test_redacted_entry_with_a_changed_content_hash(chain: list[Record]) -> None:
    mixed = chain[:3] + [redact(r) for r in chain[3:7]] + chain[7:]
    mixed[4]["content_hash"] = "e" * 64
    assert_broken(verify_chain(mixed), 5, "wrong entry hash", chain)


@pytest.mark.parametrize("claimed", [None, 123, ["a"]])
def test_redacted_entry_without_a_usable_content_hash(chain: list[Record], claimed: Any) -> None:
    record = redact(chain[4])
    if claimed is None:
        del record["content_hash"]
    else:
        record["content_hash"] = claimed
    chain[4] = record
    assert_broken(verify_chain(chain), 5, "has no content hash", chain)


def test_redacted_entry_with_wrong_links(chain: list[Record]) -> None:
    mixed = [redact(r) for r in chain]
    mixed[5]["prev_hash"] = GENESIS
    assert_broken(verify_chain(mixed), 6, "does not link", chain)


def test_entry_with_content_but_no_action_is_not_accepted_unchecked(
    chain: list[Record],
) -> None:
    tampered = {k: v for k, v in chain[4].items() if k != "action"}
    tampered["details"] = {"note": "forged"}
    tampered["actor"] = "forger"
    chain[4] = tampered
    assert not verify_chain(chain).ok


# -- malformed records -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("details", 5),  # dict(5): TypeError
        ("details", "xy"),  # dict("xy"): ValueError
        ("details", {"score": float("nan")}),  # json.loads accepts NaN; no canonical form
        ("details", {"blob": object()}),  # not JSON at all
        ("at", datetime(2024, 5, 1, 9, 30)),  # naive datetime
    ],
    ids=["details-int", "details-str", "details-nan", "details-object", "at-naive"],
)
def test_malformed_full_entry_is_reported(chain: list[Record], field: str, value: Any) -> None:
    chain[4][field] = value
    assert_broken(verify_chain(chain), 5, "is malformed", chain)


@pytest.mark.parametrize("missing", ["at", "actor", "subject", "details"])
def test_full_entry_missing_a_content_field(chain: list[Record], missing: str) -> None:
    del chain[4][missing]
    assert_broken(verify_chain(chain), 5, "is malformed", chain)


@pytest.mark.parametrize(
    ("missing", "problem"),
    [("prev_hash", "does not link"), ("entry_hash", "wrong entry hash")],
)
def test_entry_missing_a_hash(chain: list[Record], missing: str, problem: str) -> None:
    del chain[4][missing]
    assert_broken(verify_chain(chain), 5, problem, chain)


@pytest.mark.parametrize("field", ["actor", "subject", "action"])
def test_wrongly_typed_string_field(chain: list[Record], field: str) -> None:
    chain[4][field] = 7
    assert_broken(verify_chain(chain), 5, "altered", chain)


def test_seq_as_a_string_in_a_full_entry(chain: list[Record]) -> None:
    chain[4]["seq"] = "5"  # int("5") passes the order check, but the content commits to 5
    assert_broken(verify_chain(chain), 5, "altered", chain)


@pytest.mark.parametrize(
    ("record", "error"),
    [
        ({"content_hash": "x", "prev_hash": GENESIS, "entry_hash": "y"}, KeyError),
        ({"seq": "one", "prev_hash": GENESIS}, ValueError),
        ({"seq": None, "prev_hash": GENESIS}, TypeError),
        (["seq", 1], TypeError),
    ],
    ids=["no-seq", "seq-not-a-number", "seq-null", "not-a-mapping"],
)
def test_unusable_seq_is_reported(record: Any, error: type[Exception]) -> None:
    """A record without a usable sequence number is reported, not raised."""
    result = verify_chain([record])
    assert not result.ok and result.problem


@pytest.mark.parametrize("at", [1714555800, None])
def test_non_string_time_is_reported_as_malformed(chain: list[Record], at: Any) -> None:
    chain[4]["at"] = at
    assert_broken(verify_chain(chain), 5, "is malformed", chain)


# -- canonical JSON --------------------------------------------------------------------------------


def test_canonical_json_sorts_keys_at_every_level() -> None:
    a = {"b": 1, "a": {"d": [3, {"z": 1, "y": 2}], "c": None}}
    b = {"a": {"c": None, "d": [3, {"y": 2, "z": 1}]}, "b": 1}
    assert canonical_json(a) == canonical_json(b) == b'{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}'


def test_canonical_json_has_no_insignificant_whitespace() -> None:
    out = canonical_json({"list": [1, 2, [3]], "obj": {"k": "v"}, "text": "a b"})
    assert out == b'{"list":[1,2,[3]],"obj":{"k":"v"},"text":"a b"}'
    assert b"\n" not in canonical_json({"x": "line\nbreak"})  # escaped, not raw


def test_canonical_json_keeps_hangul_as_utf8() -> None:
    out = canonical_json({"이름": "아이유", "note": "딥페이크 신고"})
    assert out == '{"note":"딥페이크 신고","이름":"아이유"}'.encode()
    assert b"\\u" not in out
    assert out.decode("utf-8") == '{"note":"딥페이크 신고","이름":"아이유"}'


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize(
    "wrap",
    [
        lambda v: v,
        lambda v: {"x": v},
        lambda v: {"a": {"b": [1, v]}},
        lambda v: [0, (1, v)],
        lambda v: {"s": frozenset([v])},
    ],
    ids=["bare", "dict", "nested", "tuple", "set"],
)
def test_canonical_json_refuses_nan_and_infinity(bad: float, wrap: Any) -> None:
    with pytest.raises(ValueError):
        canonical_json(wrap(bad))


def test_canonical_json_defaults() -> None:
    moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    value = {"t": moment, "b": b"\x00\xff", "s": {3, 1, 2}, "tu": (1, "x")}
    assert canonical_json(value) == (
        b'{"b":"00ff","s":[1,2,3],"t":"2024-01-02T03:04:05.000000Z","tu":[1,"x"]}'
    )
    with pytest.raises(TypeError, match="cannot put object"):
        canonical_json({"x": object()})
    with pytest.raises(ValueError, match="naive"):
        canonical_json({"t": datetime(2024, 1, 2)})


def test_utc_iso() -> None:
    assert utc_iso(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02T03:04:05.000000Z"
    assert utc_iso(datetime(2024, 1, 2, 3, 4, 5, 7, tzinfo=UTC)) == "2024-01-02T03:04:05.000007Z"
    kst = datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=KST)
    assert utc_iso(kst) == "2024-01-01T18:04:05.123456Z"
    with pytest.raises(ValueError, match="naive"):
        utc_iso(datetime(2024, 1, 2, 3, 4, 5))


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2024, 3, 1, 8, 0, 0, 1, tzinfo=KST),
        datetime(1999, 6, 30, 12, 0, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    ],
)
def test_parse_utc_iso_inverts_utc_iso(moment: datetime) -> None:
    parsed = parse_utc_iso(utc_iso(moment))
    assert parsed == moment
    assert parsed.utcoffset() == timedelta(0)
    assert utc_iso(parsed) == utc_iso(moment)


def test_sha256_hex() -> None:
    assert sha256_hex(b"") == hashlib.sha256(b"").hexdigest()
    assert sha256_hex(canonical_json({"a": 1})) == hashlib.sha256(b'{"a":1}').hexdigest()
