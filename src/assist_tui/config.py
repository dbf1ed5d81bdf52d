"""Settings: defaults < TOML file < environment < command line, validated by pydantic.

Every error names the key, where its value came from (file, variable or flag) and the fix.
"""

from __future__ import annotations

import difflib
import json
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from assist_tui.engine.pii.categories import check_categories
from assist_tui.genesys.regions import Region, resolve_region
from assist_tui.genesys.urls import check_transport
from assist_tui.team_settings import TeamSettings, check_team_names

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

APP_NAME = "assist-tui"
CONFIG_ENV = "ASSIST_TUI_CONFIG"
ENV_PREFIX = "ASSIST_TUI_"

# Environment variables with names users already know from Genesys tooling.
GENESYS_ENV: dict[str, tuple[str, str]] = {
    "GENESYS_CLIENT_ID": ("genesys", "client_id"),
    "GENESYS_CLIENT_SECRET": ("genesys", "client_secret"),
    "GENESYS_REGION": ("genesys", "region"),
    "GENESYS_API_BASE_URL": ("genesys", "api_base_url"),
    "GENESYS_LOGIN_BASE_URL": ("genesys", "login_base_url"),
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class ExtraClient(_Section):
    """Another OAuth client of the same org: 20 more channels of 1,000 topics each."""

    client_id: str = Field(description="OAuth client-credentials client id")
    client_secret: SecretStr = Field(description="OAuth client secret")


class GenesysSettings(_Section):
    """Where and how to reach Genesys Cloud."""

    region: str = Field("us_east_1", description="region name (us_east_1) or host (mypurecloud.ie)")
    client_id: str = Field("", description="OAuth client-credentials client id")
    client_secret: SecretStr = Field(SecretStr(""), description="OAuth client secret")
    api_base_url: str | None = Field(None, description="override the API base URL")
    login_base_url: str | None = Field(None, description="override the login base URL")
    request_timeout_s: float = Field(10.0, gt=0, le=300, description="timeout of one REST call")
    max_retries: int = Field(4, ge=0, le=20, description="retries of a call answered 429")
    extra_clients: list[ExtraClient] = Field(
        default_factory=list,
        description="more OAuth clients ([[genesys.extra_clients]] client_id, client_secret) "
        "for channels past the first client's 20",
    )

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        resolve_region(value)
        return value

    @field_validator("api_base_url", "login_base_url")
    @classmethod
    def _secure_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        return check_transport(value).rstrip("/")

    @property
    def resolved_region(self) -> Region:
        return resolve_region(self.region)

    @property
    def api_url(self) -> str:
        return self.api_base_url or self.resolved_region.api_base_url

    @property
    def login_url(self) -> str:
        return self.login_base_url or self.resolved_region.login_base_url

    @property
    def has_credentials(self) -> bool:
        return bool(self.client_id and self.client_secret.get_secret_value())


Source = Literal[
    "notifications", "transcription", "transcripts", "insights", "conversations-stream"
]
SOURCES: tuple[str, ...] = get_args(Source)


class StreamSettings(_Section):
    """Which stream feeds the engine, and how it is kept alive."""

    source: Source = Field(
        "notifications",
        description="notifications | transcription | transcripts | insights | conversations-stream",
    )
    heartbeat_interval_s: float = Field(30.0, gt=0, description="platform heartbeat period")
    heartbeat_tolerance: float = Field(2.5, ge=1.0, description="missed periods before reconnect")
    ping_idle_s: float = Field(20.0, gt=0, description="send a ping after this long idle")
    max_frame_bytes: int = Field(65536, ge=1024, description="larger frames are rejected")
    backoff_base_s: float = Field(0.25, gt=0, description="first reconnect delay ceiling")
    backoff_cap_s: float = Field(5.0, gt=0, description="largest reconnect delay (short)")
    healthy_after_s: float = Field(60.0, gt=0, description="connected this long resets backoff")
    channel_refresh_margin_s: float = Field(
        3600.0, ge=0, description="resubscribe when the channel expires within this"
    )
    topics_per_channel: int = Field(1000, ge=1, le=1000, description="platform limit is 1000")
    max_channels: int = Field(
        20,
        ge=1,
        le=20,
        description="channels opened per OAuth client (platform limit 20; engines sharing "
        "one client split it)",
    )
    open_timeout_s: float = Field(10.0, gt=0, description="WebSocket handshake timeout")


class DialectSettings(_Section):
    """Options of the seed stream dialects (``stream.source`` other than notifications)."""

    ack_timeout_s: float = Field(5.0, gt=0, le=120, description="wait this long for 'subscribed'")
    language: str = Field(
        "en-US", pattern=r"^[a-z]{2}-[A-Z]{2}$", description="transcription language (xx-XX)"
    )
    model: str = Field("", description="transcription model id (sent only if set)")
    redaction: Literal["pii", "custom", "none"] = Field(
        "none", description="server-side redaction the transcription stream applies"
    )
    max_concurrent_streams: int = Field(
        4, ge=1, le=10, description="transcription streams the tenant allows (1-10)"
    )
    include_audio_metrics: bool = Field(True, description="ask for audioQuality on events")
    media_types: list[str] = Field(
        default_factory=lambda: ["voice", "chat"], description="transcripts: voice, chat"
    )
    insight_types: list[str] = Field(
        default_factory=lambda: ["knowledge_recommendation", "sentiment_alert", "compliance_flag"],
        description="insights: insight types to receive",
    )
    min_confidence: float = Field(0.0, ge=0, le=1, description="insights: lowest confidence")
    max_confidence: float = Field(1.0, ge=0, le=1, description="insights: highest confidence")
    ping_interval_s: float = Field(20.0, gt=0, description="WebSocket ping period")
    ping_timeout_s: float = Field(20.0, gt=0, description="no pong this long: reconnect")
    max_message_bytes: int = Field(1 << 20, ge=1024, description="largest frame accepted")

    @field_validator("media_types")
    @classmethod
    def _known_media(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - {"voice", "chat"})
        if unknown or not value:
            raise ValueError(f"media types are voice and/or chat, not {unknown or 'nothing'}")
        return value


class DiscoverySettings(_Section):
    """How live conversations are found before subscribing."""

    queues: list[str] = Field(default_factory=list, description="queue ids to watch (all if empty)")
    lookback_hours: float = Field(24.0, gt=0, le=168, description="analytics interval length")
    page_size: int = Field(100, ge=1, le=100, description="analytics page size")
    rediscover_interval_s: float = Field(
        10.0, ge=0.2, le=3600, description="how often to look for calls in queues not seen yet"
    )


class EmulatorSettings(_Section):
    """The built-in Genesys Cloud stand-in used for the demo and the tests."""

    host: str = Field("127.0.0.1", description="bind address (loopback only)")
    port: int = Field(0, ge=0, le=65535, description="0 picks a free port")
    concurrent: int = Field(3, ge=0, le=500, description="conversations live at once")
    speed: float = Field(1.0, gt=0, le=100, description="playback speed factor")
    heartbeat_interval_s: float = Field(30.0, gt=0, description="heartbeat period")
    token_lifetime_s: int = Field(86400, ge=1, description="access token lifetime")
    replay_window_s: float = Field(
        30.0, ge=0, description="replay this much on reconnect (0 = real Genesys: none)"
    )
    seed: int | None = Field(None, description="random seed for reproducible runs")
    timing: Literal["live", "platform"] = Field(
        "live", description="live: every partial at once; platform: finals in groups (GENESYS.md)"
    )
    group_window_s: float = Field(
        35.0, gt=0, le=600, description="platform timing: transcripts published within this"
    )
    status_interval_s: float = Field(
        300.0, gt=0, description="platform timing: status-only message period per session"
    )
    digital: bool = Field(
        False, description="also play the web chat and messaging scenarios in the rotation"
    )
    socket_closing_lead_s: float | None = Field(
        None, ge=0, description="socket_closing warning lead (live 0.5 s, platform 60 s if unset)"
    )

    @field_validator("host")
    @classmethod
    def _loopback(cls, value: str) -> str:
        from assist_tui.genesys.urls import is_loopback_host

        if not is_loopback_host(value):
            raise ValueError("the emulator binds to loopback only (127.0.0.1, ::1 or localhost)")
        return value


class QualitySettings(_Section):
    """Audio quality gates: below the first set is degraded, below the second is bad."""

    min_snr_db: float = Field(15.0, description="SNR at or above this is good")
    max_jitter_ms: float = Field(50.0, ge=0, description="jitter at or below this is good")
    max_packet_loss_pct: float = Field(2.0, ge=0, le=100, description="loss at or below is good")
    min_mos: float = Field(3.5, ge=1, le=5, description="MOS at or above this is good")
    bad_snr_db: float = Field(10.0, description="SNR below this is bad")
    bad_jitter_ms: float = Field(100.0, ge=0, description="jitter above this is bad")
    bad_packet_loss_pct: float = Field(4.0, ge=0, le=100, description="loss above this is bad")
    bad_mos: float = Field(3.0, ge=1, le=5, description="MOS below this is bad")
    expected_language: str = Field("en-US", description="the queue's dialect")
    codecs: list[str] = Field(
        default_factory=lambda: ["audio/l16;rate=8000", "audio/l16;rate=16000", "audio/ulaw"],
        description="codecs the recognizer accepts",
    )
    poll_interval_s: float = Field(10.0, gt=0, description="media statistics poll period")
    poll_budget_per_minute: int = Field(
        60, ge=1, le=3000, description="media statistics calls per minute, all conversations"
    )
    send_bad_audio_to_webhook: bool = Field(
        False, description="send finals heard on a bad line to the knowledge webhook"
    )


class LatencySettings(_Section):
    """Latency from speech to arrival."""

    warn_ms: float = Field(500.0, gt=0, description="seed dialects: latency above this is flagged")
    drop_ms: float | None = Field(None, gt=0, description="drop events later than this (off)")
    notifications_warn_ms: float = Field(
        40000.0, gt=0, description="Notifications source: finals come in groups within ~35 s"
    )
    drop_on_notifications: bool = Field(
        False, description="apply drop_ms to the Notifications source too (off: nothing dropped)"
    )
    own_warn_ms: float = Field(
        250.0, gt=0, description="assist-tui's own processing above this is flagged"
    )
    window: int = Field(2000, ge=10, le=100_000, description="samples kept per histogram")


class RedactionSettings(_Section):
    """PII redaction before display, audit and any outbound call."""

    mode: Literal["pii", "none"] = Field("pii", description="pii or none")
    categories: list[str] | None = Field(
        None, description="PII categories to redact (CARD, CVV, ...); every one if unset"
    )
    disabled: list[str] = Field(
        default_factory=list, description="PII categories left alone (e.g. ['NAME'])"
    )
    hold_s: float = Field(
        2.0, ge=0, le=10, description="longest a final ending inside a digit run waits"
    )

    @field_validator("categories", "disabled")
    @classmethod
    def _known_categories(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else check_categories(value)


class NlpSettings(_Section):
    """Keyword and entity rules (spaCy)."""

    rules_file: Path | None = Field(None, description="TOML rules; the built-in set if unset")
    speakers: list[str] = Field(
        default_factory=lambda: ["customer"], description="whose speech is matched by default"
    )
    cooldown_s: float = Field(3.0, ge=0, description="per conversation and rule")
    context_tokens: int = Field(12, ge=0, le=200, description="tokens carried to the next final")
    trained_pipeline: str = Field(
        "en_core_web_sm", description="used for entities if installed; blank English otherwise"
    )
    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "compliance": 1.0,
            "churn": 0.9,
            "payments": 0.8,
            "escalation": 0.9,
            "entity": 0.5,
            "knowledge": 0.7,
            "sentiment": 0.8,
        },
        description="relevance weight per category or insight type",
    )


