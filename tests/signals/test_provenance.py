"""Provenance signal: C2PA, XMP digital source type, generator metadata, SD watermark.

Every fixture is made here at run time: C2PA-signed files with a throw-away CA,
PNGs with generator text chunks, JPEGs with EXIF, and watermarks embedded by a
NumPy re-implementation of the ``invisible-watermark`` dwtDct encoder.
"""

from __future__ import annotations

import datetime
import io
import json
import struct
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from idolguard.media import MediaLimits, MediaType, sniff
from idolguard.signals import AnalysisItem, Stage, provenance_c2pa
from idolguard.signals.provenance import ProvenanceSignal, summarise
from idolguard.signals.provenance_metadata import user_comment_text
from idolguard.signals.provenance_watermark import (
    SD1_MESSAGE,
    SDXL_MESSAGE,
    WatermarkReading,
    _u_channel_uint8,
    block_bits,
    haar_approximation,
    message_agreement,
    read_watermark,
)
from tests.helpers import sample

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
AI_SOURCE = IPTC + "trainedAlgorithmicMedia"


def _item(path: Path) -> AnalysisItem:
    limits = MediaLimits()
    return AnalysisItem(path, "0" * 64, "0" * 32, path.stat().st_size, sniff(path, limits), limits)


def _analyse(path: Path, **kwargs: Any) -> dict[str, Any]:
    result = ProvenanceSignal(**kwargs).analyse(_item(path))
    json.dumps(result)  # always storable as JSON
    assert set(result) == {"ai_generated", "findings", "c2pa", "watermark"}
    assert result["ai_generated"] == any(f["ai"] for f in result["findings"])
    for entry in result["findings"]:
        assert {"kind", "ai", "source", "value", "detail"} <= set(entry)
    return result


def _kinds(result: dict[str, Any], *, ai: bool | None = None) -> list[str]:
    return [f["kind"] for f in result["findings"] if ai is None or f["ai"] is ai]


def _photo(size: tuple[int, int] | None = None) -> Image.Image:
    image = Image.open(sample("astronaut.jpg")).convert("RGB")
    return image.resize(size) if size else image


# --------------------------------------------------------------------------- signal basics


def test_signal_declares_itself() -> None:
    signal = ProvenanceSignal()
    assert signal.name == "provenance" and signal.version == "1"
    assert signal.media_types == frozenset({MediaType.IMAGE, MediaType.VIDEO})
    assert signal.stage is Stage.CONTENT


def test_ordinary_photo_is_not_flagged_and_has_empty_summary(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    _photo().save(path)
    result = _analyse(path)
    assert result["ai_generated"] is False
    assert result["findings"] == []
    assert result["c2pa"] is None
    watermark = result["watermark"]
    assert watermark["checked"] is True
    assert 0.25 <= watermark["sdxl_agreement"] <= 0.75
    assert 0.3 <= watermark["sd1_agreement"] <= 0.7
    assert summarise(result) == "" and ProvenanceSignal().summary(result) == ""


# --------------------------------------------------------------------------- C2PA


def _certificates() -> tuple[bytes, bytes, bytes]:
    """(leaf + CA chain PEM, leaf private key PEM, CA PEM): an ES256 CA and a signing leaf.

    c2pa checks the profile: the leaf needs critical digitalSignature key usage,
    an extended key usage (emailProtection here), an authority key identifier
    and must not be a CA.
    """
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(common: str, org: str) -> Any:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, common),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            ]
        )

    def usage(*, sign: bool, ca: bool) -> Any:
        return x509.KeyUsage(
            digital_signature=sign,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=ca,
            crl_sign=ca,
            encipher_only=False,
            decipher_only=False,
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name("IdolGuard Test Root", "IdolGuard Tests")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage(sign=False, ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("Test Generator Signer", "Example AI Lab"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(sign=True, ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    chain = leaf.public_bytes(pem) + ca.public_bytes(pem)
    private = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return chain, private, ca.public_bytes(pem)


@pytest.fixture(scope="module")
def certificates() -> tuple[bytes, bytes, bytes]:
    pytest.importorskip("c2pa")
    return _certificates()


def _sign_jpeg(
    path: Path,
    certificates: tuple[bytes, bytes, bytes],
    source_type: str,
    extra_assertions: list[dict[str, Any]] | None = None,
) -> None:
    c2pa = pytest.importorskip("c2pa")
    chain, private_key, _ = certificates
    manifest = {
        "claim_generator_info": [{"name": "ExampleGen", "version": "2.1"}],
        "title": path.name,
        "format": "image/jpeg",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": source_type,
                            "softwareAgent": {"name": "ExampleGen Image Model"},
                        }
                    ]
                },
            },
            *(extra_assertions or []),
        ],
    }
    source = io.BytesIO()
    _photo((320, 240)).save(source, "JPEG", quality=90)
    source.seek(0)
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, private_key, None)
    signer = c2pa.Signer.from_info(info)
    output = io.BytesIO()
    with c2pa.Builder(manifest) as builder:
        builder.sign(signer, "image/jpeg", source, output)
    path.write_bytes(output.getvalue())


