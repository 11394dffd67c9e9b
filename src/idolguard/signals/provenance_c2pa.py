"""C2PA Content Credentials: the signed provenance that OpenAI, Adobe, Google, Microsoft and
camera makers attach to their output, read with the official ``c2pa-python`` bindings.

A manifest is evidence twice over: its actions say how the content was made
(``c2pa.created`` with IPTC ``digitalSourceType`` ``trainedAlgorithmicMedia`` is
the standard way to say "a generative model made this"), and its signature says
who vouches for that. Both are recorded, with the validation state, because a
manifest that no longer matches the pixels ("Invalid") still says what the
original claimed to be.

The library is imported lazily and optional: without it the signal still runs
its other checks and says ``"unavailable"``. Reading never touches the network
(no remote manifests, no OCSP): scanned files must not be able to make us fetch
URLs they choose.
"""

from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from idolguard.signals.base import JSONDict
from idolguard.signals.provenance_common import (
    clip,
    finding,
    is_ai_source_type,
    source_type_code,
)

UNAVAILABLE = "unavailable"

# Sniffed format -> MIME type c2pa reads. Formats c2pa cannot hold (BMP, WebM,
# Matroska) are skipped without asking it. 3GP is ISO BMFF like MP4.
C2PA_MIME: dict[str, str] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "tiff": "image/tiff",
    "heic": "image/heic",
    "heif": "image/heif",
    "avif": "image/avif",
    "mp4": "video/mp4",
    "3gp": "video/mp4",
    "mov": "video/quicktime",
    "avi": "video/x-msvideo",
}

MAX_ACTIONS = 50
_OFFLINE = {"remote_manifest_fetch": False, "ocsp_fetch": False}

_module: ModuleType | None = None
_module_missing = False
_contexts: dict[tuple[int, str | None], Any] = {}


@dataclass
class C2paOutcome:
    """``block`` is the result's ``c2pa`` value: None (no manifest), a dict, or "unavailable"."""

    block: JSONDict | str | None = None
    findings: list[JSONDict] = field(default_factory=list)


def load_c2pa() -> ModuleType | None:
    """The ``c2pa`` module, or None when it is not installed (checked once per process)."""
    global _module, _module_missing
    if _module is None and not _module_missing:
        try:
            _module = importlib.import_module("c2pa")
        except Exception:  # ImportError, or a broken native library
            _module_missing = True
    return _module


def _context(c2pa: ModuleType, trust_anchors: str | None) -> Any:
    """One reading context per trust configuration and process (building one parses settings).

    Keyed by process id too: c2pa refuses native handles inherited through ``fork``,
    and scan workers are forked from a parent that may already have read files.
    """
    key = (os.getpid(), trust_anchors)
    context = _contexts.get(key)
    if context is None or not getattr(context, "is_valid", True):
        settings: JSONDict = {"verify": dict(_OFFLINE)}
        if trust_anchors:
            settings["trust"] = {"trust_anchors": trust_anchors}
        context = _contexts[key] = c2pa.Context.from_dict(settings)
    return context


def has_jumbf(windows: list[bytes]) -> bool:
    """Whether the bytes hold a JUMBF box, the container every embedded manifest lives in."""
    return any(b"jumb" in window for window in windows)


def read_c2pa(
    path: Path, fmt: str, trust_anchors: str | None = None, *, jumbf_seen: bool = True
) -> C2paOutcome:
    """Read and validate the manifest store of ``path``; never raises.

    ``jumbf_seen=False`` says a byte search found no JUMBF box: a parse error is
    then the file's own damage (a truncated PNG), not a broken manifest, and is
    not reported.
    """
    mime = C2PA_MIME.get(fmt)
    if mime is None:
        return C2paOutcome()
    c2pa = load_c2pa()
    if c2pa is None:
        return C2paOutcome(block=UNAVAILABLE)
    try:
        context = _context(c2pa, trust_anchors)
        with path.open("rb") as stream, c2pa.Reader(mime, stream, None, context) as reader:
            store = json.loads(reader.json())
    except Exception as exc:
        if _is_not_found(c2pa, exc) or not jumbf_seen:  # no manifest: the common case
            return C2paOutcome()
        message = clip(str(exc) or type(exc).__name__, 500)[0]
        return C2paOutcome(
            findings=[
                finding(
                    "c2pa_error",
                    ai=False,
                    source="C2PA",
                    value=message,
                    detail="The file has C2PA data that could not be read or validated.",
                )
            ]
        )
    if not isinstance(store, dict):
        return C2paOutcome()
    return summarise_store(store)


