"""Talk analytics stage: talk time per speaker, talk/listen ratio, silences, overtalk and
interruptions, from the finals' word timings (the utterance's offset and duration when a
final has no words). Times are call offsets in milliseconds."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from assist_tui.model import UtteranceUpdate

RECENT_SPANS = 16  # spans kept per speaker to find overlaps (finals arrive nearly in order)


@dataclass(slots=True)
class CallTalk:
    talk_ms: dict[str, int] = field(default_factory=dict)
    spans: dict[str, deque[tuple[int, int]]] = field(default_factory=dict)
    last_end_ms: int | None = None  # the call offset where speech last ended
    last_heard_at: datetime | None = None  # wall clock of the last final
    longest_silence_ms: int = 0
    overtalk_ms: int = 0
    overtalk_count: int = 0
    interruptions: dict[str, int] = field(default_factory=dict)

    def ratio(self, speaker: str = "agent") -> float | None:
        total = sum(self.talk_ms.values())
        return round(self.talk_ms.get(speaker, 0) / total, 3) if total else None

    def silence_ms(self, now: datetime) -> int:
        """Since anyone last spoke, by the wall clock (finals arrive after speech ends)."""
        if self.last_heard_at is None:
            return 0
        return max(0, int((now - self.last_heard_at).total_seconds() * 1000))


def spans_of(update: UtteranceUpdate) -> list[tuple[int, int]]:
    """The speech of a final as merged (start, end) call offsets."""
    if update.words:
        raw = sorted((w.offset_ms, w.offset_ms + w.duration_ms) for w in update.words)
    elif update.offset_ms is not None and update.duration_ms is not None:
        raw = [(update.offset_ms, update.offset_ms + update.duration_ms)]
    else:
        return []
    merged: list[tuple[int, int]] = []
    for start, end in raw:
        if merged and start <= merged[-1][1] + 300:  # pauses under 300 ms are one stretch
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


class TalkStage:
    """Owns every call's ``CallTalk``."""

    name = "talk"

    def __init__(self) -> None:
        self.calls: dict[str, CallTalk] = {}

    def on_final(self, update: UtteranceUpdate) -> CallTalk:
        call = self.calls.setdefault(update.conversation_id, CallTalk())
        call.last_heard_at = update.received_at
        speaker = update.speaker.value
        spans = spans_of(update)
        if not spans:
            return call
        first_start, last_end = spans[0][0], spans[-1][1]
        if call.last_end_ms is not None and first_start > call.last_end_ms:
            call.longest_silence_ms = max(call.longest_silence_ms, first_start - call.last_end_ms)
        call.last_end_ms = max(call.last_end_ms or 0, last_end)
        call.talk_ms[speaker] = call.talk_ms.get(speaker, 0) + sum(e - s for s, e in spans)
        overlap = 0
        interrupted = False
        for other, theirs in call.spans.items():
            if other == speaker:
                continue
            for o_start, o_end in theirs:
                for start, end in spans:
                    overlap += max(0, min(end, o_end) - max(start, o_start))
                # Starting while the other is speaking, and they go on after: an interruption.
                if o_start < first_start < o_end and o_end > first_start + 200:
                    interrupted = True
        if overlap:
            call.overtalk_ms += overlap
            call.overtalk_count += 1
        if interrupted:
            call.interruptions[speaker] = call.interruptions.get(speaker, 0) + 1
        call.spans.setdefault(speaker, deque(maxlen=RECENT_SPANS)).extend(spans)
        return call

    def forget(self, conversation_id: str) -> None:
        self.calls.pop(conversation_id, None)
