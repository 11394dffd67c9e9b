"""Evidence bundles (``evidence.bundle``): deterministic ZIP, manifest, offline verification."""

from __future__ import annotations

import hashlib
import io
import json
import random
import time
import warnings
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from idolguard.clock import utc_iso
from idolguard.evidence.bundle import (
    BUNDLE_FORMAT,
    MANIFEST,
    MANIFEST_TSR,
    BundleVerification,
    Check,
    build_manifest,
    member_order,
    verify_bundle,
    write_zip,
)
from idolguard.evidence.canonical import canonical_json, sha256_hex
from idolguard.evidence.chain import GENESIS, content_hash, link_hash, verify_chain
from idolguard.evidence.timestamp import TimestampClient
from tests.tsa import LoopbackTSA

Members = dict[str, bytes | Path]
ORIGINAL = random.Random(2024).randbytes(2048)
ORIGINAL_SHA = hashlib.sha256(ORIGINAL).hexdigest()
ORIGINAL_NAME = f"originals/{ORIGINAL_SHA}.bin"
EVIDENCE_NAME = "evidence/item-1-1.json"
LOG_NAME = "custody/log.jsonl"
START = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def custody_log(actions: list[tuple[str, dict[str, Any]]]) -> tuple[bytes, str, int]:
    """Canonical JSON lines of a valid chain; returns (bytes, head, entries)."""
    lines = []
    prev = GENESIS
    for seq, (action, details) in enumerate(actions, start=1):
        at = utc_iso(START + timedelta(seconds=seq))
        fields = {
            "seq": seq,
            "at": at,
            "actor": "운영자",
            "action": action,
            "subject": "item:1",
            "details": details,
        }
        digest = content_hash(seq, at, "운영자", action, "item:1", details)
        entry_hash = link_hash(seq, prev, digest)
        record = {**fields, "content_hash": digest, "prev_hash": prev, "entry_hash": entry_hash}
        lines.append(canonical_json(record) + b"\n")
        prev = entry_hash
    return b"".join(lines), prev, len(actions)


def evidence_json(original: bytes = ORIGINAL) -> bytes:
    md5 = hashlib.md5(original, usedforsecurity=False).hexdigest()
    return canonical_json({"media": {"sha256": sha256_hex(original), "md5": md5}})


def bundle_files(original: bytes | Path = ORIGINAL) -> tuple[Members, dict[str, Any]]:
    """The members (without the manifest) and manifest header of a small valid bundle."""
    evidence = evidence_json(ORIGINAL)
    evidence_sha = sha256_hex(evidence)
    log, head, entries = custody_log(
        [
            ("intake", {"source": "https://example.invalid/post/1", "note": "신고 접수"}),
            ("capture", {"manifest_sha256": evidence_sha}),
            ("export", {"bundle": "case-1"}),
        ]
    )
    files: Members = {ORIGINAL_NAME: original, EVIDENCE_NAME: evidence, LOG_NAME: log}
    header = {
        "items": [
            {
                "id": 1,
                "sha256": ORIGINAL_SHA,
                "original": ORIGINAL_NAME,
                "evidence": [
                    {"manifest": EVIDENCE_NAME, "sha256": evidence_sha, "timestamp": None}
                ],
            }
        ],
        "custody": {"entries": entries, "head": head},
    }
    return files, header


def with_manifest(files: Members, header: Mapping[str, Any]) -> Members:
    manifest, _ = build_manifest(files, header)
    return {**files, MANIFEST: manifest}


def zip_bytes(members: Members) -> bytes:
    out = io.BytesIO()
    write_zip(out, members)
    return out.getvalue()


def write_bundle(path: Path, members: Members) -> Path:
    with path.open("wb") as fh:
        write_zip(fh, members)
    return path


def valid_members() -> Members:
    return with_manifest(*bundle_files())


def read_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def by_name(result: BundleVerification) -> dict[str, Check]:
    return {check.name: check for check in result.checks}


def failed(result: BundleVerification) -> dict[str, str]:
    return {check.name: check.detail for check in result.checks if not check.ok}


def assert_rejected(result: BundleVerification, check: str, detail: str) -> None:
    assert not result.ok
    problems = failed(result)
    assert check in problems, problems
    assert detail in problems[check]


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(tmp_path / "bundle.zip", valid_members())


