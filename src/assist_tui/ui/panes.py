"""The dashboard's panes other than the transcript and the call board (board.py): status
bar, hits and suggestions, gauges. Each takes a part of an engine view and updates only
what changed."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Sparkline, Static

from assist_tui.config import QualitySettings
from assist_tui.engine.snapshot import (
    ConversationContent,
    ConversationGauges,
    EngineView,
)
from assist_tui.model import StreamState
from assist_tui.ui.audio_gauges import audio_text
from assist_tui.ui.audio_gauges import latency_text as latency_block
from assist_tui.ui.board import ConversationTable as ConversationTable  # the call board
from assist_tui.ui.detail_screen import RecordScreen
from assist_tui.ui.entry_detail import entry_text
from assist_tui.ui.keyed_list import Cell, Column, KeyedList

HITS_SHOWN = 40  # newest hits, insights and suggestions listed; the audit log has them all
NARROW_WIDTH = 100  # below this many columns the layout and the status bar go compact
MEDIUM_WIDTH = 120  # below this (and from NARROW_WIDTH) the board and side panes give way
SHORT_HEIGHT = 32  # fewer rows than this: the gauges shrink so alerts and hits keep rows
TINY_WIDTH = 72  # below this the right-hand panes hide so the transcript keeps its room


class TextPane(Static):
    """A Static that repaints only when its content changed, and asks for a layout of the
    screen (which costs tens of milliseconds under load) only when its number of lines
    changed. Panes whose text could wrap set ``text-wrap: nowrap`` so lines are lines."""

    _shown: Text | str | None = None

    def show(self, content: Text | str) -> None:
        if content == self._shown:
            return
        before = self._shown
        self._shown = content
        self.update(content, layout=before is None or _lines(before) != _lines(content))


def _lines(content: Text | str) -> int:
    return (content.plain if isinstance(content, Text) else content).count("\n")


class StatusBar(TextPane):
    """Mode, connection, rates, reconnects, rejected frames, paused state."""

    def update_from(
        self, view: EngineView | None, label: str, notice: str = "", *, down: str = ""
    ) -> None:
        """``down``: why the board is not true now (the engine process is down, no engine
        serves the org, NATS is lost...), shown in red instead of counts that would not be."""
        self.show(status_text(view, label, notice, down=down, width=self.size.width))


# What the status bar gives up, in turn, until it fits: the time last heard, the app's
# name, a URL in the label, the long words, the source's name, a gap's seconds, the double
# spaces, the word PAUSED, counts of zero, the rate, the label's words after its first.
# The state, the counts that are not zero and the notices stay; past the last level the
# widget cuts the end (with an ellipsis).
_FIT_LEVELS = 12


def status_text(
    view: EngineView | None, label: str, notice: str = "", *, down: str = "", width: int = 0
) -> Text:
    """The status bar's line: the fullest form that fits ``width`` (0: not laid out yet)."""
    text = Text()
    for level in range(_FIT_LEVELS):
        text = _status_at(view, label, notice, down, level)
        if width <= 0 or text.cell_len <= width:
            break
    return text


def _status_at(view: EngineView | None, label: str, notice: str, down: str, level: int) -> Text:
    text = Text()
    if level < 2:
        text.append(" assist-tui ", "bold reverse")
    mode_style = "bold black on yellow" if label.startswith("DEMO") else "bold"
    text.append(f" {_label_at(label, level)} ", mode_style)
    if view is not None and not down and level < 5:
        source = view.source
        text.append(f" {source} " if level >= 4 else f" source {source} ", "bold reverse")
    if down:
        parts = [Text(f"✕ {down}", "bold white on red")]
    elif view is None:
        parts = [Text("starting…", "dim")]
    else:
        parts = _state_parts(view, level)
        if notice:
            parts.append(Text(notice, "dim italic"))
    separator = " " if level >= 7 else "  "
    for part in parts:
        text.append(separator)
        text.append_text(part)
    return text