def test_c2pa_ai_manifest_is_flagged_with_signer_and_validation(
    tmp_path: Path, certificates: tuple[bytes, bytes, bytes]
) -> None:
    path = tmp_path / "generated.jpg"
    _sign_jpeg(path, certificates, AI_SOURCE)
    result = _analyse(path)
    assert result["ai_generated"] is True
    block = result["c2pa"]
    assert block["signer"] == "Test Generator Signer"
    assert block["signature_info"]["issuer"] == "Example AI Lab"
    assert block["claim_generator"] == "ExampleGen 2.1"
    assert block["validation_state"] == "Valid"  # signed correctly, by an unknown CA
    assert "signingCredential.untrusted" in block["validation_status"]
    assert block["actions"][0]["action"] == "c2pa.created"
    assert block["actions"][0]["digitalSourceType"] == AI_SOURCE
    [ai] = [f for f in result["findings"] if f["ai"]]
    assert ai["kind"] == "c2pa"
    assert ai["source"] == "C2PA action c2pa.created"
    assert ai["value"] == AI_SOURCE
    assert ai["digital_source_type"] == "trainedAlgorithmicMedia"
    assert ai["signer"] == "Test Generator Signer"
    assert ai["validation_state"] == "Valid"
    assert ai["generator"] == "ExampleGen Image Model"
    assert summarise(result) == "AI-generated (C2PA trainedAlgorithmicMedia)"


def test_c2pa_trust_anchors_make_the_signature_trusted(
    tmp_path: Path, certificates: tuple[bytes, bytes, bytes]
) -> None:
    path = tmp_path / "generated.jpg"
    _sign_jpeg(path, certificates, IPTC + "compositeWithTrainedAlgorithmicMedia")
    result = _analyse(path, c2pa_trust_anchors=certificates[2].decode())
    assert result["c2pa"]["validation_state"] == "Trusted"
    assert result["c2pa"]["validation_status"] == []
    assert result["ai_generated"] is True


def test_c2pa_camera_capture_with_training_opt_out_is_not_ai(
    tmp_path: Path, certificates: tuple[bytes, bytes, bytes]
) -> None:
    # "c2pa.ai_generative_training" says whether the content may be used to train
    # models; it is not a claim that a model made it.
    training = {
        "label": "c2pa.training-mining",
        "data": {
            "entries": {
                "c2pa.ai_generative_training": {"use": "notAllowed"},
                "c2pa.ai_training": {"use": "notAllowed"},
            }
        },
    }
    path = tmp_path / "camera.jpg"
    _sign_jpeg(path, certificates, IPTC + "digitalCapture", [training])
    result = _analyse(path)
    assert result["ai_generated"] is False
    assert result["c2pa"]["actions"][0]["digitalSourceType"] == IPTC + "digitalCapture"
    [entry] = result["findings"]
    assert entry["kind"] == "c2pa" and entry["ai"] is False
    assert entry["signer"] == "Test Generator Signer"
    assert summarise(result) == "C2PA Valid, no AI declared"


def test_c2pa_tampered_file_still_reports_the_claim_as_invalid(
    tmp_path: Path, certificates: tuple[bytes, bytes, bytes]
) -> None:
    path = tmp_path / "generated.jpg"
    _sign_jpeg(path, certificates, AI_SOURCE)
    data = bytearray(path.read_bytes())
    data[-200] ^= 0xFF  # change the image data the manifest hashed
    path.write_bytes(bytes(data))
    result = _analyse(path)
    assert result["ai_generated"] is True
    assert result["c2pa"]["validation_state"] == "Invalid"
    assert "assertion.dataHash.mismatch" in result["c2pa"]["validation_status"]


