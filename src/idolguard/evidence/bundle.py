"""Evidence bundles: one ZIP that anyone can check offline, byte for byte.

The container is written deterministically (stored, not compressed; fixed
dates; no extra fields; members in a fixed order), so a verifier can rebuild
it from its members and compare: a change to *any* byte, in a file or in the
ZIP structure around it, is detected. ``manifest.json`` lists every other file
with its SHA-256; ``manifest.tsr``, when present, is an RFC 3161 timestamp over
the manifest, so the whole bundle is attested by a third party. Inside,
evidence manifests carry their own timestamps, originals are checked against
the hashes those manifests recorded at capture, and the custody log's hash
chain is recomputed.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from idolguard.evidence.canonical import canonical_json, sha256_hex
from idolguard.evidence.chain import verify_chain
from idolguard.evidence.timestamp import verify_timestamp
from idolguard.media.digests import file_digests

BUNDLE_FORMAT = "idolguard-bundle-v1"
MANIFEST = "manifest.json"
MANIFEST_TSR = "manifest.tsr"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
MAX_MEMBERS = 100_000
ZIP64_FROM = 0x7FFFFFFF


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3  # Unix, whatever the host
    info.external_attr = 0o100444 << 16  # regular file, read-only
    return info


def member_order(names: Sequence[str]) -> list[str]:
    head = [n for n in (MANIFEST, MANIFEST_TSR) if n in names]
    return head + sorted(n for n in names if n not in (MANIFEST, MANIFEST_TSR))


def write_zip(out: io.BufferedIOBase | io.BytesIO, members: Mapping[str, bytes | Path]) -> None:
    """Write members in bundle order; the same members always give the same bytes."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name in member_order(list(members)):
            content = members[name]
            info = _zip_info(name)
            info.file_size = content.stat().st_size if isinstance(content, Path) else len(content)
            # One code path for files and bytes, so headers never depend on how a member
            # was supplied; ZIP64 only where the size needs it.
            with archive.open(info, "w", force_zip64=info.file_size >= ZIP64_FROM) as dst:
                if isinstance(content, Path):
                    with content.open("rb") as source:
                        while chunk := source.read(1024 * 1024):
                            dst.write(chunk)
                else:
                    dst.write(content)


def build_manifest(
    files: Mapping[str, bytes | Path], header: Mapping[str, Any]
) -> tuple[bytes, dict[str, Any]]:
    """The bundle manifest over ``files`` (every member except the manifest and its token)."""
    entries = []
    for name in sorted(files):
        content = files[name]
        if isinstance(content, Path):
            sha256, _md5, size = file_digests(content)
            entries.append({"path": name, "sha256": sha256, "size": size})
        else:
            entries.append({"path": name, "sha256": sha256_hex(content), "size": len(content)})
    manifest = {"format": BUNDLE_FORMAT, **dict(header), "files": entries}
    return canonical_json(manifest), manifest


