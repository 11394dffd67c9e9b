"""A small, strict DER reader and writer for RFC 3161 time-stamp responses and requests.

rfc3161-client checks a token's signature, but the signature does not cover
everything a stored token carries (container versions, the signature
algorithm, the embedded certificates). This reader walks the whole
``TimeStampResp`` and checks every tag and length, so that a change to any byte
of a stored token is reported rather than silently tolerated; it also puts a
chain-ordered certificate SET into DER order for rfc3161-client's parser. The
writer encodes ``TimeStampReq``, because rfc3161-client's request builder cannot
carry a ``reqPolicy``. It is a codec only: what the decoded fields must be is
decided in ``idolguard.evidence.timestamp``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rfc3161_client import PKIStatus

SHA256 = "2.16.840.1.101.3.4.2.1"
_SIGNED_DATA = "1.2.840.113549.1.7.2"

# PKIFailureInfo bit names (RFC 3161 section 2.4.2).
_FAILURE_BITS = {
    0: "badAlg (unsupported hash algorithm)",
    2: "badRequest (request not permitted or not supported)",
    5: "badDataFormat (malformed request)",
    14: "timeNotAvailable (TSA clock unavailable)",
    15: "unacceptedPolicy (requested policy not supported)",
    16: "unacceptedExtension (requested extension not supported)",
    17: "addInfoNotAvailable",
    25: "systemFailure (TSA internal failure)",
}


class Malformed(ValueError):
    """The bytes are not the DER structure expected at this point."""


@dataclass(frozen=True)
class _Tlv:
    tag: int
    start: int  # offset of the tag byte
    body: int  # offset of the contents
    end: int  # offset just past the contents


def _read(buf: bytes, pos: int, limit: int) -> _Tlv:
    if pos + 2 > limit:
        raise Malformed(f"truncated at byte {pos}")
    tag = buf[pos]
    if tag & 0x1F == 0x1F:
        raise Malformed(f"unsupported high tag number at byte {pos}")
    first = buf[pos + 1]
    body = pos + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or body + count > limit:
            raise Malformed(f"bad length at byte {pos}")
        length = int.from_bytes(buf[body : body + count], "big")
        body += count
        if length < 0x80 or buf[pos + 2] == 0:
            raise Malformed(f"non-minimal length at byte {pos} (not DER)")
    if body + length > limit:
        raise Malformed(f"truncated: element at byte {pos} runs past its container")
    return _Tlv(tag, pos, body, body + length)


def _children(buf: bytes, parent: _Tlv) -> list[_Tlv]:
    out: list[_Tlv] = []
    pos = parent.body
    while pos < parent.end:
        child = _read(buf, pos, parent.end)
        out.append(child)
        pos = child.end
    return out


def _expect(tlv: _Tlv | None, tag: int, what: str) -> _Tlv:
    if tlv is None:
        raise Malformed(f"{what} is missing")
    if tlv.tag != tag:
        raise Malformed(f"{what}: expected tag 0x{tag:02x}, found 0x{tlv.tag:02x}")
    return tlv


def _int(buf: bytes, tlv: _Tlv, what: str) -> int:
    _expect(tlv, 0x02, what)
    if tlv.body == tlv.end:
        raise Malformed(f"{what}: empty INTEGER")
    return int.from_bytes(buf[tlv.body : tlv.end], "big", signed=True)


def _oid(buf: bytes, tlv: _Tlv, what: str) -> str:
    _expect(tlv, 0x06, what)
    arcs: list[int] = []
    value = 0
    for byte in buf[tlv.body : tlv.end]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if not arcs or buf[tlv.end - 1] & 0x80:
        raise Malformed(f"{what}: malformed OBJECT IDENTIFIER")
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def _at(items: list[_Tlv], index: int) -> _Tlv | None:
    return items[index] if index < len(items) else None


@dataclass(frozen=True)
class Status:
    status: int
    text: list[str]
    failure: list[str]

    def describe(self) -> str:
        try:
            name = PKIStatus(self.status).name.lower()
        except ValueError:
            name = "unknown"
        parts = [f"status {self.status} ({name})"]
        if self.failure:
            parts.append("failure: " + ", ".join(self.failure))
        if self.text:
            parts.append("TSA says: " + " / ".join(self.text))
        return "; ".join(parts)


@dataclass(frozen=True)
class Token:
    canonical: bytes  # the response with its certificate SET in DER order (see parse_envelope)
    certificates: list[bytes]
    content_type: str
    signed_data_version: int
    signer_version: int
    signer_issuer: bytes  # DER Name from issuerAndSerialNumber; b"" for a key identifier
    signer_serial: int | None
    digest_algorithm: str
    signature_algorithm: str


def parse_envelope(der: bytes) -> tuple[Status, Token | None]:
    """Walk TimeStampResp -> ContentInfo -> SignedData -> SignerInfo, checking every tag.

    ``openssl ts`` (and other TSAs) write the certificate SET in chain order rather than DER
    order, which rfc3161-client's strict parser rejects; the certificates are not covered by the
    signature, so ``canonical`` re-sorts them for parsing while the caller keeps the original.
    """
    top = _expect(_read(der, 0, len(der)), 0x30, "TimeStampResp")
    if top.end != len(der):
        raise Malformed(f"{len(der) - top.end} trailing bytes after the TimeStampResp")
    parts = _children(der, top)
    if len(parts) not in (1, 2):
        raise Malformed(f"TimeStampResp has {len(parts)} elements, expected 1 or 2")
    status_info = _children(der, _expect(parts[0], 0x30, "PKIStatusInfo"))
    status = _int(der, _expect(_at(status_info, 0), 0x02, "PKIStatus"), "PKIStatus")
    text: list[str] = []
    failure: list[str] = []
    for item in status_info[1:]:
        if item.tag == 0x30:
            text += [der[s.body : s.end].decode("utf-8", "replace") for s in _children(der, item)]
        elif item.tag == 0x03 and item.end > item.body:
            bits = der[item.body + 1 : item.end]
            for index in range(len(bits) * 8):
                if bits[index // 8] & (0x80 >> (index % 8)):
                    failure.append(_FAILURE_BITS.get(index, f"bit {index}"))
        else:
            raise Malformed(f"unexpected element 0x{item.tag:02x} in PKIStatusInfo")
    result = Status(status, text, failure)
    if len(parts) == 1:
        return result, None

    content_info = _expect(parts[1], 0x30, "timeStampToken ContentInfo")
    ci = _children(der, content_info)
    if len(ci) != 2:
        raise Malformed("timeStampToken ContentInfo must have 2 elements")
    if _oid(der, ci[0], "contentType") != _SIGNED_DATA:
        raise Malformed("timeStampToken is not CMS SignedData")
    explicit = _expect(ci[1], 0xA0, "ContentInfo content")
    wrapped = _children(der, explicit)
    if len(wrapped) != 1:
        raise Malformed("ContentInfo content must hold exactly one SignedData")
    signed_data = _expect(wrapped[0], 0x30, "SignedData")
    sd = _children(der, signed_data)
    version = _int(der, _expect(_at(sd, 0), 0x02, "SignedData version"), "SignedData version")
    _expect(_at(sd, 1), 0x31, "SignedData digestAlgorithms")
    encap = _children(der, _expect(_at(sd, 2), 0x30, "encapContentInfo"))
    content_type = _oid(der, _expect(_at(encap, 0), 0x06, "eContentType"), "eContentType")
    if len(encap) != 2:
        raise Malformed("encapContentInfo carries no content")
    econtent = _children(der, _expect(encap[1], 0xA0, "eContent"))
    if len(econtent) != 1 or econtent[0].tag != 0x04:
        raise Malformed("eContent must be one OCTET STRING")

    index = 3
    cert_set: _Tlv | None = None
    cert_items: list[_Tlv] = []
    if _at(sd, index) is not None and sd[index].tag == 0xA0:
        cert_set = sd[index]
        cert_items = _children(der, cert_set)
        for number, item in enumerate(cert_items, 1):
            # Pin the one part of a certificate its own signature cannot cover: X.509
            # signatures are whole octets, so the BIT STRING must declare 0 unused bits.
            parts_of_cert = _children(der, _expect(item, 0x30, "embedded certificate"))
            signature = _at(parts_of_cert, 2)
            if len(parts_of_cert) != 3 or signature is None or signature.tag != 0x03:
                raise Malformed(f"embedded certificate {number} is not an X.509 certificate")
            if signature.end == signature.body or der[signature.body] != 0:
                raise Malformed(f"embedded certificate {number} has a malformed signature")
        index += 1
    if _at(sd, index) is not None and sd[index].tag == 0xA1:
        index += 1  # CRLs: carried through untouched
    signer_set = _expect(_at(sd, index), 0x31, "SignedData signerInfos")
    if index + 1 != len(sd):
        raise Malformed("unexpected elements after signerInfos")
    signers = _children(der, signer_set)
    if len(signers) != 1:
        raise Malformed(f"expected exactly one SignerInfo, found {len(signers)}")
    si = _children(der, _expect(signers[0], 0x30, "SignerInfo"))
    signer_version = _int(der, _expect(_at(si, 0), 0x02, "SignerInfo version"), "version")
    sid = _at(si, 1)
    issuer = b""
    serial: int | None = None
    if sid is not None and sid.tag == 0x30:
        ias = _children(der, sid)
        issuer_tlv = _expect(_at(ias, 0), 0x30, "signer issuer")
        issuer = der[issuer_tlv.start : issuer_tlv.end]
        serial = _int(der, _expect(_at(ias, 1), 0x02, "signer serial"), "signer serial")
    elif sid is None or sid.tag != 0x80:
        raise Malformed("SignerInfo has no signer identifier")
    digest_alg = _children(der, _expect(_at(si, 2), 0x30, "SignerInfo digestAlgorithm"))
    digest_oid = _oid(der, _expect(_at(digest_alg, 0), 0x06, "digest OID"), "digest OID")
    pos = 3
    if _at(si, pos) is not None and si[pos].tag == 0xA0:
        pos += 1  # signedAttrs: covered by the signature itself
    sig_alg = _children(der, _expect(_at(si, pos), 0x30, "SignerInfo signatureAlgorithm"))
    sig_oid = _oid(der, _expect(_at(sig_alg, 0), 0x06, "signature OID"), "signature OID")
    _expect(_at(si, pos + 1), 0x04, "SignerInfo signature")
    if len(si) > pos + 3 or (len(si) == pos + 3 and si[pos + 2].tag != 0xA1):
        raise Malformed("unexpected elements at the end of SignerInfo")

    certificates = [der[c.start : c.end] for c in cert_items]
    canonical = der
    ordered = sorted(certificates)
    if cert_set is not None and ordered != certificates:
        sd_bytes = b"".join(
            _tlv(0xA0, b"".join(ordered)) if item is cert_set else der[item.start : item.end]
            for item in sd
        )
        content = der[ci[0].start : ci[0].end] + _tlv(0xA0, _tlv(0x30, sd_bytes))
        canonical = _tlv(0x30, der[parts[0].start : parts[0].end] + _tlv(0x30, content))
    token = Token(
        canonical=canonical,
        certificates=certificates,
        content_type=content_type,
        signed_data_version=version,
        signer_version=signer_version,
        signer_issuer=issuer,
        signer_serial=serial,
        digest_algorithm=digest_oid,
        signature_algorithm=sig_oid,
    )
    return result, token


def _tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def _encode_int(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def encode_oid(dotted: str) -> bytes:
    try:
        arcs = [int(part) for part in dotted.split(".")]
    except ValueError:
        raise ValueError(f"not a dotted OID: {dotted!r}") from None
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] > 39) or min(arcs) < 0:
        raise ValueError(f"not a valid OID: {dotted!r}")
    out = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return _tlv(0x06, bytes(out))


def encode_request(digest: bytes, nonce: int, policy: str | None) -> bytes:
    """DER TimeStampReq (RFC 3161 2.4.1): v1, SHA-256 imprint, reqPolicy?, nonce, certReq."""
    algorithm = _tlv(0x30, encode_oid(SHA256) + b"\x05\x00")
    imprint = _tlv(0x30, algorithm + _tlv(0x04, digest))
    fields = _encode_int(1) + imprint
    if policy is not None:
        fields += encode_oid(policy)
    fields += _encode_int(nonce) + b"\x01\x01\xff"
    return _tlv(0x30, fields)
