"""Generator fingerprints in ordinary metadata: PNG text chunks, EXIF tags, comments.

Local Stable Diffusion front ends write their whole recipe into the file
(AUTOMATIC1111's ``parameters``, ComfyUI's ``prompt``/``workflow`` graphs,
InvokeAI's ``invokeai_metadata``, NovelAI's ``Software``/``Comment``) and
hosted services often name themselves in ``Software``. Those are strong
evidence when present and cost nothing to read, but they are also trivially
stripped, so their absence means nothing.

Containers are walked here rather than through Pillow: Pillow refuses a PNG
whose text chunks are too large (exactly the hostile case) and reads whole
WebP files into memory to find their EXIF. The walkers below read headers
only, skip pixel data with ``seek`` and cap every read and decompression.
"""

from __future__ import annotations

import json
import re
import struct
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from idolguard.signals.base import JSONDict
from idolguard.signals.provenance_common import decode_text, finding

# Bounds on what a hostile file can make us read.
MAX_TEXT_CHUNK_BYTES = 4 * 1024 * 1024  # raw bytes read from one text chunk
MAX_INFLATED_BYTES = 4 * 1024 * 1024  # decompressed bytes kept from one zTXt/iTXt chunk
MAX_TEXT_TOTAL_BYTES = 32 * 1024 * 1024  # all text chunks of one file together
MAX_CHUNKS = 200_000  # chunk headers walked (APNGs have one per frame)
MAX_EXIF_BYTES = 1024 * 1024
MAX_JSON_CHARS = 2 * 1024 * 1024
# Regular expressions only look this far into a value: tool names are short, and
# A1111's settings line follows the prompts, which are rarely longer than this.
NAME_SCAN_CHARS = 64 * 1024
RECIPE_SCAN_CHARS = 256 * 1024

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT_TYPES = frozenset({b"tEXt", b"zTXt", b"iTXt"})
XMP_PNG_KEYWORD = "XML:com.adobe.xmp"

# Curated, deliberately short list: each pattern must be unlikely to occur in a
# camera's or an ordinary editor's metadata. Ambiguous names ("Flux", "Imagen",
# "Leonardo", "Sora") are only matched in forms that name the AI product.
_GENERATORS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("AUTOMATIC1111", r"automatic\s?1111|\bA1111\b|stable-diffusion-webui"),
        ("ComfyUI", r"\bcomfy\s?ui\b"),
        ("Fooocus", r"\bfooocus\b"),
        ("InvokeAI", r"\binvoke\s?ai\b"),
        ("SwarmUI", r"\bswarm\s?ui\b|stableswarmui"),
        ("NovelAI", r"\bnovel\s?ai\b"),
        ("Stable Diffusion", r"stable[\s_-]?diffusion|\bSDXL\b|\bSD\s?3(?:\.5)?\b"),
        ("Stability AI", r"\bstability\s?ai\b|\bdream\s?studio\b"),
        ("Midjourney", r"\bmid[\s-]?journey\b"),
        ("DALL-E", r"\bdall[\s\-·.]?e\b"),
        ("OpenAI", r"\bopenai\b|\bchatgpt\b|\bgpt-image\b|\bgpt-4o\b"),
        ("Adobe Firefly", r"\badobe\s+firefly\b"),
        ("Google AI", r"made with google ai|\bgoogle\s+imagen\b|\bimagen\s?[234]\b"),
        ("Leonardo.Ai", r"\bleonardo[\s.]?ai\b"),
        ("FLUX", r"\bflux\.1\b|\bflux[\s_-](?:dev|schnell|pro|kontext)\b|black\s+forest\s+labs"),
        ("Ideogram", r"\bideogram\b"),
        ("Microsoft Designer", r"bing image creator|microsoft designer|image creator from"),
        ("Draw Things", r"\bdraw\s?things\b"),
        ("Runway", r"\brunway\s?ml\b|\brunway\s+gen-?\d"),
        ("Playground AI", r"\bplayground\s?ai\b"),
        ("NightCafe", r"\bnightcafe\b"),
        ("Craiyon", r"\bcraiyon\b"),
        ("Artbreeder", r"\bartbreeder\b"),
        ("SeaArt", r"\bseaart\b"),
        ("Tensor.Art", r"\btensor\.art\b"),
        ("Civitai", r"\bcivitai\b"),
        ("Krea", r"\bkrea(?:\.ai|\s+ai)\b"),
        # Face swap and AI face editing: the deepfake tools themselves.
        ("FaceFusion", r"\bfacefusion\b"),
        ("DeepFaceLab", r"\bdeepfacelab\b"),
        ("roop", r"\broop(?:-unleashed|\s+unleashed)?\b"),
        ("Reface", r"\breface\b"),
        ("FaceApp", r"\bfaceapp\b"),
    )
)

