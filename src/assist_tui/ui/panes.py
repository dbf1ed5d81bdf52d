"""The dashboard's panes other than the transcript: status bar, conversations, hits and
suggestions, gauges. Each takes plain engine state and updates only what changed."""

from __future__ import annotations

from datetime import datetime, timezone

from rich.text import Text
from textual.containers import Vertical
from textual.widgets import DataTable, Sparkline, Static

from assist_tui.config import QualitySettings
from assist_tui.engine.conversation import ConversationState
from assist_tui.engine.engine import AssistEngine
from assist_tui.model import AudioStatus, StreamState

NARROW_WIDTH = 100  # below this many columns the layout and the status bar go compact

AUDIO_BADGES = {
    AudioStatus.UNKNOWN: ("·", "dim"),
    AudioStatus.GOOD: ("good", "green"),
    AudioStatus.DEGRADED: ("degraded", "yellow"),
    AudioStatus.BAD: ("BAD", "bold red"),
}


def _duration(state: ConversationState) -> str:
    end = state.ended_at or datetime.now(timezone.utc)
    seconds = int((end - state.first_seen).total_seconds())
    return f"{seconds // 60:d}:{seconds % 60:02d}"


class StatusBar(Static):
    """Mode, connection, rates, reconnects, rejected frames, paused state."""

    def update_from(self, engine: AssistEngine | None, label: str, notice: str = "") -> None:
        text = Text()
        # At 80 columns the counts matter more than the emulator's URL and the app's name.
        compact = 0 < self.size.width < NARROW_WIDTH
        if not compact:
            text.append(" assist-tui ", "bold reverse")
        mode_style = "bold black on yellow" if label.startswith("DEMO") else "bold"
        text.append(f" {label.split()[0] if compact and label else label} ", mode_style)
        if engine is not None:
            source = engine.platform.source
            text.append(f" {source} " if compact else f" source {source} ", "bold reverse")
        if engine is None:
            text.append("  starting…", "dim")
            self.update(text)
            return
        health = engine.health
        if health is None or health.state is StreamState.CONNECTING:
            text.append("  ○ connecting", "yellow")
        elif health.state is StreamState.CONNECTED:
            text.append("  ● connected", "green")
            age = engine.stream.heartbeat_age() if engine.stream else None
            if age is not None and not compact:
                alive = "heartbeat" if engine.platform.source == "notifications" else "last frame"
                text.append(f" ({alive} {age:.0f} s ago)", "dim")
        elif health.state is StreamState.RECONNECTING:
            wait = f", next in {health.next_delay_s:.1f} s" if health.next_delay_s else ""
            text.append(f"  ◌ reconnecting (attempt {health.attempt}{wait})", "bold yellow")
        else:
            text.append(f"  ✕ closed: {health.detail[:90]}", "red")
        m = engine.metrics
        text.append(f"  {m.rate.rate():.1f} ev/s", "bold")
        text.append(f"  {'reconn' if compact else 'reconnects'} {engine.reconnects}")
        rejected = m.rejected_total
        text.append(f"  {'rej' if compact else 'rejected'} {rejected}", "red" if rejected else "")
        paused = sum(1 for s in engine.conversations.values() if s.paused)
        if paused:
            text.append(f"  ⏸ PAUSED {paused}", "bold black on yellow")
        if notice:
            text.append(f"  {notice}", "dim italic")
        self.update(text)