# -- a valid bundle --------------------------------------------------------------------------------


def test_valid_bundle_verifies(bundle: Path) -> None:
    assert bundle.stat().st_size < 12 * 1024
    result = verify_bundle(bundle)
    assert result.ok, failed(result)
    assert not result.trusted_time
    checks = by_name(result)
    assert checks["container"].detail == "every byte of the ZIP structure is as written"
    assert checks["manifest"].ok and checks["manifest"].detail == "canonical JSON"
    for name in (ORIGINAL_NAME, EVIDENCE_NAME, LOG_NAME):
        assert checks[f"file {name}"].ok
    assert checks["item 1 original"].ok
    assert checks["custody log"].detail.startswith("3 entries chain to head ")
    assert "none" in checks["bundle timestamp"].detail
    report = result.to_json()
    assert report["ok"] is True and report["problems"] == []
    assert report["bundle"] == str(bundle)


def test_bundle_layout(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == [MANIFEST, LOG_NAME, EVIDENCE_NAME, ORIGINAL_NAME]
        for info in infos:
            assert info.compress_type == zipfile.ZIP_STORED
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == 0o100444
            assert info.extra == b""
        manifest = json.loads(archive.read(MANIFEST))
    assert manifest["format"] == BUNDLE_FORMAT
    assert [f["path"] for f in manifest["files"]] == sorted(
        [ORIGINAL_NAME, EVIDENCE_NAME, LOG_NAME]
    )
    listed = {f["path"]: f for f in manifest["files"]}
    assert listed[ORIGINAL_NAME] == {"path": ORIGINAL_NAME, "sha256": ORIGINAL_SHA, "size": 2048}


def test_build_manifest_is_canonical_and_complete() -> None:
    files, header = bundle_files()
    manifest_bytes, manifest = build_manifest(files, header)
    assert manifest_bytes == canonical_json(manifest)
    assert json.loads(manifest_bytes) == manifest
    assert manifest["items"] == header["items"] and manifest["custody"] == header["custody"]
    assert set(manifest) == {"format", "items", "custody", "files"}
    assert build_manifest(dict(reversed(list(files.items()))), header)[0] == manifest_bytes


def test_path_and_bytes_members_give_identical_zips(tmp_path: Path) -> None:
    source = tmp_path / "original.bin"
    source.write_bytes(ORIGINAL)
    from_bytes = with_manifest(*bundle_files(ORIGINAL))
    from_path = with_manifest(*bundle_files(source))
    assert from_path[MANIFEST] == from_bytes[MANIFEST]
    assert zip_bytes(from_path) == zip_bytes(from_bytes)
    path = write_bundle(tmp_path / "from-path.zip", from_path)
    assert path.read_bytes() == zip_bytes(from_bytes)
    assert verify_bundle(path).ok


def test_write_zip_is_deterministic_whatever_the_member_order() -> None:
    members = valid_members()
    shuffled = dict(random.Random(1).sample(list(members.items()), len(members)))
    assert list(shuffled) != list(members)
    first = zip_bytes(members)
    time.sleep(0.01)  # no wall-clock time leaks into the container
    assert zip_bytes(shuffled) == first == zip_bytes(members)


def test_member_order() -> None:
    assert member_order(["b", MANIFEST_TSR, "a/z", MANIFEST, "a"]) == [
        MANIFEST,
        MANIFEST_TSR,
        "a",
        "a/z",
        "b",
    ]
    assert member_order(["z", "y"]) == ["y", "z"]
    assert member_order([MANIFEST_TSR, "x"]) == [MANIFEST_TSR, "x"]
    assert member_order([]) == []


# -- any single byte -------------------------------------------------------------------------------


def _outcome(path: Path) -> str:
    try:
        result = verify_bundle(path)
    except Exception as exc:  # the property under test: it must report, never raise
        return f"raised {type(exc).__name__}: {exc}"
    if result.ok:
        return "accepted"
    return "rejected" if not by_name(result)["container"].ok else "rejected, container ok"


@pytest.fixture(scope="module")
def flips(tmp_path_factory: pytest.TempPathFactory) -> dict[int, str]:
    """verify_bundle's outcome for the bundle with byte i XOR 0x01, for EVERY position i."""
    raw = zip_bytes(valid_members())
    assert len(raw) < 12 * 1024
    path = tmp_path_factory.mktemp("flips") / "bundle.zip"
    outcomes = {}
    for position in range(len(raw)):
        damaged = bytearray(raw)
        damaged[position] ^= 0x01
        path.write_bytes(damaged)
        outcomes[position] = _outcome(path)
    return outcomes


def test_every_single_byte_change_is_detected(flips: dict[int, str]) -> None:
    accepted = [position for position, outcome in flips.items() if outcome == "accepted"]
    assert accepted == []
    # Not only detected, but by the byte-for-byte container check itself.
    unexpected = {p: o for p, o in flips.items() if o == "rejected, container ok"}
    assert unexpected == {}


def test_no_single_byte_change_makes_verification_raise(flips: dict[int, str]) -> None:
    raised = {p: o for p, o in flips.items() if o.startswith("raised")}
    assert raised == {}


# -- structural changes ----------------------------------------------------------------------------


def test_added_member_is_reported(tmp_path: Path) -> None:
    members = {**valid_members(), "notes.txt": b"added later"}
    result = verify_bundle(write_bundle(tmp_path / "b.zip", members))
    assert by_name(result)["container"].ok  # written the IdolGuard way...
    assert_rejected(result, "files", "not in the manifest: notes.txt")  # ...but not listed


def test_member_appended_with_zipfile_is_reported(bundle: Path) -> None:
    with zipfile.ZipFile(bundle, "a") as archive:
        archive.writestr("notes.txt", b"added later")
    result = verify_bundle(bundle)
    assert_rejected(result, "container", "altered or re-packed")
    assert_rejected(result, "files", "notes.txt")


def test_removed_member_is_reported(tmp_path: Path) -> None:
    members = valid_members()
    del members[EVIDENCE_NAME]
    result = verify_bundle(write_bundle(tmp_path / "b.zip", members))
    assert by_name(result)["container"].ok
    assert_rejected(result, f"file {EVIDENCE_NAME}", "missing")
    assert_rejected(result, "item 1", f"evidence manifest {EVIDENCE_NAME} missing")


@pytest.mark.parametrize("missing", [ORIGINAL_NAME, LOG_NAME, MANIFEST])
def test_other_removed_members(tmp_path: Path, missing: str) -> None:
    members = valid_members()
    del members[missing]
    result = verify_bundle(write_bundle(tmp_path / "b.zip", members))
    assert not result.ok
    if missing == MANIFEST:
        assert_rejected(result, "manifest", "manifest.json is missing")
    else:
        assert_rejected(result, f"file {missing}", "missing")
    if missing == LOG_NAME:
        assert_rejected(result, "custody log", "custody/log.jsonl missing")


@pytest.mark.parametrize(
    "compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED], ids=["deflated", "stored"]
)
def test_repacked_bundle_fails_only_the_container_check(
    bundle: Path, tmp_path: Path, compression: int
) -> None:
    members = read_members(bundle)
    repacked = tmp_path / "repacked.zip"
    with zipfile.ZipFile(repacked, "w", compression=compression) as archive:
        for name in member_order(list(members)):
            archive.writestr(name, members[name])
    assert read_members(repacked) == members
    result = verify_bundle(repacked)
    assert_rejected(result, "container", "altered or re-packed")
    assert set(failed(result)) == {"container"}
    file_checks = [c for c in result.checks if c.name.startswith("file ")]
    assert len(file_checks) == 3 and all(c.ok for c in file_checks)


def test_members_in_another_order_fail_the_container_check(bundle: Path, tmp_path: Path) -> None:
    members = read_members(bundle)
    reordered = tmp_path / "reordered.zip"
    with zipfile.ZipFile(reordered, "w") as archive:
        for name in sorted(members, reverse=True):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = 0o100444 << 16
            archive.writestr(info, members[name])
    result = verify_bundle(reordered)
    assert_rejected(result, "container", "")
    assert set(failed(result)) == {"container"}


# -- consistent forgeries (rebuilt with write_zip) -------------------------------------------------


def test_changed_original_with_stale_manifest(tmp_path: Path) -> None:
    members = valid_members()
    members[ORIGINAL_NAME] = b"\x00" + ORIGINAL[1:]
    result = verify_bundle(write_bundle(tmp_path / "b.zip", members))
    assert by_name(result)["container"].ok
    assert_rejected(result, f"file {ORIGINAL_NAME}", "differs from the SHA-256")
    assert_rejected(result, "item 1 original", "differ from those recorded at capture")


def test_changed_original_with_updated_manifest(tmp_path: Path) -> None:
    files, header = bundle_files(b"\x00" + ORIGINAL[1:])
    result = verify_bundle(write_bundle(tmp_path / "b.zip", with_manifest(files, header)))
    assert set(failed(result)) == {"item 1 original"}


def test_changed_evidence_manifest(tmp_path: Path) -> None:
    files, header = bundle_files()
    files[EVIDENCE_NAME] = evidence_json(b"other bytes")
    result = verify_bundle(write_bundle(tmp_path / "b.zip", with_manifest(files, header)))
    assert set(failed(result)) == {"item 1"}
    assert_rejected(result, "item 1", "differs from the hash captured")


def test_evidence_without_a_capture_entry(tmp_path: Path) -> None:
    files, header = bundle_files()
    log, head, entries = custody_log([("intake", {}), ("capture", {"manifest_sha256": "0" * 64})])
    files[LOG_NAME] = log
    header["custody"] = {"entries": entries, "head": head}
    result = verify_bundle(write_bundle(tmp_path / "b.zip", with_manifest(files, header)))
    assert set(failed(result)) == {"item 1 custody"}


@pytest.mark.parametrize(
    "custody",
    [{"entries": 2, "head": "HEAD"}, {"entries": 3, "head": "0" * 64}, {}],
    ids=["fewer-entries", "other-head", "none"],
)
def test_custody_head_must_match_the_manifest(tmp_path: Path, custody: dict[str, Any]) -> None:
    files, header = bundle_files()
    head = header["custody"]["head"]
    assert (
        verify_chain(json.loads(line) for line in bytes(files[LOG_NAME]).splitlines()).head == head
    )
    header["custody"] = {k: (head if v == "HEAD" else v) for k, v in custody.items()}
    result = verify_bundle(write_bundle(tmp_path / "b.zip", with_manifest(files, header)))
    assert_rejected(result, "custody log", "does not end at the head recorded")


def test_broken_custody_log(tmp_path: Path) -> None:
    files, header = bundle_files()
    lines = bytes(files[LOG_NAME]).splitlines(keepends=True)
    record = json.loads(lines[0])
    record["actor"] = "forger"
    files[LOG_NAME] = canonical_json(record) + b"\n" + b"".join(lines[1:])
    result = verify_bundle(write_bundle(tmp_path / "b.zip", with_manifest(files, header)))
    assert set(failed(result)) == {"custody log"}
    assert_rejected(result, "custody log", "entry 1 was altered")


def test_custody_log_that_is_not_json_lines(tmp_path: Path) -> None:
    files, header = bundle_files()
    files[LOG_NAME] = b"\xff\xfe not json\n"
    result = verify_bundle(write_bundle(tmp_path / "b.zip", with_manifest(files, header)))
    assert_rejected(result, "custody log", "not valid JSON Lines")


# -- not a bundle at all ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"", b"this is not a zip file at all", b"PK\x03\x04" + bytes(100)],
    ids=["empty", "text", "zip-magic-only"],
)
def test_not_a_zip(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "b.zip"
    path.write_bytes(content)
    result = verify_bundle(path)
    assert_rejected(result, "container", "not a readable ZIP file")
    assert len(result.checks) == 1


def test_missing_file(tmp_path: Path) -> None:
    assert_rejected(verify_bundle(tmp_path / "absent.zip"), "container", "not a readable ZIP")


@pytest.mark.parametrize("drop", ["half", 1, 22, 23])
def test_truncated_zip(bundle: Path, drop: str | int) -> None:
    raw = bundle.read_bytes()
    bundle.write_bytes(raw[: len(raw) // 2 if drop == "half" else len(raw) - int(drop)])
    assert_rejected(verify_bundle(bundle), "container", "")


@pytest.mark.parametrize("where", ["prepended", "appended"])
def test_extra_bytes_around_the_zip(bundle: Path, where: str) -> None:
    raw = bundle.read_bytes()
    bundle.write_bytes(b"junk" + raw if where == "prepended" else raw + b"junk")
    assert_rejected(verify_bundle(bundle), "container", "")


@pytest.mark.parametrize("name", ["../evil", "a/../../evil", "/etc/evil", "a\\..\\evil", ""])
def test_unsafe_member_names(tmp_path: Path, name: str) -> None:
    path = tmp_path / "b.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(MANIFEST, b"{}")
        archive.writestr(zipfile.ZipInfo(name), b"payload")
    result = verify_bundle(path)
    assert_rejected(result, "container", "duplicate, unsafe or too many member names")
    assert len(result.checks) == 1


def test_duplicate_member_names(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate; that is the point
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(MANIFEST, b"{}")
            archive.writestr(MANIFEST, b"{}")
    assert_rejected(verify_bundle(path), "container", "duplicate, unsafe or too many")


@pytest.mark.parametrize(
    ("manifest", "detail"),
    [
        (b"this is not json {", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"[1, 2, 3]", "not an IdolGuard bundle manifest"),
        (b'{"format": "something-else"}', "not an IdolGuard bundle manifest"),
    ],
    ids=["text", "binary", "empty", "list", "other-format"],
)
def test_manifest_that_is_not_a_manifest(tmp_path: Path, manifest: bytes, detail: str) -> None:
    members = {**valid_members(), MANIFEST: manifest}
    result = verify_bundle(write_bundle(tmp_path / "b.zip", members))
    assert by_name(result)["container"].ok
    assert_rejected(result, "manifest", detail)


def test_manifest_not_in_canonical_form(tmp_path: Path) -> None:
    members = valid_members()
    pretty = json.dumps(json.loads(members[MANIFEST]), indent=2).encode()  # type: ignore[arg-type]
    result = verify_bundle(write_bundle(tmp_path / "b.zip", {**members, MANIFEST: pretty}))
    assert set(failed(result)) == {"manifest"}
    assert_rejected(result, "manifest", "not in canonical form")


def _hostile_manifest() -> Members:
    files, _ = bundle_files()
    return with_manifest(files, {"items": [1], "custody": {}})


def _hostile_log(record: Any) -> Members:
    files, header = bundle_files()
    files[LOG_NAME] = json.dumps(record).encode() + b"\n"
    return with_manifest(files, header)


@pytest.mark.parametrize(
    "members",
    [
        _hostile_manifest,
        lambda: _hostile_log([]),
        lambda: _hostile_log({"seq": "x", "prev_hash": GENESIS}),
        lambda: _hostile_log({"prev_hash": GENESIS}),
        lambda: _hostile_log(
            {
                "seq": 1,
                "at": None,
                "actor": "",
                "action": "x",
                "subject": "",
                "details": {},
                "prev_hash": GENESIS,
            }
        ),
    ],
    ids=["items-int", "log-list", "log-seq-str", "log-no-seq", "log-at-null"],
)
def test_hostile_json_shapes_are_reported_not_raised(tmp_path: Path, members: Any) -> None:
    result = verify_bundle(write_bundle(tmp_path / "b.zip", members()))
    assert not result.ok


# -- the bundle timestamp --------------------------------------------------------------------------


def test_manifest_timestamp(tmp_path: Path, tsa: LoopbackTSA) -> None:
    members = valid_members()
    manifest = members[MANIFEST]
    assert isinstance(manifest, bytes)
    token = TimestampClient(tsa.url).stamp(manifest).response_der
    path = write_bundle(tmp_path / "b.zip", {**members, MANIFEST_TSR: token})
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist()[:2] == [MANIFEST, MANIFEST_TSR]

    trusted = verify_bundle(path, roots_pem=tsa.ca_pem)
    assert trusted.ok, failed(trusted)
    assert trusted.trusted_time
    assert " UTC by " in by_name(trusted)["bundle timestamp"].detail
    assert "not checked" not in by_name(trusted)["bundle timestamp"].detail

    untrusted = verify_bundle(path)
    assert untrusted.ok, failed(untrusted)
    assert not untrusted.trusted_time
    assert "not checked against a trusted root" in by_name(untrusted)["bundle timestamp"].detail


def test_manifest_timestamp_over_other_data(tmp_path: Path, tsa: LoopbackTSA) -> None:
    token = TimestampClient(tsa.url).stamp(b"a different manifest").response_der
    path = write_bundle(tmp_path / "b.zip", {**valid_members(), MANIFEST_TSR: token})
    result = verify_bundle(path, roots_pem=tsa.ca_pem)
    assert set(failed(result)) == {"bundle timestamp"}
    assert not result.trusted_time


def test_manifest_timestamp_that_is_garbage(tmp_path: Path) -> None:
    path = write_bundle(tmp_path / "b.zip", {**valid_members(), MANIFEST_TSR: b"\x30\x03junk"})
    result = verify_bundle(path)
    assert set(failed(result)) == {"bundle timestamp"}
    assert not result.trusted_time


# -- manifest edits found by the tamper property test (tests/robustness/test_tamper.py) ----------


def _edited_manifest(tmp_path: Path, old: bytes, new: bytes) -> BundleVerification:
    members = valid_members()
    manifest = members[MANIFEST]
    assert isinstance(manifest, bytes) and manifest.count(old) >= 1
    at = manifest.rindex(old)  # the item section comes after the file list
    members[MANIFEST] = manifest[:at] + new + manifest[at + len(old) :]
    return verify_bundle(write_bundle(tmp_path / "edited.zip", members))


@pytest.mark.parametrize(
    ("old", "new", "check", "detail"),
    [
        (b'"original":"originals/e6', b'"original":"originals/f6', "item 1 original", "not in"),
        (b'"sha256":"e67e', b'"sha256":"e66e', "item 1", "differs from the one captured"),
        (b'"id":1', b'"id":9', "item 9", "another item"),
        (b'"items"', b'"htems"', "items", "unexpected structure"),
        (b'"evidence":[', b'"evhdence":[', "items", "unexpected structure"),
        (b'"original":', b'"origin`l":', "items", "unexpected structure"),
    ],
    ids=["original-renamed", "item-sha", "item-id", "items-key", "evidence-key", "original-key"],
)
def test_one_byte_edits_of_the_unsigned_manifest_are_caught(
    tmp_path: Path, old: bytes, new: bytes, check: str, detail: str
) -> None:
    """These 1-byte manifest edits used to verify as intact."""
    assert_rejected(_edited_manifest(tmp_path, old, new), check, detail)


def test_zip_claiming_an_unknown_version_is_reported(bundle: Path) -> None:
    raw = bytearray(bundle.read_bytes())
    central = raw.rindex(b"PK\x01\x02")
    raw[central + 6] = 131  # "version needed to extract": 13.1; zipfile raises NotImplementedError
    bundle.write_bytes(bytes(raw))
    assert_rejected(verify_bundle(bundle), "container", "not a readable ZIP file")


def test_local_header_with_a_long_extra_field_is_reported_not_raised(bundle: Path) -> None:
    """Found by the property test (seed 8947): zipfile raised EOFError, verify crashed."""
    with zipfile.ZipFile(bundle) as archive:
        offset = archive.getinfo(EVIDENCE_NAME).header_offset
    raw = bytearray(bundle.read_bytes())
    raw[offset + 29] = 0x94  # extra field length 37,888: the member runs past the end
    bundle.write_bytes(bytes(raw))
    assert_rejected(verify_bundle(bundle), "container", "cannot be read intact")


@pytest.mark.parametrize("field", ["method", "size"])
def test_member_header_claiming_a_bomb_is_not_unpacked(bundle: Path, field: str) -> None:
    raw = bytearray(bundle.read_bytes())
    central = raw.rindex(b"PK\x01\x02")  # the last member's central directory entry
    if field == "method":
        raw[central + 10] = zipfile.ZIP_LZMA
    else:
        raw[central + 24 : central + 28] = (3 * 1024**3).to_bytes(4, "little")  # 3 GB
    bundle.write_bytes(bytes(raw))
    assert_rejected(verify_bundle(bundle), "container", "altered, not unpacked")