_EDITORS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("Adobe Lightroom", r"\blightroom\b"),
        ("Adobe Photoshop", r"\bphotoshop\b"),
        ("GIMP", r"\bgimp\b"),
        ("Snapseed", r"\bsnapseed\b"),
        ("Picsart", r"\bpicsart\b"),
        ("Canva", r"\bcanva\b"),
        ("Affinity Photo", r"\baffinity\b"),
        ("Capture One", r"\bcapture\s+one\b"),
        ("Pixelmator", r"\bpixelmator\b"),
        ("darktable", r"\bdarktable\b"),
        ("RawTherapee", r"\brawtherapee\b"),
        ("Paint.NET", r"\bpaint\.net\b"),
        ("Luminar", r"\bluminar\b"),
        ("Meitu", r"\bmeitu\b"),
        ("Facetune", r"\bfacetune\b"),
        ("VSCO", r"\bvsco\b"),
        ("Krita", r"\bkrita\b"),
        ("DxO", r"\bdxo\b"),
    )
)

# EXIF tags (IFD0 unless noted) that free text or tool names end up in.
_TAG_MAKE, _TAG_MODEL, _TAG_SOFTWARE = 0x010F, 0x0110, 0x0131
_TEXT_TAGS: dict[int, str] = {
    0x010E: "ImageDescription",
    0x013B: "Artist",
    0x8298: "Copyright",
    0x9C9C: "XPComment",
    0x9C9D: "XPAuthor",
}
_EXIF_IFD, _TAG_USER_COMMENT = 0x8769, 0x9286

# PNG keywords that only generator front ends write.
_GENERATOR_KEYWORDS: dict[str, str] = {
    "invokeai_metadata": "InvokeAI",
    "invokeai_graph": "InvokeAI",
    "invokeai_workflow": "InvokeAI",
    "sd-metadata": "InvokeAI",
    "dream": "InvokeAI",
    "fooocus_scheme": "Fooocus",
    "sui_image_params": "SwarmUI",
}
# Keywords whose value is a tool name or provenance note rather than user content;
# generator names are matched in these only (a prompt in "Description" may mention anything).
_TOOL_KEYWORDS = frozenset(
    {
        "software",
        "source",
        "author",
        "artist",
        "copyright",
        "creator",
        "comment",
        "disclaimer",
        "generator",
        "xpauthor",
        "xpcomment",
    }
)
_A1111_STEPS = re.compile(r"\bSteps:\s*\d+")
_A1111_MARKERS = re.compile(r"\b(?:Sampler|Seed|CFG scale|Model hash|Size):\s*\S")
_A1111_MODEL = re.compile(r"\bModel:\s*([^,\n]{1,200})")


def match_generator(text: str) -> str | None:
    head = text[:NAME_SCAN_CHARS]
    for name, pattern in _GENERATORS:
        if pattern.search(head):
            return name
    return None


def match_editor(text: str) -> str | None:
    head = text[:NAME_SCAN_CHARS]
    for name, pattern in _EDITORS:
        if pattern.search(head):
            return name
    return None


# --------------------------------------------------------------------------- text values


def classify_text(key: str, text: str, source: str) -> JSONDict | None:
    """A finding when ``text`` (stored under ``key``) is a generator's recipe or names one."""
    lowered = key.strip().lower()
    if lowered in _GENERATOR_KEYWORDS:
        generator = _GENERATOR_KEYWORDS[lowered]
        return _generator_finding(source, text, generator, f"{generator} writes this field")
    parameters = _a1111_parameters(text, source)
    if parameters is not None:
        return parameters
    if lowered in ("prompt", "workflow"):
        comfy = _comfyui(text)
        if comfy is not None:
            return _generator_finding(
                source, text, "ComfyUI", "a ComfyUI node graph is embedded", **comfy
            )
    if _json_recipe(text):
        tool = match_generator(text) or "unknown diffusion tool"
        return _generator_finding(
            source, text, tool, "generation settings (steps, sampler, seed) are embedded"
        )
    named = match_generator(text) if lowered in _TOOL_KEYWORDS else None
    if named is not None:
        return _generator_finding(source, text, named, f"it names {named}")
    return None


