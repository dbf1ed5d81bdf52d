"""OAuth tokens and REST retries against the emulator's real HTTP endpoints."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from assist_tui.emulator.server import EmulatorServer
from assist_tui.genesys.auth import ClientCredentials, TokenProvider
from assist_tui.genesys.discovery import discover_live
from assist_tui.genesys.errors import (
    AuthenticationError,
    GenesysNetworkError,
    PermissionDeniedError,
    RateLimitedError,
)
from assist_tui.genesys.session import GenesysSession

from .conftest import emulator_settings, session_for


async def test_token_is_cached_then_refreshed_before_expiry() -> None:
    async with EmulatorServer(emulator_settings(token_lifetime_s=1)) as server:
        async with session_for(server) as session:
            first = await session.tokens.token()
            assert await session.tokens.token() == first
            assert session.tokens.fetches == 1
            # Lifetime 1 s, refreshed 20 % early: after 0.85 s a new token is due.
            await asyncio.sleep(0.85)
            second = await session.tokens.token()
            assert second != first
            assert session.tokens.fetches == 2
            # The new token works for API calls.
            await session.api.json("POST", "/api/v2/notifications/channels")


async def test_concurrent_callers_share_one_refresh(session: GenesysSession) -> None:
    tokens = await asyncio.gather(*(session.tokens.token() for _ in range(25)))
    assert len(set(tokens)) == 1
    assert session.tokens.fetches == 1


async def test_429_honours_retry_after_then_succeeds(emulator: EmulatorServer) -> None:
    emulator.emulator.throttle_tokens(2, retry_after_s=0.1)
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    async with httpx.AsyncClient(timeout=5) as http:
        provider = TokenProvider(
            http,
            emulator.url,
            ClientCredentials(emulator.client_id, emulator.client_secret),
            sleep=fake_sleep,
        )
        assert await provider.token()
    assert slept == [0.1, 0.1]
    assert emulator.emulator.requests["token"] == 3


async def test_429_beyond_the_retry_budget_is_a_typed_error(emulator: EmulatorServer) -> None:
    emulator.emulator.throttle_tokens(5, retry_after_s=0)
    async with httpx.AsyncClient(timeout=5) as http:
        provider = TokenProvider(
            http,
            emulator.url,
            ClientCredentials(emulator.client_id, emulator.client_secret),
            max_retries=2,
        )
        with pytest.raises(RateLimitedError) as info:
            await provider.token()
    assert "429" in str(info.value) and info.value.retry_after_s == 0


async def test_bad_credentials_name_the_client_never_the_secret(emulator: EmulatorServer) -> None:
    async with session_for(emulator, secret="wrong-secret-value") as session:
        with pytest.raises(AuthenticationError) as info:
            await session.tokens.token()
    text = str(info.value)
    assert emulator.client_id in text and "GENESYS_CLIENT_SECRET" in text
    assert "wrong-secret-value" not in text


async def test_403_names_the_missing_permission(emulator: EmulatorServer) -> None:
    async with session_for(emulator, client_id="assist-tui-limited") as session:
        with pytest.raises(PermissionDeniedError) as info:
            await discover_live(session.api)
    assert info.value.missing == ("analytics:conversationDetail:view",)
    assert "analytics:conversationDetail:view" in str(info.value)
    assert "403" in str(info.value)


async def test_401_mid_session_refreshes_the_token_once(
    session: GenesysSession, emulator: EmulatorServer
) -> None:
    await session.api.json("POST", "/api/v2/notifications/channels")
    assert emulator.emulator.revoke_tokens() == 1
    await session.api.json("POST", "/api/v2/notifications/channels")
    assert session.tokens.fetches == 2


async def test_api_429_honours_retry_after(emulator: EmulatorServer) -> None:
    from assist_tui.genesys.rest import GenesysApi

    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    emulator.emulator.throttle_api(2, retry_after_s=0.25)
    async with session_for(emulator) as session:
        api = GenesysApi(
            session.http, emulator.url, session.tokens, max_retries=3, sleep=fake_sleep
        )
        await api.json("POST", "/api/v2/notifications/channels")
        assert slept == [0.25, 0.25] and api.rate_limited == 2
        emulator.emulator.throttle_api(9, retry_after_s=0)
        with pytest.raises(RateLimitedError, match="429"):
            await api.json("POST", "/api/v2/notifications/channels")


async def test_unreachable_host_is_a_network_error() -> None:
    from assist_tui.config import GenesysSettings

    settings = GenesysSettings(
        api_base_url="http://127.0.0.1:9", login_base_url="http://127.0.0.1:9", request_timeout_s=2
    )
    async with GenesysSession(settings, credentials=ClientCredentials("id", "s3cret-value")) as s:
        with pytest.raises(GenesysNetworkError) as info:
            await s.tokens.token()
    assert "127.0.0.1:9" in str(info.value) and "s3cret-value" not in str(info.value)


async def test_secrets_never_in_repr_or_logs(
    emulator: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with session_for(emulator) as session:
        token = await session.tokens.token()
        await session.api.json("POST", "/api/v2/notifications/channels")
        shown = repr(session.tokens) + repr(session._credentials)
    assert emulator.client_secret not in shown and token not in shown
    assert emulator.client_secret not in caplog.text and token not in caplog.text
