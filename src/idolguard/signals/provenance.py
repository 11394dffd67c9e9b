"""Provenance: does the file itself say it was made by AI?

Four independent kinds of self-declaration are checked, cheapest first, and
each becomes a *finding* that quotes the raw value and where it was found:

* C2PA Content Credentials (signed; ``provenance_c2pa``),
* the IPTC digital source type in XMP (``provenance_xmp``),
* generator recipes and tool names in PNG text chunks and EXIF (``provenance_metadata``),
* the invisible watermark Stable Diffusion's reference tools embed in the pixels
  (``provenance_watermark``), only where pixels are stored losslessly.

A positive finding is strong evidence: people rarely add these by accident. A
negative result is weak: every one of them is removed by a screenshot, a
re-encode or an upload to most platforms. The result therefore says
``ai_generated: false``, never "authentic". Videos get the C2PA and XMP checks.

No check may abort a scan: damaged or hostile metadata becomes a finding with
``ai: false`` (or is skipped), and every read is bounded.

Result::

    {
      "ai_generated": bool,            # any finding with "ai": true
      "findings": [{"kind", "ai", "source", "value", "detail", ...}],
      "c2pa": None | "unavailable" | {"claim_generator", "signer", "signature_info",
               "validation_state", "validation_status", "actions", "active_manifest",
               "manifest_count"},
      "watermark": {"checked", "sdxl_agreement", "sd1_agreement"[, "reason"]},
    }

Finding kinds: ``c2pa``, ``c2pa_error``, ``xmp_digital_source_type``, ``xmp_error``,
``generator_metadata``, ``exif_software``, ``exif_camera``, ``watermark`` and
``check_error``; each may add keys of its own (``signer``, ``validation_state``,
``digital_source_type``, ``generator``, ``model``, ``role``, ``truncated``...).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from idolguard.media import MediaType
from idolguard.signals.base import AnalysisItem, JSONDict, Signal
from idolguard.signals.presentation import FindingsView, ReportScore, ScanField, ScoreExplanation
from idolguard.signals.provenance_c2pa import has_jumbf, read_c2pa
from idolguard.signals.provenance_common import clip, finding, read_windows
from idolguard.signals.provenance_metadata import (
    PngMetadata,
    WebPMetadata,
    classify_text,
    exif_findings,
    exif_from_bytes,
    exif_from_image_header,
    read_png_metadata,
    read_webp_metadata,
)
from idolguard.signals.provenance_watermark import MIN_PIXELS, read_watermark
from idolguard.signals.provenance_xmp import (
    XMP_HEAD_BYTES,
    XMP_TAIL_BYTES,
    find_xmp_packets,
    xmp_findings,
)

# Agreement needed to call a watermark present (or at most 1 - it: the inverted
# message, see provenance_watermark). By chance, 44 of 48 bits agree with
# probability 7.6e-10 and 109 of 136 with 3.5e-13, per decoding variant and side.
SDXL_THRESHOLD = 0.9
SD1_THRESHOLD = 0.8
DEFAULT_WATERMARK_MAX_PIXELS = 4096 * 4096
MAX_FINDINGS = 100
# A claim's value longer than this is shortened on the review page (the result keeps it whole).
MAX_SHOWN_VALUE = 500

# Pixels stored losslessly: the only formats the watermark survives.
_LOSSLESS_PIL = {"png": "PNG", "bmp": "BMP", "tiff": "TIFF", "webp": "WEBP"}
_HEADER_PIL = {"jpeg": "JPEG", "tiff": "TIFF", "gif": "GIF", "avif": "AVIF"}
_SUMMARY_ORDER = ("c2pa", "xmp_digital_source_type", "watermark", "generator_metadata")


class ProvenanceSignal(Signal):
    """AI-generation claims the file makes about itself, each kept as quotable evidence."""

    name = "provenance"
    version = "1"
    media_types = frozenset({MediaType.IMAGE, MediaType.VIDEO})
    description = (
        "Self-declared AI generation: C2PA credentials, IPTC digital source type (XMP), "
        "generator metadata (PNG text, EXIF) and the Stable Diffusion invisible watermark"
    )

    display_order = 60
    explanation = ScoreExplanation(
        label_ko="출처 정보",
        label_en="Provenance",
        meaning_ko="파일 자체의 메타데이터가 주장하는 내용(C2PA 콘텐츠 자격 증명, "
        "IPTC/XMP 소스 유형, 생성기 정보, Stable Diffusion 워터마크).",
        meaning_en="What the file's own metadata claims (C2PA Content Credentials, "
        "IPTC/XMP digital source type, generator metadata, Stable Diffusion watermark).",
        limits_ko="메타데이터는 지우거나 위조할 수 있다. 표시가 없다고 진본은 아니다 "
        "(스크린샷, 재인코딩, 업로드로 흔히 사라진다).",
        limits_en="Metadata can be stripped or forged. Its absence proves nothing: "
        "screenshots, re-encoding and uploads usually remove it.",
    )

    @classmethod
    def report_scores(cls, result: Mapping[str, Any]) -> list[ReportScore]:
        if result.get("ai_generated") is None:
            return []
        findings = [f for f in result.get("findings") or [] if isinstance(f, dict)]
        named_findings = ", ".join(
            f"{f.get('kind')} ({f.get('source')})" for f in findings if f.get("ai")
        )
        return [
            ReportScore(
                cls.name,
                f"ai_generated={result['ai_generated']}",
                named_findings or None,
                cls.explanation,
            )
        ]

    def __init__(
        self,
        *,
        check_watermark: bool = True,
        watermark_max_pixels: int = DEFAULT_WATERMARK_MAX_PIXELS,
        c2pa_trust_anchors: str | None = None,
        scan_head_bytes: int = XMP_HEAD_BYTES,
        scan_tail_bytes: int = XMP_TAIL_BYTES,
    ) -> None:
        """``c2pa_trust_anchors`` is a PEM bundle of root certificates (for example the C2PA
        trust list); signatures chaining to one validate as "Trusted" instead of "Valid"."""
        self.check_watermark = check_watermark
        self.watermark_max_pixels = watermark_max_pixels
        self.c2pa_trust_anchors = c2pa_trust_anchors
        self.scan_head_bytes = scan_head_bytes
        self.scan_tail_bytes = scan_tail_bytes

    def analyse(self, item: AnalysisItem) -> JSONDict:
        findings: list[JSONDict] = []
        windows: list[bytes] = _guarded(findings, "read", lambda: self._windows(item)) or []
        outcome = read_c2pa(
            item.path,
            item.sniff.format,
            self.c2pa_trust_anchors,
            jumbf_seen=has_jumbf(windows) or item.size_bytes > sum(map(len, windows)),
        )
        findings.extend(outcome.findings)
        png = _guarded(findings, "png", lambda: _png(item))
        webp = _guarded(findings, "webp", lambda: _webp(item))
        _guarded(findings, "xmp", lambda: findings.extend(_xmp(windows, png)))
        if item.media_type is MediaType.IMAGE:
            _guarded(findings, "metadata", lambda: findings.extend(_metadata(item, png, webp)))
        watermark: JSONDict = {"checked": False, "sdxl_agreement": None, "sd1_agreement": None}
        if item.media_type is MediaType.IMAGE:
            checked = _guarded(findings, "watermark", lambda: self._watermark(item, webp))
            if checked is not None:
                watermark, found = checked
                findings.extend(found)
        else:
            watermark["reason"] = "video: only C2PA and XMP are checked"
        findings = _unique(findings)
        return {
            "ai_generated": any(entry.get("ai") for entry in findings),
            "findings": findings,
            "c2pa": outcome.block,
            "watermark": watermark,
        }

    @classmethod
    def findings(cls, result: Mapping[str, Any], view: FindingsView) -> JSONDict:
        """What the file claims about itself, the AI claims first; long values shortened."""
        findings = []
        for entry in result.get("findings") or []:
            value = entry.get("value")
            text = value if isinstance(value, str) else (None if value is None else str(value))
            if text is not None and len(text) > MAX_SHOWN_VALUE:
                text = text[:MAX_SHOWN_VALUE] + "…"
            findings.append(
                {
                    "kind": entry.get("kind"),
                    "ai": bool(entry.get("ai")),
                    "source": entry.get("source"),
                    "value": text,
                    "detail": entry.get("detail"),
                }
            )
        findings.sort(key=lambda f: not f["ai"])
        c2pa = result.get("c2pa")
        c2pa_out: dict[str, Any] | str | None
        if isinstance(c2pa, Mapping):
            c2pa_out = {
                key: c2pa.get(key)
                for key in ("claim_generator", "signer", "validation_state", "manifest_count")
                if c2pa.get(key) is not None
            }
        else:
            c2pa_out = c2pa if isinstance(c2pa, str) else None
        watermark = result.get("watermark")
        return {
            "provenance": {
                "ai_generated": bool(result.get("ai_generated")),
                "findings": findings,
                "c2pa": c2pa_out,
                "watermark": dict(watermark) if isinstance(watermark, Mapping) else None,
            }
        }

    @classmethod
    def scan_fields(cls, results: Mapping[str, Any], heatmap_dir: Path | None) -> list[ScanField]:
        """The whole result: every claim is evidence a program may want."""
        return [ScanField("provenance", results.get(cls.name), 90)]

    def summary(self, result: Mapping[str, Any]) -> str:
        return summarise(result)

    def _windows(self, item: AnalysisItem) -> list[bytes]:
        """The bytes searched for XMP packets and JUMBF boxes (start and end of the file)."""
        return read_windows(item.path, item.size_bytes, self.scan_head_bytes, self.scan_tail_bytes)

    def _watermark(
        self, item: AnalysisItem, webp: WebPMetadata | None
    ) -> tuple[JSONDict, list[JSONDict]]:
        block: JSONDict = {"checked": False, "sdxl_agreement": None, "sd1_agreement": None}
        try:
            pixels, reason = self._lossless_pixels(item, webp)
        except Exception as exc:  # truncated or corrupt pixel data: the other checks stand
            pixels, reason = (
                None,
                clip(f"pixels could not be decoded ({type(exc).__name__}: {exc})", 300)[0],
            )
        if pixels is None:
            block["reason"] = reason
            return block, []
        reading = read_watermark(pixels)
        if reading is None:
            block["reason"] = "smaller than 256x256 pixels (the watermark needs more)"
            return block, []
        block.update(
            checked=True,
            sdxl_agreement=round(reading.sdxl_agreement, 4),
            sd1_agreement=round(reading.sd1_agreement, 4),
        )
        found: list[JSONDict] = []
        candidates = (
            ("SDXL", reading.sdxl_agreement, reading.sdxl_variant, SDXL_THRESHOLD, 48),
            ("SD 1.x/2.x", reading.sd1_agreement, reading.sd1_variant, SD1_THRESHOLD, 136),
        )
        for label, agreement, variant, threshold, bits in candidates:
            inverted = agreement <= 1 - threshold
            if agreement >= threshold or inverted:
                matching = round((1 - agreement if inverted else agreement) * bits)
                found.append(
                    finding(
                        "watermark",
                        ai=True,
                        source="invisible watermark (dwtDct)",
                        value={"message": label, "agreement": round(agreement, 4)},
                        detail=(
                            f"The pixels carry the {label} invisible watermark "
                            f"({matching} of {bits} bits agree"
                            + (", read inverted" if inverted else "")
                            + ")."
                        ),
                        generator="Stable Diffusion",
                        variant=variant,
                        inverted=inverted,
                    )
                )
        return block, found

    def _lossless_pixels(
        self, item: AnalysisItem, webp: WebPMetadata | None
    ) -> tuple[np.ndarray[Any, np.dtype[np.uint8]] | None, str]:
        """The stored pixels as RGB uint8 (no EXIF rotation: the mark was embedded before)."""
        if not self.check_watermark:
            return None, "disabled"
        fmt = item.sniff.format
        if fmt not in _LOSSLESS_PIL:
            return None, f"{fmt} is lossy or palette-based; the watermark does not survive it"
        if fmt == "webp" and (webp is None or not webp.lossless or webp.animated):
            return None, "lossy or animated WebP; the watermark does not survive it"
        limit = min(self.watermark_max_pixels, item.limits.max_image_pixels)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(item.path, formats=[_LOSSLESS_PIL[fmt]]) as image:
                width, height = image.size
                if width * height > limit:
                    return None, f"{width}x{height} is above the {limit} pixel limit for this check"
                if width * height < MIN_PIXELS:
                    return None, "smaller than 256x256 pixels (the watermark needs more)"
                compression = str(image.info.get("compression", ""))
                if "jpeg" in compression:
                    return None, "JPEG-compressed TIFF; the watermark does not survive it"
                if image.mode.startswith(("I", "F")):
                    return None, f"{image.mode} pixels (not 8-bit)"
                image.load()
                rgb = image.convert("RGB")  # drops alpha, as OpenCV's imread does
        return np.asarray(rgb, dtype=np.uint8), ""


def _xmp(windows: list[bytes], png: PngMetadata | None) -> list[JSONDict]:
    packets = find_xmp_packets(windows)
    found: list[JSONDict] = []
    for packet in packets:
        found.extend(xmp_findings(packet, "XMP"))
    for packet in png.xmp if png is not None else []:
        if packet not in packets:  # compressed iTXt: invisible to the byte search
            found.extend(xmp_findings(packet, "XMP (PNG iTXt)"))
    return found


def _png(item: AnalysisItem) -> PngMetadata | None:
    return read_png_metadata(item.path) if item.sniff.format == "png" else None


def _webp(item: AnalysisItem) -> WebPMetadata | None:
    return read_webp_metadata(item.path) if item.sniff.format == "webp" else None


def _metadata(
    item: AnalysisItem, png: PngMetadata | None, webp: WebPMetadata | None
) -> list[JSONDict]:
    """Generator recipes and tool names in text chunks, EXIF and comments."""
    found: list[JSONDict] = []
    exif_bytes: bytes | None = None
    if png is not None:
        for chunk, keyword, text in png.texts:
            result = classify_text(keyword, text, f"PNG {chunk} {keyword}")
            if result is not None:
                found.append(result)
        exif_bytes = png.exif
    elif webp is not None:
        exif_bytes = webp.exif
    exif = exif_from_bytes(exif_bytes) if exif_bytes else None
    pil_format = _HEADER_PIL.get(item.sniff.format)
    if pil_format is not None:
        exif, comment = exif_from_image_header(item.path, pil_format)
        if comment:
            result = classify_text("comment", comment, f"{item.sniff.format.upper()} comment")
            if result is not None:
                found.append(result)
    if exif is not None:
        found.extend(exif_findings(exif))
    return found


def _guarded(findings: list[JSONDict], check: str, run: Callable[[], Any]) -> Any:
    """Run one check; an unexpected failure becomes a finding instead of losing the others."""
    try:
        return run()
    except Exception as exc:
        message = clip(f"{type(exc).__name__}: {exc}", 500)[0]
        findings.append(
            finding(
                "check_error",
                ai=False,
                source=check,
                value=message,
                detail=f"The {check} check could not read this file's metadata.",
            )
        )
        return None


def _unique(findings: list[JSONDict]) -> list[JSONDict]:
    """Drop repeats (the same packet seen twice) and cap the list a hostile file could inflate."""
    seen: set[tuple[str, str, str]] = set()
    unique: list[JSONDict] = []
    for entry in findings:
        key = (str(entry.get("kind")), str(entry.get("source")), repr(entry.get("value")))
        if key not in seen:
            seen.add(key)
            unique.append(entry)
    if len(unique) > MAX_FINDINGS:
        # Keep every AI finding that fits: they are what the result is about.
        unique = sorted(unique, key=lambda entry: not entry.get("ai"))[:MAX_FINDINGS]
    return unique


def summarise(result: Mapping[str, Any]) -> str:
    """A short phrase for tables: "AI-generated (C2PA trainedAlgorithmicMedia)", or ""."""
    findings = [entry for entry in result.get("findings") or [] if isinstance(entry, Mapping)]
    positive = [entry for entry in findings if entry.get("ai")]
    if positive:
        positive.sort(key=_summary_rank)
        phrase = f"AI-generated ({_label(positive[0])})"
        if len(positive) > 1:
            phrase += f" +{len(positive) - 1} more"
        return phrase
    c2pa = result.get("c2pa")
    if isinstance(c2pa, Mapping):
        return f"C2PA {c2pa.get('validation_state') or 'present'}, no AI declared"
    return ""


def _summary_rank(entry: Mapping[str, Any]) -> int:
    kind = entry.get("kind")
    return _SUMMARY_ORDER.index(kind) if kind in _SUMMARY_ORDER else len(_SUMMARY_ORDER)


def _label(entry: Mapping[str, Any]) -> str:
    kind = entry.get("kind")
    if kind == "c2pa":
        return f"C2PA {entry.get('digital_source_type')}"
    if kind == "xmp_digital_source_type":
        return f"XMP {entry.get('digital_source_type')}"
    if kind == "watermark":
        value = entry.get("value")
        if isinstance(value, Mapping):
            agreement = float(value.get("agreement", 0))
            strength = 1 - agreement if entry.get("inverted") else agreement
            return f"{value.get('message')} watermark {strength:.0%}"
        return "watermark"
    return f"{entry.get('generator') or 'generator'} metadata"