# Why a reconnect is happening, in a word or two for the bar (the notices and the audit
# hold the platform's whole message): the first of these the detail mentions.
_WHY_SHORT = (
    ("429", "rate limited"),
    ("rate limit", "rate limited"),
    ("401", "token refused"),
    ("token", "token refused"),
    ("403", "permission refused"),
    ("heartbeat", "no heartbeat"),
    ("maintenance", "platform maintenance"),
    ("channel", "channel gone"),
)


def _why_short(detail: str) -> str:
    low = detail.lower()
    return next((short for word, short in _WHY_SHORT if word in low), "")


def _label_at(label: str, level: int) -> str:
    """The mode's label: whole; then without a URL (the emulator's, the bus's); last,
    its first word (DEMO, REPLAY, attached)."""
    if level >= 11 and label:
        return label.split()[0]
    if level >= 3:
        return " ".join(word for word in label.split() if "://" not in word)
    return label


def _state_parts(view: EngineView, level: int) -> list[Text]:
    short = level >= 4
    health = view.health
    if health is None or health.state is StreamState.CONNECTING:
        why = _why_short(health.detail) if health is not None else ""
        state = Text(f"○ connecting ({why})" if why and level < 4 else "○ connecting", "yellow")
    elif health.state is StreamState.CONNECTED:
        state = Text("● connected", "green")
        age = view.heartbeat_age_s
        if age is not None and level < 1:
            # Any sign of life counts (a heartbeat, an event, a pong), not only heartbeats.
            state.append(f" (heard {age:.0f} s ago)", "dim")
    elif health.state is StreamState.RECONNECTING:
        wait = f", next in {health.next_delay_s:.1f} s" if health.next_delay_s else ""
        why = _why_short(health.detail)
        because = f"; {why}" if why and level < 4 else ""
        said = f"attempt {health.attempt}{wait}{because}" if health.attempt else ""
        state = Text(f"◌ reconnecting ({said})" if said else "◌ reconnecting", "bold yellow")
    else:
        state = Text(f"✕ closed: {health.detail[:90]}", "red")
    rejected = view.rejected
    parts = [state]
    if level < 10:  # the rate goes before any count
        parts.append(Text(f"{view.rate:.1f} ev/s", "bold"))
    if view.reconnects or level < 9:  # a count of zero says nothing when room is short
        parts.append(Text(f"{'reconn' if short else 'reconnects'} {view.reconnects}"))
    if rejected or level < 9:
        parts.append(
            Text(f"{'rej' if short else 'rejected'} {rejected}", "red" if rejected else "")
        )
    if view.gaps:  # only once there is one: a clean run's bar stays as it was
        seconds = f" ({view.gap_seconds:.0f} s)" if level < 6 else ""
        parts.append(Text(f"gaps {view.gaps}{seconds}", "bold yellow"))
    if view.paused:
        paused = f"⏸ {view.paused}" if level >= 8 else f"⏸ PAUSED {view.paused}"
        parts.append(Text(paused, "bold black on yellow"))
    return parts