def _generator_finding(source: str, text: str, generator: str, why: str, **extra: Any) -> JSONDict:
    return finding(
        "generator_metadata",
        ai=True,
        source=source,
        value=text,
        detail=f"{source} points to an AI image generator ({generator}): {why}.",
        generator=generator,
        **extra,
    )


def _a1111_parameters(text: str, source: str) -> JSONDict | None:
    """AUTOMATIC1111/Forge/SD.Next ``parameters``: prompt lines, then "Steps: 20, Sampler: ..."."""
    head = text[:RECIPE_SCAN_CHARS]
    if not _A1111_STEPS.search(head) or not _A1111_MARKERS.search(head):
        return None
    extra: dict[str, Any] = {}
    model = _A1111_MODEL.search(head)
    if model:
        extra["model"] = model.group(1).strip()
    generator = "Stable Diffusion web UI"
    named = match_generator(head)
    if named == "Fooocus":
        generator = named
    return finding(
        "generator_metadata",
        ai=True,
        source=source,
        value=text,
        detail=(
            f"Stable Diffusion generation parameters are embedded ({generator}, "
            "AUTOMATIC1111 format: prompt, steps, sampler, seed)."
        ),
        generator=generator,
        **extra,
    )


def _comfyui(text: str) -> dict[str, Any] | None:
    """Facts from a ComfyUI ``prompt`` (API graph) or ``workflow`` (UI graph), if it is one."""
    graph = _load_json(text)
    if isinstance(graph, dict):
        nodes = [node for node in graph.values() if isinstance(node, dict) and "class_type" in node]
        if nodes:
            models = sorted(
                {
                    str(node["inputs"][key])[:200]
                    for node in nodes
                    if isinstance(node.get("inputs"), dict)
                    for key in ("ckpt_name", "unet_name", "model_name")
                    if isinstance(node["inputs"].get(key), str)
                }
            )
            return {"nodes": len(nodes), "models": models[:10]}
        if isinstance(graph.get("nodes"), list) and ("links" in graph or "last_node_id" in graph):
            return {"nodes": len(graph["nodes"])}
        return None
    # Cut off or not JSON at all: the node vocabulary alone is distinctive enough.
    if '"class_type"' in text and '"inputs"' in text:
        return {"nodes": None}
    return None


def _json_recipe(text: str) -> bool:
    """True for a JSON object holding diffusion settings (NovelAI ``Comment``, Fooocus, others)."""
    stripped = text.lstrip()
    if not stripped.startswith("{"):
        return False
    data = _load_json(stripped)
    if not isinstance(data, dict):
        return False
    keys = {str(key).lower().replace(" ", "_") for key in data}
    has_steps = bool(keys & {"steps", "num_inference_steps", "sampler_steps"})
    has_sampler = bool(keys & {"sampler", "sampler_name", "scheduler", "cfg_scale", "scale"})
    has_seed = bool(keys & {"seed", "noise_seed"})
    return has_steps and has_sampler and has_seed


def _load_json(text: str) -> Any:
    if len(text) > MAX_JSON_CHARS:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


# --------------------------------------------------------------------------- PNG


@dataclass
class PngMetadata:
    """What a PNG's ancillary chunks hold: text entries, XMP packets and raw EXIF."""

    texts: list[tuple[str, str, str]]  # (chunk type, keyword, text)
    xmp: list[bytes]
    exif: bytes | None
    truncated: bool  # the walk stopped at a damaged or cut-off chunk