def _is_not_found(c2pa: ModuleType, exc: Exception) -> bool:
    not_found = getattr(getattr(c2pa, "C2paError", None), "ManifestNotFound", None)
    return isinstance(not_found, type) and isinstance(exc, not_found)


def summarise_store(store: JSONDict) -> C2paOutcome:
    """The ``c2pa`` block and findings for a manifest store as ``Reader.json()`` gives it."""
    manifests = store.get("manifests")
    manifests = manifests if isinstance(manifests, dict) else {}
    active_label = store.get("active_manifest")
    active = manifests.get(active_label) if isinstance(active_label, str) else None
    active = active if isinstance(active, dict) else {}
    signature = _signature_info(active)
    signer = signature.get("common_name") or signature.get("issuer")
    state = store.get("validation_state")
    actions = _actions(manifests, active_label)
    block: JSONDict = {
        "claim_generator": _claim_generator(active),
        "signer": signer,
        "signature_info": signature,
        "validation_state": state if isinstance(state, str) else None,
        "validation_status": _status_codes(store),
        "actions": actions[:MAX_ACTIONS],
        "active_manifest": active_label if isinstance(active_label, str) else None,
        "manifest_count": len(manifests),
    }
    sources = actions[:MAX_ACTIONS] + _iptc_source_types(manifests, active_label)[:MAX_ACTIONS]
    findings = [_ai_finding(entry, block) for entry in sources if _declares_ai(entry)]
    if not findings:
        findings.append(_manifest_finding(block))
    return C2paOutcome(block=block, findings=_unique(findings))


def _signature_info(manifest: JSONDict) -> JSONDict:
    info = manifest.get("signature_info")
    if not isinstance(info, dict):
        return {}
    keys = ("issuer", "common_name", "alg", "time", "cert_serial_number")
    return {key: str(info[key])[:300] for key in keys if info.get(key) is not None}


def _claim_generator(manifest: JSONDict) -> str | None:
    """v1 claims have a ``claim_generator`` string; v2 claims a ``claim_generator_info`` list."""
    legacy = manifest.get("claim_generator")
    if isinstance(legacy, str) and legacy:
        return legacy[:300]
    info = manifest.get("claim_generator_info")
    if isinstance(info, dict):
        info = [info]
    if not isinstance(info, list):
        return None
    names = [
        " ".join(str(entry[key]) for key in ("name", "version") if entry.get(key))
        for entry in info
        if isinstance(entry, dict)
    ]
    text = ", ".join(name for name in names if name)
    return text[:300] or None


def _status_codes(store: JSONDict) -> list[str]:
    """Failure codes: top-level ``validation_status``, else the active manifest's failures."""
    entries = store.get("validation_status")
    if not isinstance(entries, list):
        results = store.get("validation_results")
        active = results.get("activeManifest") if isinstance(results, dict) else None
        entries = active.get("failure") if isinstance(active, dict) else None
    codes: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        code = entry.get("code") if isinstance(entry, dict) else None
        if isinstance(code, str) and code not in codes:
            codes.append(code[:200])
    return codes[:50]


def _actions(manifests: JSONDict, active_label: object) -> list[JSONDict]:
    """Every action of every manifest (ingredients' too: an AI ingredient taints the result)."""
    actions: list[JSONDict] = []
    for label, manifest in manifests.items():
        if not isinstance(manifest, dict):
            continue
        for assertion in _assertions(manifest):
            name = assertion.get("label")
            data = assertion.get("data")
            if not (isinstance(name, str) and name.startswith("c2pa.actions")):
                continue
            entries = data.get("actions") if isinstance(data, dict) else None
            for action in entries if isinstance(entries, list) else []:
                if isinstance(action, dict):
                    actions.append(_action_record(action, str(label), label == active_label))
    return actions


