"""Bad command-line input becomes a message (what is wrong, where, what to do), never a
traceback: option types, checks before a command starts, and a quiet closed pipe.
"""

from __future__ import annotations

import argparse
import errno
import logging
import math
import os
import re
import socket
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from assist_tui.config import ConfigError, Settings, store_paths
from assist_tui.genesys.errors import GenesysError, NotFoundError
from assist_tui.genesys.rest import GenesysApi
from assist_tui.genesys.urls import redact_url

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


# -- argparse types: argparse reports their ValueError/ArgumentTypeError with usage, exit 2 --
def positive_seconds(text: str) -> float:
    """A number of seconds above zero and finite (0 would busy-loop, nan never ends)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} must be a positive, finite number of seconds (e.g. 5 or 0.5)"
        )
    return value


def at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def log_level(text: str) -> str:
    level = text.strip().upper()
    if level not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a log level; use one of " + ", ".join(LOG_LEVELS)
        )
    return level


# -- checks before a command starts ----------------------------------------------------------
def setup_logs(level: str | None) -> None:
    """Logging set up, or a ``ConfigError`` naming the directory that cannot be written."""
    from assist_tui.logs import LEVEL_ENV, log_dir, setup_logging

    env_level = os.environ.get(LEVEL_ENV)
    if level is None and env_level and env_level.strip().upper() not in LOG_LEVELS:
        raise ConfigError(
            f"{LEVEL_ENV}={env_level!r} is not a log level; fix: use one of {', '.join(LOG_LEVELS)}"
        )
    try:
        setup_logging(level)
    except OSError as exc:
        raise ConfigError(
            f"cannot write logs in {log_dir()}: {exc.strerror or exc}; fix: make it writable, "
            f"or set ASSIST_TUI_LOG_DIR to a writable directory"
        ) from None


def check_rules(settings: Settings) -> None:
    """The rules file loads (a missing or invalid one is a configuration error)."""
    from assist_tui.engine.alert_rules import AlertRulesError, load_alert_rules
    from assist_tui.engine.rules import RulesError, load_rules

    if settings.alerts.rules_file is not None:
        try:
            load_alert_rules(settings.alerts.rules_file)
        except AlertRulesError as exc:
            raise ConfigError(
                f"{exc}; fix: correct [alerts] rules_file, or remove it to use the built-in "
                "alert rules"
            ) from None
    path = settings.nlp.rules_file
    if path is None:
        return
    try:
        load_rules(path)
    except RulesError as exc:
        fix = (
            ""
            if "fix:" in str(exc)
            else (
                "; fix: correct [nlp] rules_file in the config file, or remove it to use the "
                "built-in rules"
            )
        )
        raise ConfigError(f"{exc}{fix}") from None


def check_store_dir(settings: Settings) -> None:
    """The audit store (and the outbox beside it) can be created and written."""
    audit, _ = store_paths(settings)
    where = "[audit] path" if settings.audit.path else "the data directory"
    fix = (
        "fix: set [audit] path in the config file to a writable file"
        if settings.audit.path
        else "fix: make it writable, or set [audit] path in the config file"
    )
    try:
        audit.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"{where} {audit}: cannot create {audit.parent} ({exc.strerror or exc}); {fix}"
        ) from None
    if audit.is_dir():
        raise ConfigError(f"{where} {audit} is a directory, not a file; {fix}")
    target = audit if audit.exists() else audit.parent
    if not os.access(target, os.W_OK):
        raise ConfigError(f"{where} {audit}: {target} is not writable; {fix}")


def check_port_free(settings: Settings) -> None:
    """The emulator's port is free (0 always is: any free port)."""
    host, port = settings.emulator.host, settings.emulator.port
    if not port:
        return
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise ConfigError(
                    f"emulator cannot listen on {host}:{port}: {exc.strerror}"
                ) from None
            raise ConfigError(
                f"emulator port {port} on {host} is already in use; fix: stop what uses it, "
                f"or pass --port 0 (any free port) or another --port"
            ) from None