@dataclass
class Check:
    name: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class BundleVerification:
    path: str
    checks: list[Check] = field(default_factory=list)
    trusted_time: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append(Check(name, ok, detail))
        return ok

    def to_json(self) -> dict[str, Any]:
        return {
            "bundle": self.path,
            "ok": self.ok,
            "trusted_time": self.trusted_time,
            "checks": [c.to_json() for c in self.checks],
            "problems": [f"{c.name}: {c.detail}" for c in self.checks if not c.ok],
        }


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def verify_bundle(path: Path, *, roots_pem: bytes | None = None) -> BundleVerification:
    """Check a bundle offline. Never raises on a damaged or hostile file: it reports."""
    result = BundleVerification(str(path))
    try:
        raw = path.read_bytes()
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (OSError, zipfile.BadZipFile, ValueError, NotImplementedError) as exc:
        # NotImplementedError: a damaged header claims a ZIP version zipfile does not read.
        result.add("container", False, f"not a readable ZIP file: {exc}")
        return result
    names = [i.filename for i in infos]
    if len(names) > MAX_MEMBERS or len(set(names)) != len(names) or not all(map(_safe_name, names)):
        result.add("container", False, "duplicate, unsafe or too many member names")
        return result
    claimed = sum(i.file_size for i in infos)
    if (
        any(i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for i in infos)
        or claimed > 4 * len(raw) + 256 * 1024 * 1024
    ):
        # IdolGuard stores members; a re-packed (deflated) copy is still checked, but other
        # methods and sizes no real re-pack gives are not decompressed (a changed header
        # could claim gigabytes).
        result.add(
            "container",
            False,
            f"members claim {claimed:,} bytes or an unusual compression: altered, not unpacked",
        )
        return result
    members: dict[str, bytes] = {}
    try:
        for info in infos:
            members[info.filename] = archive.read(info)  # checks each member's CRC
    except (
        zipfile.BadZipFile,
        ValueError,
        OSError,
        NotImplementedError,
        RuntimeError,
        EOFError,  # a member shorter than its header says
    ) as exc:
        result.add("container", False, f"a member cannot be read intact: {exc}")
        return result
    rebuilt = io.BytesIO()
    write_zip(rebuilt, members)
    result.add(
        "container",
        rebuilt.getvalue() == raw and names == member_order(names),
        "every byte of the ZIP structure is as written"
        if rebuilt.getvalue() == raw
        else "the ZIP structure differs from how IdolGuard writes it (altered or re-packed)",
    )
    manifest_bytes = members.get(MANIFEST)
    if manifest_bytes is None:
        result.add("manifest", False, "manifest.json is missing")
        return result
    try:
        manifest = json.loads(manifest_bytes)
        canonical = canonical_json(manifest) == manifest_bytes
    except (ValueError, TypeError) as exc:
        result.add("manifest", False, f"manifest.json is not valid JSON: {exc}")
        return result
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        result.add("manifest", False, "manifest.json is not an IdolGuard bundle manifest")
        return result
    result.add("manifest", canonical, "canonical JSON" if canonical else "not in canonical form")
    checks: list[tuple[str, Callable[[], None]]] = [
        ("files", lambda: _check_files(result, manifest, members)),
        (
            "bundle timestamp",
            lambda: _check_manifest_timestamp(result, members, manifest_bytes, roots_pem),
        ),
        ("items", lambda: _check_items(result, manifest, members, roots_pem)),
        ("custody log", lambda: _check_custody(result, manifest, members)),
    ]
    for name, check in checks:
        try:
            check()
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            # Valid JSON of the wrong shape: a forged or damaged manifest, reported, not raised.
            result.add(name, False, f"unexpected structure ({type(exc).__name__}: {exc})")
    return result


def _check_files(
    result: BundleVerification, manifest: dict[str, Any], members: dict[str, bytes]
) -> None:
    listed = {e.get("path"): e for e in manifest.get("files", []) if isinstance(e, dict)}
    for name, entry in sorted(listed.items()):
        content = members.get(str(name))
        if content is None:
            result.add(f"file {name}", False, "listed in the manifest but missing")
        elif sha256_hex(content) != entry.get("sha256") or len(content) != entry.get("size"):
            result.add(f"file {name}", False, "content differs from the SHA-256 in the manifest")
        else:
            result.add(f"file {name}", True, f"sha256 {entry['sha256']}")
    extra = sorted(set(members) - set(listed) - {MANIFEST, MANIFEST_TSR})
    if extra:
        result.add("files", False, "not in the manifest: " + ", ".join(extra[:10]))


def _check_manifest_timestamp(
    result: BundleVerification, members: dict[str, bytes], manifest: bytes, roots: bytes | None
) -> None:
    token = members.get(MANIFEST_TSR)
    if token is None:
        result.add(
            "bundle timestamp",
            True,
            "none (no time-stamping authority was configured): the manifest is protected "
            "by the hashes recorded in the custody log only",
        )
        return
    check = verify_timestamp(token, manifest, roots_pem=roots)
    result.trusted_time = check.valid and check.trusted
    when = f"{check.gen_time:%Y-%m-%d %H:%M:%S} UTC by {check.tsa_name}" if check.gen_time else ""
    result.add(
        "bundle timestamp",
        check.valid,
        (
            when
            + (
                ""
                if check.trusted
                else " (TSA not checked against a trusted root: pass --tsa-roots)"
            )
        )
        if check.valid
        else "; ".join(check.problems),
    )


