"""The audit chain's secret key: 32 random bytes in the config directory, created at the
first run with mode 600, and its public fingerprint (to tell keys apart, never to sign)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from assist_tui.config import ConfigError

KEY_FILE = "audit.key"


class AuditKeyError(ConfigError):
    """The key cannot be read or does not match the store."""


def default_key_path(config_file: Path) -> Path:
    return config_file.parent / KEY_FILE


def load_key(path: Path) -> bytes | None:
    """The key in ``path`` (hex), or None if there is none; AuditKeyError if unreadable."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditKeyError(f"cannot read the audit key {path}: {exc}") from exc
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise AuditKeyError(f"the audit key {path} is not hex; fix: restore it") from None
    if len(key) < 16:
        raise AuditKeyError(f"the audit key {path} is too short; fix: restore it")
    return key


def load_or_create_key(path: Path) -> bytes:
    """The key in ``path``, created (mode 600, never overwritten) if there is none."""
    key = load_key(path)
    if key is not None:
        return key
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fresh = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return load_key(path) or fresh
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(fresh.hex() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)
    return fresh


def fingerprint(key: bytes) -> str:
    """A public name for the key: which key keyed a store, without revealing it."""
    return hashlib.sha256(b"assist-tui audit key id\x00" + key).hexdigest()[:16]


def mac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
