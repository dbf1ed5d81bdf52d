"""Opens the audit store as the settings say, with its chain key from the config directory
(created at the first run), for the engine; and the key alone, for ``audit verify``."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from assist_tui.audit.chain import read_meta
from assist_tui.audit.keys import default_key_path, load_key, load_or_create_key
from assist_tui.audit.store import AuditStore
from assist_tui.config import AuditSettings, ConfigError, config_path


def key_path(audit: AuditSettings) -> Path:
    """``[audit] key_file``, else ``audit.key`` beside the config file."""
    return audit.key_file or default_key_path(config_path(None, os.environ))


def open_store(path: Path, audit: AuditSettings) -> AuditStore:
    """The engine's writer: keyed (the key made now if there is none yet, unless the store
    was keyed already: a new key could never open it, so it is not made)."""
    where = key_path(audit)
    if audit.keyed and not where.exists() and (written := _key_id_of(path)) is not None:
        raise ConfigError(
            f"the audit store {path} is keyed (key id {written}) and there is no audit.key "
            f"at {where}; fix: set [audit] key_file to the audit.key it was written with "
            f"(beside the config file it was first run with), or set [audit] path to start "
            f"a new store"
        )
    key = load_or_create_key(where) if audit.keyed else None
    try:
        return AuditStore(
            path,
            key,
            checkpoint_records=audit.checkpoint_records,
            checkpoint_s=audit.checkpoint_s,
        )
    except sqlite3.DatabaseError as exc:
        raise ConfigError(
            f"the audit store {path} cannot be opened ({exc}); fix: `assist-tui audit "
            f"verify` says what is wrong; keep the file as evidence and set [audit] path "
            f"to start a new store"
        ) from None


def verify_key(audit: AuditSettings) -> bytes | None:
    """The key for checking, never created: a missing key is the verifier's finding."""
    return load_key(key_path(audit))


def _key_id_of(path: Path) -> str | None:
    """The key id a store's chain is keyed with (None: no store, or not keyed)."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        return read_meta(conn).get("key_id")
    except sqlite3.Error:
        return None  # a damaged store: opening it says so
    finally:
        conn.close()
