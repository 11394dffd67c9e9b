"""IPTC digital source type and generator names in XMP packets.

Generators and platforms that follow the IPTC guidance (Midjourney, Adobe
Firefly, Google, Meta, Shutterstock...) declare AI images with
``Iptc4xmpExt:DigitalSourceType = .../trainedAlgorithmicMedia`` in XMP. XMP is
plain XML placed verbatim in almost every container (JPEG APP1, PNG iTXt, WebP
and RIFF chunks, MP4/MOV ``uuid`` boxes, TIFF tags), so the file's bytes are
searched for packets rather than parsing each container: the start and end of
the file are read (metadata lives near one or the other), never more.

The XML is untrusted: packets with a DOCTYPE or entity declaration are refused
before parsing (entity expansion is the one XML attack stdlib parsers still
allow), and an unparsable packet falls back to a plain pattern search so that a
damaged packet still yields its source type.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from idolguard.signals.base import JSONDict
from idolguard.signals.provenance_common import (
    clip,
    decode_text,
    finding,
    is_ai_source_type,
    source_type_code,
)
from idolguard.signals.provenance_metadata import classify_text, match_generator

XMP_HEAD_BYTES = 8 * 1024 * 1024
XMP_TAIL_BYTES = 4 * 1024 * 1024
MAX_PACKET_BYTES = 2 * 1024 * 1024
MAX_PACKETS = 8
MAX_FINDINGS_PER_PACKET = 20

_PACKET_START = re.compile(rb"<x:x[am]pmeta[\s>]")
_PACKET_END = re.compile(rb"</x:x[am]pmeta\s*>")
_UNSAFE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_PREFIXES = {
    "http://iptc.org/std/Iptc4xmpExt/2008-02-29/": "Iptc4xmpExt",
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://ns.adobe.com/tiff/1.0/": "tiff",
    "http://ns.adobe.com/exif/1.0/": "exif",
    "http://purl.org/dc/elements/1.1/": "dc",
}
# Properties whose value is a tool or credit line: generator names are looked for here.
_TOOL_PROPERTIES = frozenset({"CreatorTool", "Credit", "Software", "Make", "Model", "Source"})
# Properties that may hold a generator's recipe (Draw Things writes JSON into exif:UserComment).
_RECIPE_PROPERTIES = frozenset({"UserComment", "description"})
_INTERESTING = _TOOL_PROPERTIES | _RECIPE_PROPERTIES | {"DigitalSourceType"}

_FALLBACK_SOURCE_TYPE = (
    re.compile(rb"DigitalSourceType\s*=\s*[\"']([^\"'<>]{1,500})[\"']"),
    re.compile(rb"DigitalSourceType[^<>]{0,200}rdf:resource\s*=\s*[\"']([^\"'<>]{1,500})[\"']"),
    re.compile(rb"DigitalSourceType>\s*([^<>]{1,500}?)\s*<"),
)


def find_xmp_packets(windows: list[bytes]) -> list[bytes]:
    """Distinct XMP packets in the given byte windows of a file (see ``read_windows``)."""
    packets: list[bytes] = []
    for window in windows:
        for packet in _packets_in(window):
            if packet not in packets:
                packets.append(packet)
            if len(packets) >= MAX_PACKETS:
                return packets
    return packets


def _packets_in(buffer: bytes) -> list[bytes]:
    found: list[bytes] = []
    position = 0
    while len(found) < MAX_PACKETS:
        start = _PACKET_START.search(buffer, position)
        if start is None:
            break
        end = _PACKET_END.search(buffer, start.start(), start.start() + MAX_PACKET_BYTES)
        if end is None:
            # Cut off, or larger than we accept: keep what there is for the fallback search.
            found.append(buffer[start.start() : start.start() + MAX_PACKET_BYTES])
            position = start.end()
            continue
        found.append(buffer[start.start() : end.end()])
        position = end.end()
    return found


def xmp_findings(packet: bytes, where: str) -> list[JSONDict]:
    """Findings from one packet: its digital source type and any generator it names."""
    if _UNSAFE.search(packet):
        return [
            finding(
                "xmp_error",
                ai=False,
                source=where,
                value=None,
                detail="An XMP packet declares a DOCTYPE or entities; it was not parsed (unsafe).",
            )
        ]
    try:
        root = ET.fromstring(packet)
    except (ET.ParseError, ValueError, RecursionError) as exc:
        return [
            finding(
                "xmp_error",
                ai=False,
                source=where,
                value=clip(str(exc), 300)[0],
                detail="An XMP packet is malformed; it was searched as plain text instead.",
            ),
            *_fallback_findings(packet, where),
        ]
    findings: list[JSONDict] = []
    for element in root.iter():
        for key, value in element.attrib.items():
            namespace, local = _split(key)
            if local in _INTERESTING:
                _property_finding(findings, namespace, local, value, where)
        if not isinstance(element.tag, str):
            continue
        namespace, local = _split(element.tag)
        if local in _INTERESTING and namespace != _RDF:
            text = _element_text(element)
            if text:
                _property_finding(findings, namespace, local, text, where)
        if len(findings) >= MAX_FINDINGS_PER_PACKET:
            break
    return findings[:MAX_FINDINGS_PER_PACKET]


def _split(qname: str) -> tuple[str, str]:
    """ElementTree's ``{namespace}local`` as (namespace, local)."""
    if qname.startswith("{"):
        namespace, _, local = qname[1:].partition("}")
        return namespace, local
    return "", qname


