"""Configuration: one explicit ``Settings`` object, built from a file and the environment.

Nothing reads the environment after start-up: the CLI builds ``Settings`` once
and passes it down, so tests and embedded users can build their own.
Precedence, lowest to highest: defaults, ``idolguard.toml``, environment, CLI flags.
"""

from __future__ import annotations

import base64
import binascii
import getpass
import os
import socket
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
ENV_OPERATOR = "IDOLGUARD_OPERATOR"
ENV_EVIDENCE_KEY = "IDOLGUARD_EVIDENCE_KEY"
ENV_TSA_URL = "IDOLGUARD_TSA_URL"
ENV_SMTP_PASSWORD = "IDOLGUARD_SMTP_PASSWORD"
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


MANIPULATION_MODES = ("cascade", "all", "fast")


@dataclass(frozen=True)
class ManipulationSettings:
    """Which faces and pictures get the expensive CLIP path (``[manipulation]``).

    ``cascade`` scores every face with the fast BlendNet model and sends to the
    CLIP path (fused face head, whole-picture AI-generation head) only faces
    near an enrolled artist, faces BlendNet finds suspicious and explicit
    pictures; ``all`` sends everything (best recall, about 5x the cost);
    ``fast`` never runs CLIP.
    """

    mode: str = "cascade"
    # BlendNet probability from which a face is suspicious enough for the CLIP path
    # (measured escalation and recall: docs/benchmarks.md, "Manipulation cascade").
    suspicious: float = 0.5


@dataclass(frozen=True)
class EvidenceSettings:
    """Evidence capture (``[evidence]``): timestamping and encryption at rest."""

    tsa_url: str = ""  # RFC 3161 time-stamping authority; empty = no trusted timestamps
    tsa_roots_file: str = ""  # PEM roots the TSA's certificate must chain to
    tsa_timeout: float = 15.0
    # 32-byte key (base64 or hex) in a file readable only by the service; also
    # $IDOLGUARD_EVIDENCE_KEY. Empty = originals stored unencrypted.
    encryption_key_file: str = ""
    preview_side: int = 512  # working-copy previews, never the evidentiary copy


@dataclass(frozen=True)
class ReviewSettings:
    """Triage (``[review]``): what opens a review item automatically."""

    open_min_risk: float = 0.3  # risk at which a scanned file opens an item
    blur_explicit: float = 0.5  # explicitness above which report thumbnails are blurred


@dataclass(frozen=True)
class RetentionSettings:
    """How long items are kept, per state, in days after their last state change (0 = forever)."""

    dismissed_days: int = 90
    new_days: int = 0
    removed_days: int = 0
    confirmed_days: int = 0
    reporter_contact_days: int = 30  # fans' contact details, after the item is closed

    def days_for(self, state: str) -> int:
        return int(getattr(self, f"{state}_days", 0))


@dataclass(frozen=True)
class NoticeSettings:
    """Who sends takedown notices, and the deadlines they carry (``[notices]``).

    The sender block is what every regime asks for in one form or another:
    the signature and contact details of the person authorised to act for
    the artist. A notice missing any field its regime requires is refused.
    """

    sender_name: str = ""  # the person who signs, authorised to act for the artist
    sender_title: str = ""  # e.g. "Legal counsel"
    organisation: str = ""  # the agency
    email: str = ""
    phone: str = ""
    address: str = ""  # postal address (DMCA asks for one)
    signature: str = ""  # electronic signature, e.g. "/s/ Kim Minji"
    requester_type: str = "representative"  # victim | representative | designated_org
    designation: str = ""  # designated organisation's name and number (Korean requests)
    owns_copyright: bool = False  # the agency holds copyright in the source photos / videos
    language: str = "ko+en"  # ko | en | ko+en
    directory_file: str = ""  # platform directory (TOML); empty = the built-in one
    dmca_deadline_hours: int = 72  # no statutory clock: "expeditiously"
    dsa_deadline_hours: int = 72  # "timely": no statutory clock either
    kr_deadline_hours: int = 24  # Art. 22-5 asks for deletion "without delay"
    kcsc_deadline_hours: int = 168  # KCSC deliberation, then the operator's correction


