"""One authenticated connection to a platform: HTTP client, tokens, REST API, streams."""

from __future__ import annotations

from types import TracebackType

import httpx

from assist_tui.config import DialectSettings, GenesysSettings, StreamSettings
from assist_tui.genesys.auth import ClientCredentials, TokenProvider
from assist_tui.genesys.dialect_stream import DialectStream, make_dialect
from assist_tui.genesys.feed import EventFeed
from assist_tui.genesys.notifications import NotificationStream
from assist_tui.genesys.rest import GenesysApi


class GenesysSession:
    """``async with GenesysSession(settings) as session:`` gives ``session.api``.

    The HTTP client has explicit timeouts; the token is fetched lazily on first use.
    """

    def __init__(
        self,
        settings: GenesysSettings,
        *,
        credentials: ClientCredentials | None = None,
    ) -> None:
        self.settings = settings
        self._credentials = credentials or ClientCredentials(
            settings.client_id, settings.client_secret
        )
        timeout = httpx.Timeout(
            settings.request_timeout_s, connect=min(5.0, settings.request_timeout_s)
        )
        self.http = httpx.AsyncClient(
            timeout=timeout,
            headers={"User-Agent": "assist-tui"},
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        )
        self.tokens = TokenProvider(
            self.http,
            settings.login_url,
            self._credentials,
            max_retries=settings.max_retries,
        )
        self.api = GenesysApi(
            self.http, settings.api_url, self.tokens, max_retries=settings.max_retries
        )
        # Further OAuth clients of the org: more channels (genesys/topic_room.py).
        self.extra_apis = [
            GenesysApi(
                self.http,
                settings.api_url,
                TokenProvider(
                    self.http,
                    settings.login_url,
                    ClientCredentials(extra.client_id, extra.client_secret),
                    max_retries=settings.max_retries,
                ),
                max_retries=settings.max_retries,
            )
            for extra in settings.extra_clients
        ]

    def notifications(self, stream_settings: StreamSettings) -> NotificationStream:
        return NotificationStream(self.api, stream_settings, extra_apis=self.extra_apis)

    def open_stream(
        self, stream_settings: StreamSettings, dialect_settings: DialectSettings | None = None
    ) -> EventFeed:
        """The stream ``stream_settings.source`` names: Notifications or a seed dialect."""
        if stream_settings.source == "notifications":
            return self.notifications(stream_settings)
        dialect = make_dialect(stream_settings.source, dialect_settings or DialectSettings())
        ws_base = self.settings.api_url.replace("https://", "wss://", 1).replace(
            "http://", "ws://", 1
        )
        return DialectStream(self.api, stream_settings, dialect, ws_base)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> GenesysSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
