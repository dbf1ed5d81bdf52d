"""Customer utterances for synthetic conversations, from the NatCS corpus shipped in data/."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from assist_tui.emulator.moods import vary
from assist_tui.emulator.scenarios import Turn

CORPUS_FILES = ("banking-utterances.jsonl", "insurance-utterances.jsonl")

AGENT_LINES = (
    "Thanks for calling, I can help with that.",
    "Let me pull up your account, one moment please.",
    "I understand. Can you confirm your date of birth for me?",
    "Thank you. I see the details here on my screen.",
    "I have made that change for you. Is there anything else?",
    "I'm sorry about the trouble. Let me see what I can do.",
    "That should be fixed now, you will get a confirmation by email.",
    "Could you spell that for me please?",
)


@dataclass(frozen=True)
class CorpusUtterance:
    text: str
    intent: str
    source_id: str


@lru_cache(maxsize=1)
def load_corpus() -> tuple[CorpusUtterance, ...]:
    """Every NatCS utterance, read once from the package data."""
    items: list[CorpusUtterance] = []
    base = files("assist_tui.emulator") / "data"
    for name in CORPUS_FILES:
        for line in (base / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                items.append(CorpusUtterance(row["utterance"], row["intent"], row["utterance_id"]))
    return tuple(items)


def synthetic_turns(rng: random.Random, customer_turns: int = 4) -> tuple[Turn, ...]:
    """A plausible call: an agent greeting, then customer utterances and agent answers."""
    corpus = load_corpus()
    turns = [Turn("agent", rng.choice(AGENT_LINES))]
    for _ in range(customer_turns):
        turns.append(Turn("customer", rng.choice(corpus).text, confidence=rng.uniform(0.75, 0.97)))
        turns.append(Turn("agent", rng.choice(AGENT_LINES)))
    return vary(tuple(turns))  # moods and timing for the board (emulator/moods.py)
