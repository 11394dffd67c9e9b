"""The parsers we wrote ourselves, as fuzz targets: bytes in, a result or a documented error out.

Shared by ``benchmarks/fuzz_parsers.py`` (coverage-guided, with atheris) and
``tests/robustness/test_fuzz_parsers.py`` (CI: replays the seeds, the recorded
regressions and a fixed set of mutations). Each target takes any bytes and
must either return or raise one of its documented errors; anything else (an
``IndexError``, a ``RecursionError``, a ``KeyError``...) is a bug.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class Target:
    name: str
    run: Callable[[bytes], object]
    expected: tuple[type[BaseException], ...]  # the documented errors of bad input
    seeds: Callable[[], list[bytes]]


# ------------------------------------------------------------------------------ DER codec
def _der(data: bytes) -> object:
    from idolguard.evidence.der import parse_envelope

    return parse_envelope(data)


def _der_seeds() -> list[bytes]:
    from idolguard.evidence.der import encode_request

    rejected = bytes.fromhex("3005300302010 2".replace(" ", ""))  # status 2: rejection
    return [rejected, encode_request(b"\x01" * 32, 12345, "1.2.3.4.1")]


# ------------------------------------------------------------------------------ feeds
def _feed(data: bytes) -> object:
    from idolguard.sources.connectors.base import Document
    from idolguard.sources.connectors.feed import _read_feed

    url = "https://feeds.example.test/f.xml"
    return _read_feed(Document(url, url, 200, "application/rss+xml", data), capture_links=True)


def _feed_seeds() -> list[bytes]:
    rss = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
        "<channel><title>t</title><item><title>a</title><guid>1</guid>"
        "<link>https://e.test/p/1</link><pubDate>Tue, 08 Dec 2026 01:00:00 GMT</pubDate>"
        '<enclosure url="https://e.test/a.jpg" type="image/jpeg" length="10"/>'
        '<media:content url="https://e.test/b.mp4" medium="video"/>'
        "<description>&lt;img src=&quot;/c.png&quot;&gt;</description></item></channel></rss>"
    )
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        '<entry><id>x</id><title>b</title><link rel="alternate" href="https://e.test/p/2"/>'
        '<link rel="enclosure" href="https://e.test/d.jpg" type="image/jpeg"/>'
        '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
        '<img src="e.gif"/></div></content><updated>2026-12-08T01:00:00Z</updated></entry></feed>'
    )
    rdf = (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>t</title></channel>'
        '<item rdf:about="https://e.test/3"><title>c</title><link>https://e.test/3</link>'
        "</item></rdf:RDF>"
    )
    return [rss.encode(), atom.encode(), rdf.encode()]


# ------------------------------------------------------------------------------ pages
def _page(data: bytes) -> object:
    from idolguard.sources.pages import parse_page

    return parse_page(data, "https://e.test/post/1", content_type="text/html")


def _page_seeds() -> list[bytes]:
    page = (
        '<html><head><meta charset="utf-8"><title>t</title>'
        '<meta property="og:video" content="/v.mp4"><meta property="og:image" content="i.jpg">'
        '<script type="application/ld+json">{"@type":"VideoObject","uploadDate":"2026-12-01",'
        '"author":{"name":"x"},"contentUrl":"https://e.test/v2.mp4"}</script></head>'
        '<body><img src="/a.png" width="10"><video src="b.webm"><source src="c.mp4"></video>'
        "</body></html>"
    )
    return [page.encode()]


# ------------------------------------------------------------------------------ bank formats
def _bank(fmt: str) -> Callable[[bytes], object]:
    def run(data: bytes) -> object:
        from idolguard.exchange.formats.files import read_records

        text = io.StringIO(data.decode("utf-8", "surrogateescape"), newline="")
        return list(read_records(text, fmt, skip_unknown=fmt == "pytx"))  # type: ignore[arg-type]

    return run


def _bank_seeds(fmt: str) -> Callable[[], list[bytes]]:
    def seeds() -> list[bytes]:
        from idolguard.exchange.formats.common import BankRecord
        from idolguard.exchange.formats.files import write_records

        records = [
            BankRecord("c1", "pdq", "f" * 64, label="l", source="s", bank="b"),
            BankRecord("c2", "md5", "0" * 32, allow=True),
            BankRecord("c3", "sha256", "a" * 64),
        ]
        out = io.StringIO(newline="")
        write_records(records, out, fmt, skip_unsupported=True)  # type: ignore[arg-type]
        return [out.getvalue().encode()]

    return seeds


# ------------------------------------------------------------------------------ EXIF, XMP, C2PA
def _exif(data: bytes) -> object:
    from idolguard.signals.provenance_metadata import exif_findings, exif_from_bytes

    exif = exif_from_bytes(data)
    return exif_findings(exif) if exif is not None else None


def _exif_seeds() -> list[bytes]:
    exif = Image.Exif()
    exif[0x0131] = "Stable Diffusion"  # Software
    exif[0x010F] = "Canon"  # Make
    exif[0x9286] = "prompt: a cat"  # UserComment (in the EXIF IFD on a real file)
    exif[0x0132] = "2026:12:08 01:00:00"
    return [exif.tobytes()]


def _xmp(data: bytes) -> object:
    from idolguard.signals.provenance_xmp import find_xmp_packets, xmp_findings

    return [xmp_findings(packet, "fuzz") for packet in find_xmp_packets([data])]


def _xmp_seeds() -> list[bytes]:
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Midjourney" '
        'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/'
        'trainedAlgorithmicMedia"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )
    return [b"\xff\xd8junk" + packet.encode() + b"tail"]


def _c2pa(data: bytes) -> object:
    from idolguard.signals.provenance_c2pa import summarise_store

    try:
        store = json.loads(data)
    except (ValueError, RecursionError):
        return None  # not JSON: the c2pa library never hands us that
    return summarise_store(store) if isinstance(store, dict) else None


def _c2pa_seeds() -> list[bytes]:
    store = {
        "active_manifest": "urn:m1",
        "validation_state": "Valid",
        "manifests": {
            "urn:m1": {
                "claim_generator": "Adobe_Firefly",
                "signature_info": {"issuer": "Adobe", "common_name": "Adobe C2PA"},
                "ingredients": [{"active_manifest": "urn:m0"}],
                "assertions": [
                    {
                        "label": "c2pa.actions",
                        "data": {
                            "actions": [
                                {
                                    "action": "c2pa.created",
                                    "digitalSourceType": "http://cv.iptc.org/newscodes/"
                                    "digitalsourcetype/trainedAlgorithmicMedia",
                                    "softwareAgent": {"name": "Firefly"},
                                }
                            ]
                        },
                    }
                ],
            },
            "urn:m0": {"claim_generator": "camera", "assertions": []},
        },
    }
    return [json.dumps(store).encode()]


def _targets() -> dict[str, Target]:
    from idolguard.evidence.der import Malformed
    from idolguard.exchange.formats.common import BankFormatError
    from idolguard.sources.connectors.base import SourceError

    found = [
        Target("der", _der, (Malformed,), _der_seeds),
        Target("feed", _feed, (SourceError,), _feed_seeds),
        Target("page", _page, (), _page_seeds),
        Target("exif", _exif, (), _exif_seeds),
        Target("xmp", _xmp, (), _xmp_seeds),
        Target("c2pa", _c2pa, (), _c2pa_seeds),
    ]
    for fmt in ("csv", "json", "jsonl", "pytx"):
        found.append(Target(f"bank-{fmt}", _bank(fmt), (BankFormatError,), _bank_seeds(fmt)))
    return {target.name: target for target in found}


TARGETS = _targets()
