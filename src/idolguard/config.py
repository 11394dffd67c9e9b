"""Configuration: one explicit ``Settings`` object, built from a file and the environment.

Nothing reads the environment after start-up: the CLI builds ``Settings`` once
and passes it down, so tests and embedded users can build their own.
Precedence, lowest to highest: defaults, ``idolguard.toml``, environment, CLI flags.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from platformdirs import user_data_path

from idolguard.media.types import MediaLimits

ENV_HOME = "IDOLGUARD_HOME"
ENV_DATABASE_URL = "IDOLGUARD_DATABASE_URL"
ENV_CONFIG = "IDOLGUARD_CONFIG"
ENV_WORKERS = "IDOLGUARD_WORKERS"
ENV_FACE_BACKEND = "IDOLGUARD_FACE_BACKEND"
CONFIG_FILENAME = "idolguard.toml"

_T = TypeVar("_T")


class ConfigError(ValueError):
    """The configuration file or environment is invalid; the message says where."""


@dataclass(frozen=True)
class MatchingSettings:
    """Hash-match thresholds. Defaults follow Meta's PDQ/vPDQ guidance (research note §4)."""

    pdq_threshold: int = 31
    pdq_strong_threshold: int = 20
    pdq_min_quality: int = 50
    vpdq_frame_threshold: int = 31
    vpdq_min_quality: int = 50
    vpdq_query_match_percent: float = 80.0
    vpdq_query_seconds_per_hash: float = 1.0
    try_trimmed: bool = True


@dataclass(frozen=True)
class FaceSettings:
    """Face detection and identification (``[faces]`` in idolguard.toml)."""

    backend: str = "arcface"  # see `idolguard models`; "dlib" is the permissive one
    detector_side: int = 640  # detector input: 1024 finds small crowd faces, 2.5x slower
    min_det_score: float = 0.5
    min_face_pixels: int = 10  # eye distance below which a face is reported but not identified
    threads: int = 0  # per-process inference threads; 0 = one per scan worker, all cores else
    video_seconds_per_frame: float = 1.0
    video_max_frames: int = 300  # longer videos are sampled more sparsely


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    workers: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    store_originals: bool = True
    limits: MediaLimits = field(default_factory=MediaLimits)
    matching: MatchingSettings = field(default_factory=MatchingSettings)
    faces: FaceSettings = field(default_factory=FaceSettings)
    config_file: Path | None = None

    @property
    def blob_dir(self) -> Path:
        return self.home / "originals"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def default_home() -> Path:
    return user_data_path("idolguard", appauthor=False)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def load_settings(
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
    home: Path | None = None,
) -> Settings:
    """Build settings from defaults, a TOML file, the environment and arguments (rising priority).

    The TOML file is ``config_file`` if given, else ``$IDOLGUARD_CONFIG``, else
    ``idolguard.toml`` inside the home directory (if it exists).
    """
    env = dict(os.environ if environ is None else environ)
    resolved_home = (
        home or (Path(env[ENV_HOME]).expanduser() if env.get(ENV_HOME) else None) or default_home()
    )
    file_path = config_file or (Path(env[ENV_CONFIG]).expanduser() if env.get(ENV_CONFIG) else None)
    if file_path is None and (resolved_home / CONFIG_FILENAME).is_file():
        file_path = resolved_home / CONFIG_FILENAME
    data: dict[str, Any] = {}
    if file_path is not None:
        data = _read_toml(file_path)
        if "home" in data and home is None and not env.get(ENV_HOME):
            resolved_home = Path(str(data["home"])).expanduser()

    database_url = (
        env.get(ENV_DATABASE_URL)
        or _opt_str(data, "database_url", file_path)
        or sqlite_url(resolved_home / "idolguard.sqlite3")
    )
    settings = Settings(home=resolved_home, database_url=database_url, config_file=file_path)
    if "workers" in data:
        settings = replace(settings, workers=_positive_int(data["workers"], "workers", file_path))
    if env.get(ENV_WORKERS):
        settings = replace(settings, workers=_positive_int(env[ENV_WORKERS], ENV_WORKERS, None))
    if "store_originals" in data:
        value = data["store_originals"]
        if not isinstance(value, bool):
            raise ConfigError(f"{file_path}: store_originals must be true or false")
        settings = replace(settings, store_originals=value)
    if "limits" in data:
        settings = replace(
            settings, limits=_section(MediaLimits, data["limits"], "limits", file_path)
        )
    if "matching" in data:
        settings = replace(
            settings, matching=_section(MatchingSettings, data["matching"], "matching", file_path)
        )
    if "faces" in data:
        settings = replace(
            settings, faces=_section(FaceSettings, data["faces"], "faces", file_path)
        )
    if env.get(ENV_FACE_BACKEND):
        settings = replace(settings, faces=replace(settings.faces, backend=env[ENV_FACE_BACKEND]))
    known = {"home", "database_url", "workers", "store_originals", "limits", "matching", "faces"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{file_path}: unknown setting(s): {', '.join(unknown)}")
    return settings


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


def _opt_str(data: Mapping[str, Any], key: str, path: Path | None) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{path}: {key} must be a string")
    return value


def _positive_int(value: Any, name: str, path: Path | None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or isinstance(value, bool):
        raise ConfigError(f"{path or 'environment'}: {name} must be a positive integer")
    return number


def _section(cls: type[_T], raw: Any, name: str, path: Path | None) -> _T:
    """Build a frozen settings section from a TOML table, refusing unknown keys and wrong types."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: [{name}] must be a table")
    allowed = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in allowed:
            raise ConfigError(f"{path}: unknown key {name}.{key}")
        default = getattr(cls(), key)
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(default, float):
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            value = float(value)
        elif isinstance(default, str):
            ok = isinstance(value, str)
        else:
            ok = True
        if not ok:
            raise ConfigError(f"{path}: {name}.{key} must be a {type(default).__name__}")
        kwargs[key] = value
    return cls(**kwargs)