def test_c2pa_unreadable_manifest_becomes_an_error_finding(
    tmp_path: Path, certificates: tuple[bytes, bytes, bytes]
) -> None:
    path = tmp_path / "cut.jpg"
    _sign_jpeg(path, certificates, AI_SOURCE)
    path.write_bytes(path.read_bytes()[:5000])  # cut inside the manifest
    result = _analyse(path)
    assert result["c2pa"] is None
    [error] = [f for f in result["findings"] if f["kind"] == "c2pa_error"]
    assert error["ai"] is False and error["value"]


def test_file_without_manifest_has_no_c2pa(tmp_path: Path) -> None:
    pytest.importorskip("c2pa")
    path = tmp_path / "plain.jpg"
    _photo().save(path, quality=90)
    started = time.perf_counter()
    result = _analyse(path)
    assert time.perf_counter() - started < 2.0
    assert result["c2pa"] is None
    assert "c2pa_error" not in _kinds(result)


def test_missing_c2pa_library_is_reported_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provenance_c2pa, "load_c2pa", lambda: None)
    path = tmp_path / "plain.jpg"
    _photo().save(path, quality=90)
    result = _analyse(path)
    assert result["c2pa"] == "unavailable"
    assert result["ai_generated"] is False


def test_any_c2pa_exception_becomes_a_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Exploding:
        class C2paError(Exception):
            ManifestNotFound = KeyError

        class Context:
            @staticmethod
            def from_dict(settings: dict[str, Any]) -> object:
                return object()

        class Reader:
            def __init__(self, *args: Any) -> None:
                raise RuntimeError("native library fell over")

    monkeypatch.setattr(provenance_c2pa, "load_c2pa", lambda: Exploding)
    monkeypatch.setattr(provenance_c2pa, "_contexts", {})
    plain = tmp_path / "plain.png"
    _photo((300, 300)).save(plain)
    # Without any JUMBF box in the file the error is the file's own damage: not reported.
    assert "c2pa_error" not in _kinds(_analyse(plain))
    data = plain.read_bytes()
    jumbf = struct.pack(">I4s", 32, b"jumb") + struct.pack(">I4s", 24, b"jumd") + b"c2pa" * 4
    path = tmp_path / "manifest.png"
    path.write_bytes(data[:33] + _png_chunk(b"caBX", jumbf) + data[33:])  # after IHDR
    result = _analyse(path)
    [error] = [f for f in result["findings"] if f["kind"] == "c2pa_error"]
    assert "native library fell over" in error["value"]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def test_summarise_store_handles_v1_claims_and_iptc_assertions() -> None:
    store = {
        "active_manifest": "urn:a",
        "manifests": {
            "urn:a": {
                "claim_generator": "Adobe_Firefly/1.0 c2pa-rs/0.25",
                "signature_info": {"issuer": "Adobe Inc.", "alg": "Ps256"},
                "assertions": [
                    {"label": "c2pa.actions", "data": {"actions": [{"action": "c2pa.opened"}]}},
                    {"label": "c2pa.training-mining", "data": {"entries": {}}},
                ],
            },
            "urn:b": {
                "assertions": [
                    {
                        "label": "stds.iptc.photo-metadata",
                        "data": {"Iptc4xmpExt:DigitalSourceType": AI_SOURCE},
                    }
                ]
            },
        },
        "validation_state": "Valid",
    }
    outcome = provenance_c2pa.summarise_store(store)
    assert isinstance(outcome.block, dict)
    assert outcome.block["claim_generator"] == "Adobe_Firefly/1.0 c2pa-rs/0.25"
    assert outcome.block["signer"] == "Adobe Inc."
    [entry] = outcome.findings
    assert entry["ai"] is True
    assert entry["source"] == "C2PA assertion stds.iptc.photo-metadata (ingredient manifest)"


# --------------------------------------------------------------------------- XMP


