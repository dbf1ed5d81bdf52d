"""The head checkpoint: the newest record's sequence number and hash, kept in a file beside
the store (rewritten atomically), so deleting the newest records or truncating the store
shows. Signed with the chain key when there is one."""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from assist_tui.audit.keys import mac


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    signature: str = ""  # HMAC of seq and hash with the chain key; "" when unkeyed

    def signed_text(self) -> str:
        return f"{self.seq}:{self.hash}"


class HeadError(Exception):
    """The head file exists but cannot be read as a checkpoint."""


def head_path(store: Path) -> Path:
    return store.with_name(store.name + ".head")


def write_head(store: Path, seq: int, digest: str, key: bytes | None) -> None:
    """Replace the head file atomically (a crash leaves the old or the new one, whole)."""
    head = Head(seq, digest, mac(key, f"{seq}:{digest}") if key else "")
    target = head_path(store)
    fd, tmp = tempfile.mkstemp(prefix=".head-", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"seq": head.seq, "hash": head.hash, "signature": head.signature}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_head(store: Path) -> Head | None:
    """The checkpoint beside ``store``, None if there is none; HeadError if unreadable."""
    try:
        data = json.loads(head_path(store).read_text(encoding="utf-8"))
        return Head(int(data["seq"]), str(data["hash"]), str(data.get("signature", "")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise HeadError(f"the head checkpoint {head_path(store)} is unreadable: {exc}") from exc


def head_signed_by(head: Head, key: bytes) -> bool:
    return bool(head.signature) and hmac.compare_digest(
        head.signature, mac(key, head.signed_text())
    )
