"""Fixtures of the conformance suite: the emulator on each timing profile, an SDK client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from assist_tui.emulator.server import EmulatorServer

from ..conftest import emulator_settings
from ..quiet_sdk import sdk

PROFILES = ("live", "platform")


@dataclass
class Oracle:
    """The emulator and an SDK client holding a token the emulator issued."""

    server: EmulatorServer
    client: Any  # the SDK's ApiClient
    profile: str


@pytest.fixture(params=PROFILES)
async def oracle(request: pytest.FixtureRequest) -> AsyncIterator[Oracle]:
    settings = emulator_settings(timing=request.param, status_interval_s=0.5, group_window_s=0.3)
    async with EmulatorServer(settings) as server:
        client = sdk.ApiClient(host=server.url)
        # The SDK's own client-credentials call, pointed at the emulator's /oauth/token.
        await asyncio.to_thread(
            client.get_client_credentials_token, server.client_id, server.client_secret
        )
        assert client.access_token
        yield Oracle(server, client, request.param)