def _xmp(body: str) -> bytes:
    return (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f"{body}</rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


_NS = (
    'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
    'xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
    'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
)


def test_xmp_digital_source_type_attribute_form_in_jpeg(tmp_path: Path) -> None:
    xmp = _xmp(f'<rdf:Description rdf:about="" {_NS} Iptc4xmpExt:DigitalSourceType="{AI_SOURCE}"/>')
    path = tmp_path / "xmp.jpg"
    _photo().save(path, quality=90, xmp=xmp)
    result = _analyse(path)
    [entry] = result["findings"]
    assert entry["kind"] == "xmp_digital_source_type"
    assert entry["ai"] is True
    assert entry["value"] == AI_SOURCE
    assert entry["source"] == "XMP Iptc4xmpExt:DigitalSourceType"
    assert summarise(result) == "AI-generated (XMP trainedAlgorithmicMedia)"


def test_xmp_element_form_in_compressed_png_itxt_with_credit_line(tmp_path: Path) -> None:
    xmp = _xmp(
        f'<rdf:Description rdf:about="" {_NS}>'
        "<Iptc4xmpExt:DigitalSourceType>"
        f"{IPTC}compositeWithTrainedAlgorithmicMedia"
        "</Iptc4xmpExt:DigitalSourceType>"
        "<photoshop:Credit>Made with Google AI</photoshop:Credit>"
        "</rdf:Description>"
    )
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp.decode(), zip=True)  # invisible to a byte scan
    path = tmp_path / "xmp.png"
    _photo((300, 300)).save(path, pnginfo=info)
    result = _analyse(path)
    by_kind = {f["kind"]: f for f in result["findings"]}
    assert by_kind["xmp_digital_source_type"]["ai"] is True
    assert by_kind["xmp_digital_source_type"]["source"].startswith("XMP (PNG iTXt)")
    assert by_kind["generator_metadata"]["generator"] == "Google AI"
    assert by_kind["generator_metadata"]["source"] == "XMP (PNG iTXt) photoshop:Credit"


def test_xmp_camera_source_type_is_recorded_not_flagged(tmp_path: Path) -> None:
    xmp = _xmp(
        f'<rdf:Description rdf:about="" {_NS} '
        f'Iptc4xmpExt:DigitalSourceType="{IPTC}digitalCapture" '
        'xmp:CreatorTool="Adobe Photoshop Lightroom Classic 13.0"/>'
    )
    path = tmp_path / "camera.jpg"
    _photo().save(path, quality=90, xmp=xmp)
    result = _analyse(path)
    assert result["ai_generated"] is False
    [entry] = result["findings"]
    assert entry["digital_source_type"] == "digitalCapture" and entry["ai"] is False


def test_malformed_xmp_falls_back_to_a_text_search(tmp_path: Path) -> None:
    broken = _xmp(
        f'<rdf:Description {_NS} Iptc4xmpExt:DigitalSourceType="{AI_SOURCE}">'
        "<unclosed></rdf:Description>"
    )
    path = tmp_path / "broken.jpg"
    _photo().save(path, quality=90, xmp=broken)
    result = _analyse(path)
    kinds = _kinds(result)
    assert "xmp_error" in kinds
    [entry] = [f for f in result["findings"] if f["kind"] == "xmp_digital_source_type"]
    assert entry["ai"] is True and entry["parsed"] is False


def test_xmp_with_entities_is_refused_not_expanded(tmp_path: Path) -> None:
    bomb = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;</r></x:xmpmeta>'
    )
    path = tmp_path / "entities.jpg"
    _photo().save(path, quality=90, xmp=bomb)
    result = _analyse(path)
    [entry] = result["findings"]
    assert entry["kind"] == "xmp_error" and "DOCTYPE" in entry["detail"]


def test_xmp_at_the_end_of_a_video_is_found(tmp_path: Path) -> None:
    av = pytest.importorskip("av")
    path = tmp_path / "clip.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(5):
            frame = av.VideoFrame.from_ndarray(
                np.full((48, 64, 3), index * 40, dtype=np.uint8), format="rgb24"
            )
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    xmp = _xmp(f'<rdf:Description rdf:about="" {_NS} Iptc4xmpExt:DigitalSourceType="{AI_SOURCE}"/>')
    # A top-level ISO BMFF uuid box with the XMP UUID, as Adobe tools write it.
    uuid = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
    with path.open("ab") as fp:
        fp.write(struct.pack(">I4s", 8 + 16 + len(xmp), b"uuid") + uuid + xmp)
    item = _item(path)
    assert item.media_type is MediaType.VIDEO
    result = ProvenanceSignal(scan_head_bytes=64).analyse(item)  # found in the tail
    assert result["ai_generated"] is True
    assert result["watermark"]["checked"] is False
    assert _kinds(result, ai=True) == ["xmp_digital_source_type"]