class WebhookSettings(_Section):
    """The knowledge webhook: redacted finals, through a durable outbox."""

    url: str | None = Field(None, description="where finals are sent (off if unset)")
    api_key: SecretStr = Field(SecretStr(""), description="optional bearer key")
    timeout_s: float = Field(10.0, gt=0, description="timeout of one delivery")
    max_attempts: int = Field(50, ge=1, description="then the record is marked failed")
    interruption_hold_s: float = Field(2.0, ge=0, description="sync pause after an interruption")
    max_in_flight: int = Field(
        8, ge=1, le=256, description="deliveries at once (in parallel across conversations)"
    )

    @field_validator("url")
    @classmethod
    def _secure_url(cls, value: str | None) -> str | None:
        return None if not value else check_transport(value)


class PushSettings(_Section):
    """Suggestions pushed to the agent through Agent Assist."""

    enabled: bool = Field(True, description="push suggestions of matched rules")
    max_in_flight: int = Field(5, ge=1, le=50, description="concurrent push calls")
    target: Literal["participant-attributes", "seed", "none"] = Field(
        "participant-attributes",
        description="participant-attributes (public API) | seed (seed 004 endpoint) | none",
    )


class AuditSettings(_Section):
    """The append-only, hash-chained audit store."""

    path: Path | None = Field(None, description="SQLite file; the platform data dir if unset")
    flush_interval_s: float = Field(0.2, gt=0, le=10, description="batch commit period")
    keyed: bool = Field(True, description="HMAC-SHA256 chain with a secret key (else SHA-256)")
    key_file: Path | None = Field(None, description="chain key; audit.key beside the config")
    checkpoint_records: int = Field(
        1000, ge=1, description="log the head hash at least every this many records"
    )
    checkpoint_s: float = Field(60.0, gt=0, description="...and at least this often")


