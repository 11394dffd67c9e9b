"""Writing an evidence bundle: never over an existing file by accident, never half a file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from idolguard.app import IdolGuard
from idolguard.config import Settings
from idolguard.domain.custody import bundles
from idolguard.evidence.bundle import verify_bundle
from tests.helpers import sample

ACTOR = "lawyer@test"


def _case(app: IdolGuard) -> str:
    opened = app.intake.add_file(sample("astronaut.jpg"), actor=ACTOR, source={"url": "u"})
    app.review.confirm(opened.item_id, actor=ACTOR, reason="deepfake")
    return app.cases.get_item(opened.item_id).case_number or ""


def test_existing_file_is_refused_unless_overwrite(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "case.zip"
    out.write_bytes(b"the bundle the lawyer already has")
    with IdolGuard(replace(settings, operator=ACTOR)) as app:
        case = _case(app)
        exports = len([e for e in app.custody.entries() if e.action == "export"])
        with pytest.raises(FileExistsError):
            app.exporter().export(case, out, actor=ACTOR)
        assert out.read_bytes() == b"the bundle the lawyer already has"
        assert len([e for e in app.custody.entries() if e.action == "export"]) == exports
        app.exporter().export(case, out, actor=ACTOR, overwrite=True)
    assert verify_bundle(out).ok


def test_failed_export_leaves_no_file(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_zip(fh: object, members: object) -> None:
        fh.write(b"PK\x03\x04 half a bundle")  # type: ignore[attr-defined]
        raise OSError("disk full")

    monkeypatch.setattr(bundles, "write_zip", broken_zip)
    out = tmp_path / "out" / "case.zip"
    with IdolGuard(replace(settings, operator=ACTOR)) as app:
        case = _case(app)
        with pytest.raises(OSError, match="disk full"):
            app.exporter().export(case, out, actor=ACTOR)
    assert list(out.parent.iterdir()) == []  # neither the bundle nor its temporary file
