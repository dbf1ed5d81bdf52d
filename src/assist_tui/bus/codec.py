"""What crosses the bus, to and from JSON (UTF-8, never pickle: the bus crosses machines):
a call's view (row, gauges, content), an alert, an engine's status, command replies.

The types are the dashboard's own (engine/snapshot.py, engine/board_types.py); pydantic's
``TypeAdapter`` validates them on the way in, so a peer's malformed value is refused here,
never drawn. ``decode(T, encode(T, x)) == x`` for every value an engine produces.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError

from assist_tui.engine.board_types import AlertView
from assist_tui.engine.latency import LatencySummary
from assist_tui.engine.snapshot import (
    ConversationContent,
    ConversationGauges,
    ConversationRow,
    EngineView,
)
from assist_tui.model import LiveConversation, StreamHealth, SubscriptionRejected

# Infinity and NaN are kept as JSON's common extension (Python reads them back) rather
# than turned into null, which a float field would then refuse.
_CONFIG = ConfigDict(ser_json_inf_nan="constants")


class CodecError(ValueError):
    """A value on the bus is not what its subject or key promises."""


@dataclass(frozen=True, slots=True)
class CallView:
    """The views KV's value for one call: everything a dashboard shows of it. The gauges
    leave out ``all_own_latency`` (every call's figure, in the engine's status instead),
    so that one busy call does not make every call's view change."""

    row: ConversationRow
    gauges: ConversationGauges
    content: ConversationContent
    # The alerts rules raised on the call: an engine taking it over continues them (the
    # rules that fired do not fire again; an acknowledgement still reaches them).
    alerts: tuple[AlertView, ...] = ()


@dataclass(frozen=True, slots=True)
class CallHead:
    """A ``CallView`` read for its row only: the gauges and the transcript are skipped
    (their JSON parsed, not validated), so a dashboard pays for the call it shows, not
    for every call on the board each time one changes."""

    row: ConversationRow


@dataclass(frozen=True, slots=True)
class EngineStatus:
    """The engines KV's value: one engine's figures, put every second (a heartbeat)."""

    engine_id: str
    label: str  # what the engine watches: DEMO and the emulator's URL, or the region
    published_at: datetime
    ready: bool
    source: str
    health: StreamHealth | None
    heartbeat_age_s: float | None
    rate: float
    events: int
    reconnects: int
    rejected: int
    gaps: int
    gap_seconds: float
    all_own_latency: LatencySummary | None
    conversations: int = 0  # calls this engine has on its board


@functools.cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    # Wrapped in a one-element tuple: a dataclass cannot take the adapter's config itself.
    return TypeAdapter(tuple[kind], config=_CONFIG)


def encode(kind: Any, value: Any) -> bytes:
    """``value`` (of type ``kind``: a dataclass, a model, a list of them…) as JSON."""
    wrapped = _adapter(kind).dump_json((value,))
    return wrapped[1:-1]  # the value inside ``[…]``: the wire carries no wrapper


def decode(kind: Any, data: bytes) -> Any:
    """The value of type ``kind`` in ``data``; ``CodecError`` if it is not one."""
    try:
        (value,) = _adapter(kind).validate_json(b"[" + data + b"]")
    except ValidationError as exc:
        raise CodecError(f"not a {getattr(kind, '__name__', kind)}: {exc.errors()[:1]}") from None
    return value


def from_python(kind: Any, value: Any) -> Any:
    """``value`` as parsed from JSON (``json.loads``) to the type ``kind``."""
    try:
        (typed,) = _adapter(kind).validate_python((value,))
    except ValidationError as exc:
        raise CodecError(f"not a {getattr(kind, '__name__', kind)}: {exc.errors()[:1]}") from None
    return typed


_ROW_START = b'{"row":'
_ROW_END = b',"gauges":'


def row_of_view(data: bytes) -> ConversationRow:
    """The row of a ``CallView`` value without parsing its transcript. The publisher puts
    the row first; a quote cannot appear unescaped inside a JSON string, so the first
    ``,"gauges":`` ends it. A value laid out otherwise is read whole (``CallHead``)."""
    end = data.find(_ROW_END)
    if data.startswith(_ROW_START) and end > 0:
        row: ConversationRow = decode(ConversationRow, data[len(_ROW_START) : end])
        return row
    head: CallHead = decode(CallHead, data)
    return head.row


# The types commands answer with (bus/commands.py), by verb.
REPLY_TYPES: dict[str, Any] = {
    "subscribe": list[SubscriptionRejected],
    "live_conversations": list[LiveConversation],
    "ended_conversations": list[ConversationRow],
}

__all__ = [
    "AlertView",
    "CallHead",
    "CallView",
    "CodecError",
    "EngineStatus",
    "EngineView",
    "decode",
    "encode",
    "from_python",
    "row_of_view",
]
