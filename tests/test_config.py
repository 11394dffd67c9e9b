from __future__ import annotations

from pathlib import Path

import pytest

from idolguard.config import ConfigError, load_settings


def test_defaults_use_home_and_sqlite(tmp_path: Path) -> None:
    settings = load_settings(environ={"IDOLGUARD_HOME": str(tmp_path)})
    assert settings.home == tmp_path
    assert settings.database_url == f"sqlite:///{tmp_path / 'idolguard.sqlite3'}"
    assert settings.blob_dir == tmp_path / "originals"
    assert settings.matching.pdq_threshold == 31


def test_environment_overrides_file(tmp_path: Path) -> None:
    config = tmp_path / "idolguard.toml"
    config.write_text(
        'database_url = "sqlite:///from-file.db"\nworkers = 3\n'
        "[matching]\npdq_threshold = 24\n[limits]\nmax_image_pixels = 1000\n"
    )
    env = {"IDOLGUARD_HOME": str(tmp_path), "IDOLGUARD_DATABASE_URL": "sqlite:///env.db"}
    settings = load_settings(environ=env)
    assert settings.config_file == config
    assert settings.database_url == "sqlite:///env.db"
    assert settings.workers == 3
    assert settings.matching.pdq_threshold == 24
    assert settings.limits.max_image_pixels == 1000


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("workers = 0", "positive integer"),
        ("colour = 'red'", "unknown setting"),
        ("[matching]\npdq_threshold = 'x'", "must be a int"),
        ("[matching]\nnope = 1", "unknown key matching.nope"),
        ("this is not toml", "invalid TOML"),
        ("store_originals = 'yes'", "true or false"),
    ],
)
def test_invalid_configuration_is_explained(tmp_path: Path, content: str, message: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_settings(environ={"IDOLGUARD_HOME": str(tmp_path)}, config_file=config)


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(environ={"IDOLGUARD_CONFIG": str(tmp_path / "missing.toml")})
