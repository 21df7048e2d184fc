"""Settings read from the environment once, at start-up.

Why one place: every entry point (API, CLI, tests) must agree on which database and which key
file it uses; a bureau that silently opened a second key file would write unreadable data.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from bureau.policy.regime import RegimeError, live_regime_for, live_regime_name

TREE_HEAD_INTERVAL = timedelta(seconds=60)
"""How often, at most, reads alone cause a new signed tree head of the access log (see
`Settings.tree_head_interval`). A minute keeps an auditor's view of the log at most a minute
behind (Certificate Transparency allows a day) while bounding those heads to 1,440 a day, about
0.3 MB, however many reads there are: small beside the log itself in a bureau that busy."""

SEQUENCE_INTERVAL = timedelta(seconds=0.25)
"""How often a served bureau numbers committed access-log entries (`bureau.audit.sequencing`):
the log's merge delay. Short on purpose: a run's cost grows with the entries it numbers, and at
about 450 pulls a second a run once a second took 30-50 ms of the server's time in one piece,
enough to show in the p99 of pulls; four smaller runs a second spread the same work out."""


BUSINESS_TIMEZONE = "America/New_York"
"""The bureau's business time zone by default: the day a dispute is received on, and so every
deadline counted from it, is the calendar day at the bureau, not the UTC date. A dispute sent
at 9 p.m. in New York is received that day, though it is already tomorrow in UTC."""
BUSINESS_TIMEZONE_ENV = "FAIRFILE_BUSINESS_TIMEZONE"


ISSUER = "http://127.0.0.1:8000"
"""The OAuth issuer (RFC 8414) when FAIRFILE_ISSUER is not set: where `bureau serve` listens by
default. `bureau serve` on another loopback address or port uses that address instead."""
ISSUER_ENV = "FAIRFILE_ISSUER"


class SettingsInvalid(ValueError):
    """An environment variable the bureau cannot run with; the message names it and why."""


def business_timezone(env: Mapping[str, str]) -> ZoneInfo:
    """FAIRFILE_BUSINESS_TIMEZONE as an IANA zone (default America/New_York), or refused."""
    name = env.get(BUSINESS_TIMEZONE_ENV, "").strip() or BUSINESS_TIMEZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsInvalid(
            f"{BUSINESS_TIMEZONE_ENV}: {name!r} is not an IANA time zone (e.g. America/New_York)"
        ) from None


def check_issuer(text: str, name: str = ISSUER_ENV) -> str:
    """An OAuth issuer identifier (RFC 8414 §2): https, no query or fragment; plain http only to
    a loopback host. Returned without a trailing slash, as endpoints are appended to it."""
    try:
        parts = urlsplit(text.strip())
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise SettingsInvalid(f"{name}: {text!r} is not a URL") from None
    loopback = parts.hostname in {"127.0.0.1", "::1", "localhost"}
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise SettingsInvalid(
            f"{name}: {text!r} must be the bureau's public https origin (http only on loopback)"
        )
    if not parts.hostname or parts.query or parts.fragment or parts.username:
        raise SettingsInvalid(f"{name}: {text!r} must be a bare origin, with no query or fragment")
    return text.strip().rstrip("/")


@dataclass(frozen=True)
class PortalSettings:
    """The subject portal's session lifetimes and sign-in limits (docs/portal.md).

    Why settings and not the regime: they are security trade-offs of a deployment (a shared
    kiosk wants a short idle time), not periods the law fixes. Each has an environment variable.
    """

    session_idle_minutes: int = 30
    """A session unused this long ends (FAIRFILE_PORTAL_SESSION_IDLE_MINUTES)."""
    session_hours: int = 8
    """A session ends this long after sign-in, however active (FAIRFILE_PORTAL_SESSION_HOURS)."""
    signin_window_minutes: int = 15
    """Failed sign-ins count over this sliding window (FAIRFILE_PORTAL_SIGNIN_WINDOW_MINUTES)."""
    max_failures_per_credential: int = 5
    """Failures with one credential id in the window (FAIRFILE_PORTAL_SIGNIN_MAX_FAILURES)."""
    max_failures_per_address: int = 20
    """Failures from one client address (FAIRFILE_PORTAL_SIGNIN_MAX_FAILURES_PER_ADDRESS)."""

    def __post_init__(self) -> None:
        if self.session_idle > self.session_lifetime:
            raise SettingsInvalid("the portal's session idle time cannot exceed its lifetime")

    @property
    def session_idle(self) -> timedelta:
        return timedelta(minutes=self.session_idle_minutes)

    @property
    def session_lifetime(self) -> timedelta:
        return timedelta(hours=self.session_hours)

    @property
    def signin_window(self) -> timedelta:
        return timedelta(minutes=self.signin_window_minutes)


_PORTAL_ENV = {
    "FAIRFILE_PORTAL_SESSION_IDLE_MINUTES": "session_idle_minutes",
    "FAIRFILE_PORTAL_SESSION_HOURS": "session_hours",
    "FAIRFILE_PORTAL_SIGNIN_WINDOW_MINUTES": "signin_window_minutes",
    "FAIRFILE_PORTAL_SIGNIN_MAX_FAILURES": "max_failures_per_credential",
    "FAIRFILE_PORTAL_SIGNIN_MAX_FAILURES_PER_ADDRESS": "max_failures_per_address",
}


def load_portal_settings(env: Mapping[str, str]) -> PortalSettings:
    """The portal settings from the environment; a bad value names its variable."""
    values: dict[str, int] = {}
    for name, attribute in _PORTAL_ENV.items():
        text = env.get(name, "").strip()
        if not text:
            continue
        if not text.isdigit() or int(text) < 1:
            raise SettingsInvalid(f"{name} must be a whole number of at least 1, not {text!r}")
        values[attribute] = int(text)
    return PortalSettings(**values)


@dataclass(frozen=True)
class UploadSettings:
    """What keeps a hostile or stalled client from holding the bureau (`bureau.furnishing.uploads`)."""

    read_timeout: float = 30.0
    """Seconds an upload may go without sending a byte (FAIRFILE_UPLOAD_READ_TIMEOUT)."""
    max_bytes: int = 1 << 30
    """The largest upload spooled (FAIRFILE_UPLOAD_MAX_BYTES)."""
    per_furnisher: int = 2
    """Uploads one furnisher may have in progress at once (FAIRFILE_UPLOADS_PER_FURNISHER)."""
    slot_lease: float = 60.0
    """Seconds an upload's slot outlives a worker that died holding it (renewed while the
    upload runs; FAIRFILE_UPLOAD_SLOT_LEASE)."""


@dataclass(frozen=True)
class PoolSettings:
    """The database connection pool of a served bureau."""

    size: int = 8
    """Connections at most (FAIRFILE_POOL_SIZE)."""
    timeout: float = 10.0
    """Seconds a request waits for a connection before 503 (FAIRFILE_POOL_TIMEOUT)."""


@dataclass(frozen=True)
class EdgeSettings:
    """The API's edge (docs/api-edge.md): body sizes, rate limits, retries, re-delivery, metrics.

    Why settings and not the regime: they are a deployment's capacity and exposure choices, not
    periods the law fixes. Each has an environment variable.
    """

    body_max_bytes: int = 1 << 20
    """The largest JSON or form body of a route without a limit of its own
    (FAIRFILE_BODY_MAX_BYTES); Metro 2 uploads stream under FAIRFILE_UPLOAD_MAX_BYTES instead."""
    records_max_bytes: int = 32 << 20
    """The largest body of `POST /v1/furnish/records` (FAIRFILE_RECORDS_MAX_BYTES)."""
    rate_limits: bool = False
    """Count requests and refuse those over the limits (FAIRFILE_RATE_LIMITS; on by default in
    a served bureau, off for an app built in code, e.g. by a test, unless it asks)."""
    per_key: int = 1200
    """Requests one credential may make per window (FAIRFILE_RATE_LIMIT_PER_KEY)."""
    per_address: int = 2400
    """Requests one client address may make per window (FAIRFILE_RATE_LIMIT_PER_ADDRESS)."""
    window_seconds: int = 60
    """The rate-limit window (FAIRFILE_RATE_LIMIT_WINDOW_SECONDS)."""
    idempotency_hours: int = 24
    """How long a response to an `Idempotency-Key` is kept and replayed
    (FAIRFILE_IDEMPOTENCY_HOURS)."""
    report_copy_hours: int = 168
    """How long a released report is kept, encrypted, for `GET /v1/reports/{id}`
    (FAIRFILE_REPORT_COPY_HOURS)."""
    metrics_public: bool = False
    """Serve `/metrics` without an operator key, e.g. to a scraper on a private network
    (FAIRFILE_METRICS_PUBLIC)."""

    def __post_init__(self) -> None:
        if self.report_copy_hours < self.idempotency_hours:
            # A retried pull is answered from the report's kept copy: it must outlive the key.
            raise SettingsInvalid(
                "FAIRFILE_REPORT_COPY_HOURS must be at least FAIRFILE_IDEMPOTENCY_HOURS "
                f"({self.report_copy_hours} < {self.idempotency_hours})"
            )

    @property
    def idempotency_window(self) -> timedelta:
        return timedelta(hours=self.idempotency_hours)

    @property
    def report_copy_window(self) -> timedelta:
        return timedelta(hours=self.report_copy_hours)


def load_edge_settings(env: Mapping[str, str]) -> EdgeSettings:
    """The edge settings from the environment; rate limits are on unless switched off."""
    return EdgeSettings(
        body_max_bytes=_whole(env, "FAIRFILE_BODY_MAX_BYTES", 1 << 20),
        records_max_bytes=_whole(env, "FAIRFILE_RECORDS_MAX_BYTES", 32 << 20),
        rate_limits=_switch(env, "FAIRFILE_RATE_LIMITS", True),
        per_key=_whole(env, "FAIRFILE_RATE_LIMIT_PER_KEY", 1200),
        per_address=_whole(env, "FAIRFILE_RATE_LIMIT_PER_ADDRESS", 2400),
        window_seconds=_whole(env, "FAIRFILE_RATE_LIMIT_WINDOW_SECONDS", 60),
        idempotency_hours=_whole(env, "FAIRFILE_IDEMPOTENCY_HOURS", 24),
        report_copy_hours=_whole(env, "FAIRFILE_REPORT_COPY_HOURS", 168),
        metrics_public=_switch(env, "FAIRFILE_METRICS_PUBLIC", False),
    )


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    """An on/off setting (1/true/yes/on or 0/false/no/off), refused (naming it) otherwise."""
    text = env.get(name, "").strip().lower()
    if not text:
        return default
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise SettingsInvalid(f"{name} must be on or off (1/0, true/false), not {text!r}")


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    """A real PostgreSQL server; when None the embedded server in `data_dir` is used."""
    data_dir: Path
    """Where the embedded database and (by default) the master key file live."""
    key_file: Path
    """The vault's master key file (created with mode 0600 on first run)."""
    sandbox: bool = False
    """Sandbox mode: seeded personas and deterministic, published keys. Never in production."""
    portal: PortalSettings = field(default_factory=PortalSettings)
    """The subject portal's session lifetimes and sign-in limits."""
    tree_head_interval: timedelta = TREE_HEAD_INTERVAL
    """Readers reuse the newest signed tree head while it is younger than this (Certificate
    Transparency's publication schedule), so signed heads grow with time, not with reads.
    Operational, not law: no subject waits on it (a subject whose own entry the newest head does
    not cover gets a fresh head at once), so it lives here rather than in the regime. Zero signs
    a head on every read that follows new entries."""
    sequence_interval: timedelta = SEQUENCE_INTERVAL
    """How often the served bureau's background sequencer numbers committed log entries."""
    uploads: UploadSettings = field(default_factory=UploadSettings)
    pool: PoolSettings = field(default_factory=PoolSettings)
    edge: EdgeSettings = field(default_factory=EdgeSettings)
    """Body sizes, rate limits, idempotency and report copies, metrics (`EdgeSettings`)."""
    trusted_proxies: str = ""
    """Addresses whose X-Forwarded-For / X-Forwarded-Proto are believed, comma-separated
    (FAIRFILE_TRUSTED_PROXIES; default none: the TCP peer is the client)."""
    business_timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo(BUSINESS_TIMEZONE))
    """The bureau's business time zone (FAIRFILE_BUSINESS_TIMEZONE): receipt days follow it."""
    regime: str = "fcra-consent"
    """The live regime (FAIRFILE_REGIME: a built-in id or a regime file), checked at start-up."""
    issuer: str = ISSUER
    """The OAuth authorization server's issuer (FAIRFILE_ISSUER): the metadata's `issuer` and
    endpoints, and the `iss` of every authorization response (RFC 9207). A setting, never the
    request's Host header, which any client picks."""

    def with_data_dir(self, data_dir: Path) -> Settings:
        """The same settings with another data dir; the key file follows unless set explicitly."""
        key_file = self.key_file
        if "FAIRFILE_KEY_FILE" not in os.environ:
            key_file = data_dir / "master.key"
        return replace(self, data_dir=data_dir, key_file=key_file)


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("fairfile", appauthor=False))


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("FAIRFILE_DATA_DIR") or default_data_dir()).expanduser()
    key_file = Path(env.get("FAIRFILE_KEY_FILE") or data_dir / "master.key").expanduser()
    return Settings(
        database_url=env.get("DATABASE_URL") or None,
        data_dir=data_dir,
        key_file=key_file,
        sandbox=env.get("FAIRFILE_SANDBOX", "") in {"1", "true", "yes"},
        portal=load_portal_settings(env),
        tree_head_interval=_seconds(env, "FAIRFILE_TREE_HEAD_INTERVAL", TREE_HEAD_INTERVAL, 0),
        sequence_interval=_seconds(env, "FAIRFILE_SEQUENCE_INTERVAL", SEQUENCE_INTERVAL, 0.01),
        uploads=UploadSettings(
            read_timeout=_seconds(
                env, "FAIRFILE_UPLOAD_READ_TIMEOUT", timedelta(seconds=30), 0.01
            ).total_seconds(),
            max_bytes=_whole(env, "FAIRFILE_UPLOAD_MAX_BYTES", 1 << 30),
            per_furnisher=_whole(env, "FAIRFILE_UPLOADS_PER_FURNISHER", 2),
            slot_lease=_seconds(
                env, "FAIRFILE_UPLOAD_SLOT_LEASE", timedelta(seconds=60), 1
            ).total_seconds(),
        ),
        pool=PoolSettings(
            size=_whole(env, "FAIRFILE_POOL_SIZE", 8),
            timeout=_seconds(
                env, "FAIRFILE_POOL_TIMEOUT", timedelta(seconds=10), 0.1
            ).total_seconds(),
        ),
        edge=load_edge_settings(env),
        trusted_proxies=env.get("FAIRFILE_TRUSTED_PROXIES", "").strip(),
        business_timezone=business_timezone(env),
        regime=_live_regime(env),
        issuer=check_issuer(env[ISSUER_ENV]) if env.get(ISSUER_ENV, "").strip() else ISSUER,
    )


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number of at least 1 from the environment, refused (naming it) otherwise."""
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise SettingsInvalid(f"{name} must be a whole number of at least 1, not {text!r}")
    return int(text)


def _live_regime(env: Mapping[str, str]) -> str:
    """FAIRFILE_REGIME, loaded once now so a bad file stops the start, naming the field."""
    name = live_regime_name(env)
    try:
        live_regime_for(name)
    except RegimeError as exc:
        raise SettingsInvalid(f"FAIRFILE_REGIME: {exc}") from None
    return name


def _seconds(env: Mapping[str, str], name: str, default: timedelta, least: float) -> timedelta:
    """A duration in seconds from the environment, refused (naming it) unless a number >= least."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        seconds = float(text)
    except ValueError:
        raise SettingsInvalid(f"{name}: {text!r} is not a number of seconds") from None
    if not math.isfinite(seconds) or seconds < least:
        raise SettingsInvalid(f"{name}: {text!r} must be a number of seconds >= {least:g}")
    return timedelta(seconds=seconds)
