"""Platform errors are never fatal mid-run: 429 storms, 5xx and network errors are waited
out; only errors retrying cannot fix end a command."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import httpx
import pytest

from assist_tui.config import Settings
from assist_tui.emulator.server import EmulatorServer
from assist_tui.genesys.backoff import Backoff
from assist_tui.genesys.errors import (
    ApiError,
    AuthenticationError,
    GenesysNetworkError,
    PermissionDeniedError,
    RateLimitedError,
)
from assist_tui.genesys.rest import GenesysApi
from assist_tui.genesys.retry import is_transient, persist

from .conftest import emulator_settings


class _Tokens:
    def __init__(self) -> None:
        self.invalidated = 0

    async def token(self) -> str:
        return "t0ken"

    def invalidate(self, token: str | None = None) -> None:
        self.invalidated += 1


async def _no_sleep(_: float) -> None:
    return None


def test_transient_errors_are_told_apart() -> None:
    assert is_transient(RateLimitedError("x", 1.0))
    assert is_transient(GenesysNetworkError("x"))
    assert is_transient(ApiError("x", 503))
    assert not is_transient(ApiError("x", 400))
    assert not is_transient(AuthenticationError("x"))
    assert not is_transient(PermissionDeniedError("x"))


async def test_persist_waits_retry_after_and_backs_off_until_success() -> None:
    slept: list[float] = []
    failures: list[Exception] = [
        RateLimitedError("429", 3.0),
        ApiError("503", 503),
        GenesysNetworkError("down"),
    ] * 20

    async def call() -> str:
        if failures:
            raise failures.pop(0)
        return "ok"

    async def sleep(s: float) -> None:
        slept.append(s)

    backoff = Backoff(0.1, 2.0)
    assert await persist(call, "test", backoff=backoff, sleep=sleep) == "ok"
    assert len(slept) == 60  # no small retry count: it goes on as long as the run
    assert slept[0::3] == [3.0] * 20  # the platform's Retry-After, exactly
    assert all(0 <= s <= 2.0 for i, s in enumerate(slept) if i % 3)


async def test_persist_raises_what_retrying_cannot_fix_at_once() -> None:
    calls = 0

    async def call() -> None:
        nonlocal calls
        calls += 1
        raise AuthenticationError("refused even with a fresh token")

    with pytest.raises(AuthenticationError):
        await persist(call, "test", sleep=_no_sleep)
    assert calls == 1


async def test_rest_retries_5xx_and_network_errors() -> None:
    answers: list[Any] = [httpx.ConnectError("refused"), 503, 502, 200]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        body = {"ok": True} if answer == 200 else {"message": "busy", "code": "x"}
        return httpx.Response(answer, json=body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        api = GenesysApi(http, "http://127.0.0.1:1", _Tokens(), sleep=_no_sleep)  # type: ignore[arg-type]
        assert await api.json("GET", "/api/v2/x") == {"ok": True}
        assert answers == []
        answers.extend([503] * 10)
        with pytest.raises(ApiError) as info:  # bounded for a one-shot call
            await api.json("GET", "/api/v2/x")
        assert info.value.status == 503


def _settings(server: EmulatorServer, tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {
            "genesys": {
                "client_id": server.client_id,
                "client_secret": server.client_secret,
                "api_base_url": server.url,
                "login_base_url": server.url,
                "max_retries": 2,
            },
            "stream": {"heartbeat_interval_s": 0.2, "backoff_base_s": 0.05},
            "quality": {"poll_interval_s": 0.1},
            "audit": {"path": str(tmp_path / "audit.sqlite3"), "flush_interval_s": 0.05},
        }
    )


async def _storm_during(
    server: EmulatorServer, run: asyncio.Task[int], out: io.StringIO, calls: int
) -> None:
    """Wait until the command runs, then answer the next ``calls`` API calls with 429."""
    while "connected" not in out.getvalue() and not run.done():
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)
    server.emulator.throttle_api(calls, retry_after_s=0.03)
    while server.emulator.faults.api_429_remaining > 0 and not run.done():
        await asyncio.sleep(0.02)


async def test_429_storm_mid_stream_ends_neither_headless_nor_tail(tmp_path: Path) -> None:
    from assist_tui.headless import run_headless
    from assist_tui.tail import TailOptions, run_tail

    async with EmulatorServer(emulator_settings(concurrent=3, speed=10.0)) as server:
        rotate = asyncio.create_task(server.emulator.director.rotate(3))
        try:
            settings = _settings(server, tmp_path)
            out, err = io.StringIO(), io.StringIO()
            tail = asyncio.create_task(
                run_tail(settings, TailOptions([], finals_only=True, duration_s=10.0), out, err)
            )
            # tail makes API calls only as calls come and go: a storm it can drain in time
            # on a loaded machine (the headless run below takes 50, with media polls).
            await _storm_during(server, tail, err, 20)
            storm_over_at = len(out.getvalue().splitlines())
            assert await asyncio.wait_for(tail, 30) == 0
            assert server.emulator.requests.get("api_429", 0) == 20
            assert len(out.getvalue().splitlines()) > storm_over_at  # still following

            hout = io.StringIO()
            headless = asyncio.create_task(
                run_headless(settings, interval_s=0.5, duration_s=6.0, out=hout)
            )
            while "assist-tui engine" not in hout.getvalue():
                await asyncio.sleep(0.02)
            await asyncio.sleep(1.0)
            server.emulator.throttle_api(50, retry_after_s=0.03)
            assert await asyncio.wait_for(headless, 40) == 0
            assert server.emulator.faults.api_429_remaining == 0
            final = next(line for line in hout.getvalue().splitlines() if line.startswith("final:"))
            assert "finals 0 " not in final
        finally:
            rotate.cancel()