@dataclass(frozen=True)
class SmtpSettings:
    """The mail relay notices are sent through (``[smtp]``); the password never lives here."""

    host: str = ""  # empty = e-mail sending is off
    port: int = 587
    security: str = "starttls"  # starttls | ssl | none (none only for a relay on localhost)
    username: str = ""
    password_file: str = ""  # or $IDOLGUARD_SMTP_PASSWORD
    from_address: str = ""  # default: [notices] email
    ca_file: str = ""  # extra CA certificates, for a relay with a private CA
    timeout: float = 30.0


@dataclass(frozen=True)
class WatchSettings:
    """Liveness checks of reported URLs (``[watch]``): how often, and how politely."""

    notice_recheck_minutes: int = 60  # URLs under a sent notice
    confirmed_recheck_hours: int = 24  # confirmed content not yet noticed
    removed_recheck_hours: int = 24  # removed content, watched for its return
    removed_watch_days: int = 90  # how long removed URLs stay watched
    per_host_delay_seconds: float = 5.0  # at most one request per host this often
    timeout: float = 20.0
    max_checks: int = 500  # per pass; the rest wait for the next one
    allow_private: bool = False  # fetch private addresses: intranet and tests only


@dataclass(frozen=True)
class MonitorSettings:
    """Continuous monitoring of sources (``[monitor]``): schedules, politeness and limits.

    The defaults are deliberately gentle: one request at a time per host, two
    seconds apart, and robots.txt obeyed. An agency that must collect evidence
    from a site that forbids crawlers can switch ``obey_robots`` off for the
    whole installation, which is then its own documented decision.
    """

    default_every_minutes: int = 60  # a new source's schedule unless ``--every`` says otherwise
    obey_robots: bool = True
    robots_cache_hours: int = 24
    per_host_delay_seconds: float = 2.0  # at least this long between requests to one host
    per_host_concurrency: int = 1
    concurrency: int = 4  # downloads in flight across all hosts
    timeout: float = 20.0  # per network wait
    retries: int = 3  # extra tries for timeouts, 429 and 5xx answers
    backoff_seconds: float = 2.0  # first retry wait; doubles each time
    max_retry_after_seconds: float = 300.0  # a longer Retry-After gives up until the next run
    max_redirects: int = 5
    max_document_bytes: int = 5_000_000  # pages, feeds and listings
    max_entries_per_poll: int = 500
    max_failure_backoff_minutes: int = 360  # a failing source waits at most this long
    allow_private: bool = False  # private-network targets: intranet and tests only
    credentials_file: str = ""  # TOML: per-host request headers (cookies, tokens); never in the DB


@dataclass(frozen=True)
class WebSettings:
    """The web app (``[web]``): where it listens, cookies, uploads and rate limits.

    Limits are per client address and per minute or hour; behind a reverse
    proxy set ``trust_forwarded_for`` so the address is the client's, not the
    proxy's (and only then: a header anyone can send must not pick the key).
    """

    host: str = "127.0.0.1"
    port: int = 8000
    cookie_secure: str = "auto"  # "auto": Secure when the request came over HTTPS
    trust_forwarded_for: bool = False
    max_upload_mb: int = 100  # fan uploads and roster photos, per file
    login_per_minute: int = 10  # sign-in attempts per client address
    reports_per_hour: int = 20  # fan reports per client address
    status_checks_per_hour: int = 60  # case-number + PIN lookups per client address
    api_per_minute: int = 600  # signed-in requests per client address
    exchange_per_minute: int = 120  # hash-exchange feed requests per client address
    fan_reports: bool = True  # the public report portal
    default_language: str = "ko"  # when the browser states no preference we know