class ConversationTable(DataTable[Text | str]):
    """Subscribed conversations by key: rows added, updated cell by cell, removed."""

    COLUMNS = ("conversation", "queue / agent", "time", "last", "hits", "audio", "p95", "")

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for name in self.COLUMNS:
            self.add_column(name, key=name)
        self._shown: dict[str, tuple[object, ...]] = {}

    def sync(self, engine: AssistEngine, text_filter: str = "") -> None:
        wanted = {
            cid: state
            for cid, state in engine.conversations.items()
            if not text_filter or text_filter.lower() in self._haystack(state)
        }
        for cid in [c for c in self._shown if c not in wanted]:
            self.remove_row(cid)
            del self._shown[cid]
        for cid, state in wanted.items():
            row = self._row(state)
            old = self._shown.get(cid)
            if old is None:
                self.add_row(*row, key=cid)
            else:
                for column, (before, after) in zip(
                    self.COLUMNS, zip(old, row, strict=True), strict=True
                ):
                    if before != after:
                        self.update_cell(cid, column, after)
            self._shown[cid] = row

    @staticmethod
    def _haystack(state: ConversationState) -> str:
        return f"{state.conversation_id} {state.queue_id or ''} {state.agent_name or ''}".lower()

    @staticmethod
    def _row(state: ConversationState) -> tuple[Text | str, ...]:
        badge, style = AUDIO_BADGES[state.verdict.status]
        latency = state.latency.summary()
        who = (state.agent_name or (state.queue_id or "")[:8] or "·")[:16]
        last = state.last_speaker.value if state.last_speaker else "·"
        marks = ("⏸" if state.paused else "") + (" ended" if state.ended_at else "")
        return (
            state.conversation_id[:8],
            who,
            _duration(state),
            last,
            str(state.hit_count),
            Text(badge, style=style),
            f"{latency.p95_ms:.0f} ms" if latency else "·",
            marks,
        )

    @property
    def selected(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return str(key.value) if key.value is not None else None


class HitsTable(DataTable[Text | str]):
    """Hits, insights and suggestions of the selected conversation, newest first."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        for name in ("when", "what", "rule / title", "sev", "rel", "outcome"):
            self.add_column(name, key=name)
        self._for: str | None = None
        self._signature: tuple[object, ...] = ()

    def sync(self, state: ConversationState | None) -> None:
        if state is None:
            if self._for is not None:
                self.clear()
                self._for, self._signature = None, ()
            return
        # Rebuilt only when its content changed, not on every event of the conversation.
        signature = (
            state.hit_count,
            state.insights[-1].insight_id if state.insights else None,
            tuple((s.suggestion_id, s.outcome) for s in state.suggestions.values()),
        )
        if state.conversation_id == self._for and signature == self._signature:
            return
        self.clear()
        self._for, self._signature = state.conversation_id, signature
        rows: list[tuple[datetime, tuple[Text | str, ...]]] = []
        severity = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "dim"}
        for hit in state.hits:
            rows.append(
                (
                    hit.at,
                    (
                        hit.at.astimezone().strftime("%H:%M:%S"),
                        Text(hit.category, style="bold"),
                        f"{hit.rule_id}: “{hit.matched}”",
                        Text(hit.severity, style=severity.get(hit.severity, "")),
                        f"{hit.relevance:.2f}",
                        "",
                    ),
                )
            )
        for insight in state.insights:
            rows.append(
                (
                    insight.received_at,
                    (
                        insight.received_at.astimezone().strftime("%H:%M:%S"),
                        Text(f"insight {insight.insight_type}", style="bold magenta"),
                        f"{insight.snippet[:70]} (conf {insight.confidence:.2f})",
                        "",
                        f"{insight.relevance:.2f}",
                        "",
                    ),
                )
            )
        outcome_style = {"delivered": "green", "failed": "red", "conversation inactive": "yellow"}
        for suggestion in state.suggestions.values():
            rows.append(
                (
                    suggestion.at,
                    (
                        suggestion.at.astimezone().strftime("%H:%M:%S"),
                        Text("→ agent", style="italic"),
                        suggestion.title,
                        "",
                        "",
                        Text(
                            suggestion.outcome.value,
                            style=outcome_style.get(suggestion.outcome.value, "dim"),
                        ),
                    ),
                )
            )
        for _, row in sorted(rows, key=lambda r: r[0], reverse=True):
            self.add_row(*row)


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
        yield Static(id="audio-gauges")
        yield Static("latency (recent finals)", classes="gauge-title")
        yield Sparkline([], id="latency-spark")
        yield Static(id="latency-gauges")

    def sync(self, state: ConversationState | None) -> None:
        audio = self.query_one("#audio-gauges", Static)
        latency_text = self.query_one("#latency-gauges", Static)
        spark = self.query_one("#latency-spark", Sparkline)
        if state is None:
            audio.update(Text("select a conversation", style="dim"))
            latency_text.update("")
            spark.data = []
            return
        q = self.quality
        metrics = state.audio
        text = Text()
        badge, style = AUDIO_BADGES[state.verdict.status]
        text.append("audio ", "bold")
        text.append(f"{badge}\n", style)

        def gauge(label: str, value: float | None, unit: str, ok: bool | None) -> None:
            shown = "·" if value is None else f"{value:.1f}{unit}"
            colour = "dim" if ok is None else ("green" if ok else "red")
            text.append(f"{label:<7}", "dim")
            text.append(f"{shown:>9}\n", colour)

        snr = metrics.snr_db if metrics else None
        jitter = metrics.jitter_ms if metrics else None
        loss = metrics.packet_loss_pct if metrics else None
        mos = metrics.mos if metrics else None
        gauge("SNR", snr, " dB", None if snr is None else snr >= q.min_snr_db)
        gauge("jitter", jitter, " ms", None if jitter is None else jitter <= q.max_jitter_ms)
        gauge("loss", loss, " %", None if loss is None else loss <= q.max_packet_loss_pct)
        gauge("MOS", mos, "", None if mos is None else mos >= q.min_mos)
        conf = state.mean_confidence
        gauge(
            "ASR", None if conf is None else conf * 100, " %", None if conf is None else conf >= 0.7
        )
        for reason in state.verdict.reasons[:3]:
            text.append(f"· {reason}\n", "yellow")
        audio.update(text)
        samples = list(state.latency.samples)[-60:]
        spark.data = samples
        summary = state.latency.summary()
        if summary is None:
            latency_text.update(Text("no finals yet", style="dim"))
        else:
            latency_text.update(
                Text.assemble(
                    (
                        f"p50 {summary.p50_ms:.0f}  p95 {summary.p95_ms:.0f}  "
                        f"p99 {summary.p99_ms:.0f} ms\n",
                        "",
                    ),
                    (f"under {self.warn_ms:.0f} ms: {summary.under_threshold * 100:.0f}%", "bold"),
                )
            )
