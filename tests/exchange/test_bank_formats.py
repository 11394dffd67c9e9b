"""Bank import/export: round trips, pytx compatibility, and errors that name the line.

The fixtures in ``fixtures/`` hold hashes only. They were made with python-threatexchange
1.2.17 (and its vPDQ extension) in a scratch environment:

* ``pytx_hash_cli.txt``: ``threatexchange hash photo`` plus ``threatexchange hash video``,
  run on a synthetic 256 px texture and a synthetic 105-second 64 px clip. The media
  were thrown away. The vPDQ line has 105 frames, so pytx's ``{:.3}`` timestamps reach
  ``1e+02`` .. ``1.04e+02``.
* ``pytx_bank.csv`` and ``pytx_bank_pdq_only.txt``: pytx's ``local_file`` exchange fetched
  ``pytx_hash_cli.txt`` as the collaboration "IdolGuard Test Bank", then
  ``threatexchange dataset -P --csv`` and ``dataset -P -S -s pdq`` (one type, so no
  type prefix).
* ``pytx_sample_signals.txt`` and ``.csv``: ``dataset -P -S`` and ``dataset -P --csv``
  over the built-in sample set for ``-s pdq vpdq video_md5 video_sha256 url_md5``.

CI does not install pytx, so these files carry the compatibility guarantee. The tests
that feed our output to pytx's own parser run only where pytx is importable.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO, cast

import pytest

from idolguard.exchange.formats import (
    CSV_COLUMNS,
    FORMATS,
    BankFormatError,
    BankRecord,
    Format,
    VpdqFrame,
    derive_content_id,
    detect_format,
    format_vpdq_signal,
    normalize_signal,
    parse_vpdq_signal,
    read_bank_file,
    read_records,
    write_bank_file,
    write_records,
)

FIXTURES = Path(__file__).parent / "fixtures"

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ2 = "c76cc67c1a5b3d060b45e9024cfac3cb25c72897216ff952f6b77bd1020b1355"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
# A JSON record without its closing brace, to build malformed JSON around.
OPEN = f'{{"signal_type": "pdq", "signal": "{PDQ}"'
VPDQ = format_vpdq_signal([(PDQ, 100, 0.0), (PDQ2, 87, 1.0), (PDQ, 100, 104.0)])


def _read(
    text: str, fmt: Format, *, signal_type: str | None = None, skip_unknown: bool = False
) -> list[BankRecord]:
    stream = io.StringIO(text, newline="")
    return list(read_records(stream, fmt, signal_type=signal_type, skip_unknown=skip_unknown))


def _write(records: list[BankRecord], fmt: Format) -> str:
    out = io.StringIO(newline="")
    assert write_records(records, out, fmt) == len(records)
    return out.getvalue()


def _error(text: str, fmt: Format, *, skip_unknown: bool = False) -> BankFormatError:
    with pytest.raises(BankFormatError) as info:
        _read(text, fmt, skip_unknown=skip_unknown)
    return info.value


def _records() -> list[BankRecord]:
    return [
        BankRecord("photo-1", "pdq", PDQ, label="leaked selfie", source="report #12", bank="blk"),
        BankRecord("photo-1", "md5", MD5, label="leaked selfie", source="report #12", bank="blk"),
        BankRecord("clip-7", "vpdq", VPDQ, label='딥페이크, "fan" edit', bank="blk"),
        BankRecord("clip-7", "video_md5", MD5, bank="blk"),
        BankRecord("clip-7", "video_sha256", SHA256, bank="blk"),
        BankRecord("clip-7", "sha256", SHA256, bank="blk"),
        BankRecord("press-3", "pdq", PDQ2, label="official\nphoto shoot", bank="ok", allow=True),
        BankRecord("dup", "pdq", PDQ),
        BankRecord("dup", "pdq", PDQ),  # duplicates pass through; the caller dedupes
    ]


def _pytx_records() -> list[BankRecord]:
    return [r for r in _records() if r.signal_type in ("pdq", "vpdq", "video_md5", "video_sha256")]


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_round_trip_keeps_every_field(fmt: Format) -> None:
    records = _records()
    assert _read(_write(records, fmt), fmt) == records


def test_round_trip_pytx_keeps_type_and_signal_and_derives_ids() -> None:
    records = [r for r in _pytx_records() if not r.allow]
    text = _write(records, "pytx")
    assert text.splitlines()[0] == f"pdq {PDQ}"
    back = _read(text, "pytx")
    assert [(r.signal_type, r.signal) for r in back] == [(r.signal_type, r.signal) for r in records]
    assert all(r.content_id == derive_content_id(r.signal_type, r.signal) for r in back)
    assert all(r.label is None and r.bank is None and not r.allow for r in back)


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_export_reads_back_empty(fmt: Format) -> None:
    assert _read(_write([], fmt), fmt) == []


def test_csv_header_starts_with_pytx_dataset_columns() -> None:
    pytx_header = (FIXTURES / "pytx_sample_signals.csv").read_text().splitlines()[0].split(",")
    ours = _write(_records()[:1], "csv").splitlines()[0].split(",")
    assert ours[: len(pytx_header)] == pytx_header
    assert tuple(ours) == CSV_COLUMNS


def test_csv_maps_allow_to_pytx_category_and_label_to_tags() -> None:
    rows = _write(_records(), "csv").splitlines()
    assert rows[1].startswith(f"pdq,{PDQ},blk,POSITIVE_CLASS,leaked_selfie,photo-1,")
    allow = next(r for r in rows if r.startswith(f"pdq,{PDQ2}"))
    assert ",ok,NEGATIVE_CLASS,official_photo_shoot,press-3," in allow
    assert _write(_records()[:1], "csv").endswith("\r\n")  # RFC 4180 / pytx line ends


def test_json_is_an_array_of_objects_with_documented_keys() -> None:
    data = json.loads(_write(_records(), "json"))
    assert data[0] == {
        "content_id": "photo-1",
        "signal_type": "pdq",
        "signal": PDQ,
        "label": "leaked selfie",
        "source": "report #12",
        "bank": "blk",
        "allow": False,
    }


def test_reader_normalises_hex_case_and_vpdq_spacing() -> None:
    compact = json.dumps([f"{PDQ.upper()},100,0.0"], separators=(",", ":"))
    text = f"PDQ {PDQ.upper()}\nvideo_md5 {MD5.upper()}\nvpdq {compact}\n"
    records = _read(text, "pytx")
    assert [r.signal for r in records] == [PDQ, MD5, f'["{PDQ},100,0.0"]']
    assert records[0].signal_type == "pdq"


def test_writer_normalises_too() -> None:
    text = _write([BankRecord("a", "pdq", PDQ.upper())], "pytx")
    assert text == f"pdq {PDQ}\n"


# ----------------------------------------------------------------------------- vPDQ strings


def test_vpdq_format_matches_pytx_significant_digit_timestamps() -> None:
    signal = format_vpdq_signal([(PDQ, 100, 0.0), (PDQ, 50, 12.345), (PDQ, 0, 104.0)])
    assert signal == f'["{PDQ},100,0.0", "{PDQ},50,12.3", "{PDQ},0,1.04e+02"]'
    assert parse_vpdq_signal(signal) == [
        VpdqFrame(PDQ, 100, 0.0),
        VpdqFrame(PDQ, 50, 12.3),
        VpdqFrame(PDQ, 0, 104.0),
    ]


def test_vpdq_keeps_timestamp_text_from_other_producers() -> None:
    signal = json.dumps([f"{PDQ},90,12.345"])
    assert normalize_signal("vpdq", signal) == signal  # no digits lost to pytx's {:.3}


@pytest.mark.parametrize(
    ("signal", "message"),
    [
        ("not json", "not JSON"),
        ("[]", "no frames"),
        ('{"0": {"hash": "x", "quality": 100, "timestamp": 0.0}}', "old pytx form"),
        ('"abc"', "expected a JSON array"),
        ("[1]", "got a number"),
        (f'["{PDQ},100"]', "3 fields, got 2"),
        (f'["{PDQ[:-1]},100,0.0"]', "not 64 hex digits"),
        (f'["{PDQ},101,0.0"]', "not an integer 0-100"),
        (f'["{PDQ},x,0.0"]', "not an integer 0-100"),
        (f'["{PDQ},100,-1.0"]', "seconds >= 0"),
        (f'["{PDQ},100,nan"]', "seconds >= 0"),
        (f'["{PDQ},100,1e999"]', "seconds >= 0"),
    ],
)
def test_malformed_vpdq_is_reported_with_line(signal: str, message: str) -> None:
    error = _error(f"pdq {PDQ}\n\nvpdq {signal}\n", "pytx")
    assert error.line == 3
    assert message in error.message
    assert str(error).startswith("line 3: ")


def test_format_vpdq_rejects_bad_frames() -> None:
    with pytest.raises(ValueError, match="no frames"):
        format_vpdq_signal([])
    with pytest.raises(ValueError, match="quality"):
        format_vpdq_signal([(PDQ, 101, 0.0)])
    with pytest.raises(ValueError, match="timestamp"):
        format_vpdq_signal([(PDQ, 100, float("inf"))])


# ----------------------------------------------------------------------------- pytx fixtures


def test_reads_pytx_hash_cli_output() -> None:
    records = list(read_bank_file(FIXTURES / "pytx_hash_cli.txt"))
    assert [r.signal_type for r in records] == ["pdq", "video_md5", "video_sha256", "vpdq"]
    assert records[0].signal == PDQ2
    frames = parse_vpdq_signal(records[3].signal)
    assert len(frames) == 105
    assert [f.timestamp for f in frames[99:102]] == [99.0, 100.0, 101.0]
    # pytx's serialisation is already canonical: the string survives byte for byte.
    raw = (FIXTURES / "pytx_hash_cli.txt").read_text().splitlines()[3].partition(" ")[2]
    assert records[3].signal == raw
    assert '"' + frames[104].pdq_hex + ',100,1.04e+02"' in raw


def test_our_pytx_export_of_pytx_hashes_is_byte_identical() -> None:
    path = FIXTURES / "pytx_hash_cli.txt"
    assert _write(list(read_bank_file(path)), "pytx") == path.read_text()


def test_reads_pytx_dataset_csv_of_a_local_file_bank() -> None:
    # pytx itself read pytx_hash_cli.txt through its local_file exchange and wrote this CSV.
    records = list(read_bank_file(FIXTURES / "pytx_bank.csv"))
    cli = list(read_bank_file(FIXTURES / "pytx_hash_cli.txt"))
    assert {(r.signal_type, r.signal) for r in records} == {(r.signal_type, r.signal) for r in cli}
    assert {r.bank for r in records} == {"IdolGuard Test Bank"}
    assert not any(r.allow for r in records)  # INVESTIGATION_SEED is not an allow list
    assert all(r.content_id == derive_content_id(r.signal_type, r.signal) for r in records)


def test_reads_pytx_single_type_dataset_with_signal_type() -> None:
    path = FIXTURES / "pytx_bank_pdq_only.txt"
    records = list(read_bank_file(path, "pytx", signal_type="pdq"))
    assert [(r.signal_type, r.signal) for r in records] == [("pdq", PDQ2)]
    with pytest.raises(BankFormatError) as info:
        list(read_bank_file(path))
    assert info.value.line == 1
    assert "pass signal_type" in info.value.message
    assert str(info.value).startswith(f"{path}: line 1: ")


@pytest.mark.parametrize("name", ["pytx_sample_signals.txt", "pytx_sample_signals.csv"])
def test_reads_pytx_sample_dataset(name: str) -> None:
    path = FIXTURES / name
    url_md5_line = next(
        number
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if line.startswith("url_md5")
    )
    with pytest.raises(BankFormatError) as info:
        list(read_bank_file(path))
    assert info.value.line == url_md5_line
    assert "unknown signal type 'url_md5'" in info.value.message

    records = list(read_bank_file(path, skip_unknown=True))
    counts = {t: sum(r.signal_type == t for r in records) for t in {"pdq", "vpdq"}}
    assert counts == {"pdq": 16, "vpdq": 1}
    assert len(records) == 21
    assert PDQ in {r.signal for r in records}
    vpdq = next(r for r in records if r.signal_type == "vpdq")
    assert parse_vpdq_signal(vpdq.signal)[0].pdq_hex == PDQ


def test_sample_txt_and_csv_agree() -> None:
    txt = read_bank_file(FIXTURES / "pytx_sample_signals.txt", skip_unknown=True)
    csv_ = read_bank_file(FIXTURES / "pytx_sample_signals.csv", skip_unknown=True)
    assert sorted((r.signal_type, r.signal) for r in txt) == sorted(
        (r.signal_type, r.signal) for r in csv_
    )


# ----------------------------------------------------------------------------- pytx itself


def test_pytx_local_file_exchange_reads_our_export(tmp_path: Path) -> None:
    file_api = pytest.importorskip(
        "threatexchange.exchanges.impl.file_api", reason="python-threatexchange not installed"
    )
    vpdq_ext = pytest.importorskip(
        "threatexchange.extensions.vpdq.vpdq", reason="pytx vPDQ extension not installed"
    )
    from threatexchange.signal_type.md5 import VideoMD5Signal
    from threatexchange.signal_type.pdq.signal import PdqSignal
    from threatexchange.signal_type.sha256 import VideoSHA256Signal

    records = [r for r in _pytx_records() if not r.allow]
    records.append(BankRecord("u", "pdq", PDQ2.upper()))  # written lower-case for pytx
    path = tmp_path / "bank.txt"
    assert write_bank_file(records, path) == len(records)

    api_cls = file_api.LocalFileSignalExchangeAPI
    collab = file_api.FileCollaborationConfig(
        name="IdolGuard export", api=api_cls.get_name(), enabled=True, filename=str(path)
    )
    (delta,) = list(api_cls.for_collab(collab).fetch_iter([], None))
    types = [PdqSignal, VideoMD5Signal, VideoSHA256Signal, vpdq_ext.VPDQSignal]
    by_type = api_cls.naive_convert_to_signal_type(types, collab, delta.updates)
    got = {(t.get_name(), s) for t, signals in by_type.items() for s in signals}
    assert got == {(r.signal_type, normalize_signal(r.signal_type, r.signal)) for r in records}


def test_vpdq_strings_match_pytx_serialisation() -> None:
    pytest.importorskip("threatexchange", reason="python-threatexchange not installed")
    util = pytest.importorskip(
        "threatexchange.extensions.vpdq.vpdq_util", reason="pytx vPDQ extension not installed"
    )
    timestamps = [0.0, 0.0004, 1.0, 9.99, 12.345, 99.99, 100.0, 104.0, 1234.5, 36000.25]
    frames = [(PDQ, q, t) for q, t in zip(itertools.cycle([0, 49, 100]), timestamps, strict=False)]
    ours = format_vpdq_signal(frames)
    theirs = util.vpdq_to_json([util.VpdqCompactFeature(h, q, t) for h, q, t in frames])
    assert ours == theirs
    assert [(f.pdq_hex, f.quality, f.timestamp) for f in parse_vpdq_signal(ours)] == [
        (f.pdq_hex, f.quality, f.timestamp) for f in util.json_to_vpdq(theirs)
    ]


def test_pytx_validators_accept_our_signals() -> None:
    pytest.importorskip("threatexchange", reason="python-threatexchange not installed")
    vpdq_ext = pytest.importorskip(
        "threatexchange.extensions.vpdq.vpdq", reason="pytx vPDQ extension not installed"
    )
    from threatexchange.signal_type.md5 import VideoMD5Signal
    from threatexchange.signal_type.pdq.signal import PdqSignal
    from threatexchange.signal_type.sha256 import VideoSHA256Signal

    validators = {
        "pdq": PdqSignal,
        "video_md5": VideoMD5Signal,
        "video_sha256": VideoSHA256Signal,
        "vpdq": vpdq_ext.VPDQSignal,
    }
    for record in _read(_write([r for r in _pytx_records() if not r.allow], "pytx"), "pytx"):
        cls = validators[record.signal_type]
        assert cls.validate_signal_str(record.signal) == record.signal


# ----------------------------------------------------------------------------- pytx lines


def test_pytx_skips_blank_lines_and_comments_and_keeps_duplicates() -> None:
    text = f"# exported 2025\n\npdq {PDQ}\n   \n  # indented comment\npdq {PDQ}  \r\n"
    records = _read(text, "pytx")
    assert [r.signal for r in records] == [PDQ, PDQ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (f"pdq {PDQ}\nphash {PDQ}\n", 2, "unknown signal type 'phash'"),
        (f"pdq {PDQ}\npdq\n", 2, "missing signal"),
        (f"pdq {PDQ[:-1]}\n", 1, "malformed PDQ hash"),
        (f"pdq {PDQ[:-1]}g\n", 1, "expected 64 hex digits"),
        (f"pdq {PDQ} 'Sample Signals' INVESTIGATION_SEED\n", 1, "malformed PDQ hash"),
        (f"\n\nvideo_md5 {MD5}0\n", 3, "malformed MD5"),
        (f"video_sha256 {MD5}\n", 1, "malformed SHA-256"),
        (f"{PDQ}\n", 1, "looks like a bare hash"),
    ],
)
def test_pytx_errors_name_the_line(text: str, line: int, message: str) -> None:
    error = _error(text, "pytx")
    assert (error.line, message in error.message) == (line, True), error


def test_pytx_skip_unknown_skips_types_not_errors() -> None:
    text = f"raw_text hello world\nurl_md5 {MD5}\npdq {PDQ}\n"
    assert [r.signal_type for r in _read(text, "pytx", skip_unknown=True)] == ["pdq"]
    assert _error(f"raw_text hi\npdq {PDQ[:10]}\n", "pytx", skip_unknown=True).line == 2


def test_signal_type_argument_is_checked() -> None:
    with pytest.raises(ValueError, match="unknown signal type"):
        read_records(io.StringIO(""), "pytx", signal_type="phash")
    with pytest.raises(ValueError, match="only applies to the pytx"):
        read_records(io.StringIO(""), "csv", signal_type="pdq")
    with pytest.raises(ValueError, match="unknown bank format"):
        read_records(io.StringIO(""), "xml")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- CSV


def test_csv_only_needs_type_and_signal_columns() -> None:
    text = f"signal_str,signal_type\r\n{PDQ},pdq\r\n\r\n,\r\n{MD5},video_md5\r\n"
    records = _read(text, "csv")
    assert [(r.signal_type, r.bank, r.label, r.allow) for r in records] == [
        ("pdq", None, None, False),
        ("video_md5", None, None, False),
    ]


def test_csv_label_falls_back_to_pytx_tags() -> None:
    text = f"signal_type,signal_str,collab,category,tags\npdq,{PDQ},c,NEGATIVE_CLASS,nsfw leak\n"
    (record,) = _read(text, "csv")
    assert (record.label, record.bank, record.allow) == ("nsfw leak", "c", True)


def test_csv_multiline_field_keeps_line_numbers_right() -> None:
    text = (
        "signal_type,signal_str,label\n"
        f'pdq,{PDQ},"two\nlines"\n'
        f"pdq,{PDQ},fine\n"
        f"pdq,{PDQ[:8]},broken\n"
    )
    assert _error(text, "csv").line == 5
    assert _read(text.rsplit("pdq,", 1)[0], "csv")[0].label == "two\nlines"


def test_csv_long_vpdq_field_beyond_the_csv_module_default() -> None:
    frames = [(PDQ, 100, float(t)) for t in range(2000)]  # ~150k chars > 131072
    record = BankRecord("long", "vpdq", format_vpdq_signal(frames))
    assert len(record.signal) > 131072
    assert _read(_write([record], "csv"), "csv") == [record]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "empty CSV"),
        (f"signal_type,hash\npdq,{PDQ}\n", 1, "unknown CSV column(s) 'hash'"),
        ("signal_type\npdq\n", 1, "missing required CSV column(s) signal_str"),
        (f"pdq,{PDQ}\n", 1, "unknown CSV column(s)"),
        (f"signal_type,signal_str,signal_type\npdq,{PDQ},pdq\n", 1, "duplicate CSV column"),
        (f"signal_type,signal_str\npdq,{PDQ}\npdq,{PDQ},x\n", 3, "expected 2 fields"),
        (f"signal_type,signal_str,category\npdq,{PDQ},BLOCK\n", 2, "unknown category 'BLOCK'"),
        (f"signal_type,signal_str\n\nphash,{PDQ}\n", 3, "unknown signal type"),
        (f'signal_type,signal_str\npdq,"{PDQ}"x\n', 2, "malformed CSV"),
        ("signal_type,signal_str\npdq,\n", 2, "empty pdq signal"),
        (f"signal_type,signal_str\n,{PDQ}\n", 2, "empty signal type"),
    ],
)
def test_csv_errors_name_the_line(text: str, line: int, message: str) -> None:
    error = _error(text, "csv")
    assert (error.line, message in error.message) == (line, True), error


# ----------------------------------------------------------------------------- JSON / JSONL


def test_json_reads_pretty_and_compact_arrays() -> None:
    record = {"signal_type": "pdq", "signal": PDQ}
    compact = json.dumps([record, record])
    pretty = json.dumps([record, {**record, "allow": True, "content_id": "c"}], indent=4)
    assert len(_read(compact, "json")) == 2
    records = _read(pretty, "json")
    assert (records[1].allow, records[1].content_id) == (True, "c")
    assert _read("  [ ]  \n", "json") == []


def test_jsonl_skips_blank_lines() -> None:
    line = json.dumps({"signal_type": "pdq", "signal": PDQ, "label": None})
    assert len(_read(f"\n{line}\n\n{line}\n", "jsonl")) == 2


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "empty file"),
        ('{"signal_type": "pdq"}', 1, "jsonl format"),
        (f"[\n  {OPEN}}},\n  3\n]", 3, "expected a JSON object"),
        ('[\n  {"signal_type": "pdq"}\n]', 2, "missing required key(s) signal"),
        (f'[\n\n  {OPEN}, "alow": true}}]', 3, "'alow'"),
        (f'[{OPEN}, "allow": "yes"}}]', 1, "true or false"),
        (f'[{OPEN}, "label": 3}}]', 1, "string or null"),
        ('[{"signal_type": "pdq", "signal": null}]', 1, "must not be null"),
        (f'[{OPEN}, "allow": false, "allow": true}}]', 1, "dup"),
        (f"[{OPEN}}},\n]", 2, "trailing comma"),
        (f"[{OPEN}}}\n\n", 3, "not closed"),
        (f"[{OPEN}}}] x", 1, "after the end"),
        (f"[{OPEN}}} {{}}]", 1, "expected ',' or ']'"),
        (f'[\n{{"signal_type": "pdq",\n "signal": "{PDQ}",,\n}}]', 3, "invalid JSON"),
        ("[\n" + OPEN[:-1], 2, "invalid JSON"),
        (f'[{OPEN[:-2]}"}}]', 1, "malformed PDQ"),
    ],
)
def test_json_errors_name_the_line(text: str, line: int, message: str) -> None:
    error = _error(text, "json")
    assert (error.line, message in error.message) == (line, True), error


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (f"{OPEN}}}\n{{oops}}\n", 2, "invalid JSON"),
        ("\n\n[1]\n", 3, "expected a JSON object"),
        ('{"signal_type": "vpdq", "signal": "[]"}', 1, "no frames"),
        (f'{OPEN}, "content_id": "{"x" * 129}"}}', 1, "128"),
        (f'{OPEN}, "bank": "a\\tb"}}', 1, "control"),
        (f'{OPEN}, "label": "a\\u0000"}}', 1, "NUL"),
    ],
)
def test_jsonl_errors_name_the_line(text: str, line: int, message: str) -> None:
    error = _error(text, "jsonl")
    assert (error.line, message in error.message) == (line, True), error


def test_json_record_split_across_read_chunks() -> None:
    big = {"signal_type": "vpdq", "signal": format_vpdq_signal([(PDQ, 100, 1.0)] * 3000)}
    text = "[\n" + ",\n".join(json.dumps(big) for _ in range(3)) + "\n]"
    assert len(text) > 3 * 64 * 1024
    assert len(_read(text, "json")) == 3
    broken = text[: len(text) // 2] + "\x01" + text[len(text) // 2 + 1 :]  # raw control char
    error = _error(broken, "json")
    assert error.line == 3 and "invalid JSON" in error.message


# ----------------------------------------------------------------------------- encodings


@pytest.mark.parametrize("fmt", FORMATS)
def test_utf8_bom_is_ignored(fmt: Format, tmp_path: Path) -> None:
    path = tmp_path / f"bank.{'txt' if fmt == 'pytx' else fmt}"
    write_bank_file(_pytx_records()[:2], path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(list(read_bank_file(path))) == 2
    assert detect_format(path) == fmt


@pytest.mark.parametrize("fmt", FORMATS)
def test_non_utf8_byte_is_reported_on_its_line(fmt: Format, tmp_path: Path) -> None:
    path = tmp_path / "bank"
    write_bank_file([BankRecord("a", "pdq", PDQ), BankRecord("b", "pdq", PDQ2)], path, fmt)
    data = path.read_bytes()
    at = data.index(PDQ2.encode())
    data = data[:at] + b"\xe9" + data[at + 1 :]  # a Latin-1 "é", as old Excel saves it
    path.write_bytes(data)
    line = data[:at].count(b"\n") + 1
    with pytest.raises(BankFormatError) as info:
        list(read_bank_file(path, fmt))
    assert (info.value.line, info.value.path) == (line, str(path))
    assert "not valid UTF-8" in info.value.message


def test_non_utf8_from_a_strict_stream_is_still_a_bank_format_error() -> None:
    raw = f"pdq {PDQ}\n".encode() * 3 + b"pdq \xff\n"
    with pytest.raises(BankFormatError, match="not valid UTF-8") as info:
        list(read_records(io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"), "pytx"))
    assert info.value.line is not None and info.value.line >= 1


def test_utf16_file_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "bank.csv"
    path.write_bytes(f"signal_type,signal_str\npdq,{PDQ}\n".encode("utf-16"))
    with pytest.raises(BankFormatError, match="UTF-16") as info:
        list(read_bank_file(path))
    assert info.value.line == 1


# ----------------------------------------------------------------------------- streaming


class _CountingStream:
    """An endless bank file; counts how much of it the reader pulled."""

    def __init__(self, head: str, item: str, sep: str = "") -> None:
        self.chunks = itertools.chain([head], itertools.repeat(item))
        self.sep = sep
        self.buffered = ""
        self.consumed = 0

    def _more(self) -> None:
        self.buffered += next(self.chunks)

    def readline(self, size: int = -1) -> str:
        while "\n" not in self.buffered:
            self._more()
        line, _, self.buffered = self.buffered.partition("\n")
        self.consumed += len(line) + 1
        return line + "\n"

    def read(self, size: int = -1) -> str:
        assert size > 0, "reader tried to read everything"
        while len(self.buffered) < size:
            self._more()
        out, self.buffered = self.buffered[:size], self.buffered[size:]
        self.consumed += len(out)
        return out


@pytest.mark.parametrize(
    ("fmt", "head", "item"),
    [
        ("pytx", "", f"pdq {PDQ}\n"),
        ("jsonl", "", json.dumps({"signal_type": "pdq", "signal": PDQ}) + "\n"),
        ("csv", "signal_type,signal_str\r\n", f"pdq,{PDQ}\r\n"),
        ("json", "[", json.dumps({"signal_type": "pdq", "signal": PDQ}) + ",\n"),
    ],
)
def test_readers_stream(fmt: Format, head: str, item: str) -> None:
    stream = _CountingStream(head, item)
    records = read_records(cast(TextIO, stream), fmt)
    first = list(itertools.islice(records, 1000))
    assert len(first) == 1000
    assert stream.consumed < 1000 * len(item) + 256 * 1024  # never the whole (endless) file


def test_writers_stream_from_a_generator() -> None:
    def endless() -> Iterator[BankRecord]:
        yield from (BankRecord(str(i), "pdq", PDQ) for i in range(5000))

    for fmt in FORMATS:
        assert write_records(endless(), io.StringIO(newline=""), fmt) == 5000


# ----------------------------------------------------------------------------- writing


def test_pytx_writer_refuses_what_pytx_cannot_express() -> None:
    allow = BankRecord("a", "pdq", PDQ, allow=True)
    photo_md5 = BankRecord("b", "md5", MD5)
    with pytest.raises(BankFormatError, match="allow-list record"):
        _write([allow], "pytx")
    with pytest.raises(BankFormatError, match="'md5', which pytx does not know"):
        _write([photo_md5], "pytx")
    out = io.StringIO()
    kept = BankRecord("c", "pdq", PDQ)
    assert write_records([allow, photo_md5, kept], out, "pytx", skip_unsupported=True) == 1
    assert out.getvalue() == f"pdq {PDQ}\n"


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (BankRecord("a", "phash", PDQ), "unknown signal type"),
        (BankRecord("a", "pdq", PDQ[:-2]), "malformed PDQ"),
        (BankRecord("", "pdq", PDQ), "content_id is empty"),
        (BankRecord("a\nb", "pdq", PDQ), "control characters"),
        (BankRecord("a", "pdq", PDQ, bank="b" * 129), "longer than 128"),
        (BankRecord("a", "pdq", PDQ, label="\udce9"), "lone surrogate"),
    ],
)
def test_writer_validates_records(record: BankRecord, message: str) -> None:
    for fmt in ("csv", "json", "jsonl", "pytx"):
        with pytest.raises(BankFormatError, match="record 2") as info:
            _write([BankRecord("ok", "pdq", PDQ), record], fmt)
        assert message in info.value.message and info.value.line is None


def test_write_bank_file_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "bank.json"
    write_bank_file([BankRecord("a", "pdq", PDQ)], path)
    before = path.read_bytes()
    with pytest.raises(BankFormatError):
        write_bank_file([BankRecord("a", "pdq", PDQ), BankRecord("b", "pdq", "zz")], path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bank.json"]
    with pytest.raises(ValueError, match="cannot tell the export format"):
        write_bank_file([], tmp_path / "bank.xml")


# ----------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("a.csv", "", "csv"),
        ("a.JSON", "", "json"),
        ("a.jsonl", "", "jsonl"),
        ("a.ndjson", "", "jsonl"),
        ("a.txt", "", "pytx"),
        ("a.txt", "signal_type,signal_str\n", "csv"),
        ("a.hashes", f"# comment\n\npdq {PDQ}\n", "pytx"),
        ("a", f"{PDQ}\n", "pytx"),
        ("a.te", "\n  [{}]", "json"),
        ("a.dat", '{"signal_type": "pdq"}\n', "jsonl"),
        ("a.export", "\ufeffsignal_type,signal_str,collab\n", "csv"),
    ],
)
def test_detect_format(name: str, content: str, fmt: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert detect_format(path) == fmt


def test_detect_format_gives_up_clearly(tmp_path: Path) -> None:
    path = tmp_path / "bank.bin"
    path.write_text("hello world\n")
    with pytest.raises(BankFormatError, match="cannot tell the bank file format"):
        detect_format(path)
    with pytest.raises(FileNotFoundError):
        read_bank_file(tmp_path / "missing.csv")


def test_derived_content_ids_are_stable_and_distinct() -> None:
    a = derive_content_id("pdq", PDQ)
    assert a == derive_content_id("pdq", PDQ) and a.startswith("pdq:")
    assert a != derive_content_id("pdq", PDQ2) != derive_content_id("video_sha256", PDQ)
    assert len(derive_content_id("vpdq", VPDQ)) <= 128


SIGNAL_CASES = [
    ("pdq", PDQ),
    ("pdq", PDQ.upper()),
    ("pdq", PDQ[:-1]),
    ("pdq", PDQ + "0"),
    ("pdq", "g" * 64),
    ("pdq", ""),
    ("video_md5", "d41d8cd98f00b204e9800998ecf8427e"),
    ("video_md5", "D41D8CD98F00B204E9800998ECF8427E"),
    ("video_md5", "d41d8cd98f00b204e9800998ecf8427"),
    ("video_sha256", "a" * 64),
    ("video_sha256", "a" * 63 + "z"),
    ("vpdq", json.dumps([f"{PDQ},100,0.0", f"{PDQ},50,1.04e+02"])),
    ("vpdq", json.dumps([f"{PDQ},100"])),
    ("vpdq", "not json"),
]


@pytest.mark.parametrize(("signal_type", "signal"), SIGNAL_CASES)
def test_our_signal_checks_agree_with_pytx_validators(signal_type: str, signal: str) -> None:
    """Where pytx has a validator, ours accepts and refuses exactly what it does.

    The codecs cannot call pytx (it is an optional extra), so this proves the twins equal.
    """
    pytest.importorskip("threatexchange", reason="python-threatexchange not installed")
    vpdq_ext = pytest.importorskip("threatexchange.extensions.vpdq.vpdq")
    from threatexchange.signal_type.md5 import VideoMD5Signal
    from threatexchange.signal_type.pdq.signal import PdqSignal
    from threatexchange.signal_type.sha256 import VideoSHA256Signal

    pytx_type = {
        "pdq": PdqSignal,
        "video_md5": VideoMD5Signal,
        "video_sha256": VideoSHA256Signal,
        "vpdq": vpdq_ext.VPDQSignal,
    }[signal_type]
    try:
        theirs: str | None = pytx_type.validate_signal_str(signal)
    except Exception:
        theirs = None
    try:
        ours: str | None = normalize_signal(signal_type, signal)
    except ValueError:
        ours = None
    if theirs is None:
        # pytx refuses upper-case PDQ, which we lower-case on read instead.
        assert ours is None or (signal_type == "pdq" and ours == signal.lower())
    else:
        assert ours is not None
        assert pytx_type.validate_signal_str(ours) == theirs.lower() or ours == theirs
