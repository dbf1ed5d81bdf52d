"""Live calls of the emulator: start, play on the wire over time, end; and synthetic load."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from assist_tui.emulator import platform_wire, wire
from assist_tui.emulator.board_scenarios import BOARD_SCENARIOS
from assist_tui.emulator.corpus import synthetic_turns
from assist_tui.emulator.digital_scenarios import DIGITAL_SCENARIOS
from assist_tui.emulator.hub import Hub
from assist_tui.emulator.playback import RecognitionEvent, new_id, speech_end_ms, timeline
from assist_tui.emulator.scenarios import QUEUE_IDS, SCENARIOS, AudioProfile, Scenario
from assist_tui.emulator.timing import PlatformTiming

log = logging.getLogger(__name__)

ENDED_KEPT = 200  # ended calls remembered for analytics queries
LOAD_TURNS = 30  # synthetic load calls are long: hundreds of events each


@dataclass
class LiveCall:
    conversation_id: str
    scenario: str
    title: str
    queue: str
    queue_id: str
    agent: str
    agent_user_id: str
    customer: str
    spoken_language: str
    audio: AudioProfile
    communication_ids: dict[str, str]
    participant_ids: dict[str, str]
    started_at: datetime
    events: list[RecognitionEvent]
    ended_at: datetime | None = None
    emitted: int = 0
    finals_sent: list[str] = field(default_factory=list)
    speed: float = 1.0  # playback speed: speech timings on the wire shrink with it
    media_type: str = "voice"  # voice, chat or message
    transfer_to: str | None = None  # who takes the call over, if it is transferred
    transferred: bool = False

    @property
    def session_start_ms(self) -> int:
        return int(self.started_at.timestamp() * 1000)

    @property
    def duration_ms(self) -> int:
        return speech_end_ms(self.events)

    @property
    def progress(self) -> float:
        return self.emitted / len(self.events) if self.events else 1.0


class CallDirector:
    """Creates calls, plays them in real time (scaled by ``speed``) and ends them."""

    def __init__(self, hub: Hub, *, rng: random.Random, speed: float = 1.0) -> None:
        self.hub = hub
        self.rng = rng
        self.speed = speed
        self.calls: dict[str, LiveCall] = {}
        # Told of every recognition event (None once a call ends): the seed dialects.
        self.listeners: list[Callable[[LiveCall, RecognitionEvent | None], None]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        # Platform timing (finals in groups); None publishes every event at once (live).
        self.timing: PlatformTiming | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def prepare(self, scenario: str | Scenario | None = None, *, turns: int = 4) -> LiveCall:
        """Register a live call (visible to discovery) without playing it yet.

        ``None`` makes a synthetic call from the NatCS corpus.
        """
        if isinstance(scenario, str):
            every = SCENARIOS | DIGITAL_SCENARIOS | BOARD_SCENARIOS
            if scenario not in every:
                known = ", ".join(every)
                raise KeyError(f"unknown scenario {scenario!r}; known: {known}")
            scenario = every[scenario]
        if scenario is None:
            scenario = Scenario(
                name="synthetic",
                title="Synthetic call",
                queue="Synthetic",
                agent="Synthetic Agent",
                customer="Synthetic Customer",
                turns=synthetic_turns(self.rng, customer_turns=turns),
            )
        rng = self.rng
        call = LiveCall(
            conversation_id=new_id(rng),
            scenario=scenario.name,
            title=scenario.title,
            queue=scenario.queue,
            queue_id=QUEUE_IDS[scenario.queue],
            agent=scenario.agent,
            agent_user_id=new_id(rng),
            customer=scenario.customer,
            spoken_language=scenario.spoken_language,
            audio=scenario.audio,
            communication_ids={"agent": new_id(rng), "customer": new_id(rng)},
            participant_ids={"agent": new_id(rng), "customer": new_id(rng)},
            started_at=datetime.now(timezone.utc),
            events=timeline(scenario.turns, rng),
            media_type=scenario.media_type,
            transfer_to=scenario.transfer_to,
        )
        # Real calls pass an IVR and the queue's ACD before an agent (not drawn from rng,
        # so seeded timelines stay as they were).
        for purpose in ("ivr", "acd"):
            call.participant_ids[purpose] = str(
                uuid.uuid5(uuid.NAMESPACE_OID, f"{call.conversation_id}/{purpose}")
            )
        self.calls[call.conversation_id] = call
        self.publish_phase(call, "alerting")
        self.publish_phase(call, "connected")
        self._forget_old()
        return call

    def live(self) -> list[LiveCall]:
        return [c for c in self.calls.values() if c.ended_at is None]

    def emit_next(self, call: LiveCall) -> RecognitionEvent | None:
        """Publish the call's next recognition event; end the call after the last one."""
        if call.ended_at is not None:
            return None
        if call.emitted >= len(call.events):
            self.end(call)
            return None
        event = call.events[call.emitted]
        call.emitted += 1
        if call.emitted == len(call.events) // 2:
            # Every state change reaches the queue topic: a short hold mid-call.
            self.publish_phase(call, "held")
            self.publish_phase(call, "resumed")
        if call.transfer_to and not call.transferred and call.emitted == len(call.events) * 3 // 4:
            call.transferred = True
            call.participant_ids["transfer"] = str(
                uuid.uuid5(uuid.NAMESPACE_OID, f"{call.conversation_id}/transfer")
            )
            self.publish_phase(call, "transfer")
        now = datetime.now(timezone.utc)
        if call.media_type != "voice":
            # The platform transcribes voice only; a digital conversation's own topic says
            # that a message came (for messaging: its id), never what it said.
            topic = platform_wire.digital_topic(call)
            if topic and event.is_final:
                self.hub.publish(
                    topic,
                    platform_wire.digital_event(
                        call, "connected", event.utterance_id, event.speaker
                    ),
                )
        elif self.timing is not None:
            self.timing.on_event(call, event)
        else:
            self.hub.publish(
                wire.transcription_topic(call.conversation_id),
                wire.transcription_body(call, event, now),
            )
        if event.is_final:
            call.finals_sent.append(event.utterance_id)
        for listener in self.listeners:
            listener(call, event)
        return event

    def end(self, call: LiveCall) -> None:
        if call.ended_at is not None:
            return
        if self.timing is not None:
            self.timing.end(call)
        call.ended_at = datetime.now(timezone.utc)
        self.hub.publish(
            wire.transcription_topic(call.conversation_id),
            wire.session_ended_body(call, call.ended_at, call.duration_ms),
        )
        self.publish_phase(call, "after-call-work")
        self.publish_phase(call, "terminated")
        for listener in self.listeners:
            listener(call, None)

    def publish_phase(self, call: LiveCall, phase: str) -> None:
        """One queue topic event (and its per-media twin) for a state change of the call."""
        topic = wire.queue_topic(call.queue_id)
        self.hub.publish(topic, platform_wire.queue_event(call, phase))
        twin = f"{topic}.{platform_wire.media_key(call)}"
        self.hub.publish(twin, platform_wire.queue_media_event(call, phase))
        if (digital := platform_wire.digital_topic(call)) is not None:
            self.hub.publish(digital, platform_wire.digital_event(call, phase))

    async def play(self, call: LiveCall, speed: float | None = None) -> None:
        """Emit the call's events at their times (divided by ``speed``), then end it."""
        factor = speed or self.speed
        call.speed = factor
        loop = asyncio.get_running_loop()
        begin = loop.time()
        while call.emitted < len(call.events) and call.ended_at is None:
            due = begin + call.events[call.emitted].emit_ms / 1000 / factor
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self.emit_next(call)
        self.end(call)

    def start(self, call: LiveCall, speed: float | None = None) -> asyncio.Task[None]:
        task = asyncio.create_task(self.play(call, speed), name=f"emulator-call-{call.scenario}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- background shows -----------------------------------------------------------------
    async def rotate(self, concurrent: int, scenarios: list[str] | None = None) -> None:
        """Keep ``concurrent`` scripted calls live, starting a new one as each ends."""
        names = scenarios or list(SCENARIOS)
        order = names[:]
        self.rng.shuffle(order)
        index = 0
        running: set[asyncio.Task[None]] = set()
        try:
            while True:
                while len(running) < concurrent:
                    call = self.prepare(order[index % len(order)])
                    index += 1
                    running.add(self.start(call))
                    if len(running) < concurrent:
                        await asyncio.sleep(self.rng.uniform(1.0, 3.0) / self.speed)
                done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if not task.cancelled() and task.exception() is not None:
                        log.error("emulator call failed", exc_info=task.exception())
                await asyncio.sleep(self.rng.uniform(0.5, 2.0) / self.speed)
        finally:
            for task in running:
                task.cancel()

    async def load(self, conversations: int, rate: float) -> None:
        """Synthetic load: ``conversations`` calls live at once, ``rate`` events/s in total."""
        calls = [self.prepare(None, turns=LOAD_TURNS) for _ in range(conversations)]
        loop = asyncio.get_running_loop()
        begin = loop.time()
        sent = 0
        turn = 0
        while True:
            await asyncio.sleep(0.01)
            owed = int((loop.time() - begin) * rate) - sent
            for _ in range(owed):
                slot = turn % len(calls)
                turn += 1
                if self.emit_next(calls[slot]) is None:
                    calls[slot] = self.prepare(None, turns=LOAD_TURNS)
                    self.emit_next(calls[slot])
                sent += 1

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _forget_old(self) -> None:
        ended = [c for c in self.calls.values() if c.ended_at is not None]
        if len(ended) > ENDED_KEPT:
            ended.sort(key=lambda c: c.ended_at or c.started_at)
            for call in ended[: len(ended) - ENDED_KEPT]:
                del self.calls[call.conversation_id]