class BackfillSettings(_Section):
    """Filling stream gaps from the recorded transcript once a call that had one ends."""

    enabled: bool = Field(True, description="fetch the recorded transcript after a gap")
    wait_s: float = Field(
        900.0, ge=0, le=86400, description="keep asking this long (it can take minutes)"
    )
    retry_s: float = Field(30.0, gt=0, le=3600, description="ask again this often meanwhile")
    slack_s: float = Field(
        40.0, ge=0, le=600, description="phrases this long before a gap may be in it"
    )


class UiSettings(_Section):
    """The dashboard: its look, who acknowledges alerts, and how high ones get attention."""

    theme: str | None = Field(
        None, description="theme name (assist-dark, textual-light, or a file in the themes dir)"
    )
    supervisor: str = Field("", description="name on acknowledgements (the OS user if empty)")
    bell: bool = Field(False, description="ring the terminal bell on a high or critical alert")
    desktop_notify: bool = Field(
        False, description="notify-send (when on PATH) on a high or critical alert"
    )


class AlertsSettings(_Section):
    """The call board: alert rules, and how long ended calls stay on it."""

    rules_file: Path | None = Field(
        None, description="TOML alert rules; the built-in set if unset (README: Rules and alerts)"
    )
    linger_s: float = Field(120.0, ge=0, le=86400, description="ended calls stay this long")
    tick_s: float = Field(1.0, gt=0, le=60, description="how often rule windows are checked")


