"""The supervisor dashboard: the engine runs in a worker; the screen reads its state at a
bounded frame rate and sends commands back. Nothing here parses wire frames."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState

from assist_tui.audit.store import AuditStore
from assist_tui.config import Settings, data_dir
from assist_tui.engine.engine import AssistEngine
from assist_tui.headless import store_paths
from assist_tui.platform import open_platform
from assist_tui.sinks.outbox import Outbox
from assist_tui.ui.panes import NARROW_WIDTH, ConversationTable, Gauges, HitsTable, StatusBar
from assist_tui.ui.screens import AuditScreen, ConfirmScreen, SubscribeScreen
from assist_tui.ui.themes import DEFAULT_THEME, load_themes
from assist_tui.ui.transcript import TranscriptView

FRAME_RATE_HZ = 12
# Tables re-render whole rows on any cell change: they refresh at a lower rate (unless
# rows come or go); the transcript keeps the full frame rate.
TABLE_EVERY = 6  # frames: 2 Hz
GAUGES_EVERY = 3  # frames: 4 Hz


class AssistApp(App[None]):
    """``assist-tui``: watch live conversations, their hits, gauges and audit trail."""

    CSS_PATH = "app.tcss"
    TITLE = "assist-tui"
    BINDINGS = [
        Binding("s", "subscribe", "Subscribe", id="subscribe"),
        Binding("u", "unsubscribe", "Unsubscribe", id="unsubscribe"),
        Binding("p", "pause", "Pause", id="pause"),
        Binding("P", "pause_all", "Pause all", id="pause_all"),
        Binding("r", "reset", "Reset ctx", id="reset"),
        Binding("l", "audit", "Audit", id="audit"),
        Binding("e", "export", "Export", id="export"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("t", "theme", "Theme", id="theme"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
        Binding("f8", "save_screenshot", "Screenshot", id="screenshot", show=False),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        export_dir: Path | None = None,
        engine: AssistEngine | None = None,
    ) -> None:
        """``engine``: show this engine's state instead of starting one (replays, snapshots)."""
        super().__init__()
        self.settings = settings
        self.engine: AssistEngine | None = engine
        self._own_engine = engine is None
        self.label = "DEMO" if settings.use_emulator else settings.genesys.resolved_region.name
        self.export_dir = export_dir or data_dir() / "exports"
        self.audit: AuditStore | None = engine.audit if engine is not None else None
        self.notice = ""
        self._filter = ""
        self._engine_worker: Worker[None] | None = None
        # Cheap self-measurement, read by benchmarks/ui_load.py.
        self.started_at = time.perf_counter()
        self.first_frame_s: float | None = None
        self.frame_seconds: deque[float] = deque(maxlen=10_000)
        self._frame = 0

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """Speaker colours for themes (Textual's own included) that do not set them."""
        return {"agent": "#7FB3E6", "customer": "#F2C57C"}

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Input(placeholder="filter conversations (esc to clear)", id="conv-filter")
                yield ConversationTable(id="conversations")
            with Vertical(id="centre"):
                yield Static("transcript", id="transcript-title", classes="pane-title")
                yield TranscriptView(id="transcript")
            with Vertical(id="right"):
                yield Static("hits and suggestions", classes="pane-title")
                yield HitsTable(id="hits")
                yield Gauges(self.settings.quality, self.settings.latency.warn_ms, id="gauges")
        yield Footer()

    def on_mount(self) -> None:
        loaded = load_themes(data_dir() / "themes")
        for theme in loaded.themes:
            self.register_theme(theme)
        for problem in loaded.problems:
            self.notify(f"{problem}; using the built-in themes", severity="warning", timeout=8)
        self.theme = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        if self.settings.keys:
            self.set_keymap(self.settings.keys)
        self.query_one("#conv-filter", Input).display = False
        if self._own_engine:
            self._engine_worker = self.run_worker(
                self._run_engine(), name="engine", group="engine", exit_on_error=False
            )
        self.set_interval(1 / FRAME_RATE_HZ, self.refresh_view)
        self.query_one(ConversationTable).focus()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "narrow")

    async def _run_engine(self) -> None:
        audit_path, outbox_path = store_paths(self.settings)
        self.audit = AuditStore(audit_path)
        outbox = Outbox(outbox_path)
        try:
            async with open_platform(self.settings) as platform:
                self.label = platform.label
                self.engine = AssistEngine(self.settings, platform, audit=self.audit, outbox=outbox)
                await self.engine.run()
        finally:
            self.audit.close()
            outbox.close()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._engine_worker and event.state is WorkerState.ERROR:
            error = event.worker.error
            self.notice = f"engine stopped: {error}"
            self.notify(f"The engine stopped: {error}", severity="error", timeout=30)

    # -- the frame --------------------------------------------------------------------------
    def refresh_view(self) -> None:
        """Read engine state and update what changed; skipped while another screen shows."""
        if not self.screen_stack or self.screen is not self.screen_stack[0]:
            return
        try:
            status = self.query_one(StatusBar)
        except NoMatches:
            return  # the dashboard is being torn down
        started = time.perf_counter()
        try:
            self._refresh_panes(status)
        finally:
            done = time.perf_counter()
            self.frame_seconds.append(done - started)
            if self.first_frame_s is None:
                self.first_frame_s = done - self.started_at

    def _refresh_panes(self, status: StatusBar) -> None:
        engine = self.engine
        if engine is not None and engine.notices:
            self.notice = engine.notices[-1]
            self.notify(self.notice, timeout=8)
            engine.notices.clear()
        self._frame += 1
        with self.batch_update():
            if engine is None:
                status.update_from(engine, self.label, self.notice)
                return
            table = self.query_one(ConversationTable)
            slow_tick = self._frame % TABLE_EVERY == 0
            if slow_tick or table.row_count != len(engine.conversations) or self._filter:
                status.update_from(engine, self.label, self.notice)
                table.sync(engine, self._filter)
            selected = table.selected
            state = engine.conversations.get(selected) if selected else None
            transcript = self.query_one(TranscriptView)
            title = self.query_one("#transcript-title", Static)
            if state is None:
                transcript.clear()
                title.update("transcript: press s to subscribe, or wait for live calls")
            else:
                paused = " ⏸ paused: display frozen, engine buffering" if state.paused else ""
                title.update(f"transcript {state.conversation_id}{paused}")
                transcript.frozen = state.paused
                transcript.show(list(state.lines.values()))
            self.query_one(HitsTable).sync(state)
            if self._frame % GAUGES_EVERY == 0:
                self.query_one(Gauges).sync(state)

    @on(ConversationTable.RowHighlighted)
    def _selected(self) -> None:
        # A new selection shows at once: the panes it drives are redrawn right away.
        try:
            transcript = self.query_one(TranscriptView)
            table = self.query_one(ConversationTable)
        except NoMatches:
            return  # a highlight that arrives while the dashboard is torn down
        transcript.frozen = False
        engine = self.engine
        selected = table.selected
        state = engine.conversations.get(selected) if engine and selected else None
        if state is not None:
            transcript.show(list(state.lines.values()))
        self.query_one(HitsTable).sync(state)
        self.query_one(Gauges).sync(state)

    # -- actions ----------------------------------------------------------------------------
    def _selected_id(self) -> str | None:
        return self.query_one(ConversationTable).selected

    def _require_engine(self) -> AssistEngine | None:
        if self.engine is None or self.engine.stream is None:
            self.notify("the engine is still starting", severity="warning")
            return None
        return self.engine

    @work(exclusive=True, group="subscribe")
    async def action_subscribe(self) -> None:
        engine = self._require_engine()
        if engine is None:
            return
        try:
            live = await engine.live_conversations()
        except Exception as exc:
            self.notify(f"cannot list live conversations: {exc}", severity="error")
            live = []
        picked = await self.push_screen_wait(SubscribeScreen(live, set(engine.conversations)))
        if picked:
            rejected = await engine.subscribe(picked)
            for r in rejected:
                self.notify(f"refused: {r.topic} ({r.reason})", severity="warning")
            self.notify(f"subscribed {len(picked) - len(rejected)} conversation(s)")

    async def action_unsubscribe(self) -> None:
        engine = self._require_engine()
        cid = self._selected_id()
        if engine is None or cid is None:
            return
        await engine.unsubscribe([cid])
        self.notify(f"unsubscribed {cid[:8]}")

    def action_pause(self) -> None:
        engine = self._require_engine()
        cid = self._selected_id()
        if engine is None or cid is None:
            return
        state = engine.conversations.get(cid)
        if state is None:
            return
        if state.paused:
            engine.resume(cid)
            self.notify(f"resumed {cid[:8]}: caught up")
        else:
            engine.pause(cid)
            self.notify(f"paused {cid[:8]}: display frozen, gauges live, nothing lost")
        self._show_command_effect()

    def _show_command_effect(self) -> None:
        """Status and table show a command at once, not at their next slow refresh."""
        if self.engine is not None:
            self.query_one(StatusBar).update_from(self.engine, self.label, self.notice)
            self.query_one(ConversationTable).sync(self.engine, self._filter)

    def action_pause_all(self) -> None:
        engine = self._require_engine()
        if engine is None:
            return
        if any(not s.paused for s in engine.conversations.values()):
            engine.pause()
            self.notify("paused every conversation")
        else:
            engine.resume()
            self.notify("resumed every conversation")
        self._show_command_effect()

    @work(exclusive=True, group="reset")
    async def action_reset(self) -> None:
        engine = self._require_engine()
        cid = self._selected_id()
        if engine is None or cid is None:
            return
        question = f"Reset the context of {cid[:8]}? (partials, keyword context and cooldowns)"
        if await self.push_screen_wait(ConfirmScreen(question)):
            engine.reset_context(cid)
            self.notify(f"context of {cid[:8]} reset (audited)")

    def action_audit(self) -> None:
        if self.audit is None:
            self.notify("the audit store is not open yet", severity="warning")
            return
        self.push_screen(AuditScreen(self.audit, self.export_dir))

    def action_export(self) -> None:
        engine = self.engine
        cid = self._selected_id()
        state = engine.conversations.get(cid) if engine and cid else None
        if state is None:
            self.notify("select a conversation first", severity="warning")
            return
        self.export_dir.mkdir(parents=True, exist_ok=True)
        path = self.export_dir / f"transcript-{cid}-{datetime.now():%Y%m%d-%H%M%S}.txt"
        with path.open("w", encoding="utf-8") as out:
            out.write(f"# conversation {cid} (redacted)\n")
            for line in state.lines.values():
                if line.is_final:
                    stamp = line.received_at.astimezone().strftime("%H:%M:%S")
                    out.write(f"{stamp} {line.speaker.value:<8} {line.text}\n")
        self.notify(f"transcript saved to {path}")

    def action_filter(self) -> None:
        box = self.query_one("#conv-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#conv-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._filter = event.value.strip()

    @on(Input.Submitted, "#conv-filter")
    def _filter_done(self) -> None:
        self.query_one(ConversationTable).focus()

    def key_escape(self) -> None:
        box = self.query_one("#conv-filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.query_one(ConversationTable).focus()

    def action_theme(self) -> None:
        ours = [n for n in self.available_themes if n.startswith("assist-")] or ["textual-dark"]
        index = ours.index(self.theme) if self.theme in ours else -1
        self.theme = ours[(index + 1) % len(ours)]
        self.notify(f"theme: {self.theme}")

    def action_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_save_screenshot(self) -> None:
        self.export_dir.mkdir(parents=True, exist_ok=True)
        path = self.save_screenshot(path=str(self.export_dir))
        self.notify(f"screenshot saved to {path}")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every key binding is also a command-palette entry."""
        commands = list(super().get_system_commands(screen))
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.action not in ("quit",):
                commands.append(
                    SystemCommand(
                        binding.description, f"key {binding.key}", self._runner(binding.action)
                    )
                )
        return commands

    def _runner(self, action: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await self.run_action(action)

        return run
