"""The emulator's platform profile and channel lifecycle, as Genesys Cloud behaves:
finals in groups, status-only messages, socket_closing well ahead, token expiry and
revocation on the socket, eviction of channels without a connection first."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import websockets

from assist_tui.emulator.server import EmulatorServer

from .conftest import emulator_settings

Frames = list[dict[str, Any]]


@contextlib.asynccontextmanager
async def platform_emulator(**changes: object) -> AsyncIterator[EmulatorServer]:
    settings = emulator_settings(
        timing="platform", group_window_s=1.5, status_interval_s=0.3, **changes
    )
    async with EmulatorServer(settings) as server:
        yield server


async def token(server: EmulatorServer) -> str:
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            server.url + "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(server.client_id, server.client_secret),
        )
    return str(answer.json()["access_token"])


async def channel(server: EmulatorServer, bearer: str, topics: list[str]) -> dict[str, Any]:
    async with httpx.AsyncClient(
        base_url=server.url, headers={"Authorization": f"Bearer {bearer}"}
    ) as http:
        made = (await http.post("/api/v2/notifications/channels")).json()
        if topics:
            await http.post(
                f"/api/v2/notifications/channels/{made['id']}/subscriptions",
                json=[{"id": t} for t in topics],
            )
    return dict(made)


async def read_until(ws: Any, done: Callable[[Frames], bool], frames: Frames) -> Frames:
    with contextlib.suppress(websockets.ConnectionClosed):
        async with asyncio.timeout(20):
            while not done(frames):
                frames.append(json.loads(await ws.recv()))
    return frames


async def test_finals_only_in_groups_with_status_messages() -> None:
    async with platform_emulator() as server:
        director = server.emulator.director
        call = director.prepare("billing-dispute")
        made = await channel(
            server, await token(server), [f"v2.conversations.{call.conversation_id}.transcription"]
        )
        async with websockets.connect(made["connectUri"]) as ws:
            director.start(call)
            frames = await read_until(
                ws,
                lambda fs: any(
                    f["eventBody"].get("status", {}).get("status") == "SESSION_ENDED" for f in fs
                ),
                [],
            )
    bodies = [f["eventBody"] for f in frames if f["topicName"].endswith(".transcription")]
    transcripts = [t for b in bodies for t in b["transcripts"]]
    assert transcripts and all(t["isFinal"] for t in transcripts)  # no partials
    assert len(transcripts) == len(call.finals_sent)  # every final, once
    assert any(len(b["transcripts"]) > 1 for b in bodies)  # published in groups
    assert len([b for b in bodies if b["transcripts"]]) < len(transcripts)
    status_only = [b for b in bodies if not b["transcripts"]][:-1]  # the last is SESSION_ENDED
    assert bodies[0]["transcripts"] == []  # at the start of the session
    assert all(b["status"]["status"] == "SESSION_ONGOING" for b in status_only)
    assert len(status_only) >= 2  # and again while it lasts


async def test_socket_closing_warns_ahead_and_the_socket_keeps_working() -> None:
    async with platform_emulator() as server:
        made = await channel(server, await token(server), [])
        async with websockets.connect(made["connectUri"]) as ws:
            await ws.recv()  # a heartbeat: connected
            server.emulator.inject("socket-closing")
            frames = await read_until(
                ws,
                lambda fs: (
                    any(f["topicName"] == "v2.system.socket_closing" for f in fs)
                    and fs[-1]["topicName"] == "channel.metadata"
                ),
                [],
            )
    # A heartbeat came on the same socket after the warning: it was not closed at once.
    assert frames[-1]["eventBody"]["message"] == "WebSocket Heartbeat"
    assert server.emulator.socket_closing_lead_s == 60.0


async def test_token_expiry_reaches_the_socket() -> None:
    async with platform_emulator(token_lifetime_s=1) as server:
        made = await channel(server, await token(server), [])
        async with websockets.connect(made["connectUri"]) as ws:
            frames = await read_until(
                ws, lambda fs: bool(fs) and fs[-1]["topicName"] != "channel.metadata", []
            )
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
    assert frames[-1]["topicName"] == f"v2.system.no_longer_subscribed.{made['id']}"
    assert frames[-1]["eventBody"]["systemTopicType"] == "no_longer_subscribed"
    assert made["id"] not in server.emulator.hub.channels


async def test_the_21st_channel_evicts_channels_without_a_connection_first() -> None:
    async with platform_emulator() as server:
        bearer = await token(server)
        made = [await channel(server, bearer, []) for _ in range(20)]
        async with websockets.connect(made[0]["connectUri"]) as ws:
            await ws.recv()
            await channel(server, bearer, [])
            channels = server.emulator.hub.channels
            assert made[0]["id"] in channels  # the oldest, but connected: kept
            assert made[1]["id"] not in channels  # the oldest without a connection: evicted
            assert len(channels) == 20


def test_emulator_command_takes_the_timing_profile() -> None:
    from assist_tui.cli import _load, build_parser

    args = build_parser().parse_args(["emulator", "--timing", "platform", "--group-window", "20"])
    emulator = _load(args).settings.emulator
    assert (emulator.timing, emulator.group_window_s) == ("platform", 20.0)
    assert _load(build_parser().parse_args(["emulator"])).settings.emulator.timing == "live"
