"""Turn scripted or synthetic turns into a recognizer's output over time.

Words are spoken at a human pace; partials grow word by word and reach the client after
a plausible ASR delay; the final follows the end of the turn. Pure and deterministic for
a given random generator.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from assist_tui.emulator.scenarios import Turn

WORD_MS = (260, 420)  # how long one word takes to say
ASR_DELAY_MS = (250, 650)  # recognition latency of a partial
FINAL_DELAY_MS = (400, 900)  # latency of the final after the speaker stops


@dataclass(frozen=True)
class SpokenWord:
    text: str
    offset_ms: int  # from the start of the session
    duration_ms: int
    confidence: float


@dataclass(frozen=True)
class RecognitionEvent:
    """One recognizer output: a partial or a final of one utterance."""

    emit_ms: int  # when it reaches the wire, from the start of the session
    speaker: str
    utterance_id: str
    words: tuple[SpokenWord, ...]
    is_final: bool
    confidence: float

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def offset_ms(self) -> int:
        return self.words[0].offset_ms if self.words else 0

    @property
    def duration_ms(self) -> int:
        if not self.words:
            return 0
        last = self.words[-1]
        return last.offset_ms + last.duration_ms - self.words[0].offset_ms


def _speak(turn: Turn, start_ms: int, rng: random.Random) -> list[SpokenWord]:
    words: list[SpokenWord] = []
    at = start_ms
    for token in turn.text.split():
        duration = rng.randint(*WORD_MS)
        spread = rng.uniform(-0.08, 0.06)
        confidence = min(0.99, max(0.05, turn.confidence + spread))
        words.append(SpokenWord(token, at, duration, round(confidence, 3)))
        at += duration + rng.randint(20, 90)
    return words


def _recognise(
    turn: Turn, words: list[SpokenWord], rng: random.Random, utterance_id: str
) -> Iterator[RecognitionEvent]:
    shown = 0
    last_emit = -1
    while shown < len(words):
        shown = min(len(words), shown + rng.randint(1, 3))
        if shown == len(words):
            break  # the last words arrive with the final
        end = words[shown - 1].offset_ms + words[shown - 1].duration_ms
        partial = tuple(words[:shown])
        # Recognizers never deliver partials of one utterance out of order.
        last_emit = max(last_emit + 1, end + rng.randint(*ASR_DELAY_MS))
        yield RecognitionEvent(
            emit_ms=last_emit,
            speaker=turn.speaker,
            utterance_id=utterance_id,
            words=partial,
            is_final=False,
            confidence=round(sum(w.confidence for w in partial) / len(partial) * 0.95, 3),
        )
    end = words[-1].offset_ms + words[-1].duration_ms
    yield RecognitionEvent(
        emit_ms=max(last_emit + 1, end + rng.randint(*FINAL_DELAY_MS)),
        speaker=turn.speaker,
        utterance_id=utterance_id,
        words=tuple(words),
        is_final=True,
        confidence=round(sum(w.confidence for w in words) / len(words), 3),
    )


def new_id(rng: random.Random) -> str:
    """A UUID-shaped id drawn from ``rng`` (reproducible with a seed)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def timeline(
    turns: Sequence[Turn], rng: random.Random, start_ms: int = 1500
) -> list[RecognitionEvent]:
    """Every recognition event of a conversation, sorted by the time it is emitted.

    Partials of one utterance keep their order, and an utterance's final always comes
    after its partials, whatever the overlap with the other speaker.
    """
    events: list[RecognitionEvent] = []
    cursor = start_ms
    for turn in turns:
        if not turn.text.split():
            continue
        begin = cursor - turn.overlap_ms if turn.overlap_ms else cursor + turn.pause_ms
        begin = max(begin, 0)
        words = _speak(turn, begin, rng)
        events.extend(_recognise(turn, words, rng, new_id(rng)))
        cursor = max(cursor, words[-1].offset_ms + words[-1].duration_ms)
    # Emit times within one utterance are increasing by construction; a stable sort by
    # emit time keeps that order and interleaves overlapping speakers realistically.
    events.sort(key=lambda e: e.emit_ms)
    return events


def speech_end_ms(events: Sequence[RecognitionEvent]) -> int:
    """When the last emitted event reaches the wire."""
    return max((e.emit_ms for e in events), default=0)