def _property_finding(
    findings: list[JSONDict], namespace: str, local: str, value: str, where: str
) -> None:
    label = f"{_PREFIXES.get(namespace, 'ns')}:{local}"
    if local == "DigitalSourceType":
        findings.append(source_type_finding(value, f"{where} {label}", parsed=True))
    elif local in _TOOL_PROPERTIES:
        generator = match_generator(value)
        if generator is not None:
            findings.append(
                finding(
                    "generator_metadata",
                    ai=True,
                    source=f"{where} {label}",
                    value=value,
                    detail=f"XMP {label} names an AI image generator ({generator}).",
                    generator=generator,
                )
            )
    elif local in _RECIPE_PROPERTIES:
        recipe = classify_text(local, value, f"{where} {label}")
        if recipe is not None:
            findings.append(recipe)


def _element_text(element: ET.Element) -> str:
    """A property's value: its text, an ``rdf:resource``, or its first ``rdf:li`` items."""
    if element.text and element.text.strip():
        return element.text.strip()
    resource = element.attrib.get(f"{{{_RDF}}}resource")
    if resource:
        return resource.strip()
    items = [li.text.strip() for li in element.iter(f"{{{_RDF}}}li") if li.text and li.text.strip()]
    return "; ".join(items[:5])


def source_type_finding(value: str, source: str, *, parsed: bool) -> JSONDict:
    code = source_type_code(value)
    ai = is_ai_source_type(value)
    detail = (
        f"The file's metadata declares it AI-generated (IPTC digital source type {code})."
        if ai
        else f"The file's metadata declares IPTC digital source type {code} (not generative AI)."
    )
    extra = {} if parsed else {"parsed": False}
    return finding(
        "xmp_digital_source_type",
        ai=ai,
        source=source,
        value=value,
        detail=detail,
        digital_source_type=code,
        **extra,
    )


def _fallback_findings(packet: bytes, where: str) -> list[JSONDict]:
    values: list[str] = []
    for pattern in _FALLBACK_SOURCE_TYPE:
        for match in pattern.finditer(packet):
            value = decode_text(match.group(1)).strip()
            if value and value not in values:
                values.append(value)
    return [
        source_type_finding(value, f"{where} Iptc4xmpExt:DigitalSourceType", parsed=False)
        for value in values[:4]
    ]
