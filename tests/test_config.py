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
        ("[notices]\nrequester_type = 'fan'", "notices.requester_type must be one of"),
        ("[notices]\nlanguage = 'fr'", "notices.language must be one of"),
        ("[smtp]\nsecurity = 'tls'", "smtp.security must be one of"),
        ("[smtp]\npassword_file = '/nonexistent/pw'", "cannot read smtp.password_file"),
        ("[watch]\nper_host_delay_seconds = 'soon'", "must be a float"),
        ("[monitor]\nconcurrency = 0", "monitor.concurrency must be greater than 0"),
        ("[monitor]\nretries = -1", "monitor.retries must not be negative"),
        ("[monitor]\nobey_robots = 'no'", "must be a bool"),
        ("[monitor]\ncrawl = true", "unknown key monitor.crawl"),
        ("[manipulation]\nmode = 'thorough'", "manipulation.mode must be one of"),
        ("[manipulation]\nsuspicious = 1.5", "manipulation.suspicious must be between 0 and 1"),
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


def test_notice_smtp_and_watch_sections(tmp_path: Path) -> None:
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret\n")
    config = tmp_path / "idolguard.toml"
    config.write_text(
        '[notices]\nsender_name = "Kim Minji"\nowns_copyright = true\nkr_deadline_hours = 12\n'
        f'[smtp]\nhost = "mail.example.test"\nport = 465\nsecurity = "ssl"\n'
        f'password_file = "{secret}"\n'
        "[watch]\nnotice_recheck_minutes = 15\nallow_private = false\n"
    )
    settings = load_settings(environ={"IDOLGUARD_HOME": str(tmp_path)})
    assert settings.notices.sender_name == "Kim Minji" and settings.notices.owns_copyright
    assert settings.notices.kr_deadline_hours == 12
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.security) == (
        "mail.example.test",
        465,
        "ssl",
    )
    assert settings.smtp_password == "s3cret"
    assert "s3cret" not in repr(settings)  # secrets stay out of logs and tracebacks
    assert settings.watch.notice_recheck_minutes == 15
    env = {"IDOLGUARD_HOME": str(tmp_path), "IDOLGUARD_SMTP_PASSWORD": "from-env"}
    assert load_settings(environ=env).smtp_password == "from-env"


def test_monitor_section(tmp_path: Path) -> None:
    config = tmp_path / "idolguard.toml"
    config.write_text(
        "[monitor]\nper_host_delay_seconds = 1\nconcurrency = 8\nobey_robots = false\n"
        'credentials_file = "~/creds.toml"\n'
    )
    monitor = load_settings(environ={"IDOLGUARD_HOME": str(tmp_path)}).monitor
    assert monitor.per_host_delay_seconds == 1.0 and isinstance(
        monitor.per_host_delay_seconds, float
    )
    assert (monitor.concurrency, monitor.obey_robots) == (8, False)
    assert monitor.credentials_file == "~/creds.toml"
    assert monitor.retries == 3  # untouched keys keep their defaults


def test_manipulation_cascade_is_the_default_and_configurable(tmp_path: Path) -> None:
    assert load_settings(environ={}, home=tmp_path).manipulation.mode == "cascade"
    config = tmp_path / "idolguard.toml"
    config.write_text("[manipulation]\nmode = 'all'\nsuspicious = 0.4\n")
    settings = load_settings(environ={}, home=tmp_path, config_file=config)
    assert (settings.manipulation.mode, settings.manipulation.suspicious) == ("all", 0.4)


def test_budgets_per_file_are_read_and_checked(tmp_path: Path) -> None:
    config = tmp_path / "idolguard.toml"
    config.write_text(
        "[limits]\nfile_cpu_seconds = 30\nfile_wall_seconds = 120.5\nworker_memory_mb = 0\n"
        "max_jpeg_scans = 50\nmax_image_frames = 500\nmax_metadata_bytes = 1000000\n"
    )
    limits = load_settings(environ={"IDOLGUARD_HOME": str(tmp_path)}).limits
    assert (limits.file_cpu_seconds, limits.file_wall_seconds) == (30.0, 120.5)
    assert limits.worker_memory_mb == 0  # 0 turns the memory budget off
    assert (limits.max_jpeg_scans, limits.max_image_frames) == (50, 500)
    for bad, words in (
        ("file_wall_seconds = 0", "limits.file_wall_seconds must be greater than 0"),
        ("file_cpu_seconds = -1", "limits.file_cpu_seconds must not be negative"),
        ("worker_memory_mb = -5", "limits.worker_memory_mb must not be negative"),
        ("max_image_pixels = 0", "limits.max_image_pixels must be greater than 0"),
        ("max_jpeg_scans = 0", "limits.max_jpeg_scans must be greater than 0"),
        ('file_cpu_seconds = "lots"', "limits.file_cpu_seconds must be a float"),
    ):
        config.write_text(f"[limits]\n{bad}\n")
        with pytest.raises(ConfigError, match=words):
            load_settings(environ={"IDOLGUARD_HOME": str(tmp_path)})