def read_png_metadata(path: Path) -> PngMetadata:
    """Walk the chunks of a PNG, reading text/eXIf chunks and seeking over everything else."""
    meta = PngMetadata(texts=[], xmp=[], exif=None, truncated=False)
    budget = MAX_TEXT_TOTAL_BYTES
    with path.open("rb") as fp:
        if fp.read(8) != _PNG_SIGNATURE:
            meta.truncated = True
            return meta
        for _ in range(MAX_CHUNKS):
            header = fp.read(8)
            if len(header) < 8:
                meta.truncated = True
                break
            length, kind = struct.unpack(">I4s", header)
            if length > 0x7FFFFFFF:
                meta.truncated = True
                break
            if kind == b"IEND":
                break
            wanted = kind in _PNG_TEXT_TYPES or kind == b"eXIf"
            if wanted and budget > 0:
                take = min(length, MAX_TEXT_CHUNK_BYTES, budget)
                data = fp.read(take)
                if len(data) < take:
                    meta.truncated = True
                    break
                budget -= take
                _store_png_chunk(meta, kind, data, cut=take < length)
                fp.seek(length - take + 4, 1)
            else:
                fp.seek(length + 4, 1)
    return meta


def _store_png_chunk(meta: PngMetadata, kind: bytes, data: bytes, *, cut: bool) -> None:
    if kind == b"eXIf":
        if not cut and meta.exif is None:
            meta.exif = data[:MAX_EXIF_BYTES]
        return
    parsed = _parse_text_chunk(kind, data)
    if parsed is None:
        return
    keyword, raw = parsed
    if keyword == XMP_PNG_KEYWORD:
        meta.xmp.append(raw)
        return
    text = raw.decode("latin-1") if kind == b"tEXt" else decode_text(raw)
    meta.texts.append((kind.decode("ascii"), keyword, text))


def _parse_text_chunk(kind: bytes, data: bytes) -> tuple[str, bytes] | None:
    """(keyword, raw text bytes) of a tEXt/zTXt/iTXt chunk; None when malformed."""
    keyword, sep, rest = data.partition(b"\x00")
    if not sep or not 1 <= len(keyword) <= 79:
        return None
    name = keyword.decode("latin-1")
    if kind == b"tEXt":
        return name, rest
    if kind == b"zTXt":
        return (name, _inflate(rest[1:])) if rest[:1] == b"\x00" else None
    # iTXt: compression flag, method, language tag\0, translated keyword\0, text.
    if len(rest) < 2:
        return None
    flag, method = rest[0], rest[1]
    _language, sep1, rest = rest[2:].partition(b"\x00")
    _translated, sep2, text = rest.partition(b"\x00")
    if not (sep1 and sep2):
        return None
    if flag == 1:
        return (name, _inflate(text)) if method == 0 else None
    return name, text


def _inflate(data: bytes) -> bytes:
    """Decompress at most ``MAX_INFLATED_BYTES`` (a zlib bomb stops there), tolerating damage."""
    inflater = zlib.decompressobj()
    try:
        return inflater.decompress(data, MAX_INFLATED_BYTES)
    except zlib.error:
        return b""


# --------------------------------------------------------------------------- WebP


@dataclass
class WebPMetadata:
    exif: bytes | None
    lossless: bool
    animated: bool


def read_webp_metadata(path: Path) -> WebPMetadata:
    """RIFF chunks of a WebP: its EXIF chunk and whether the image is lossless (VP8L)."""
    meta = WebPMetadata(exif=None, lossless=False, animated=False)
    with path.open("rb") as fp:
        head = fp.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WEBP":
            return meta
        for _ in range(1024):
            header = fp.read(8)
            if len(header) < 8:
                break
            kind, size = header[:4], struct.unpack("<I", header[4:])[0]
            if kind == b"VP8L":
                meta.lossless = True
            elif kind == b"ANIM":
                meta.animated = True
            if kind == b"EXIF" and size <= MAX_EXIF_BYTES:
                meta.exif = fp.read(size)
                fp.seek(size & 1, 1)
            else:
                fp.seek(size + (size & 1), 1)
    return meta


# --------------------------------------------------------------------------- EXIF


def exif_from_bytes(data: bytes) -> Image.Exif | None:
    exif = Image.Exif()
    try:
        exif.load(data)
    except Exception:  # broken EXIF is common and never fatal
        return None
    return exif


