"""The engine process: runs the platform (or emulator) and the engine, and answers the
dashboard's requests on the socket it was given. It ends when the dashboard closes it.

Started by ``EngineProcess`` as ``python -m assist_tui.engine.host FD``. The settings
(secrets included) arrive over the socket, never on the command line or in the
environment. A separate process gives the pipeline a core of its own: the dashboard's
event loop then only draws and reads keys, whatever the event rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from assist_tui.audit.opening import open_store
from assist_tui.audit.store import AuditStore
from assist_tui.config import Settings, store_paths
from assist_tui.engine import parked, recording
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.ipc import COMMANDS, read_message, write_message
from assist_tui.engine.link import reason_of
from assist_tui.engine.snapshot import take_view
from assist_tui.logs import setup_logging
from assist_tui.platform import open_platform
from assist_tui.sinks.outbox import Outbox

log = logging.getLogger(__name__)

ENGINE_NICENESS = 10


class _Answering:
    """Runs each request in its own task (a slow subscribe never holds up a view)."""

    def __init__(self, engine: AssistEngine, writer: asyncio.StreamWriter) -> None:
        self.engine = engine
        self.writer = writer
        self.tasks: set[asyncio.Task[None]] = set()
        self.handlers: dict[str, Callable[..., Awaitable[Any]]] = {
            "view": self._view,
            # parked.py: an unsubscribed call's state is kept for a resubscribe.
            "subscribe": functools.partial(parked.subscribe, engine),
            "unsubscribe": functools.partial(parked.unsubscribe, engine),
            "live_conversations": engine.live_conversations,
            "pause": self._sync(engine.pause),
            "resume": self._sync(engine.resume),
            "reset_context": self._sync(engine.reset_context),
            "flush_audit": self._sync(engine.audit.flush),
            "acknowledge": self._sync(engine.acknowledge),
            "ended_conversations": self._sync(engine.ended_conversations),
            "reopen": self._sync(engine.reopen),
        }
        assert set(self.handlers) == COMMANDS

    @staticmethod
    def _sync(call: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
        async def run(*args: Any) -> Any:
            return call(*args)

        return run

    async def _view(self, selected: str | None, rows: bool, known_version: int | None) -> Any:
        return take_view(self.engine, selected, rows=rows, known_version=known_version)

    def start(self, request_id: int, command: str, args: tuple[Any, ...]) -> None:
        task = asyncio.create_task(self._answer(request_id, command, args))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _answer(self, request_id: int, command: str, args: tuple[Any, ...]) -> None:
        handler = self.handlers.get(command)
        try:
            if handler is None:
                raise ValueError(f"unknown request {command!r}")
            result = await handler(*args)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every failure goes back to the dashboard, named
            write_message(self.writer, ("error", request_id, reason_of(exc)))
        else:
            write_message(self.writer, ("result", request_id, result))
        with contextlib.suppress(ConnectionError):
            await self.writer.drain()


async def _requests(reader: asyncio.StreamReader, answering: _Answering) -> None:
    """Dispatch requests until the dashboard closes the socket (its way of saying stop)."""
    while True:
        try:
            kind, request_id, args = await read_message(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            return  # the dashboard has gone (or closed us on purpose)
        answering.start(request_id, kind, tuple(args))


async def serve(sock: socket.socket) -> int:
    """Host one engine for the dashboard at the other end of ``sock``."""
    reader, writer = await asyncio.open_connection(sock=sock)
    settings, log_level = await read_message(reader)
    assert isinstance(settings, Settings)
    setup_logging(log_level)
    audit_path, outbox_path = store_paths(settings)
    with contextlib.ExitStack() as stores:
        try:
            audit = open_store(audit_path, settings.audit)
            stores.callback(audit.close)
            outbox = Outbox(outbox_path)
            stores.callback(outbox.close)
        except Exception as exc:  # e.g. a data directory that cannot be written
            log.exception("the engine's stores could not be opened")
            write_message(writer, ("stopped", 0, f"cannot open {audit_path.parent}: {exc}"))
            await _drain_and_close(writer)
            return 1
        status = await _host(settings, audit, outbox, reader, writer)
    await _drain_and_close(writer)
    return status


async def _drain_and_close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, TimeoutError):
        await asyncio.wait_for(writer.drain(), 2)  # the dashboard may have gone
    writer.close()


async def _host(
    settings: Settings,
    audit: AuditStore,
    outbox: Outbox,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
) -> int:
    """Run the platform and the engine until the dashboard closes the socket."""
    status = 0
    try:
        async with open_platform(settings) as platform:
            engine = AssistEngine(settings, platform, audit=audit, outbox=outbox)
            recorder = recording.attach(engine, settings.record, platform.source)  # replay FILE
            write_message(writer, ("started", platform.label, audit.path))
            await writer.drain()
            answering = _Answering(engine, writer)
            runner = asyncio.create_task(engine.run(), name="engine")
            listener = asyncio.create_task(_requests(reader, answering), name="engine-requests")
            await asyncio.wait({runner, listener}, return_when=asyncio.FIRST_COMPLETED)
            for task in (listener, runner, *answering.tasks):
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            try:
                await runner
            except asyncio.CancelledError:
                pass  # stopped by the dashboard: the normal end
            except Exception as exc:
                log.exception("the engine stopped")
                write_message(writer, ("stopped", 0, f"{type(exc).__name__}: {exc}"))
                status = 1
            finally:
                if recorder is not None:
                    recorder.close()
    except Exception as exc:  # the platform could not be opened (credentials, network)
        log.exception("the engine could not start")
        write_message(writer, ("stopped", 0, f"{type(exc).__name__}: {exc}"))
        status = 1
    return status


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python -m assist_tui.engine.host FD (started by assist-tui)", file=sys.stderr)
        return 2
    # Ctrl+C belongs to the dashboard: it closes this process in order (audit flushed).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Keys before throughput: when the machine is busy the scheduler lets the dashboard
    # run first. The dashboard mostly sleeps, so the engine loses little by it.
    with contextlib.suppress(OSError):
        os.nice(ENGINE_NICENESS)
    sock = socket.socket(fileno=int(args[0]))
    return asyncio.run(serve(sock))


if __name__ == "__main__":
    raise SystemExit(main())