class HitsTable(KeyedList):
    """Hits, insights and suggestions of the selected conversation, newest first."""

    STICKY_TOP = True
    # A row is a hit (severity), an insight or a suggestion (its outcome): one column
    # says which applies, so a pane 26 columns wide still shows what matched and how bad.
    COLUMNS = (
        Column("when", 8, keep=4),
        Column("what", 9, keep=2),
        Column("rule / title", 12, keep=0, flex=True),
        Column("status", 9, keep=1),
        Column("rel", 4, keep=3),
    )
    SEVERITY = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "dim"}
    OUTCOME = {"delivered": "green", "failed": "red", "conversation inactive": "yellow"}

    BINDINGS = [
        Binding("enter", "open_entry", "Open whole"),
        Binding("c", "copy_entry", "Copy"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(self.COLUMNS, id=id)
        self._for: tuple[object, ...] | None = None
        self.content: ConversationContent | None = None  # for Enter and c (entry_detail.py)

    def _entry(self) -> tuple[str, str] | None:
        settings = getattr(self.app, "settings", None)
        target = settings.push.target if settings is not None else ""
        return entry_text(self.content, self.selected, target)

    def action_open_entry(self) -> None:
        found = self._entry()
        if found is not None:
            self.app.push_screen(RecordScreen(*found))

    def action_copy_entry(self) -> None:
        found = self._entry()
        if found is not None:
            self.app.copy_to_clipboard(f"{found[0]}\n{found[1]}")
            self.notify("copied to the clipboard")

    def sync_content(
        self, state: ConversationContent | None, *, new_conversation: bool = False
    ) -> None:
        """Show ``state``'s entries; for a ``new_conversation`` the cursor starts at the top."""
        self.content = state
        if state is None:
            self._for = None
            self.sync({})
            return
        # Worked out again only when its content changed, not on every line spoken.
        signature = (
            state.conversation_id,
            state.hit_count,
            state.insights[-1].insight_id if state.insights else None,
            tuple((s.suggestion_id, s.outcome) for s in state.suggestions),
        )
        if signature == self._for:
            return
        self._for = signature
        rows: list[tuple[datetime, str, tuple[Cell, ...]]] = []
        for hit in state.hits:
            key = f"hit {hit.utterance_id} {hit.rule_id} {hit.matched}"
            rows.append(
                (
                    hit.at,
                    key,
                    (
                        (_clock(hit.at), ""),
                        (hit.category, "bold"),
                        (f"“{hit.matched}” {hit.rule_id}", ""),
                        (hit.severity, self.SEVERITY.get(hit.severity, "")),
                        (f"{hit.relevance:.2f}", ""),
                    ),
                )
            )
        for insight in state.insights:
            rows.append(
                (
                    insight.received_at,
                    f"insight {insight.insight_id}",
                    (
                        (_clock(insight.received_at), ""),
                        (insight.insight_type, "bold magenta"),
                        (f"{insight.snippet[:70]} (conf {insight.confidence:.2f})", ""),
                        ("insight", "magenta"),
                        (f"{insight.relevance:.2f}", ""),
                    ),
                )
            )
        for suggestion in state.suggestions:
            outcome = suggestion.outcome.value
            rows.append(
                (
                    suggestion.at,
                    f"suggestion {suggestion.suggestion_id}",
                    (
                        (_clock(suggestion.at), ""),
                        ("→ agent", "italic"),
                        (suggestion.title, ""),
                        (outcome.replace("conversation ", ""), self.OUTCOME.get(outcome, "dim")),
                        ("", ""),
                    ),
                )
            )
        rows.sort(key=lambda r: r[0], reverse=True)
        shown: dict[str, tuple[Cell, ...]] = {}
        for _, key, cells in rows[:HITS_SHOWN]:
            while key in shown:  # the same rule on the same words twice in one utterance
                key += "+"
            shown[key] = cells
        if len(rows) > HITS_SHOWN:
            more = f"{len(rows) - HITS_SHOWN} older: audit log (l)"
            shown["older"] = (("", ""), ("…", "dim"), (more, "dim"), ("", ""), ("", ""))
        self.sync(shown, reset=new_conversation)


def _clock(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M:%S")


class Gauges(Vertical):
    """Audio quality, latency and confidence of the selected conversation; always live."""

    def __init__(
        self,
        quality: QualitySettings,
        warn_ms: float,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.quality = quality
        self.warn_ms = warn_ms

    def compose(self):  # type: ignore[no-untyped-def]
        yield TextPane(id="audio-gauges")
        yield Static("latency (recent finals)", classes="gauge-title")
        yield Sparkline([], id="latency-spark")
        yield TextPane(id="latency-gauges")

    def sync(self, state: ConversationGauges | None) -> None:
        audio = self.query_one("#audio-gauges", TextPane)
        latency_text = self.query_one("#latency-gauges", TextPane)
        spark = self.query_one("#latency-spark", Sparkline)
        if state is None:
            audio.show(Text("select a conversation", style="dim"))
            latency_text.show("")
            spark.data = []
            return
        audio_block = audio_text(state, self.quality)
        audio.show(audio_block)
        samples = list(state.latency_samples)
        if samples != spark.data:
            spark.data = samples
        latency_text.show(latency_block(state))
