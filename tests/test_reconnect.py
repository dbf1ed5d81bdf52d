"""Reconnects that keep up: backoff reset once a connection is proven, make-before-break
on socket_closing and channel expiry, data counted as proof of a live socket."""

from __future__ import annotations

import asyncio

from assist_tui.emulator.server import EmulatorServer
from assist_tui.genesys.discovery import transcription_topic
from assist_tui.genesys.notifications import NotificationStream
from assist_tui.model import StreamGap, StreamHealth, StreamState, UtteranceUpdate

from .conftest import Collector, emulator_settings, fast_stream, session_for


def connected(collector: Collector) -> int:
    return sum(1 for e in collector.of(StreamHealth) if e.state is StreamState.CONNECTED)


def reconnecting(collector: Collector) -> list[StreamHealth]:
    return [e for e in collector.of(StreamHealth) if e.state is StreamState.RECONNECTING]


def finals(collector: Collector, cid: str) -> set[str]:
    return {
        e.utterance_id
        for e in collector.of(UtteranceUpdate)
        if e.is_final and e.conversation_id == cid
    }


async def test_backoff_resets_once_each_connection_is_proven() -> None:
    async with EmulatorServer(emulator_settings(replay_window_s=0)) as server:
        async with session_for(server) as session:
            settings = fast_stream(backoff_base_s=0.05, backoff_cap_s=5.0, healthy_after_s=600)
            async with NotificationStream(session.api, settings) as stream:
                collector = Collector(stream)
                await stream.subscribe(
                    [transcription_topic("0b5a3e0e-1111-4222-8333-444455556666")]
                )
                for flap in range(1, 6):
                    await collector.wait_for(lambda _, n=flap: connected(collector) == n)
                    beats = stream.stats.heartbeats
                    await collector.wait_for(lambda _, b=beats: stream.stats.heartbeats > b)
                    server.emulator.drop_sockets()
                await collector.wait_for(lambda _: connected(collector) == 6)
                attempts = [e.attempt for e in reconnecting(collector) if e.attempt]
                # Without the reset the attempts would climb 1, 2, 3, 4, 5.
                assert attempts == [1] * 5
                assert all(
                    e.next_delay_s is not None and e.next_delay_s <= 0.05
                    for e in reconnecting(collector)
                    if e.attempt
                )
                await collector.stop()


async def test_unproven_connections_back_off_further() -> None:
    async with EmulatorServer(emulator_settings(replay_window_s=0)) as server:
        async with session_for(server) as session:
            settings = fast_stream(backoff_base_s=0.02, backoff_cap_s=0.5, healthy_after_s=600)
            async with NotificationStream(session.api, settings) as stream:
                collector = Collector(stream)
                await stream.subscribe(
                    [transcription_topic("0b5a3e0e-1111-4222-8333-444455556666")]
                )
                for flap in range(1, 5):
                    # Dropped before any heartbeat or event: never proven.
                    await collector.wait_for(lambda _, n=flap: connected(collector) == n)
                    server.emulator.drop_sockets()
                await collector.wait_for(lambda _: connected(collector) == 5)
                attempts = [e.attempt for e in reconnecting(collector) if e.attempt]
                assert attempts == [1, 2, 3, 4]
                assert all(
                    e.next_delay_s is not None and e.next_delay_s <= 0.5
                    for e in reconnecting(collector)
                    if e.attempt
                )
                # Each loss is said at once, before the channel check and the wait.
                told = [e.detail for e in reconnecting(collector)]
                assert told.count("connection lost; reconnecting") == 4
                assert told[0] == "connection lost; reconnecting"
                await collector.stop()


