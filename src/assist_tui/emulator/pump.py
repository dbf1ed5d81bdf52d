"""One emulator socket's life: frames out from its ``Connection``, messages in, then close."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from assist_tui.emulator.hub import Connection


async def pump(
    ws: WebSocket,
    conn: Connection,
    on_text: Callable[[str], None],
    *extra: Coroutine[Any, Any, None],
) -> None:
    """Run until the client leaves or the emulator closes ``conn`` (with its code)."""

    async def sender() -> None:
        while True:
            frame = await conn.outgoing.get()
            if isinstance(frame, bytes):
                await ws.send_bytes(frame)
            else:
                await ws.send_text(frame)

    async def receiver() -> None:
        while True:
            on_text(await ws.receive_text())

    tasks = [
        asyncio.create_task(sender()),
        asyncio.create_task(receiver()),
        asyncio.create_task(conn.closing.wait()),
        *(asyncio.create_task(c) for c in extra),
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, Exception):
                await task
    if conn.closing.is_set():
        with contextlib.suppress(Exception):
            # A close that says why (a system message) sends what was queued first.
            while conn.flush_on_close and not conn.outgoing.empty():
                frame = conn.outgoing.get_nowait()
                if isinstance(frame, bytes):
                    await ws.send_bytes(frame)
                else:
                    await ws.send_text(frame)
            await ws.close(code=conn.close_code, reason=conn.close_reason)