def default_operator() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    workers: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    store_originals: bool = True
    limits: MediaLimits = field(default_factory=MediaLimits)
    matching: MatchingSettings = field(default_factory=MatchingSettings)
    faces: FaceSettings = field(default_factory=FaceSettings)
    manipulation: ManipulationSettings = field(default_factory=ManipulationSettings)
    evidence: EvidenceSettings = field(default_factory=EvidenceSettings)
    review: ReviewSettings = field(default_factory=ReviewSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    notices: NoticeSettings = field(default_factory=NoticeSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    watch: WatchSettings = field(default_factory=WatchSettings)
    monitor: MonitorSettings = field(default_factory=MonitorSettings)
    web: WebSettings = field(default_factory=WebSettings)
    operator: str = field(default_factory=default_operator)  # who the custody log names
    evidence_key: bytes | None = field(default=None, repr=False)
    smtp_password: str | None = field(default=None, repr=False)
    config_file: Path | None = None
    # ``scan --cluster`` / ``watch --cluster``: the Ray cluster running the content stage
    # ("auto" or its address) and how many actors to start there (0: one per cluster CPU).
    cluster: str | None = None
    cluster_workers: int = 0

    @property
    def blob_dir(self) -> Path:
        return self.home / "originals"

    @property
    def working_dir(self) -> Path:
        """Working copies (previews, exports in progress), kept apart from the originals."""
        return self.home / "working"

    @property
    def heatmap_dir(self) -> Path:
        """Manipulation heatmaps, named by the file's SHA-256 (working copies, not evidence)."""
        return self.working_dir / "heatmaps"

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
    if "evidence" in data:
        evidence = _section(EvidenceSettings, data["evidence"], "evidence", file_path)
        settings = replace(settings, evidence=evidence)
    if "manipulation" in data:
        settings = replace(
            settings,
            manipulation=_section(
                ManipulationSettings, data["manipulation"], "manipulation", file_path
            ),
        )
    if "review" in data:
        settings = replace(
            settings, review=_section(ReviewSettings, data["review"], "review", file_path)
        )
    if "retention" in data:
        retention = _section(RetentionSettings, data["retention"], "retention", file_path)
        settings = replace(settings, retention=retention)
    if "notices" in data:
        notices = _section(NoticeSettings, data["notices"], "notices", file_path)
        settings = replace(settings, notices=notices)
    if "smtp" in data:
        settings = replace(settings, smtp=_section(SmtpSettings, data["smtp"], "smtp", file_path))
    if "watch" in data:
        settings = replace(
            settings, watch=_section(WatchSettings, data["watch"], "watch", file_path)
        )
    if "monitor" in data:
        settings = replace(
            settings, monitor=_section(MonitorSettings, data["monitor"], "monitor", file_path)
        )
    if "web" in data:
        settings = replace(settings, web=_section(WebSettings, data["web"], "web", file_path))
    _check_choices(settings, file_path)
    settings = replace(settings, smtp_password=_smtp_password(env, settings.smtp, file_path))
    if env.get(ENV_TSA_URL):
        settings = replace(settings, evidence=replace(settings.evidence, tsa_url=env[ENV_TSA_URL]))
    operator = env.get(ENV_OPERATOR) or _opt_str(data, "operator", file_path)
    if operator:
        settings = replace(settings, operator=operator)
    settings = replace(settings, evidence_key=_evidence_key(env, settings.evidence, file_path))
    known = {
        "home",
        "database_url",
        "workers",
        "store_originals",
        "limits",
        "matching",
        "faces",
        "manipulation",
        "evidence",
        "review",
        "retention",
        "notices",
        "smtp",
        "watch",
        "monitor",
        "web",
        "operator",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{file_path}: unknown setting(s): {', '.join(unknown)}")
    return settings


def parse_key(text: str, where: str) -> bytes:
    """A 32-byte key written as hex or base64 (``idolguard evidence keygen`` writes base64)."""
    text = text.strip()
    key: bytes | None = None
    try:
        key = bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        key = None
    if key is None or len(key) != 32:
        raise ConfigError(f"{where}: the evidence key must be 32 bytes, as 64 hex digits or base64")
    return key


def _evidence_key(
    env: Mapping[str, str], evidence: EvidenceSettings, file_path: Path | None
) -> bytes | None:
    if env.get(ENV_EVIDENCE_KEY):
        return parse_key(env[ENV_EVIDENCE_KEY], ENV_EVIDENCE_KEY)
    if not evidence.encryption_key_file:
        return None
    key_path = Path(evidence.encryption_key_file).expanduser()
    try:
        text = key_path.read_text()
    except OSError as exc:
        raise ConfigError(f"{file_path}: cannot read evidence.encryption_key_file: {exc}") from exc
    return parse_key(text, str(key_path))


def _check_choices(settings: Settings, file_path: Path | None) -> None:
    choices = (
        (
            "notices.requester_type",
            settings.notices.requester_type,
            ("victim", "representative", "designated_org"),
        ),
        ("notices.language", settings.notices.language, ("ko", "en", "ko+en")),
        ("manipulation.mode", settings.manipulation.mode, MANIPULATION_MODES),
        ("smtp.security", settings.smtp.security, ("starttls", "ssl", "none")),
        ("web.cookie_secure", settings.web.cookie_secure, ("auto", "always", "never")),
        ("web.default_language", settings.web.default_language, ("ko", "en")),
    )
    for name, value, allowed in choices:
        if value not in allowed:
            raise ConfigError(f"{file_path}: {name} must be one of {', '.join(allowed)}")
    if not 0.0 <= settings.manipulation.suspicious <= 1.0:
        raise ConfigError(f"{file_path}: manipulation.suspicious must be between 0 and 1")
    monitor = settings.monitor
    positive = {
        "default_every_minutes": monitor.default_every_minutes,
        "per_host_concurrency": monitor.per_host_concurrency,
        "concurrency": monitor.concurrency,
        "timeout": monitor.timeout,
        "max_redirects": monitor.max_redirects,
        "max_document_bytes": monitor.max_document_bytes,
        "max_entries_per_poll": monitor.max_entries_per_poll,
        "max_failure_backoff_minutes": monitor.max_failure_backoff_minutes,
    }
    not_negative = {
        "per_host_delay_seconds": monitor.per_host_delay_seconds,
        "retries": monitor.retries,
        "backoff_seconds": monitor.backoff_seconds,
        "max_retry_after_seconds": monitor.max_retry_after_seconds,
        "robots_cache_hours": monitor.robots_cache_hours,
    }
    for name, number in positive.items():
        if number <= 0:
            raise ConfigError(f"{file_path}: monitor.{name} must be greater than 0")
    web = settings.web
    for name in (
        "port",
        "max_upload_mb",
        "login_per_minute",
        "reports_per_hour",
        "status_checks_per_hour",
        "api_per_minute",
        "exchange_per_minute",
    ):
        if getattr(web, name) <= 0:
            raise ConfigError(f"{file_path}: web.{name} must be greater than 0")
    for name, number in not_negative.items():
        if number < 0:
            raise ConfigError(f"{file_path}: monitor.{name} must not be negative")
    _check_limits(settings.limits, file_path)


def _check_limits(limits: MediaLimits, file_path: Path | None) -> None:
    # 0 turns a budget off where the operating system cannot enforce it anyway.
    may_be_off = {"file_cpu_seconds", "worker_memory_mb"}
    for item in fields(limits):
        number = getattr(limits, item.name)
        if item.name in may_be_off:
            if number < 0:
                raise ConfigError(
                    f"{file_path}: limits.{item.name} must not be negative (0 turns it off)"
                )
        elif number <= 0:
            raise ConfigError(f"{file_path}: limits.{item.name} must be greater than 0")


def _smtp_password(
    env: Mapping[str, str], smtp: SmtpSettings, file_path: Path | None
) -> str | None:
    if env.get(ENV_SMTP_PASSWORD):
        return env[ENV_SMTP_PASSWORD]
    if not smtp.password_file:
        return None
    try:
        return Path(smtp.password_file).expanduser().read_text().strip()
    except OSError as exc:
        raise ConfigError(f"{file_path}: cannot read smtp.password_file: {exc}") from exc


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
            value = float(value) if ok else value
        elif isinstance(default, str):
            ok = isinstance(value, str)
        else:
            ok = True
        if not ok:
            raise ConfigError(f"{path}: {name}.{key} must be a {type(default).__name__}")
        kwargs[key] = value
    return cls(**kwargs)
