"""Notification frames of many synthetic calls in the order the load emulator sends them,
socket-free: the input of the per-event benchmark and of the decoder equivalence tests."""

from __future__ import annotations

import random
from typing import Any

from assist_tui.emulator import wire
from assist_tui.emulator.calls import LOAD_TURNS, CallDirector
from assist_tui.emulator.hub import Hub


class _RecordingHub(Hub):
    """A hub that keeps every published frame instead of sending it to channels."""

    def __init__(self) -> None:
        super().__init__(replay_window_s=0)
        self.frames: list[str] = []

    def publish(self, topic: str, body: dict[str, Any]) -> int:
        self.frames.append(wire.envelope(topic, body))
        return 1


def load_frames(
    frames: int, conversations: int, *, seed: int = 7, turns: int = LOAD_TURNS
) -> list[str]:
    """At least ``frames`` frames from ``conversations`` live calls, round robin as
    ``CallDirector.load`` plays them: partials, finals, session ends and queue events,
    a new call taking over each slot whose call ended."""
    hub = _RecordingHub()
    director = CallDirector(hub, rng=random.Random(seed))
    calls = [director.prepare(None, turns=turns) for _ in range(conversations)]
    turn = 0
    while len(hub.frames) < frames:
        slot = turn % len(calls)
        turn += 1
        if director.emit_next(calls[slot]) is None:
            calls[slot] = director.prepare(None, turns=turns)
            director.emit_next(calls[slot])
    return hub.frames


def scenario_frames(names: list[str], *, seed: int = 7) -> list[str]:
    """Every frame of the named scenarios played to their end, round robin."""
    hub = _RecordingHub()
    director = CallDirector(hub, rng=random.Random(seed))
    calls = [director.prepare(name) for name in names]
    while calls:
        calls = [call for call in calls if director.emit_next(call) is not None]
    return hub.frames
