"""Authenticated REST calls to the Genesys Cloud API with the platform's retry rules.

429 honours ``Retry-After`` and 5xx and network errors back off, each a bounded number
of times (loops that run for the whole run retry for longer through ``retry.persist``);
401 drops the token and retries once; everything else becomes a typed error.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

import httpx

from assist_tui.genesys.auth import Sleep, TokenProvider
from assist_tui.genesys.backoff import Backoff
from assist_tui.genesys.errors import AuthenticationError, ProtocolError, RateLimitedError
from assist_tui.genesys.http_errors import network_error, raise_for_answer, retry_after_seconds

log = logging.getLogger(__name__)


class GenesysApi:
    """A thin client over ``httpx.AsyncClient``: bearer auth, retries, typed errors."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_url: str,
        tokens: TokenProvider,
        *,
        max_retries: int = 4,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._http = http
        self.api_url = api_url.rstrip("/")
        self._host = urlsplit(api_url).netloc
        self.tokens = tokens
        self._max_retries = max_retries
        self._sleep = sleep
        self.rate_limited = 0  # 429 answers seen; for metrics

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        what: str | None = None,
    ) -> httpx.Response:
        """Send one call; return the successful response or raise a typed error."""
        what = what or f"{method} {path}"
        url = self.api_url + path
        retried_auth = False
        attempts = 0
        failures = Backoff(0.25, 4.0)  # 5xx and network errors: short, jittered waits
        while True:
            token = await self.tokens.token()
            try:
                response = await self._http.request(
                    method,
                    url,
                    json=json,
                    params=params,
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                )
            except httpx.TransportError as exc:
                if failures.attempt >= self._max_retries:
                    raise network_error(exc, self._host) from None
                delay = failures.next_delay()
                log.warning(
                    "%s: network error (%s); retrying in %.1f s", what, type(exc).__name__, delay
                )
                await self._sleep(delay)
                continue
            if response.status_code >= 500 and failures.attempt < self._max_retries:
                delay = failures.next_delay()
                log.warning("%s answered %d; retrying in %.1f s", what, response.status_code, delay)
                await self._sleep(delay)
                continue
            if response.status_code == 401 and not retried_auth:
                # The token may have been revoked or expired early: fetch a new one, once.
                log.info("%s answered 401; fetching a new token and retrying once", what)
                self.tokens.invalidate(token)
                retried_auth = True
                continue
            if response.status_code == 401:
                raise AuthenticationError(
                    f"{what} was refused (401) even with a fresh token; fix: check that the "
                    "OAuth client is active and uses the client-credentials grant"
                )
            if response.status_code == 429:
                self.rate_limited += 1
                attempts += 1
                delay = retry_after_seconds(response)
                if attempts > self._max_retries:
                    raise RateLimitedError(
                        f"{what} is rate limited (429) after {self._max_retries} retries; "
                        f"fix: wait {delay:.0f} s or lower the request rate",
                        delay,
                    )
                log.warning("%s rate limited; retrying in %.1f s", what, delay)
                await self._sleep(delay)
                continue
            raise_for_answer(response, what)
            return response

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """``request`` and decode the JSON body (``None`` for an empty body)."""
        response = await self.request(method, path, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ProtocolError(f"{method} {path} answered with a body that is not JSON") from None

    async def presigned_json(self, url: str, *, what: str) -> Any:
        """GET a pre-signed URL and decode its JSON. No bearer token is sent: the URL
        carries its own signature and points at a storage host, not the API."""
        try:
            response = await self._http.get(url, headers={"Accept": "application/json"})
        except httpx.TransportError as exc:
            raise network_error(exc, urlsplit(url).netloc) from None
        raise_for_answer(response, what)
        try:
            return response.json()
        except ValueError:
            raise ProtocolError(f"{what} answered with a body that is not JSON") from None