class RecordSettings(_Section):
    """The stream the engine takes, kept for `assist-tui replay` (redacted, bounded).

    JSON lines in private files under the data dir, rotated by size, pruned by age and
    total size; ``stream_*`` are the retention of the NATS frames stream under ``serve``.
    """

    enabled: bool = Field(True, description="record the stream the engine takes (redacted)")
    path: Path | None = Field(
        None, description="directory of the recordings; <data dir>/recordings if unset"
    )
    max_file_mb: float = Field(
        20.0, gt=0, le=10_000, description="start a new file past this size (uncompressed)"
    )
    max_total_mb: float = Field(
        200.0, gt=0, le=1_000_000, description="oldest files are deleted past this total"
    )
    max_age_hours: float = Field(
        168.0, gt=0, le=87_600, description="files older than this are deleted"
    )
    gzip: bool = Field(False, description="compress the files (.jsonl.gz)")
    stream_max_age_hours: float = Field(
        168.0, gt=0, le=87_600, description="serve: the NATS frames stream keeps this long"
    )
    stream_max_mb: float = Field(
        10_000.0, gt=0, description="serve: ...and at most this much (oldest dropped first)"
    )


class Settings(_Section):
    """All settings. ``demo`` forces the emulator even when credentials exist."""

    genesys: GenesysSettings = Field(default_factory=GenesysSettings)
    stream: StreamSettings = Field(default_factory=StreamSettings)
    dialect: DialectSettings = Field(default_factory=DialectSettings)
    discovery: DiscoverySettings = Field(default_factory=DiscoverySettings)
    emulator: EmulatorSettings = Field(default_factory=EmulatorSettings)
    quality: QualitySettings = Field(default_factory=QualitySettings)
    latency: LatencySettings = Field(default_factory=LatencySettings)
    redaction: RedactionSettings = Field(default_factory=RedactionSettings)
    nlp: NlpSettings = Field(default_factory=NlpSettings)
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)
    push: PushSettings = Field(default_factory=PushSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    backfill: BackfillSettings = Field(default_factory=BackfillSettings)
    ui: UiSettings = Field(default_factory=UiSettings)
    alerts: AlertsSettings = Field(default_factory=AlertsSettings)
    record: RecordSettings = Field(default_factory=RecordSettings)
    keys: dict[str, str] = Field(
        default_factory=dict, description="rebind keys: binding id -> key (e.g. pause = 'space')"
    )
    demo: bool = Field(False, description="use the built-in emulator")
    teams: dict[str, TeamSettings] = Field(
        default_factory=dict,
        description="team scoping on NATS: [teams.<name>] supervisors see only their queues",
    )

    @property
    def use_emulator(self) -> bool:
        return self.demo or not self.genesys.has_credentials

    @field_validator("keys")
    @classmethod
    def _known_keys(cls, value: dict[str, str]) -> dict[str, str]:
        from assist_tui.keymap import check_keys

        problems = check_keys(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("teams")
    @classmethod
    def _team_names(cls, value: dict[str, TeamSettings]) -> dict[str, TeamSettings]:
        return check_team_names(value)


class ConfigError(Exception):
    """Configuration that cannot be used; the message is meant for a person, on one screen."""


@dataclass
class LoadedSettings:
    """Settings with where they came from."""

    settings: Settings
    path: Path
    file_exists: bool
    origins: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def default_config_path() -> Path:
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def require_file(path: Path, *, named_by: str = "--config") -> None:
    """A file named on the command line (or by ``$ASSIST_TUI_CONFIG``) must exist:
    silently using defaults hides a typo."""
    if not path.exists():
        if named_by == "--config":
            fix = f"check the path, or create it with `assist-tui config init --config {path}`"
        else:
            fix = (
                f"check the path, unset {named_by}, or create the file with "
                "`assist-tui config init`"
            )
        named = "" if named_by == "--config" else f" (named by {named_by})"
        raise ConfigError(f"config file {path}{named} does not exist.\nfix: {fix}")


def config_path(explicit: Path | None, env: Mapping[str, str]) -> Path:
    """The file to read: the flag, else ``$ASSIST_TUI_CONFIG``, else the platform default."""
    if explicit is not None:
        return explicit
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser()
    return default_config_path()


def _set(tree: dict[str, Any], dotted: str, value: Any) -> None:
    node = tree
    *parents, leaf = dotted.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value


def _merge(base: dict[str, Any], layer: Mapping[str, Any]) -> None:
    for key, value in layer.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _section_fields() -> dict[str, type[BaseModel]]:
    sections: dict[str, type[BaseModel]] = {}
    for name, info in Settings.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            sections[name] = annotation
    return sections


def _env_value(raw: str, dotted: str) -> Any:
    section, _, key = dotted.partition(".")
    model = _section_fields().get(section)
    info = model.model_fields.get(key) if model else None
    if info is not None and str(info.annotation).startswith("list"):
        text = raw.strip()
        if text.startswith("["):
            return json.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]
    return raw


def _environment_layer(env: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    layer: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for var, (section, key) in GENESYS_ENV.items():
        if env.get(var):
            _set(layer, f"{section}.{key}", env[var])
            origins[f"{section}.{key}"] = f"environment variable {var}"
    sections = _section_fields()
    for var, raw in env.items():
        if not var.startswith(ENV_PREFIX) or var == CONFIG_ENV:
            continue
        rest = var[len(ENV_PREFIX) :].lower()
        if rest == "demo":
            layer["demo"] = raw
            origins["demo"] = f"environment variable {var}"
            continue
        for section, model in sections.items():
            key = rest.removeprefix(section + "_")
            if rest.startswith(section + "_") and key in model.model_fields:
                dotted = f"{section}.{key}"
                try:
                    _set(layer, dotted, _env_value(raw, dotted))
                except json.JSONDecodeError as exc:
                    raise ConfigError(
                        f"environment variable {var}: not a valid list ({exc.msg}).\n"
                        'fix: give a comma-separated list or a JSON array such as ["a", "b"].'
                    ) from exc
                origins[dotted] = f"environment variable {var}"
                break
    return layer, origins


def _read_file(path: Path) -> tuple[dict[str, Any], list[str]]:
    warnings: list[str] = []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, warnings
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"config file {path} is not valid TOML: {exc}.\n"
            f"fix: correct the line named above, or move the file away and run "
            f"`assist-tui config init` for a fresh template."
        ) from exc
    held = [f"[{sec}] {key}" for sec, key in secret_fields() if _value_at(data, sec, key)]
    if held and os.name == "posix":
        mode = path.stat().st_mode
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            warnings.append(
                f"warning: {path} holds secrets ({', '.join(held)}) and is readable by other "
                f"users (mode {stat.S_IMODE(mode):o}); fix: chmod 600 {path}"
            )
    return data, warnings


def secret_fields() -> list[tuple[str, str]]:
    """Every (section, key) whose value is a secret: the config file warning covers all."""
    return [
        (section, name)
        for section, model in _section_fields().items()
        for name, info in model.model_fields.items()
        if info.annotation is SecretStr or "SecretStr" in str(info.annotation)
    ]


def _value_at(data: Any, section: str, key: str) -> bool:
    node = data.get(section) if isinstance(data, dict) else None
    return bool(node.get(key)) if isinstance(node, dict) else False


def _describe(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts[:1] == ["teams"] and len(parts) >= 3:  # [teams.billing] supervisors
        return f"[teams.{parts[1]}] {'.'.join(parts[2:])}"
    if len(parts) >= 2:
        return f"[{parts[0]}] {'.'.join(parts[1:])}"
    return parts[0] if parts else "(top level)"


def _explain(exc: ValidationError, origins: Mapping[str, str], path: Path) -> ConfigError:
    lines = ["invalid configuration:"]
    for error in exc.errors():
        loc = tuple(error["loc"])
        dotted = ".".join(str(p) for p in loc)
        origin = origins.get(dotted) or origins.get(str(loc[0]) if loc else "", "")
        where = origin or f"config file {path}"
        if error["type"] == "extra_forbidden":
            section = _section_fields().get(str(loc[0])) if len(loc) > 1 else None
            if loc[0] == "teams" and len(loc) == 3:
                section = TeamSettings
            known = sorted((section or Settings).model_fields)
            near = difflib.get_close_matches(str(loc[-1]), known, n=1)
            lines.append(f"  {_describe(loc)} (in {where}): unknown key")
            hint = f"did you mean {near[0]!r}?" if near else "remove it; `config init` lists keys"
            lines.append(f"    fix: {hint}")
            continue
        message = str(error["msg"]).removeprefix("Value error, ")
        shown = "" if "secret" in dotted else f" = {error.get('input')!r}"
        lines.append(f"  {_describe(loc)}{shown} (in {where}): {message}")
        lines.append(
            "    fix: correct that value; `assist-tui config init` writes a commented template"
        )
    return ConfigError("\n".join(lines))


def load_settings(
    path: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> LoadedSettings:
    """Build the effective settings from every layer; raise ConfigError with a fix on error.

    ``overrides`` maps dotted keys (``genesys.region``) to command-line values.
    """
    env = os.environ if env is None else env
    file_path = config_path(path, env)
    file_data, warnings = _read_file(file_path)
    if not isinstance(file_data, dict):  # pragma: no cover - tomllib always returns a dict
        raise ConfigError(f"config file {file_path} must be a TOML table")

    origins = {key: f"config file {file_path}" for key in _flatten(file_data)}
    merged: dict[str, Any] = {}
    _merge(merged, file_data)
    env_layer, env_origins = _environment_layer(env)
    _merge(merged, env_layer)
    origins.update(env_origins)
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        _set(merged, dotted, value)
        origins[dotted] = f"command-line flag --{dotted.rpartition('.')[2].replace('_', '-')}"
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        raise _explain(exc, origins, file_path) from None
    if settings.audit.key_file is None:  # the chain key lives beside the config file used
        settings.audit.key_file = file_path.parent / "audit.key"
    return LoadedSettings(settings, file_path, file_path.exists(), origins, warnings)


def masked(settings: Settings) -> dict[str, Any]:
    """The settings as plain data with every secret replaced by a marker."""
    data = settings.model_dump(mode="json")
    for section, key, secret in (
        ("genesys", "client_secret", settings.genesys.client_secret),
        ("webhook", "api_key", settings.webhook.api_key),
    ):
        data[section][key] = "(set, hidden)" if secret.get_secret_value() else "(not set)"
    return data


def data_dir() -> Path:
    """Where the audit store and the outbox live (``$ASSIST_TUI_DATA_DIR`` overrides)."""
    override = os.environ.get("ASSIST_TUI_DATA_DIR")
    return Path(override) if override else platformdirs.user_data_path(APP_NAME)


def store_paths(settings: Settings) -> tuple[Path, Path]:
    """The audit store and the outbox beside it."""
    audit = settings.audit.path or data_dir() / "audit.sqlite3"
    return audit, audit.with_name("outbox.sqlite3")


def config_template() -> str:
    """The commented template, generated from the settings' own descriptions."""
    from assist_tui.config_template import render_template

    return render_template(Settings)


def write_template(path: Path, *, force: bool = False) -> None:
    """Write the commented template with mode 0600; refuse to overwrite without ``force``."""
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists; fix: edit it, or pass --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(config_template())
    os.chmod(path, 0o600)
