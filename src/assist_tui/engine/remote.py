"""The dashboard's side of the engine process: start it, ask it for views and commands,
close it in order. An ``EngineLink``; the dashboard cannot tell it from a local engine."""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import sys
from collections import deque
from pathlib import Path
from typing import Any

from assist_tui.config import Settings
from assist_tui.engine.ipc import COMMANDS, read_message, write_message
from assist_tui.engine.link import EngineCommandError, EngineStopped
from assist_tui.engine.snapshot import ConversationRow, EngineView
from assist_tui.model import LiveConversation, SubscriptionRejected

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 10.0  # the engine flushes its audit and outbox before it exits


class EngineProcess:
    """A running engine process. ``await EngineProcess.start(settings)``, then ``run()``
    until it ends; requests may be made meanwhile; ``close()`` ends it."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        label: str,
        audit_path: Path,
        stderr: asyncio.Task[list[str]],
    ) -> None:
        self.process = process
        self.label = label
        self.audit_path = audit_path
        self._reader = reader
        self._writer = writer
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._stderr_task = stderr
        self._stopped: str | None = None

    @classmethod
    async def start(cls, settings: Settings) -> EngineProcess:
        """Start the process and wait until its engine exists (spaCy loads after that)."""
        ours, theirs = socket.socketpair()
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "assist_tui.engine.host",
                str(theirs.fileno()),
                pass_fds=(theirs.fileno(),),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
        finally:
            theirs.close()  # the child has its own copy
        reader, writer = await asyncio.open_connection(sock=ours)
        level = logging.getLevelName(logging.getLogger("assist_tui").getEffectiveLevel())
        write_message(writer, (settings, level))
        await writer.drain()
        stderr = asyncio.create_task(cls._collect_stderr(process))
        try:
            kind, first, second = await read_message(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            await process.wait()
            tail = await stderr
            said = f": {tail[-1]}" if tail else ""
            raise EngineStopped(
                f"the engine process exited with status {process.returncode} before starting{said}"
            ) from None
        if kind != "started":
            writer.close()
            await process.wait()
            await stderr
            raise EngineStopped(str(second))
        return cls(process, reader, writer, str(first), Path(second), stderr)

    @staticmethod
    async def _collect_stderr(process: asyncio.subprocess.Process) -> list[str]:
        # Drained so the child never blocks on a full pipe; the tail explains a crash.
        tail: deque[str] = deque(maxlen=20)
        assert process.stderr is not None
        async for raw in process.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            tail.append(line)
            log.warning("engine process: %s", line)
        return list(tail)

    async def run(self) -> None:
        """Deliver replies until the process ends; raises ``EngineStopped`` if it failed."""
        reason: str | None = None
        try:
            while True:
                try:
                    kind, request_id, value = await read_message(self._reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    break
                if kind == "stopped":
                    reason = str(value)
                    continue
                future = self._pending.pop(request_id, None)
                if future is None or future.done():
                    continue  # its requester gave up waiting
                if kind == "result":
                    future.set_result(value)
                else:
                    future.set_exception(EngineCommandError(str(value)))
        finally:
            returncode = await self.process.wait()
            tail = await self._stderr_task
            if reason is None and returncode not in (0, None):
                reason = f"exit status {returncode}" + (f": {tail[-1]}" if tail else "")
            self._stopped = reason or "the engine process ended"
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(EngineStopped(self._stopped))
            self._pending.clear()
        if reason is not None:
            raise EngineStopped(reason)

    async def close(self) -> None:
        """End the engine: closing the socket stops it (it flushes audit and outbox and
        exits). Nothing is left for it to write to, so it cannot block on a reader that
        has stopped reading."""
        self._writer.close()
        if self.process.returncode is None:
            try:
                await asyncio.wait_for(self.process.wait(), CLOSE_TIMEOUT_S)
            except TimeoutError:
                log.error("the engine process did not stop within %s s; killed", CLOSE_TIMEOUT_S)
                self.process.kill()
                await self.process.wait()

    async def _call(self, command: str, *args: Any) -> Any:
        assert command in COMMANDS
        if self._stopped is not None:
            raise EngineStopped(self._stopped)
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            write_message(self._writer, (command, request_id, args))
            await self._writer.drain()
            return await future
        except ConnectionError as exc:
            raise EngineStopped(f"the engine process is gone ({exc})") from exc
        finally:
            self._pending.pop(request_id, None)

    # -- the EngineLink API -----------------------------------------------------------------
    async def view(
        self, selected: str | None, *, rows: bool = True, known_version: int | None = None
    ) -> EngineView:
        view = await self._call("view", selected, rows, known_version)
        assert isinstance(view, EngineView)
        return view

    async def subscribe(self, conversation_ids: list[str]) -> list[SubscriptionRejected]:
        return list(await self._call("subscribe", list(conversation_ids)))

    async def unsubscribe(self, conversation_ids: list[str]) -> None:
        await self._call("unsubscribe", list(conversation_ids))

    async def live_conversations(self) -> list[LiveConversation]:
        return list(await self._call("live_conversations"))

    async def pause(self, conversation_id: str | None = None) -> None:
        await self._call("pause", conversation_id)

    async def resume(self, conversation_id: str | None = None) -> None:
        await self._call("resume", conversation_id)

    async def reset_context(self, conversation_id: str) -> None:
        await self._call("reset_context", conversation_id)

    async def flush_audit(self) -> None:
        await self._call("flush_audit")

    async def acknowledge(self, alert_id: str, actor: str) -> None:
        await self._call("acknowledge", alert_id, actor)

    async def ended_conversations(self) -> list[ConversationRow]:
        return list(await self._call("ended_conversations"))

    async def reopen(self, conversation_id: str) -> None:
        await self._call("reopen", conversation_id)