# --------------------------------------------------------------------------- generator metadata


A1111 = (
    "portrait photo of a woman, studio lighting\n"
    "Negative prompt: blurry\n"
    "Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234, Size: 512x512, "
    "Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Version: v1.9.0"
)


def _png_with_text(path: Path, **texts: str) -> None:
    info = PngInfo()
    for key, value in texts.items():
        info.add_text(key, value)
    _photo((300, 300)).save(path, pnginfo=info)


def test_a1111_parameters_chunk_is_flagged_with_model(tmp_path: Path) -> None:
    path = tmp_path / "a1111.png"
    _png_with_text(path, parameters=A1111)
    result = _analyse(path)
    [entry] = result["findings"]
    assert entry["kind"] == "generator_metadata" and entry["ai"] is True
    assert entry["source"] == "PNG tEXt parameters"
    assert entry["value"] == A1111
    assert entry["model"] == "sd_xl_base_1.0"
    assert entry["generator"] == "Stable Diffusion web UI"
    assert summarise(result) == "AI-generated (Stable Diffusion web UI metadata)"


def test_comfyui_prompt_graph_is_flagged_with_checkpoint(tmp_path: Path) -> None:
    prompt = {
        "4": {
            "class_type": "CheckpointLoaderSimple",
            "inputs": {"ckpt_name": "flux1-dev.safetensors"},
        },
        "3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20}},
    }
    workflow = {"last_node_id": 9, "nodes": [{"id": 3}, {"id": 4}], "links": []}
    path = tmp_path / "comfy.png"
    _png_with_text(path, prompt=json.dumps(prompt), workflow=json.dumps(workflow))
    result = _analyse(path)
    entries = {f["source"]: f for f in result["findings"]}
    assert entries["PNG tEXt prompt"]["generator"] == "ComfyUI"
    assert entries["PNG tEXt prompt"]["models"] == ["flux1-dev.safetensors"]
    assert entries["PNG tEXt workflow"]["generator"] == "ComfyUI"
    assert result["ai_generated"] is True


def test_novelai_invokeai_and_recipes_in_comments(tmp_path: Path) -> None:
    comment = json.dumps({"prompt": "x", "steps": 28, "sampler": "k_euler", "seed": 7})
    path = tmp_path / "nai.png"
    _png_with_text(
        path,
        Software="NovelAI",
        Comment=comment,
        invokeai_metadata=json.dumps({"model": "x"}),
        Title="holiday",
    )
    result = _analyse(path)
    generators = {f["source"]: f["generator"] for f in result["findings"] if f["ai"]}
    assert generators == {
        "PNG tEXt Software": "NovelAI",
        "PNG tEXt Comment": "unknown diffusion tool",
        "PNG tEXt invokeai_metadata": "InvokeAI",
    }


def test_prompts_mentioning_a_generator_are_not_tool_claims(tmp_path: Path) -> None:
    path = tmp_path / "caption.png"
    _png_with_text(path, Description="my drawing, not midjourney", Title="Stable diffusion?")
    assert _analyse(path)["ai_generated"] is False


def test_huge_and_bomb_text_chunks_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    _photo((300, 300)).save(path)
    data = path.read_bytes()
    iend = data.rindex(b"IEND") - 4
    huge = b"parameters\x00" + A1111.encode() + b" " + b"x" * (6 * 1024 * 1024)
    bomb = b"Comment\x00\x00" + zlib.compress(b"\x00" * (200 * 1024 * 1024), 9)

    path.write_bytes(
        data[:iend] + _png_chunk(b"tEXt", huge) + _png_chunk(b"zTXt", bomb) + data[iend:]
    )
    started = time.perf_counter()
    result = _analyse(path)
    assert time.perf_counter() - started < 10
    [entry] = [f for f in result["findings"] if f["ai"]]
    assert entry["truncated"] is True and len(entry["value"]) == 2000


