"""Open the platform the settings point at: Genesys Cloud, or the built-in emulator (demo).

Production and demo share every code path above the socket: only the URLs differ.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from assist_tui.config import DialectSettings, Settings, StreamSettings
from assist_tui.emulator.server import EmulatorServer
from assist_tui.genesys.auth import ClientCredentials
from assist_tui.genesys.feed import EventFeed
from assist_tui.genesys.session import GenesysSession


@dataclass
class Platform:
    """What a command works with: the session, a label for people, the emulator if any."""

    session: GenesysSession
    label: str
    stream_settings: StreamSettings
    emulator: EmulatorServer | None = None
    dialect_settings: DialectSettings = field(default_factory=DialectSettings)

    @property
    def is_demo(self) -> bool:
        return self.emulator is not None

    @property
    def source(self) -> str:
        return self.stream_settings.source

    def open_stream(self) -> EventFeed:
        """The configured stream (not yet connected): ``async with platform.open_stream()``."""
        return self.session.open_stream(self.stream_settings, self.dialect_settings)


@contextlib.asynccontextmanager
async def open_platform(settings: Settings) -> AsyncIterator[Platform]:
    """Start the emulator in-process when in demo mode; yield a ready session."""
    if not settings.use_emulator:
        genesys = settings.genesys
        async with GenesysSession(genesys) as session:
            yield Platform(
                session,
                genesys.resolved_region.name,
                settings.stream,
                dialect_settings=settings.dialect,
            )
        return
    async with EmulatorServer(settings.emulator) as server:
        genesys = settings.genesys.model_copy(
            update={"api_base_url": server.url, "login_base_url": server.url}
        )
        credentials = ClientCredentials(server.client_id, server.client_secret)
        # The demo's heartbeat period is the emulator's, whatever the file says.
        stream = settings.stream.model_copy(
            update={"heartbeat_interval_s": settings.emulator.heartbeat_interval_s}
        )
        async with GenesysSession(genesys, credentials=credentials) as session:
            yield Platform(
                session,
                f"DEMO {server.url}",
                stream,
                emulator=server,
                dialect_settings=settings.dialect,
            )
