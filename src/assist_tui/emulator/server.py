"""Run the emulator on loopback inside the current event loop (uvicorn), start to stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from types import TracebackType

import uvicorn

from assist_tui.config import EmulatorSettings
from assist_tui.emulator.app import build_app
from assist_tui.emulator.board_scenarios import BOARD_SCENARIOS
from assist_tui.emulator.core import Emulator
from assist_tui.emulator.digital_scenarios import DIGITAL_SCENARIOS
from assist_tui.emulator.scenarios import SCENARIOS
from assist_tui.emulator.tokens import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

log = logging.getLogger(__name__)


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers: the host program owns Ctrl-C and SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class EmulatorServer:
    """``async with EmulatorServer(settings) as server:`` serves on ``server.url``.

    With ``settings.concurrent > 0`` it keeps that many scripted calls live.
    """

    client_id = DEMO_CLIENT_ID
    client_secret = DEMO_CLIENT_SECRET

    def __init__(self, settings: EmulatorSettings | None = None) -> None:
        self.settings = settings or EmulatorSettings()
        self.emulator = Emulator(self.settings)
        self._server: _EmbeddedServer | None = None
        self._serve_task: asyncio.Task[None] | None = None
        self._show_task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return self.emulator.base_url

    async def start(self) -> None:
        config = uvicorn.Config(
            build_app(self.emulator),
            host=self.settings.host,
            port=self.settings.port,
            ws="websockets-sansio",
            lifespan="off",
            log_config=None,
            access_log=False,
            ws_max_size=1 << 20,
            timeout_graceful_shutdown=2,
        )
        self._server = _EmbeddedServer(config)
        self._serve_task = asyncio.create_task(self._server.serve(), name="emulator-http")
        while not self._server.started:
            if self._serve_task.done():
                # Bind failures end serve() early; surface them instead of hanging.
                await self._serve_task
                raise OSError(
                    f"the emulator could not listen on {self.settings.host}:{self.settings.port}"
                )
            await asyncio.sleep(0.005)
        sock = self._server.servers[0].sockets[0]
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        self.emulator.base_url = f"http://{shown}:{port}"
        log.info("emulator listening on %s", self.emulator.base_url)
        if self.settings.concurrent > 0:
            names = list(SCENARIOS) + (list(DIGITAL_SCENARIOS) if self.settings.digital else [])
            names += list(BOARD_SCENARIOS)  # last: the first calls of a demo stay as they were
            self._show_task = asyncio.create_task(
                self.emulator.director.rotate(self.settings.concurrent, names),
                name="emulator-rotation",
            )

    def run_load(self, conversations: int, rate: float) -> asyncio.Task[None]:
        """Start synthetic load in the background; cancel the task to stop it."""
        return asyncio.create_task(self.emulator.director.load(conversations, rate))

    async def stop(self) -> None:
        if self._show_task is not None:
            self._show_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._show_task
        await self.emulator.director.aclose()
        for conn in self.emulator.connections():
            conn.close(1001, "emulator shutting down")
        # Let socket handlers finish their close before the server stops under them.
        for _ in range(100):
            if not self.emulator.connections():
                break
            await asyncio.sleep(0.01)
        if self._server is not None and self._serve_task is not None:
            self._server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self._serve_task

    async def __aenter__(self) -> EmulatorServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
