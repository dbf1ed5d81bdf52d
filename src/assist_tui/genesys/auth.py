"""OAuth client-credentials tokens: fetched with a Basic header, cached, refreshed early.

One refresh is in flight at a time however many callers wait. Neither the secret nor a
token appears in any log line, exception or repr.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from assist_tui.genesys.errors import AuthenticationError, ProtocolError, RateLimitedError
from assist_tui.genesys.http_errors import (
    error_body,
    network_error,
    raise_for_answer,
    retry_after_seconds,
)

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class ClientCredentials:
    """An OAuth client id and secret; the secret is never shown."""

    __slots__ = ("_secret", "client_id")

    def __init__(self, client_id: str, client_secret: SecretStr | str) -> None:
        self.client_id = client_id
        self._secret = (
            client_secret if isinstance(client_secret, SecretStr) else SecretStr(client_secret)
        )

    def basic_header(self) -> str:
        raw = f"{self.client_id}:{self._secret.get_secret_value()}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, client_secret='**********')"


class TokenProvider:
    """Caches the access token and refreshes it ``margin`` seconds before it expires."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        login_url: str,
        credentials: ClientCredentials,
        *,
        refresh_margin_s: float = 60.0,
        max_retries: int = 4,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._http = http
        self._token_url = login_url.rstrip("/") + "/oauth/token"
        self._host = urlsplit(login_url).netloc
        self._credentials = credentials
        self._margin_s = refresh_margin_s
        self._max_retries = max_retries
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0
        self.fetches = 0  # how many tokens were obtained; for metrics and tests

    def __repr__(self) -> str:
        state = "cached" if self._token else "empty"
        return f"TokenProvider(host={self._host!r}, token={state})"

    async def token(self) -> str:
        """A valid access token, fetching a new one if none is cached or it is due."""
        if self._token is not None and self._clock() < self._refresh_at:
            return self._token
        async with self._lock:
            # Another caller may have refreshed while we waited for the lock.
            if self._token is not None and self._clock() < self._refresh_at:
                return self._token
            token, lifetime = await self._fetch()
            self._token = token
            margin = min(self._margin_s, lifetime * 0.2)
            self._refresh_at = self._clock() + max(lifetime - margin, 0.0)
            self.fetches += 1
            log.info("obtained an access token from %s valid for %.0f s", self._host, lifetime)
            return token

    def invalidate(self, token: str | None = None) -> None:
        """Drop the cached token (only if it is ``token``, when given): the platform refused it."""
        if token is None or token == self._token:
            self._token = None
            self._refresh_at = 0.0

    async def _fetch(self) -> tuple[str, float]:
        attempt = 0
        while True:
            try:
                response = await self._http.post(
                    self._token_url,
                    headers={
                        "Authorization": self._credentials.basic_header(),
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Accept": "application/json",
                    },
                    content=b"grant_type=client_credentials",
                )
            except httpx.TransportError as exc:
                raise network_error(exc, self._host) from None
            if response.status_code == 429:
                delay = retry_after_seconds(response)
                attempt += 1
                if attempt > self._max_retries:
                    raise RateLimitedError(
                        f"token requests to {self._host} are rate limited (429) after "
                        f"{self._max_retries} retries; fix: wait {delay:.0f} s, and check that "
                        "other tools do not share this OAuth client",
                        delay,
                    )
                log.warning("token request rate limited; retrying in %.1f s", delay)
                await self._sleep(delay)
                continue
            if response.status_code in (400, 401):
                body = error_body(response)
                reason = body.get("error_description") or body.get("error") or "refused"
                raise AuthenticationError(
                    f"{self._host} refused the client credentials for client id "
                    f"{self._credentials.client_id!r} ({response.status_code}: {reason}); "
                    "fix: check GENESYS_CLIENT_ID / GENESYS_CLIENT_SECRET and the region"
                )
            raise_for_answer(response, f"token request to {self._host}")
            return self._parse(response)

    def _parse(self, response: httpx.Response) -> tuple[str, float]:
        body = error_body(response)
        token = body.get("access_token")
        expires_in = body.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, (int, float)):
            raise ProtocolError(f"token answer from {self._host} lacks access_token/expires_in")
        return token, float(expires_in)