def check_output(path: Path | None) -> None:
    """``--output`` names a file that can be written (its directory exists)."""
    if path is None:
        return
    if path.is_dir():
        raise ConfigError(f"--output {path} is a directory; fix: name a file in it")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ConfigError(
            f"--output {path}: directory {parent} does not exist; fix: create it, or choose "
            f"a file in an existing directory"
        )
    target = path if path.exists() else parent
    if not os.access(target, os.W_OK):
        raise ConfigError(f"--output {path}: {target} is not writable; fix: choose another file")


def check_output_dir(path: Path) -> None:
    """``--output`` names a directory that exists, or is made in an existing one (a
    mistyped path never grows a tree of directories)."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--output {path} is a file, not a directory; fix: name a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not path.exists() and not parent.is_dir():
        raise ConfigError(
            f"--output {path}: directory {parent} does not exist; fix: create it, or choose "
            f"a directory in an existing one"
        )
    try:
        path.mkdir(exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"--output {path}: cannot create it ({exc.strerror or exc}); fix: choose another"
        ) from None
    if not os.access(path, os.W_OK):
        raise ConfigError(f"--output {path} is not writable; fix: choose another")


def damaged_store(path: Path, exc: sqlite3.DatabaseError) -> str:
    """The message for an audit store SQLite cannot read (truncated, overwritten)."""
    return (
        f"audit store {path}: DAMAGED: SQLite cannot read it ({exc}); it may be truncated or "
        f"not an audit store; its chain cannot be verified; fix: restore it from a backup, "
        f"or move it away so the engine starts a new one"
    )


async def require_known(api: GenesysApi, conversation_ids: Sequence[str]) -> None:
    """Every id names a conversation the platform knows (``GET /api/v2/conversations/{id}``).

    Only a 404 counts as unknown; another refusal (permissions, throttling) is logged and
    the id is followed, so a narrow role does not stop the command.
    """
    from urllib.parse import quote

    unknown: list[str] = []
    for cid in conversation_ids:
        try:
            await api.json(
                "GET",
                f"/api/v2/conversations/{quote(cid, safe='')}",
                what="looking up conversation",
            )
        except NotFoundError:
            unknown.append(cid)
        except GenesysError as exc:
            logging.getLogger(__name__).warning("could not look up a conversation: %s", exc)
    if unknown:
        listed = ", ".join(repr(c) for c in unknown)
        raise ConfigError(
            f"--conversation {listed}: the platform does not know "
            f"{'this conversation' if len(unknown) == 1 else 'these conversations'} "
            f"(GET /api/v2/conversations/{{id}} answered 404); fix: check the id, or leave "
            f"--conversation out to follow every live conversation"
        )


def quiet_broken_pipe() -> int:
    """stdout's reader went away (``| head``): stop quietly, as Unix tools do."""
    # Further writes (and the flush at exit) would raise again: point stdout at nothing.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (a test's capture): nothing more will be written anyway
    return 0


# -- the bus's arguments (checked here, before anything connects) ------------------------------
NATS_SCHEMES = ("nats", "tls", "ws", "wss")
_SLUG = re.compile(r"[A-Za-z0-9_-]+")


def nats_url(text: str) -> str:
    """A NATS server's URL, or several comma-separated, in the form nats-py connects to."""
    for one in text.split(","):
        scheme, sep, rest = one.strip().partition("://")
        host = rest.rpartition("@")[2].split("/")[0]
        if not sep or scheme.lower() not in NATS_SCHEMES or not host or host.startswith(":"):
            raise argparse.ArgumentTypeError(
                f"{redact_url(one.strip())!r} is not a NATS server URL: write it as "
                "nats://HOST:PORT (or tls://, ws://, wss://), e.g. nats://127.0.0.1:4222"
            )
    return text.strip()


def org_slug(text: str) -> str:
    """An org's name on the bus: it is a token of every subject and key, so it is kept
    as written or refused, never changed (``a.b`` and ``a_b`` would be one org)."""
    if not _SLUG.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} cannot name an org on the bus: use letters, digits, - and _ "
            "(e.g. demo or acme-eu)"
        )
    return text


def person(text: str) -> str:
    """Who a supervisor is (``--as``): not blank."""
    if not text.strip():
        raise argparse.ArgumentTypeError("a name is needed (who you are, in the audit)")
    return text.strip()
