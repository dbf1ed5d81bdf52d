"""Messages between the dashboard and its engine process: length-prefixed pickles over a
private socket pair. Both ends are this program; nothing else can reach the socket."""

from __future__ import annotations

import asyncio
import pickle
import struct
from typing import Any

HEADER = struct.Struct("!I")
MAX_MESSAGE_BYTES = 256 * 1024 * 1024  # far above any view; a larger length means a broken peer

# The requests the engine process answers: the engine API, a view, an audit flush.
COMMANDS = frozenset(
    {
        "view",
        "subscribe",
        "unsubscribe",
        "live_conversations",
        "pause",
        "resume",
        "reset_context",
        "flush_audit",
        "acknowledge",
        "ended_conversations",
        "reopen",
    }
)


class ProtocolError(Exception):
    """The peer sent something that is not a message of this protocol."""


async def read_message(reader: asyncio.StreamReader) -> Any:
    """The next message; ``asyncio.IncompleteReadError`` when the peer has gone."""
    (size,) = HEADER.unpack(await reader.readexactly(HEADER.size))
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {size} bytes announced (limit {MAX_MESSAGE_BYTES})")
    return pickle.loads(await reader.readexactly(size))  # noqa: S301 - our own child process


def write_message(writer: asyncio.StreamWriter, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    writer.write(HEADER.pack(len(data)) + data)
