"""Sentiment stage: VADER per final (the platform's score preferred when it has one), per
speaker, and the call's trend. Scale: -1 (negative) .. 1 (positive)."""

from __future__ import annotations

import string
from collections import deque
from dataclasses import dataclass, field

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]

from assist_tui.engine.board_types import Trend
from assist_tui.model import PlatformSentiment, UtteranceUpdate

# The trend compares the mean of the last quarter of turns with the mean of the earlier
# ones; a difference smaller than this (on the -1..1 scale) is FLAT. VADER's compound
# score moves about 0.3-0.5 for one clearly worded sentiment, so 0.15 ignores wording noise.
TREND_THRESHOLD = 0.15
TREND_MIN_TURNS = 4  # fewer turns than this have no trend
MAX_TURNS = 400  # turns kept per call (a long call's trend looks at its recent past)


@dataclass(slots=True)
class CallSentiment:
    turns: deque[tuple[str, float]] = field(default_factory=lambda: deque(maxlen=MAX_TURNS))
    by_speaker: dict[str, tuple[float, int]] = field(default_factory=dict)  # sum, count
    platform: float | None = None  # the platform's latest, scaled to -1..1

    def add(self, speaker: str, score: float) -> None:
        self.turns.append((speaker, score))
        total, count = self.by_speaker.get(speaker, (0.0, 0))
        self.by_speaker[speaker] = (total + score, count + 1)

    @property
    def overall(self) -> float | None:
        if self.platform is not None:
            return self.platform
        if not self.turns:
            return None
        recent = list(self.turns)[-8:]  # the call's mood now, not since its first word
        return sum(s for _, s in recent) / len(recent)

    def trend(self) -> Trend | None:
        return trend_of([s for _, s in self.turns])

    def speaker_means(self) -> tuple[tuple[str, float], ...]:
        return tuple((sp, round(t / n, 3)) for sp, (t, n) in sorted(self.by_speaker.items()))

    def last_turns(self, speaker: str, n: int) -> list[float]:
        """The last ``n`` scores of ``speaker`` ("any": every speaker), oldest first."""
        picked: list[float] = []
        for who, score in reversed(self.turns):
            if speaker in ("any", who):
                picked.append(score)
                if len(picked) == n:
                    break
        return picked[::-1]


def trend_of(scores: list[float]) -> Trend | None:
    """UP, DOWN or FLAT: the mean of the last quarter against the mean of the earlier ones."""
    if len(scores) < TREND_MIN_TURNS:
        return None
    cut = len(scores) - max(1, len(scores) // 4)
    earlier, last = scores[:cut], scores[cut:]
    delta = sum(last) / len(last) - sum(earlier) / len(earlier)
    if delta > TREND_THRESHOLD:
        return "up"
    if delta < -TREND_THRESHOLD:
        return "down"
    return "flat"


def _vader_tokens(text: str) -> set[str]:
    """The lower-cased tokens VADER looks up for ASCII text (no emoji to describe):
    split on white space, punctuation stripped unless two characters or fewer are left
    (an emoticon such as ``:)`` stays whole), as its ``SentiText`` does."""
    tokens = set()
    for token in text.split():
        stripped = token.strip(string.punctuation)
        tokens.add((token if len(stripped) <= 2 else stripped).lower())
    return tokens


class SentimentStage:
    """Scores each final; owns every call's ``CallSentiment``."""

    name = "sentiment"

    def __init__(self) -> None:
        self._vader = SentimentIntensityAnalyzer()
        self._lexicon = frozenset(self._vader.lexicon)
        self.calls: dict[str, CallSentiment] = {}

    def score(self, text: str) -> float:
        if text.isascii() and self._lexicon.isdisjoint(_vader_tokens(text)):
            # No token VADER gives a valence: its compound is 0 (boosters, negations and
            # punctuation only scale lexicon words). Most finals: no scoring needed.
            return 0.0
        return float(self._vader.polarity_scores(text)["compound"])

    def on_final(self, update: UtteranceUpdate, text: str) -> float:
        score = self.score(text)
        self.calls.setdefault(update.conversation_id, CallSentiment()).add(
            update.speaker.value, score
        )
        return score

    def on_platform(self, event: PlatformSentiment) -> None:
        call = self.calls.setdefault(event.conversation_id, CallSentiment())
        call.platform = max(-1.0, min(1.0, event.overall / 100.0))

    def forget(self, conversation_id: str) -> None:
        self.calls.pop(conversation_id, None)
