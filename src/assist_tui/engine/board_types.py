"""What the call board shows beyond a conversation's basics: its live analytics and the
alerts raised on it. Plain, picklable values, like the rest of a view (snapshot.py).

The ordering of the board lives here too, so that the dashboard, ``run --headless`` and
tests sort calls the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Severity = Literal["low", "medium", "high", "critical"]
Trend = Literal["up", "down", "flat"]

# Highest first: the order the board and the alerts pane use.
SEVERITY_RANK: dict[str, int] = {"critical": 4, "high": 3, "medium": 2, "low": 1}


@dataclass(frozen=True, slots=True)
class CallAnalytics:
    """Live talk analytics of one conversation, from its finals' text and word timings."""

    sentiment: float | None  # the call's sentiment now, -1 (negative) to 1 (positive)
    trend: Trend | None  # the last quarter of turns against the mean of the earlier ones
    sentiment_by_speaker: tuple[tuple[str, float], ...]  # (speaker, mean -1..1)
    talk_ms: tuple[tuple[str, int], ...]  # (speaker, milliseconds spoken)
    talk_ratio: float | None  # the agent's share of the talk, 0..1
    silence_ms: int  # now: since anyone last spoke (0 while someone speaks)
    longest_silence_ms: int
    overtalk_ms: int  # both speaking at once, in total
    overtalk_count: int
    interruptions: tuple[tuple[str, int], ...]  # (interrupting speaker, count)
    categories: tuple[str, ...]  # rule categories the call has matched, first matched first


@dataclass(frozen=True, slots=True)
class AlertView:
    """One alert a rule raised on a conversation (audited when raised and when acknowledged)."""

    alert_id: str
    conversation_id: str
    rule_id: str
    title: str
    severity: Severity
    raised_at: datetime
    call_offset_ms: int | None  # the moment in the call, for the transcript jump
    utterance_id: str | None  # the line that raised it, when one did
    detail: str  # one line on why; redacted, never more transcript than a hit shows
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.acknowledged_by is None