def exif_from_image_header(path: Path, pil_format: str) -> tuple[Image.Exif | None, str | None]:
    """EXIF and the JPEG/GIF comment from Pillow's header parse (no pixels are decoded)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path, formats=[pil_format]) as image:
                exif = image.getexif()
                comment = image.info.get("comment")
                exif.get_ifd(_EXIF_IFD)  # parse now, while the file is open
    except Exception:
        return None, None
    text = decode_text(comment) if isinstance(comment, bytes) else None
    return exif, text


def exif_findings(exif: Image.Exif) -> list[JSONDict]:
    """Findings from the tags that name tools or carry free text."""
    findings: list[JSONDict] = []
    tags = dict(_safe_items(exif))
    software = _tag_text(tags.get(_TAG_SOFTWARE))
    if software:
        findings.append(_software_finding(software))
    make, model = _tag_text(tags.get(_TAG_MAKE)), _tag_text(tags.get(_TAG_MODEL))
    if make or model:
        findings.append(_camera_finding(make, model))
    for tag, name in _TEXT_TAGS.items():
        text = _tag_text(tags.get(tag), utf16le=name.startswith("XP"))
        if text:
            found = classify_text(name, text, f"EXIF {name}")
            if found is not None:
                findings.append(found)
    try:
        exif_ifd = dict(_safe_items(exif.get_ifd(_EXIF_IFD)))
    except Exception:
        exif_ifd = {}
    comment = user_comment_text(exif_ifd.get(_TAG_USER_COMMENT))
    if comment:
        found = classify_text("UserComment", comment, "EXIF UserComment")
        if found is not None:
            findings.append(found)
    return findings


def _safe_items(mapping: Any) -> Iterator[tuple[int, Any]]:
    try:
        yield from list(mapping.items())
    except Exception:
        return


def _software_finding(software: str) -> JSONDict:
    generator = match_generator(software)
    if generator is not None:
        return finding(
            "exif_software",
            ai=True,
            source="EXIF Software",
            value=software,
            detail=f"EXIF Software names an AI image generator ({generator}).",
            role="generator",
            generator=generator,
        )
    editor = match_editor(software)
    if editor is not None:
        return finding(
            "exif_software",
            ai=False,
            source="EXIF Software",
            value=software,
            detail=f"Edited or exported with {editor} (editing software, not a generator).",
            role="editor",
            editor=editor,
        )
    return finding(
        "exif_software",
        ai=False,
        source="EXIF Software",
        value=software,
        detail="EXIF Software names a program that is not a known AI generator.",
        role="other",
    )


def _camera_finding(make: str, model: str) -> JSONDict:
    label = " ".join(part for part in (make, model) if part)
    generator = match_generator(label)
    return finding(
        "exif_camera",
        ai=generator is not None,
        source="EXIF Make/Model",
        value={"make": make or None, "model": model or None},
        detail=(
            f"EXIF Make/Model names an AI image generator ({generator})."
            if generator
            else f"EXIF says the picture was taken with: {label} (a claim, easily edited)."
        ),
        **({"generator": generator} if generator else {}),
    )


def _tag_text(value: Any, *, utf16le: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        if utf16le:
            return value.decode("utf-16-le", errors="replace").rstrip("\x00").strip()
        return decode_text(value).rstrip("\x00").strip()
    if isinstance(value, tuple) and utf16le and all(isinstance(v, int) for v in value):
        return _tag_text(bytes(v & 0xFF for v in value), utf16le=True)
    return str(value).rstrip("\x00").strip()


def user_comment_text(value: Any) -> str:
    """EXIF UserComment: an 8-byte character-code prefix, then the text (A1111 writes UTF-16)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.rstrip("\x00").strip()
    if not isinstance(value, bytes):
        return str(value)
    prefix, body = value[:8], value[8:]
    if prefix.startswith(b"UNICODE"):
        # Big-endian per the spec and piexif; little-endian writers exist. ASCII
        # text in UTF-16-BE has its zero bytes at even offsets.
        even_zeros = body[0::2].count(0)
        odd_zeros = body[1::2].count(0)
        encoding = "utf-16-be" if even_zeros >= odd_zeros else "utf-16-le"
        return body.decode(encoding, errors="replace").rstrip("\x00").strip()
    if prefix.startswith((b"ASCII", b"\x00\x00\x00\x00\x00\x00\x00\x00", b"JIS")):
        return decode_text(body).rstrip("\x00").strip()
    return decode_text(value).rstrip("\x00").strip()