def _assertions(manifest: JSONDict) -> list[JSONDict]:
    assertions = manifest.get("assertions")
    if not isinstance(assertions, list):
        return []
    return [entry for entry in assertions if isinstance(entry, dict)]


def _action_record(action: JSONDict, manifest: str, active: bool) -> JSONDict:
    parameters = action.get("parameters")
    source_type = action.get("digitalSourceType")
    if source_type is None and isinstance(parameters, dict):
        source_type = parameters.get("digitalSourceType")
    agent = action.get("softwareAgent")
    if isinstance(agent, dict):
        agent = " ".join(str(agent[key]) for key in ("name", "version") if agent.get(key))
    record: JSONDict = {
        "action": str(action.get("action", ""))[:200],
        "digitalSourceType": str(source_type)[:300] if source_type is not None else None,
        "softwareAgent": str(agent)[:300] if agent else None,
        "manifest": manifest[:200],
        "active": active,
    }
    if action.get("when") is not None:
        record["when"] = str(action["when"])[:100]
    return record


def _iptc_source_types(manifests: JSONDict, active_label: object) -> list[JSONDict]:
    """Source types declared in IPTC metadata assertions (``stds.iptc*``) rather than actions."""
    found: list[JSONDict] = []
    for label, manifest in manifests.items():
        if not isinstance(manifest, dict):
            continue
        for assertion in _assertions(manifest):
            name = assertion.get("label")
            if not (isinstance(name, str) and name.startswith("stds.iptc")):
                continue
            for value in _values_for_key(assertion.get("data"), "DigitalSourceType", depth=4):
                found.append(
                    {
                        "action": None,
                        "assertion": name[:200],
                        "digitalSourceType": value[:300],
                        "manifest": str(label)[:200],
                        "active": label == active_label,
                    }
                )
    return found


def _values_for_key(data: object, suffix: str, depth: int) -> list[str]:
    if depth < 0:
        return []
    values: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if str(key).endswith(suffix) and isinstance(value, str):
                values.append(value)
            else:
                values.extend(_values_for_key(value, suffix, depth - 1))
    elif isinstance(data, list):
        for item in data[:100]:
            values.extend(_values_for_key(item, suffix, depth - 1))
    return values


def _declares_ai(entry: JSONDict) -> bool:
    source_type = entry.get("digitalSourceType")
    return isinstance(source_type, str) and is_ai_source_type(source_type)


def _ai_finding(entry: JSONDict, block: JSONDict) -> JSONDict:
    code = source_type_code(str(entry["digitalSourceType"]))
    where = (
        f"C2PA action {entry['action']}"
        if entry.get("action")
        else f"C2PA assertion {entry.get('assertion')}"
    )
    if not entry.get("active"):
        where += " (ingredient manifest)"
    signer = block["signer"] or "an unknown signer"
    return finding(
        "c2pa",
        ai=True,
        source=where,
        value=entry["digitalSourceType"],
        detail=(
            f"A C2PA manifest signed by {signer} declares the content {code} "
            f"(validation: {block['validation_state'] or 'unknown'})."
        ),
        digital_source_type=code,
        signer=block["signer"],
        validation_state=block["validation_state"],
        generator=entry.get("softwareAgent") or block["claim_generator"],
        manifest=entry.get("manifest"),
    )


def _manifest_finding(block: JSONDict) -> JSONDict:
    return finding(
        "c2pa",
        ai=False,
        source="C2PA manifest",
        value=block["claim_generator"],
        detail=(
            f"C2PA Content Credentials present (signer {block['signer'] or 'unknown'}, "
            f"validation: {block['validation_state'] or 'unknown'}); "
            "no AI digital source type declared."
        ),
        signer=block["signer"],
        validation_state=block["validation_state"],
        generator=block["claim_generator"],
    )


def _unique(findings: list[JSONDict]) -> list[JSONDict]:
    seen: set[tuple[Any, ...]] = set()
    unique: list[JSONDict] = []
    for item in findings:
        key = (item["source"], item["value"], item.get("manifest"))
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique
