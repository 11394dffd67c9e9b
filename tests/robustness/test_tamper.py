"""Tamper evidence as a property: every random change to a bundle or the custody log is caught.

Seeded random loops (reproducible: the seed is in each failure message) over
the checks behind ``idolguard verify`` (``verify_bundle``) and ``idolguard audit
verify`` (``CustodyLog.verify``):

* a bundle ZIP: a byte changed anywhere, a member removed, added, or the
  members reordered;
* an exported custody chain (``verify_chain``, plus the head the manifest
  records): rows edited, deleted, inserted, appended, swapped;
* the custody log in the database with its append-only triggers dropped: rows
  edited (with or without recomputed hashes), deleted, inserted (renumbering
  the rest), appended (with correct hashes), reordered.

The counts here are the CI version; raise ``TAMPER_ROUNDS`` for a long run.
"""

from __future__ import annotations

import io
import json
import os
import random
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, text

from idolguard.app import IdolGuard
from idolguard.evidence.bundle import verify_bundle
from idolguard.evidence.chain import GENESIS, content_hash, link_hash, verify_chain
from idolguard.storage.models import CustodyEntry
from tests.evidence.test_bundle import bundle_files, valid_members, with_manifest, zip_bytes

ROUNDS = int(os.environ.get("TAMPER_ROUNDS", "1"))
FIELDS = ("seq", "at", "actor", "action", "subject", "details")
HASHES = ("content_hash", "prev_hash", "entry_hash")


# -- bundles ---------------------------------------------------------------------------------------


def _raw_zip(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def _mutate_bundle(rng: random.Random, raw: bytes, members: dict[str, bytes]) -> tuple[str, bytes]:
    kind = rng.choice(["byte", "byte", "byte", "remove", "add", "reorder", "replace"])
    names = list(members)
    if kind == "byte":
        offset = rng.randrange(len(raw))
        changed = bytearray(raw)
        changed[offset] ^= rng.randrange(1, 256)
        return f"byte {offset}", bytes(changed)
    if kind == "remove":
        gone = rng.choice(names)
        return f"remove {gone}", zip_bytes({k: v for k, v in members.items() if k != gone})
    if kind == "add":
        name = rng.choice(["extra.bin", "originals/extra.bin", "custody/log2.jsonl", "a/b.json"])
        added = {**members, name: rng.randbytes(rng.randrange(0, 64))}
        return f"add {name}", zip_bytes(added)
    if kind == "reorder":
        order = names[:]
        while order == names:
            rng.shuffle(order)
        return f"reorder {order}", _raw_zip([(n, members[n]) for n in order])
    name = rng.choice(names)  # the same length, other content, manifest left as it was
    data = bytearray(members[name])
    data[rng.randrange(len(data))] ^= 1
    return f"replace {name}", zip_bytes({**members, name: bytes(data)})


def test_every_bundle_modification_is_detected(tmp_path: Path) -> None:
    members = {k: v for k, v in valid_members().items() if isinstance(v, bytes)}
    raw = zip_bytes(dict(members))
    path = tmp_path / "bundle.zip"
    path.write_bytes(raw)
    assert verify_bundle(path).ok
    missed = []
    for seed in range(500 * ROUNDS):
        rng = random.Random(seed)
        what, mutated = _mutate_bundle(rng, raw, members)
        assert mutated != raw
        path.write_bytes(mutated)
        if verify_bundle(path).ok:
            missed.append((seed, what))
    assert not missed, f"undetected bundle modifications (seed, change): {missed}"


# -- an exported chain -----------------------------------------------------------------------------


def _rehash(record: dict[str, Any], prev: str) -> dict[str, Any]:
    digest = content_hash(*(record[name] for name in FIELDS))
    return {**record, "content_hash": digest, "prev_hash": prev}


def _forged(seq: int, prev: str, rng: random.Random) -> dict[str, Any]:
    at = "2024-06-01T12:00:00.000000Z"
    details = {"note": f"forged {rng.randrange(1000)}"}
    digest = content_hash(seq, at, "forger", "view", "item:1", details)
    return {
        "seq": seq,
        "at": at,
        "actor": "forger",
        "action": "view",
        "subject": "item:1",
        "details": details,
        "content_hash": digest,
        "prev_hash": prev,
        "entry_hash": link_hash(seq, prev, digest),
    }


def _mutate_chain(rng: random.Random, chain: list[dict[str, Any]]) -> str:
    kind = rng.choice(["edit", "rehash", "delete", "insert", "append", "swap"])
    i = rng.randrange(len(chain))
    if kind == "edit":
        field = rng.choice(FIELDS[1:] + HASHES)
        chain[i][field] = {"note": "edited"} if field == "details" else f"x{rng.random()}"
    elif kind == "rehash":  # an edit with its own hashes recomputed
        edited = _rehash({**chain[i], "actor": "mallory"}, chain[i]["prev_hash"])
        edited["entry_hash"] = link_hash(edited["seq"], edited["prev_hash"], edited["content_hash"])
        chain[i] = edited
    elif kind == "delete":
        del chain[i]
    elif kind == "insert":
        prev = chain[i - 1]["entry_hash"] if i else GENESIS
        chain.insert(i, _forged(i + 1, prev, rng))
        for later in chain[i + 1 :]:
            later["seq"] += 1
    elif kind == "append":
        chain.append(_forged(len(chain) + 1, chain[-1]["entry_hash"], rng))
    else:
        j = rng.choice([k for k in range(len(chain)) if k != i])
        chain[i], chain[j] = chain[j], chain[i]
    return f"{kind} at {i}"


def _long_chain(n: int) -> list[dict[str, Any]]:
    chain, prev = [], GENESIS
    start = datetime(2024, 6, 1, tzinfo=UTC)
    for seq in range(1, n + 1):
        at = (start + timedelta(seconds=seq)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        fields = (seq, at, "운영자", "view", f"item:{seq % 3}", {"n": seq})
        digest = content_hash(*fields)
        entry_hash = link_hash(seq, prev, digest)
        chain.append(
            {
                **dict(zip(FIELDS, fields, strict=True)),
                "content_hash": digest,
                "prev_hash": prev,
                "entry_hash": entry_hash,
            }
        )
        prev = entry_hash
    return chain


def test_every_exported_chain_modification_is_detected() -> None:
    """What a bundle's custody check sees: the chain, and the head its manifest records."""
    original = _long_chain(12)
    recorded = verify_chain(original)
    assert recorded.ok
    missed = []
    for seed in range(500 * ROUNDS):
        rng = random.Random(seed)
        chain = json.loads(json.dumps(original))
        what = _mutate_chain(rng, chain)
        result = verify_chain(chain)
        if result.ok and (result.entries, result.head) == (recorded.entries, recorded.head):
            missed.append((seed, what))
        elif not result.ok:
            assert result.problem and "\n" not in result.problem
    assert not missed, f"undetected chain modifications (seed, change): {missed}"


def test_bundle_custody_log_modification_is_detected(tmp_path: Path) -> None:
    """The same chain mutations inside a bundle, with its manifest rebuilt to match."""
    files, header = bundle_files()
    log = files["custody/log.jsonl"]
    assert isinstance(log, bytes)
    original = [json.loads(line) for line in log.splitlines()]
    missed = []
    for seed in range(100 * ROUNDS):
        rng = random.Random(seed)
        chain = json.loads(json.dumps(original))
        what = _mutate_chain(rng, chain)
        from idolguard.evidence.canonical import canonical_json

        forged_log = b"".join(canonical_json(record) + b"\n" for record in chain)
        members = with_manifest({**files, "custody/log.jsonl": forged_log}, header)
        path = tmp_path / f"b{seed}.zip"
        path.write_bytes(zip_bytes(members))
        if verify_bundle(path).ok:
            missed.append((seed, what))
    assert not missed, f"undetected custody-log changes in bundles (seed, change): {missed}"


# -- the custody log in the database ---------------------------------------------------------------


def _drop_guards(app: IdolGuard) -> None:
    with app.database.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER custody_entry_no_update"))
            conn.execute(text("DROP TRIGGER custody_entry_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER custody_entry_no_change ON custody_entry"))


def _row(record: dict[str, Any]) -> CustodyEntry:
    at = record["at"]
    if isinstance(at, str):
        at = datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return CustodyEntry(**{**record, "at": at})


def _mutate_table(rng: random.Random, app: IdolGuard, rows: list[dict[str, Any]]) -> str:
    kind = rng.choice(["edit", "rehash", "delete", "insert", "append", "swap"])
    n = len(rows)
    seq = rng.randrange(1, n + 1)
    with app.database.engine.begin() as conn:
        if kind == "edit":
            column = rng.choice(["actor", "action", "subject", "at", *HASHES])
            value: Any = f"x{rng.randrange(10**6)}"
            if column == "at":
                value = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(10**6))
            elif column in HASHES:
                value = f"{rng.getrandbits(256):064x}"
            conn.execute(
                text(f"UPDATE custody_entry SET {column} = :v WHERE seq = :s"),
                {"v": value, "s": seq},
            )
        elif kind in ("delete", "rehash"):
            conn.execute(text("DELETE FROM custody_entry WHERE seq = :s"), {"s": seq})
        elif kind == "insert":
            conn.execute(
                text("UPDATE custody_entry SET seq = seq + 1000000 WHERE seq >= :s"), {"s": seq}
            )
            conn.execute(text("UPDATE custody_entry SET seq = seq - 999999 WHERE seq > 1000000"))
        elif kind == "swap":
            other = rng.choice([k for k in range(1, n + 1) if k != seq])
            conn.execute(text("UPDATE custody_entry SET seq = -1 WHERE seq = :s"), {"s": seq})
            conn.execute(
                text("UPDATE custody_entry SET seq = :s WHERE seq = :o"), {"s": seq, "o": other}
            )
            conn.execute(text("UPDATE custody_entry SET seq = :o WHERE seq = -1"), {"o": other})
    with app.database.session() as session:
        if kind == "rehash":  # the row rewritten with hashes that fit its place
            record = rows[seq - 1]
            edited = _rehash({**record, "actor": "mallory"}, record["prev_hash"])
            edited["entry_hash"] = link_hash(seq, edited["prev_hash"], edited["content_hash"])
            session.add(_row(edited))
        elif kind == "insert":
            prev = rows[seq - 2]["entry_hash"] if seq > 1 else GENESIS
            session.add(_row(_forged(seq, prev, rng)))
        elif kind == "append":
            session.add(_row(_forged(n + 1, rows[-1]["entry_hash"], rng)))
    return f"{kind} at {seq}"


def _restore(app: IdolGuard, rows: list[dict[str, Any]]) -> None:
    with app.database.session() as session:
        session.execute(delete(CustodyEntry))
        session.add_all(_row(record) for record in rows)


def test_every_database_log_modification_is_detected(app: IdolGuard) -> None:
    for i in range(8):
        app.custody.record(actor="운영자", action="view", subject=f"item:{i}", details={"n": i})
    rows = [entry.to_json() for entry in app.custody.entries()]
    assert app.custody.verify().ok
    _drop_guards(app)
    missed = []
    for seed in range(100 * ROUNDS):
        rng = random.Random(seed)
        what = _mutate_table(rng, app, rows)
        report = app.custody.verify()
        if report.ok:
            missed.append((seed, what))
        else:
            assert report.problems(), (seed, what)
        _restore(app, rows)
        assert app.custody.verify().ok, (seed, what)
    assert not missed, f"undetected custody-log modifications (seed, change): {missed}"
