"""The call board: every followed call on one line, the one most in need of a supervisor
first (the engine's ``attention_order``), with its duration, sentiment, talk, alerts,
audio and our latency. Ended calls are dimmed until the engine lets them go."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from assist_tui.engine.board_types import CallAnalytics
from assist_tui.engine.snapshot import ConversationRow, attention_order
from assist_tui.ui.audio_gauges import AUDIO_BADGES
from assist_tui.ui.keyed_list import Cell, Column, KeyedList

SILENCE_SHOWN_MS = 5_000  # a quieter pause than this is just a pause: the talk ratio shows
SILENCE_LONG_MS = 20_000
SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow"}
TREND_ARROW = {"up": ("↑", "green"), "down": ("↓", "red"), "flat": ("→", "dim")}
MEDIA_SHOWN = {"chat": "chat", "message": "message"}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def duration_text(row: ConversationRow, now: datetime) -> str:
    """The call's length: from the platform's start (the first sight of it otherwise) to
    its end, or to now while it is live."""
    start = row.started_at or row.first_seen
    seconds = max(0, int(((row.ended_at or now) - start).total_seconds()))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}"
    return f"{seconds // 60:d}:{seconds % 60:02d}"


def sentiment_cell(analytics: CallAnalytics | None) -> Cell:
    """``+0.42↑``: the call's sentiment now and its trend, coloured by both."""
    if analytics is None or analytics.sentiment is None:
        return ("·", "dim")
    value = analytics.sentiment
    arrow, arrow_style = TREND_ARROW.get(analytics.trend or "", ("", ""))
    style = "red" if value <= -0.3 else "green" if value >= 0.3 else ""
    if analytics.trend == "down":
        style = "bold red" if value < 0 else "red"
    elif not style:
        style = arrow_style if arrow_style != "dim" else ""
    return (f"{value:+.2f}{arrow}", style)


def talk_cell(analytics: CallAnalytics | None) -> Cell:
    """The current silence when it is long enough to matter, else the agent's share of
    the talk."""
    if analytics is None:
        return ("·", "dim")
    if analytics.silence_ms >= SILENCE_SHOWN_MS:
        seconds = analytics.silence_ms // 1000
        long = analytics.silence_ms >= SILENCE_LONG_MS
        return (f"sil {seconds}s", "bold red" if long else "yellow")
    if analytics.talk_ratio is None:
        return ("·", "dim")
    ratio = analytics.talk_ratio
    # An agent talking over four fifths of the time, or under a fifth, is worth a look.
    return (f"ag {ratio:.0%}", "yellow" if ratio > 0.8 or ratio < 0.2 else "")


def alerts_cell(row: ConversationRow) -> Cell:
    if not row.open_alerts:
        return ("·", "dim")
    return (f"{row.open_alerts}!", SEVERITY_STYLE.get(row.top_severity or "", ""))


class ConversationTable(KeyedList):
    """The call board, by conversation id: a row is drawn again only when it changed, and
    the cursor stays on its call when the order changes."""

    COLUMNS = (
        Column("agent", 12, keep=0),
        Column("!", 3, keep=1),
        Column("sent", 6, keep=2),
        Column("queue", 9, keep=3),
        Column("time", 5, keep=4),
        Column("talk", 7, keep=5),
        Column("audio", 8, keep=6),
        Column("", 3, keep=7),
        Column("ours", 6, keep=8),
    )

    # The board's clock: live durations tick from it (tests fix it).
    clock: Callable[[], datetime] = staticmethod(utc_now)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(self.COLUMNS, id=id)
        self.rows: dict[str, ConversationRow] = {}

    def sync_rows(self, rows: tuple[ConversationRow, ...], text_filter: str = "") -> None:
        needle = text_filter.lower()
        now = self.clock()
        shown = [r for r in attention_order(rows) if not needle or needle in self._haystack(r)]
        self.rows = {r.conversation_id: r for r in shown}
        self.sync({r.conversation_id: self._row_cells(r, now) for r in shown})

    def select(self, conversation_id: str) -> bool:
        """Put the cursor on this call; False if the board does not show it."""
        if conversation_id not in self._cells:
            return False
        self._move(self._keys.index(conversation_id))
        return True

    @staticmethod
    def _haystack(row: ConversationRow) -> str:
        queue = f"{row.queue_id or ''} {row.queue_name or ''}"
        return f"{row.conversation_id} {queue} {row.agent_name or ''}".lower()

    @staticmethod
    def _row_cells(row: ConversationRow, now: datetime | None = None) -> tuple[Cell, ...]:
        badge, audio_style = AUDIO_BADGES[row.status]
        if row.media_type not in (None, "voice"):
            # A chat or a message thread has no audio to judge: the column names the media.
            badge, audio_style = MEDIA_SHOWN.get(row.media_type or "", "·"), "cyan"
        own = row.own_latency_p50_ms
        marks = ("⏸" if row.paused else "") + ("end" if row.ended_at else "")
        cells: tuple[Cell, ...] = (
            (row.agent_name or row.conversation_id[:8], "bold" if row.agent_name else ""),
            alerts_cell(row),
            sentiment_cell(row.analytics),
            (row.queue_name or row.queue_id or "·", ""),
            (duration_text(row, now or utc_now()), ""),
            talk_cell(row.analytics),
            (badge, audio_style),
            (marks, "bold yellow" if row.paused else ""),
            (f"{own:.0f} ms" if own is not None else "·", ""),
        )
        if row.ended_at is not None:
            # Ended: dimmed (colours kept faintly) until it leaves the board.
            cells = tuple((text, f"dim {style}".strip()) for text, style in cells)
        return cells
