"""Topics spread within the platform's limits: channels of a client fill before new ones
open, new channels go to the client with the fewest, and when every client is full the
topics are refused with a reason that says what to do (emulator on a real socket)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from assist_tui.config import ExtraClient, GenesysSettings
from assist_tui.emulator.server import EmulatorServer
from assist_tui.emulator.tokens import ALL_PERMISSIONS, OAuthClient
from assist_tui.genesys.auth import ClientCredentials
from assist_tui.genesys.discovery import transcription_topic
from assist_tui.genesys.session import GenesysSession
from assist_tui.model import SubscriptionRejected

from .conftest import Collector, fast_stream

SECRET = "extra-secret-for-tests"


def topics(n: int, start: int = 0) -> list[str]:
    return [transcription_topic(f"0b5a3e0e-1111-4222-8333-{i:012d}") for i in range(start, n)]


def session_with_extras(server: EmulatorServer, extras: int) -> GenesysSession:
    names = [f"extra-{n}" for n in range(extras)]
    for name in names:  # the org's further OAuth clients, as an administrator would add them
        server.emulator.tokens.clients[name] = OAuthClient(name, SECRET, ALL_PERMISSIONS)
    settings = GenesysSettings(
        api_base_url=server.url,
        login_base_url=server.url,
        max_retries=3,
        extra_clients=[ExtraClient(client_id=n, client_secret=SECRET) for n in names],  # type: ignore[arg-type]
    )
    creds = ClientCredentials(server.client_id, server.client_secret)
    return GenesysSession(settings, credentials=creds)


def channels_per_client(server: EmulatorServer) -> Counter[str]:
    return Counter(c.client_id for c in server.emulator.hub.channels.values())


async def test_channels_spread_across_clients_and_fill_first(emulator: EmulatorServer) -> None:
    settings = fast_stream(topics_per_channel=3, max_channels=2)
    async with session_with_extras(emulator, 2) as session:
        async with session.notifications(settings) as stream:
            assert await stream.subscribe(topics(4)) == []  # 3 + 1: two channels
            assert await stream.subscribe(topics(5, 4)) == []  # the second fills first
            per_client = channels_per_client(emulator)
            assert sorted(per_client.values()) == [1, 1]  # one channel on each of two clients
            assert sorted(len(c.topics) for c in emulator.emulator.hub.channels.values()) == [
                2,
                3,
            ]
            assert await stream.subscribe(topics(18, 5)) == []  # up to 6 channels x 3 = 18
            assert channels_per_client(emulator) == Counter(
                {emulator.client_id: 2, "extra-0": 2, "extra-1": 2}
            )
            assert stream.topics == set(topics(18))


async def test_every_client_full_refuses_with_a_reason(emulator: EmulatorServer) -> None:
    settings = fast_stream(topics_per_channel=2, max_channels=2)
    async with session_with_extras(emulator, 1) as session:
        async with session.notifications(settings) as stream:
            collector = Collector(stream)
            refused = await stream.subscribe(topics(10))
            assert [r.topic for r in refused] == topics(10)[8:]
            assert "no room: 2 OAuth client(s) x 2 channels x 2 topics" in refused[0].reason
            assert "[[genesys.extra_clients]]" in refused[0].reason
            await collector.wait_for(lambda _: len(collector.of(SubscriptionRejected)) == 2)
            # Nothing beyond the limit was opened (a 21st channel would evict our own).
            assert sum(channels_per_client(emulator).values()) == 4
            # Room comes back when calls leave.
            await stream.unsubscribe(topics(2))
            assert await stream.subscribe(topics(10)[8:]) == []
            await collector.stop()


async def test_one_client_alone_keeps_the_platform_limit(emulator: EmulatorServer) -> None:
    async with session_with_extras(emulator, 0) as session:
        stream = session.notifications(fast_stream())
        assert len(stream.clients) == 1
        assert stream.settings.max_channels == 20


async def test_the_engine_says_once_that_calls_are_not_followed(tmp_path: Path) -> None:
    from assist_tui.genesys.topic_room import no_room_reason
    from tests.scripted_engine import scripted_engine

    engine = await scripted_engine(tmp_path)
    reason = no_room_reason(1, 20, 1000)
    for n in range(3):
        await engine.process(SubscriptionRejected(topic=f"t{n}", reason=reason))
    said = [n for n in engine.notices if n.startswith("calls not followed: no room")]
    assert len(said) == 1 and "[[genesys.extra_clients]]" in said[0]
    engine.audit.flush()
    assert len(list(engine.audit.records(kinds=["subscription_rejected"]))) == 3
