"""Variety for the synthetic load: each call gets a mood (calm, souring, heated) that adds
negative remarks as it goes, and timing that varies (pauses of 0.25-2.2 s, talking
over each other), so the board's sentiment, silence and overtalk have something
to show. Seeded from the call's own turns: the load's random stream is left as it was."""

from __future__ import annotations

import dataclasses
import random

from assist_tui.emulator.scenarios import Turn

SOUR_REMARKS = (
    "Honestly this is really frustrating.",
    "I'm not happy about this at all.",
    "This is ridiculous, it keeps happening.",
    "I'm getting fed up with this.",
)
WARM_REMARKS = ("Thanks, that's helpful.", "Great, I appreciate it.")


def vary(turns: tuple[Turn, ...]) -> tuple[Turn, ...]:
    """The turns with a mood and varied timing (deterministic for the same turns)."""
    rng = random.Random(sum(len(t.text) for t in turns) * 7919 + len(turns))
    mood = rng.choices(("calm", "souring", "heated"), weights=(5, 3, 2))[0]
    customer_seen = 0
    customers = sum(1 for t in turns if t.speaker == "customer")
    out = []
    for turn in turns:
        pause, overlap = rng.randint(250, 2200), 0
        remark = None
        if turn.speaker == "customer":
            customer_seen += 1
            late = customer_seen > customers // 2
            if (mood == "souring" and late) or (mood == "heated" and rng.random() < 0.6):
                remark = rng.choice(SOUR_REMARKS)
            elif mood == "calm" and rng.random() < 0.3:
                remark = rng.choice(WARM_REMARKS)
            if mood == "heated" and rng.random() < 0.5:
                overlap, pause = rng.randint(600, 2200), 0
        # No dead air here: a stream without heartbeats lives on the load's data (the
        # long-silence scenario has it).
        out.append(dataclasses.replace(turn, pause_ms=pause, overlap_ms=overlap))
        if remark is not None:  # said as a turn of its own: the corpus line stays whole
            out.append(Turn("customer", remark, pause_ms=rng.randint(150, 600)))
    return tuple(out)
