"""The emulator itself: scenarios, playback timing, OAuth forms, faults by name."""

from __future__ import annotations

import asyncio
import itertools
import random

import httpx
import pytest

from assist_tui.emulator.corpus import load_corpus, synthetic_turns
from assist_tui.emulator.faults import FAULT_NAMES, FaultError, parse_fault
from assist_tui.emulator.playback import timeline
from assist_tui.emulator.scenarios import SCENARIOS
from assist_tui.emulator.server import EmulatorServer

from .conftest import emulator_settings


def test_six_scripted_scenarios_with_the_required_situations() -> None:
    assert {
        "billing-dispute",
        "cancellation-retention",
        "card-payment",
        "tech-support-bad-line",
        "spanish-caller",
        "angry-overtalk",
    } <= set(SCENARIOS)
    assert "four one one one" in " ".join(t.text for t in SCENARIOS["card-payment"].turns)
    assert SCENARIOS["spanish-caller"].spoken_language.startswith("es")
    assert SCENARIOS["tech-support-bad-line"].audio.mos[1] < 3.0
    assert any(t.overlap_ms for t in SCENARIOS["angry-overtalk"].turns)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_playback_partials_grow_then_final(name: str) -> None:
    events = timeline(SCENARIOS[name].turns, random.Random(3))
    by_utterance: dict[str, list] = {}  # type: ignore[type-arg]
    for event in events:
        by_utterance.setdefault(event.utterance_id, []).append(event)
    assert len(by_utterance) == len(SCENARIOS[name].turns)
    assert [e.emit_ms for e in events] == sorted(e.emit_ms for e in events)
    for updates in by_utterance.values():
        assert [u.is_final for u in updates][-1] is True
        assert sum(u.is_final for u in updates) == 1
        lengths = [len(u.words) for u in updates]
        assert lengths == sorted(lengths) and len(set(lengths)) == len(lengths)
        final = updates[-1]
        # Recognition comes after the speech it recognises (a plausible ASR delay).
        assert final.emit_ms >= final.offset_ms + final.duration_ms + 400


def test_overtalk_overlaps_in_time() -> None:
    events = [
        e for e in timeline(SCENARIOS["angry-overtalk"].turns, random.Random(1)) if e.is_final
    ]
    spans = [(e.offset_ms, e.offset_ms + e.duration_ms, e.speaker) for e in events]
    overlaps = [(a, b) for a, b in itertools.pairwise(spans) if b[0] < a[1] and a[2] != b[2]]
    assert overlaps


def test_synthetic_turns_use_the_natcs_corpus() -> None:
    corpus = load_corpus()
    assert len(corpus) > 500
    texts = {u.text for u in corpus}
    turns = synthetic_turns(random.Random(5), customer_turns=3)
    assert sum(t.text in texts for t in turns if t.speaker == "customer") == 3


def test_fault_names_are_checked() -> None:
    assert parse_fault("token-429=3") == ("token-429", "3")
    assert parse_fault("drop-socket") == ("drop-socket", None)
    with pytest.raises(FaultError, match="known faults"):
        parse_fault("explode")
    assert "stop-heartbeats" in FAULT_NAMES


async def test_token_endpoint_accepts_basic_or_form_and_refuses_bad(
    emulator: EmulatorServer,
) -> None:
    url = emulator.url + "/oauth/token"
    async with httpx.AsyncClient() as http:
        basic = await http.post(
            url,
            auth=(emulator.client_id, emulator.client_secret),
            data={"grant_type": "client_credentials"},
        )
        form = await http.post(
            url,
            data={
                "grant_type": "client_credentials",
                "client_id": emulator.client_id,
                "client_secret": emulator.client_secret,
            },
        )
        bad = await http.post(
            url, auth=(emulator.client_id, "nope"), data={"grant_type": "client_credentials"}
        )
        api = await http.post(emulator.url + "/api/v2/notifications/channels")
        fault = await http.post(
            emulator.url + "/emulator/faults", json={"fault": "token-429", "value": "1"}
        )
        throttled = await http.post(
            url,
            auth=(emulator.client_id, emulator.client_secret),
            data={"grant_type": "client_credentials"},
        )
        unknown = await http.post(emulator.url + "/emulator/faults", json={"fault": "nope"})
        spelled = await http.post(emulator.url + "/emulator/faults", json={"fault": "api-429=2"})
        numeric = await http.post(
            emulator.url + "/emulator/faults", json={"fault": "api-429", "value": 3}
        )
        shapeless = await http.post(emulator.url + "/emulator/faults", json=["drop-socket"])
    assert basic.status_code == 200 and basic.json()["expires_in"] == 86400
    assert form.status_code == 200
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    assert api.status_code == 401 and api.json()["code"] == "bad.credentials"
    assert fault.json()["done"] == "the next 1 token request(s) get 429"
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert unknown.status_code == 400 and "known faults: " in unknown.json()["error"]
    assert "drop-socket" in unknown.json()["error"]  # the list says what is known
    assert spelled.json()["done"] == "the next 2 API call(s) get 429"  # NAME=VALUE, as --fault
    assert numeric.json()["done"] == "the next 3 API call(s) get 429"
    assert shapeless.status_code == 400 and '{"fault": "NAME"}' in shapeless.json()["error"]


async def test_rotation_keeps_calls_live() -> None:
    async with EmulatorServer(emulator_settings(concurrent=2, speed=50)) as server:
        for _ in range(200):
            if len(server.emulator.director.live()) == 2:
                break
            await asyncio.sleep(0.02)
        assert len(server.emulator.director.live()) == 2


async def test_synthetic_load_emits_at_the_requested_rate() -> None:
    async with EmulatorServer(emulator_settings()) as server:
        calls = server.emulator.director.calls
        loop = asyncio.get_running_loop()

        def emitted() -> int:
            return sum(c.emitted for c in calls.values())

        task = server.run_load(conversations=5, rate=500)
        # Counted from the first event, not from the start: preparing the calls (the
        # corpus is read once) takes a machine-dependent time before pacing begins.
        while emitted() == 0:
            await asyncio.sleep(0.005)
        first, began = emitted(), loop.time()
        await asyncio.sleep(0.5)
        count, elapsed = emitted() - first, loop.time() - began
        task.cancel()
        # The pacing owes events by the clock, so a late tick catches up: over the
        # window the count follows the rate, within a tick or two either side.
        expected = 500 * elapsed
        assert 0.8 * expected - 10 <= count <= 1.2 * expected + 10
        assert len(calls) >= 5