def test_camera_exif_with_lightroom_is_not_ai(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS R5"
    exif[0x0131] = "Adobe Photoshop Lightroom Classic 13.0 (Windows)"
    exif[0x010E] = "Seoul, concert stage"
    path = tmp_path / "canon.jpg"
    _photo().save(path, quality=90, exif=exif)
    result = _analyse(path)
    assert result["ai_generated"] is False
    entries = {f["kind"]: f for f in result["findings"]}
    assert entries["exif_software"]["role"] == "editor"
    assert entries["exif_software"]["value"] == "Adobe Photoshop Lightroom Classic 13.0 (Windows)"
    assert entries["exif_camera"]["value"] == {"make": "Canon", "model": "Canon EOS R5"}
    assert summarise(result) == ""


def test_exif_software_and_user_comment_of_generators_are_flagged(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0131] = "Midjourney v6"
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + A1111.encode("utf-16-be")
    path = tmp_path / "gen.jpg"
    _photo().save(path, quality=90, exif=exif)
    result = _analyse(path)
    entries = {f["source"]: f for f in result["findings"]}
    assert entries["EXIF Software"]["ai"] is True
    assert entries["EXIF Software"]["generator"] == "Midjourney"
    assert entries["EXIF UserComment"]["value"] == A1111
    assert entries["EXIF UserComment"]["model"] == "sd_xl_base_1.0"


def test_exif_in_webp_and_png_chunks_is_read(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0131] = "ComfyUI"
    for name in ("gen.webp", "gen.png"):
        path = tmp_path / name
        _photo((300, 300)).save(path, exif=exif, lossless=True)
        result = _analyse(path)
        assert [f["generator"] for f in result["findings"] if f["ai"]] == ["ComfyUI"], name


def test_user_comment_encodings() -> None:
    assert user_comment_text(b"ASCII\x00\x00\x00hello\x00") == "hello"
    assert user_comment_text(b"UNICODE\x00" + "héllo".encode("utf-16-le")) == "héllo"
    assert user_comment_text(b"UNICODE\x00" + "héllo".encode("utf-16-be")) == "héllo"
    assert user_comment_text(None) == ""


@pytest.mark.parametrize("cut", [20, 60, 400, 5000])
def test_truncated_files_never_crash(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "a1111.png"
    _png_with_text(path, parameters=A1111)
    path.write_bytes(path.read_bytes()[:cut])
    result = _analyse(path)
    assert result["watermark"]["checked"] is False
    assert "c2pa_error" not in _kinds(result)  # no JUMBF: c2pa's parse error is not news
    assert result["ai_generated"] is (cut >= 400)  # the text chunk comes before the pixels


def test_garbage_after_a_jpeg_header_never_crashes(tmp_path: Path) -> None:
    path = tmp_path / "garbage.jpg"
    rng = np.random.default_rng(3)
    path.write_bytes(b"\xff\xd8\xff\xe1\xff\xff" + rng.bytes(20000) + b"<x:xmpmeta>")
    result = _analyse(path)
    assert result["ai_generated"] is False


# --------------------------------------------------------------------------- watermark


def embed_watermark(
    rgb: np.ndarray[Any, Any], message: tuple[int, ...], *, centre: float = 0.5
) -> np.ndarray[Any, Any]:
    """NumPy re-implementation of invisible-watermark's dwtDct *encoder* (test helper).

    Works in float like diffusers does (``centre`` 0.5 is OpenCV's U offset for float
    images, 128 its offset for 8-bit ones): the largest non-first element of every
    4x4 block of U's Haar approximation is moved to the lower or upper quarter of
    its 36-wide bin. Only U changes, so the change maps back to B and G alone.
    """
    pixels = rgb.astype(np.float64)
    height, width = pixels.shape[0] // 4 * 4, pixels.shape[1] // 4 * 4
    red, green, blue = (pixels[:height, :width, i] for i in range(3))
    luma = 0.299 * red + 0.587 * green + 0.114 * blue
    band = haar_approximation((blue - luma) * 0.492 + centre)
    rows, cols = band.shape[0] // 4, band.shape[1] // 4
    blocks = band[: rows * 4, : cols * 4].reshape(rows, 4, cols, 4).transpose(0, 2, 1, 3)
    blocks = blocks.reshape(rows * cols, 16).copy()
    position = np.argmax(np.abs(blocks[:, 1:]), axis=1) + 1
    index = np.arange(blocks.shape[0])
    value = blocks[index, position]
    bits = np.asarray(message, dtype=np.float64)[index % len(message)]
    magnitude = (np.abs(value) // 36 + 0.25 + 0.5 * bits) * 36
    delta_blocks = np.zeros_like(blocks)
    delta_blocks[index, position] = np.where(value >= 0, magnitude, -magnitude) - value
    delta_band = np.zeros_like(band)
    delta_band[: rows * 4, : cols * 4] = (
        delta_blocks.reshape(rows, cols, 4, 4).transpose(0, 2, 1, 3).reshape(rows * 4, cols * 4)
    )
    delta_u = np.repeat(np.repeat(delta_band / 2, 2, axis=0), 2, axis=1)  # inverse Haar
    out = pixels.copy()
    out[:height, :width, 2] += 2.032 * delta_u  # YUV -> BGR: B = Y + 2.032 (U - c)
    out[:height, :width, 1] -= 0.395 * delta_u  # G = Y - 0.395 (U - c) - 0.581 (V - c)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _embedded_png(path: Path, message: tuple[int, ...], **kwargs: Any) -> np.ndarray[Any, Any]:
    marked = embed_watermark(np.asarray(_photo()), message, **kwargs)
    Image.fromarray(marked).save(path)
    return marked


@pytest.mark.parametrize("centre", [0.5, 128.0])
def test_sdxl_watermark_is_detected(tmp_path: Path, centre: float) -> None:
    path = tmp_path / "sdxl.png"
    _embedded_png(path, SDXL_MESSAGE, centre=centre)
    result = _analyse(path)
    assert result["watermark"]["checked"] is True
    assert result["watermark"]["sdxl_agreement"] >= 0.95
    [entry] = result["findings"]
    assert entry["kind"] == "watermark" and entry["ai"] is True
    assert entry["value"]["message"] == "SDXL"
    assert summarise(result).startswith("AI-generated (SDXL watermark")


def test_sd1_watermark_is_detected_and_survives_rgb_swap(tmp_path: Path) -> None:
    marked = embed_watermark(np.asarray(_photo())[..., ::-1], SD1_MESSAGE)[..., ::-1]
    path = tmp_path / "sd1.png"
    Image.fromarray(np.ascontiguousarray(marked)).save(path)  # channels swapped, like old diffusers
    result = _analyse(path)
    [entry] = result["findings"]
    assert entry["value"]["message"] == "SD 1.x/2.x"
    assert entry["variant"].startswith("rgb-as-bgr")


def test_watermark_not_checked_on_jpeg_or_when_too_small_or_too_big(tmp_path: Path) -> None:
    marked = embed_watermark(np.asarray(_photo()), SDXL_MESSAGE)
    jpeg = tmp_path / "sdxl.jpg"
    Image.fromarray(marked).save(jpeg, quality=95)
    result = _analyse(jpeg)
    assert result["watermark"]["checked"] is False
    assert "lossy" in result["watermark"]["reason"]
    small = tmp_path / "small.png"
    Image.fromarray(marked).resize((200, 200)).save(small)
    assert _analyse(small)["watermark"]["checked"] is False
    big = tmp_path / "big.png"
    Image.fromarray(marked).save(big)
    result = _analyse(big, watermark_max_pixels=100_000)
    assert result["watermark"]["checked"] is False and "limit" in result["watermark"]["reason"]
    assert _analyse(big, check_watermark=False)["watermark"]["reason"] == "disabled"


def test_watermark_checked_on_lossless_webp_only(tmp_path: Path) -> None:
    marked = Image.fromarray(embed_watermark(np.asarray(_photo()), SDXL_MESSAGE))
    lossless, lossy = tmp_path / "lossless.webp", tmp_path / "lossy.webp"
    marked.save(lossless, lossless=True)
    marked.save(lossy, quality=90)
    assert _analyse(lossless)["ai_generated"] is True
    assert _analyse(lossy)["watermark"]["checked"] is False


@pytest.mark.parametrize("kind", ["flat", "gradient", "noise", "photo-rgba"])
def test_unwatermarked_images_are_not_flagged(tmp_path: Path, kind: str) -> None:
    rng = np.random.default_rng(11)
    if kind == "flat":
        image = Image.new("RGB", (512, 512), (200, 120, 90))
    elif kind == "gradient":
        ramp = np.linspace(0, 255, 640, dtype=np.float64)
        array = np.stack(np.broadcast_arrays(ramp[None, :], ramp[:, None], 128.0), axis=-1)
        image = Image.fromarray(array.astype(np.uint8))
    elif kind == "noise":
        image = Image.fromarray(rng.integers(0, 256, (600, 800, 3), dtype=np.uint8))
    else:
        image = _photo().convert("RGBA")
    path = tmp_path / f"{kind}.png"
    image.save(path)
    result = _analyse(path)
    assert result["watermark"]["checked"] is True
    # Chance gives 0.5; the signal flags beyond 0.9 / 0.8 in either direction.
    assert abs(result["watermark"]["sdxl_agreement"] - 0.5) < 0.3
    assert abs(result["watermark"]["sd1_agreement"] - 0.5) < 0.2
    assert result["ai_generated"] is False


def test_inverted_watermark_reading_is_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # diffusers embeds in float arithmetic; read back as 8-bit, warm images decode
    # to the complement of the message, which chance produces as rarely as the message.
    from idolguard.signals import provenance

    reading = WatermarkReading(0.0417, 0.5, "bgr/uint8", "bgr/uint8")
    monkeypatch.setattr(provenance, "read_watermark", lambda pixels: reading)
    path = tmp_path / "warm.png"
    _photo().save(path)
    result = _analyse(path)
    [entry] = result["findings"]
    assert entry["inverted"] is True
    assert "46 of 48 bits agree, read inverted" in entry["detail"]
    assert result["watermark"]["sdxl_agreement"] == 0.0417
    assert summarise(result) == "AI-generated (SDXL watermark 96%)"


def test_c2pa_is_read_in_forked_workers_after_the_parent_read(
    tmp_path: Path, certificates: tuple[bytes, bytes, bytes]
) -> None:
    # c2pa refuses native handles inherited through fork; contexts are per process.
    import multiprocessing

    path = tmp_path / "generated.jpg"
    _sign_jpeg(path, certificates, AI_SOURCE)
    assert _analyse(path)["ai_generated"] is True
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_flagged_in_worker, (str(path),)) is True


def _flagged_in_worker(path: str) -> bool:
    return bool(ProvenanceSignal().analyse(_item(Path(path)))["ai_generated"])


def test_decoder_primitives_match_opencv_and_pywavelets() -> None:
    # U of these RGB pixels as cv2.cvtColor(bgr, COLOR_BGR2YUV) gives it (OpenCV 4.x).
    rgb = np.array(
        [
            [(0, 0, 0), (255, 255, 255), (0, 0, 255), (255, 0, 0), (175, 205, 188)],
            [(249, 98, 229), (95, 148, 10), (198, 147, 86), (106, 39, 66), (45, 171, 213)],
        ],
        dtype=np.int64,
    )
    u = _u_channel_uint8(rgb[..., 0], rgb[..., 1], rgb[..., 2])
    assert u.tolist() == [[128, 128, 239, 91, 125], [163, 76, 94, 130, 165]]
    pywt = pytest.importorskip("pywt")
    channel = np.random.default_rng(5).integers(0, 256, (64, 96)).astype(np.float64)
    assert np.array_equal(haar_approximation(channel), pywt.dwt2(channel, "haar")[0])


def test_decoded_bits_vote_by_block_order() -> None:
    bits = np.tile(np.asarray(SDXL_MESSAGE, dtype=bool), 30)
    assert message_agreement(bits, SDXL_MESSAGE) == 1.0
    assert message_agreement(~bits, SDXL_MESSAGE) == 0.0
    assert message_agreement(bits[:10], SDXL_MESSAGE) == 0.0  # too few blocks to vote
    band = np.full((8, 8), 90.0)  # 90 % 36 == 18: not above half the bin -> 0
    band[0, 1] = 36 * 3 + 27  # upper quarter of its bin -> 1
    assert block_bits(band).tolist() == [True, False, False, False]
    assert read_watermark(np.zeros((100, 100, 3), dtype=np.uint8)) is None
