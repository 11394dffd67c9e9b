"""StopNCII hash lists: read what StopNCII's API answers, write what pytx's client parses."""

from __future__ import annotations

import enum
import io
import json

import pytest

from idolguard.exchange.formats import BankFormatError, BankRecord
from idolguard.exchange.formats.stopncii_format import read_stopncii, write_stopncii

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def _answer(*records: dict[str, object]) -> str:
    return json.dumps(
        {
            "count": len(records),
            "nextSetTimestamp": 1,
            "hasMoreRecords": False,
            "hashRecords": list(records),
        }
    )


def _rec(kind: str, value: str, status: str = "Active") -> dict[str, object]:
    return {
        "lastModtimestamp": 1,
        "signalType": kind,
        "hashValue": value,
        "hashStatus": status,
        "caseNumbers": {"case-1": status},
        "CSPFeedbacks": [],
    }


def test_read_keeps_active_matchable_hashes_and_drops_case_numbers() -> None:
    text = _answer(
        _rec("ImagePDQ", PDQ.upper()),
        _rec("VideoMD5", MD5),
        _rec("ImagePDQ", "0" * 64, status="Withdrawn"),
        _rec("ImagePDQ", "1" * 64, status="Deleted"),
        _rec("VideoTMK", "abc"),
    )
    records = list(read_stopncii(io.StringIO(text), skip_unknown=True))
    assert [(r.signal_type, r.signal) for r in records] == [("pdq", PDQ), ("video_md5", MD5)]
    assert all(r.label is None and r.source is None for r in records)
    with pytest.raises(BankFormatError, match="VideoTMK"):
        list(read_stopncii(io.StringIO(text)))


def test_read_refuses_malformed_lists() -> None:
    for text, message in (
        ("{", "invalid JSON"),
        ('{"records": []}', "hashRecords"),
        (_answer(_rec("ImagePDQ", "xyz")), "hashRecords\\[0\\].*64 hex"),
        (json.dumps({"hashRecords": [{"signalType": 1}]}), "must be strings"),
    ):
        with pytest.raises(BankFormatError, match=message):
            list(read_stopncii(io.StringIO(text)))


def test_write_round_trips_and_refuses_what_stopncii_lacks() -> None:
    records = [BankRecord("a", "pdq", PDQ, label="secret"), BankRecord("v", "video_md5", MD5)]
    out = io.StringIO()
    assert write_stopncii(records, out) == 2
    assert "secret" not in out.getvalue()
    back = list(read_stopncii(io.StringIO(out.getvalue())))
    assert [(r.signal_type, r.signal) for r in back] == [("pdq", PDQ), ("video_md5", MD5)]
    photo_md5 = [BankRecord("p", "md5", MD5)]
    with pytest.raises(BankFormatError, match="StopNCII does not have"):
        write_stopncii(photo_md5, io.StringIO())
    assert write_stopncii(photo_md5, io.StringIO(), skip_unsupported=True) == 0


def test_pytx_parses_what_we_write() -> None:
    """pytx's StopNCII client turns our records into its dataclasses, and its validators pass."""
    dacite = pytest.importorskip("dacite", reason="needs the exchange extra")
    api = pytest.importorskip("threatexchange.exchanges.clients.stopncii.api")
    from threatexchange.signal_type.md5 import VideoMD5Signal
    from threatexchange.signal_type.pdq.signal import PdqSignal

    out = io.StringIO()
    write_stopncii([BankRecord("a", "pdq", PDQ), BankRecord("v", "video_md5", MD5)], out)
    data = json.loads(out.getvalue())
    parsed = dacite.from_dict(
        api.FetchHashesResponse,
        {**data, "hashRecords": []},
        config=dacite.Config(cast=[enum.Enum, set]),
    )
    assert parsed.count == 2 and not parsed.hasMoreRecords
    records = [
        dacite.from_dict(
            api.StopNCIIHashRecord, record, config=dacite.Config(cast=[enum.Enum, set])
        )
        for record in data["hashRecords"]
    ]
    assert [r.signalType for r in records] == [
        api.StopNCIISignalType.ImagePDQ,
        api.StopNCIISignalType.VideoMD5,
    ]
    assert all(r.hashStatus is api.StopNCIICaseStatus.Active for r in records)
    assert PdqSignal.validate_signal_str(records[0].hashValue) == PDQ
    assert VideoMD5Signal.validate_signal_str(records[1].hashValue) == MD5
