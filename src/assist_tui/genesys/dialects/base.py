"""What a seed dialect supplies to the shared socket runner: URL, handshake, translation.

A dialect never opens a socket or sleeps; ``DialectStream`` (genesys/dialect_stream.py)
does connection, auth, backoff and health for all of them.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from assist_tui.config import DialectSettings
from assist_tui.genesys.errors import GenesysError
from assist_tui.genesys.frame_limits import FrameLimitError, load_bounded, total
from assist_tui.genesys.rest import GenesysApi
from assist_tui.model import RejectedFrame, StreamEvent

Resubscribe = Literal["per-conversation", "whole-set", "reconnect", "client-side"]


class SubscriptionInvalid(GenesysError):
    """A subscription we would send breaks the dialect's schema: refused before sending."""


class PolicyViolation(GenesysError):
    """The server closed the socket with 1008: it will refuse the same request again."""


@dataclass(frozen=True)
class Ack:
    """The server's answer to a subscribe message."""

    ok: bool
    key: str | None = None  # what it answers, when the wire says (else: the oldest pending)
    message: str = ""
    status: int | None = None  # e.g. 429 when the subscribe was throttled


@dataclass
class Decoded:
    """What one frame carried: normalized events, and possibly a handshake answer."""

    events: list[StreamEvent] = field(default_factory=list)
    ack: Ack | None = None


@dataclass(frozen=True)
class Outgoing:
    """A message to send; ``ack_key`` set when the server must answer it."""

    text: str
    ack_key: str | None = None


def clamp_confidence(value: float | None, what: str, notes: list[str]) -> float:
    """A confidence in [0, 1]; what had to be fixed is noted (the frame guard counts it)."""
    if value is None or not math.isfinite(value):
        notes.append(
            f"{what} confidence missing" if value is None else f"{what} confidence {value}"
        )
        return 0.0
    if value < 0.0 or value > 1.0:
        notes.append(f"{what} confidence {value:g} clamped")
        return min(max(value, 0.0), 1.0)
    return value


def load_json(raw: str | bytes, *, allow_base64: bool = False) -> Any:
    """Parse a text or binary frame; binary may be base64 of JSON where the dialect says so.

    Bounded (genesys/frame_limits.py): raises ``FrameLimitError`` past a bound, else
    ``ValueError``, each with a reason a person can read.
    """
    if isinstance(raw, bytes):
        if allow_base64:
            with contextlib.suppress(binascii.Error, ValueError):  # maybe plain JSON bytes
                raw = base64.b64decode(raw, validate=True)
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("binary frame is neither base64 nor UTF-8 JSON") from None
    try:
        return load_bounded(raw)
    except FrameLimitError:
        raise
    except ValueError as exc:
        raise ValueError(f"not JSON ({exc.__class__.__name__})") from None


class Lenient(BaseModel):
    """Frame models ignore fields they do not know: the platform adds fields over time."""

    model_config = ConfigDict(extra="ignore")


def load_object(
    raw: str | bytes, received_at: datetime, *, allow_base64: bool = False
) -> dict[str, Any] | Decoded:
    """The frame as a JSON object, or the rejection that says why it is not one."""
    try:
        body = load_json(raw, allow_base64=allow_base64)
    except FrameLimitError as exc:
        return rejected(f"limit: {exc}", raw, received_at)
    except ValueError as exc:
        return rejected(f"malformed: {exc}", raw, received_at)
    if not isinstance(body, dict):
        return rejected("malformed: frame is not a JSON object", raw, received_at)
    return body


def ack_from(body: dict[str, Any], key: str | None) -> Decoded | None:
    """A ``subscribed`` or ``error`` answer as an ``Ack`` (None: the frame is not one)."""
    kind = body.get("type")
    if kind == "subscribed":
        return Decoded(ack=Ack(True, key))
    if kind != "error":
        return None
    status = body.get("code", body.get("status"))
    message = body.get("message") or body.get("error") or "unknown error"
    throttled = status if isinstance(status, int) and not isinstance(status, bool) else None
    return Decoded(ack=Ack(False, key, str(message)[:300], throttled))


def rejected(reason: str, raw: str | bytes, received_at: datetime) -> Decoded:
    size = len(raw.encode("utf-8", "replace")) if isinstance(raw, str) else len(raw)
    return Decoded(events=[RejectedFrame(reason=reason[:300], size=size, received_at=received_at)])


total_decode = total(rejected)
"""Decorator for ``Dialect.decode`` implementations: nothing escapes it."""


def schema_reason(exc: ValidationError) -> str:
    """``schema: segments.0.confidence: Input should be ...`` (first error only)."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "frame"
    return f"schema: {where}: {first.get('msg', 'invalid')}"


class Dialect(ABC):
    """One seed wire format. Subclasses are small: URL, messages, and ``decode``."""

    name: ClassVar[str]
    path: ClassVar[str]
    resubscribe: ClassVar[Resubscribe]
    #: seed 001 puts the token in the query string (it is redacted wherever it could leak)
    token_in_query: ClassVar[bool] = False
    #: whether binary frames may hold base64 JSON
    binary_base64: ClassVar[bool] = False

    def __init__(self, settings: DialectSettings) -> None:
        self.settings = settings

    def url(self, ws_base: str, conversation_ids: Sequence[str], token: str) -> str:
        return ws_base.rstrip("/") + self.path

    def headers(self, token: str) -> dict[str, str]:
        return {} if self.token_in_query else {"Authorization": f"Bearer {token}"}

    async def preflight(self, api: GenesysApi) -> None:
        """Checks before the first socket; raise a ``GenesysError`` to refuse to start."""
        return

    async def prepare(self, api: GenesysApi, conversation_id: str) -> None:
        """Learn what a subscribe message needs (participants); may raise ``NotFoundError``."""
        return

    def subscribe_messages(self, conversation_ids: Sequence[str]) -> list[Outgoing]:
        """Messages that subscribe these conversations (all of them for ``whole-set``)."""
        return []

    def unsubscribe_messages(self, conversation_ids: Sequence[str]) -> list[Outgoing]:
        return []

    def forget(self, conversation_id: str) -> None:
        """Drop per-conversation state after an unsubscribe."""
        return

    def close_reason(self, code: int, reason: str) -> str:
        return f"socket closed (code {code})"

    def is_fatal_close(self, code: int) -> bool:
        """Closes that the same request would get again: stop instead of reconnecting."""
        return code == 1008

    @abstractmethod
    def decode(self, raw: str | bytes, received_at: datetime) -> Decoded:
        """Translate one frame. Never raises: unusable frames become ``RejectedFrame``.

        Implementations are decorated with ``@total_decode``, which rejects whatever
        still escapes them.
        """