async def test_socket_closing_is_make_before_break_and_loses_nothing() -> None:
    async with EmulatorServer(emulator_settings(replay_window_s=0)) as server:
        emu = server.emulator
        call = emu.director.prepare("billing-dispute")
        async with session_for(server) as session:
            async with NotificationStream(session.api, fast_stream()) as stream:
                collector = Collector(stream)
                await stream.subscribe([transcription_topic(call.conversation_id)])
                await collector.wait_for(lambda _: connected(collector) == 1)
                emu.director.start(call, speed=15)
                for n in range(2, 5):
                    await asyncio.sleep(0.3)
                    assert emu.socket_closing() == 1
                    await collector.wait_for(lambda _, n=n: connected(collector) == n)
                await collector.wait_for(lambda _: call.ended_at is not None, timeout=60)
                await collector.wait_for(
                    lambda _: finals(collector, call.conversation_id) == set(call.finals_sent)
                )
                assert collector.of(StreamGap) == []
                assert emu.hub.frames_lost == 0  # a socket was always attached
                assert stream.stats.channels_created == 1
                await collector.stop()


async def test_expired_channel_is_replaced_at_once_and_the_gap_names_its_calls() -> None:
    async with EmulatorServer(emulator_settings(replay_window_s=0)) as server:
        emu = server.emulator
        call = emu.director.prepare("billing-dispute")
        async with session_for(server) as session:
            async with NotificationStream(session.api, fast_stream()) as stream:
                collector = Collector(stream)
                await stream.subscribe([transcription_topic(call.conversation_id)])
                await collector.wait_for(lambda _: connected(collector) == 1)
                assert emu.expire_channels() == 1
                await collector.wait_for(lambda _: connected(collector) == 2)
                gap = collector.of(StreamGap)[0]
                assert gap.conversation_ids == (call.conversation_id,)
                waits = [e.next_delay_s for e in reconnecting(collector) if e.attempt]
                assert waits and all(w is not None and w <= 0.05 for w in waits)  # first try
                channel = next(iter(emu.hub.channels.values()))
                assert channel.topics == {transcription_topic(call.conversation_id)}
                assert channel.connection is not None
                await collector.stop()


async def test_channel_not_extended_is_rolled_over_make_before_break() -> None:
    async with EmulatorServer(emulator_settings(replay_window_s=0)) as server:
        emu = server.emulator
        call = emu.director.prepare("billing-dispute")
        first_hub_subscribe = emu.hub.subscribe
        old_ids: set[str] = set()

        def not_extending(channel, topics, permissions, *, replace):  # type: ignore[no-untyped-def]
            if not old_ids:
                old_ids.add(channel.id)  # the first channel is never extended
            expires = channel.expires_at
            entities = first_hub_subscribe(channel, topics, permissions, replace=replace)
            if channel.id in old_ids:
                channel.expires_at = expires  # the platform refuses to extend this one
            return entities

        emu.hub.subscribe = not_extending  # type: ignore[method-assign]
        async with session_for(server) as session:
            # A margin over 24 h makes every channel due for its refresh at once.
            settings = fast_stream(channel_refresh_margin_s=25 * 3600)
            async with NotificationStream(session.api, settings) as stream:
                collector = Collector(stream)
                await stream.subscribe([transcription_topic(call.conversation_id)])
                await collector.wait_for(lambda _: connected(collector) == 1)
                emu.director.start(call, speed=15)
                old = next(iter(emu.hub.channels.values()))
                await collector.wait_for(lambda _: stream.stats.channels_created == 2)
                await collector.wait_for(lambda _: call.ended_at is not None, timeout=60)
                await collector.wait_for(
                    lambda _: finals(collector, call.conversation_id) == set(call.finals_sent)
                )
                assert collector.of(StreamGap) == []
                assert old.topics == set()  # the old channel was left
                await collector.stop()


async def test_data_keeps_a_socket_alive_without_heartbeats() -> None:
    async with EmulatorServer(emulator_settings(replay_window_s=0)) as server:
        emu = server.emulator
        call = emu.director.prepare(None, turns=12)
        async with session_for(server) as session:
            async with NotificationStream(session.api, fast_stream(ping_idle_s=5.0)) as stream:
                collector = Collector(stream)
                await stream.subscribe([transcription_topic(call.conversation_id)])
                await collector.wait_for(lambda _: connected(collector) == 1)
                emu.stop_heartbeats()
                emu.director.start(call, speed=20)
                await collector.wait_for(lambda _: call.ended_at is not None, timeout=60)
                assert connected(collector) == 1 and reconnecting(collector) == []
                await collector.stop()