def _check_items(
    result: BundleVerification,
    manifest: dict[str, Any],
    members: dict[str, bytes],
    roots: bytes | None,
) -> None:
    # Without a bundle timestamp the manifest itself is unsigned: every field it states about
    # an item must agree with what was captured, so an edit to it cannot pass unnoticed.
    for item in manifest["items"]:
        label = f"item {item.get('id')}"
        for record in item["evidence"]:
            if not str(record.get("manifest")).startswith(f"evidence/item-{item.get('id')}-"):
                result.add(label, False, "the manifest assigns this evidence to another item")
                continue
            evidence_bytes = members.get(str(record.get("manifest")))
            if evidence_bytes is None:
                result.add(label, False, f"evidence manifest {record.get('manifest')} missing")
                continue
            if sha256_hex(evidence_bytes) != record.get("sha256"):
                result.add(label, False, "evidence manifest differs from the hash captured")
                continue
            try:
                evidence = json.loads(evidence_bytes)
                media = evidence["media"]
            except (ValueError, KeyError, TypeError):
                result.add(label, False, "evidence manifest is not valid")
                continue
            if media.get("sha256") != item.get("sha256"):
                result.add(
                    label, False, "the item's SHA-256 in the manifest differs from the one captured"
                )
                continue
            original_name = item["original"]  # required: null when not stored
            original = members.get(str(original_name)) if original_name else None
            if original is None and original_name:
                # Named but absent: the manifest was edited, or the member removed.
                result.add(
                    f"{label} original",
                    False,
                    f"the manifest names the original {original_name}, which is not in the bundle",
                )
            elif original is None:
                result.add(label, True, "original not included (not stored at capture)")
            else:
                same = hashlib.sha256(original).hexdigest() == media.get("sha256") and hashlib.md5(
                    original, usedforsecurity=False
                ).hexdigest() == media.get("md5")
                result.add(
                    f"{label} original",
                    same,
                    "SHA-256 and MD5 equal those recorded at capture"
                    if same
                    else "the original's bytes differ from those recorded at capture",
                )
            token_name = record["timestamp"]  # required: null when none
            if token_name:
                token = members.get(str(token_name))
                check = verify_timestamp(token or b"", evidence_bytes, roots_pem=roots)
                result.add(
                    f"{label} timestamp",
                    check.valid,
                    f"evidence existed at {check.gen_time:%Y-%m-%d %H:%M:%S} UTC"
                    if check.valid and check.gen_time
                    else "; ".join(check.problems),
                )


def _check_custody(
    result: BundleVerification, manifest: dict[str, Any], members: dict[str, bytes]
) -> None:
    log_bytes = members.get("custody/log.jsonl")
    if log_bytes is None:
        result.add("custody log", False, "custody/log.jsonl missing")
        return
    try:
        records = [json.loads(line) for line in log_bytes.decode("utf-8").splitlines() if line]
    except (ValueError, UnicodeDecodeError) as exc:
        result.add("custody log", False, f"not valid JSON Lines: {exc}")
        return
    if not all(isinstance(r, dict) for r in records):
        result.add("custody log", False, "a line is not a JSON object")
        return
    chain = verify_chain(records)
    custody = manifest.get("custody", {})
    if not chain.ok:
        result.add("custody log", False, chain.problem or "broken")
        return
    head_ok = chain.head == custody.get("head") and chain.entries == custody.get("entries")
    result.add(
        "custody log",
        head_ok,
        f"{chain.entries} entries chain to head {chain.head[:16]}…"
        if head_ok
        else "the log does not end at the head recorded in the manifest",
    )
    captured = {
        r["details"].get("manifest_sha256")
        for r in records
        if r.get("action") == "capture" and isinstance(r.get("details"), dict)
    }
    for item in manifest.get("items", []):
        for record in item.get("evidence", []):
            if record.get("sha256") not in captured:
                result.add(
                    f"item {item.get('id')} custody",
                    False,
                    "no capture entry in the custody log for its evidence manifest",
                )
