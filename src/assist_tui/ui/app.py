"""The supervisor dashboard: the engine runs in its own process (started and watched by a
worker); the screen asks it for a view at a bounded frame rate and sends commands back.
Nothing here parses wire frames or runs the pipeline."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from assist_tui.config import Settings, data_dir
from assist_tui.engine.link import EngineCommandError, EngineLink, EngineStopped, LocalLink
from assist_tui.engine.remote import EngineProcess
from assist_tui.engine.snapshot import ConversationContent, ConversationRow, EngineView
from assist_tui.engine.supervisor import EngineSupervisor, Runnable
from assist_tui.files import private_dir, private_file, private_output
from assist_tui.ui import theme_choice
from assist_tui.ui.alert_notify import AlertNotifier, supervisor_name
from assist_tui.ui.alerts_pane import AlertsPane
from assist_tui.ui.ended_screen import EndedScreen
from assist_tui.ui.footer import DashboardFooter
from assist_tui.ui.help_screen import HelpScreen, bound_keys, palette_commands
from assist_tui.ui.notices import NoticeLog, NoticesScreen
from assist_tui.ui.panes import (
    MEDIUM_WIDTH,
    NARROW_WIDTH,
    SHORT_HEIGHT,
    TINY_WIDTH,
    ConversationTable,
    Gauges,
    HitsTable,
    StatusBar,
    TextPane,
)
from assist_tui.ui.screens import AuditScreen, ConfirmScreen, SubscribeScreen
from assist_tui.ui.themes import DEFAULT_THEME, load_themes
from assist_tui.ui.transcript import TranscriptView

if TYPE_CHECKING:
    from assist_tui.engine.engine import AssistEngine

FRAME_RATE_HZ = 12
# Tables re-render whole rows on any cell change: they refresh at a lower rate (unless a
# command just changed them); the transcript keeps the full frame rate.
TABLE_EVERY = 6  # frames: 2 Hz
GAUGES_EVERY = 3  # frames: 4 Hz
COMMAND_ERRORS = (EngineCommandError, EngineStopped)
GC_THRESHOLDS = (10_000, 20, 50)  # Python's defaults: 700, 10, 10


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
        Binding("E", "ended", "Ended calls", id="ended"),
        Binding("t", "theme", "Theme", id="theme"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
        Binding("f8", "save_screenshot", "Screenshot", id="screenshot", show=False),
        Binding("R", "restart_engine", "Restart engine", id="restart_engine", show=False),
        Binding("n", "notices", "Notices", id="notices", show=False),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        export_dir: Path | None = None,
        engine: AssistEngine | None = None,
        link: EngineLink | None = None,
    ) -> None:
        """``engine``: show this in-process engine instead of starting the engine process
        (replays, snapshot tests). ``link``: show an engine elsewhere (``--attach``)."""
        super().__init__()
        self.settings = settings
        self.label = "DEMO" if settings.use_emulator else settings.genesys.resolved_region.name
        self.link: EngineLink | None = LocalLink(engine, self.label) if engine is not None else None
        if link is not None:
            self.link, self.label = link, link.label
        self.view: EngineView | None = None  # the latest frame's view of the engine
        self.rows: tuple[ConversationRow, ...] = ()
        self.export_dir = export_dir or data_dir() / "exports"
        self.notice = ""
        self._filter = ""
        self._content: ConversationContent | None = None
        self._gauges_for: str | None = None
        self._frame_due = asyncio.Event()
        self._rows_due = True
        self._engine_worker: Worker[None] | None = None
        self.supervisor = EngineSupervisor()  # restarts a dead engine process
        # Cheap self-measurement, read by benchmarks/ui_load.py.
        self.started_at = time.perf_counter()
        self.first_frame_s: float | None = None
        self.frame_seconds: deque[float] = deque(maxlen=10_000)
        self._frame = 0
        self._theme_cycle: list[str] = []
        self.notices = NoticeLog()
        self._alert_notifier = AlertNotifier(settings.ui, self.bell)
        self._jump_to: tuple[str, str | None, int | None] | None = None  # from the alerts pane

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
                yield TextPane("transcript", id="transcript-title", classes="pane-title")
                yield TranscriptView(id="transcript")
            with Vertical(id="right"):
                yield TextPane("alerts · ⏎ jump · a ack", id="alerts-title", classes="pane-title")
                yield AlertsPane(id="alerts")
                yield Static("hits and suggestions", classes="pane-title")
                yield HitsTable(id="hits")
                yield Gauges(self.settings.quality, self.settings.latency.warn_ms, id="gauges")
        yield DashboardFooter()

    def on_mount(self) -> None:
        loaded = load_themes(data_dir() / "themes")
        for theme in loaded.themes:
            self.register_theme(theme)
        for problem in loaded.problems:
            self.notices.add(f"{problem}; using the built-in themes")
        self._theme_cycle = [theme.name for theme in loaded.themes]  # built-in, then user's
        configured = self.settings.ui.theme
        if configured and configured not in self.available_themes:
            self.notices.add(f"[ui] theme {configured!r} is not a theme here; the default is used")
        remembered = theme_choice.read_state(theme_choice.state_path())
        self.theme = theme_choice.start_theme(
            list(self.available_themes), configured, remembered, DEFAULT_THEME
        )
        if self.settings.keys:
            self.set_keymap(self.settings.keys)
        self.query_one("#conv-filter", Input).display = False
        if self.link is None:
            self._engine_worker = self.run_worker(
                self._run_engine(), name="engine", group="engine", exit_on_error=False
            )
        self.run_worker(self._frames(), name="frames", group="frames")
        self.query_one(ConversationTable).focus()
        # A full collection walks every live object (Textual's caches hold a great many):
        # 100-200 ms in which no key is read. What exists after start-up is never garbage,
        # so it is frozen out of the walk, and full collections are made rarer.
        self._gc_thresholds = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)

    def _on_exit_gc(self) -> None:
        gc.set_threshold(*self._gc_thresholds)
        gc.unfreeze()

    def on_resize(self, event: events.Resize) -> None:
        # The event's size: this handler runs before App's own updates ``self.size``, so
        # reading that kept the previous width (narrow stayed narrow after growing again).
        self.set_class(event.size.width < NARROW_WIDTH, "narrow")
        self.set_class(NARROW_WIDTH <= event.size.width < MEDIUM_WIDTH, "medium")
        self.set_class(event.size.height < SHORT_HEIGHT, "short")
        self.set_class(event.size.width < TINY_WIDTH, "tiny")  # side panes go: see app.tcss

    async def _run_engine(self) -> None:
        await self.supervisor.run(lambda: EngineProcess.start(self.settings), self._engine_link)

    def _engine_link(self, process: Runnable | None) -> None:
        """A new engine process, or None the moment one died (the status bar says why)."""
        if isinstance(process, EngineProcess):
            self.link = process
            self.label = process.label
            self._rows_due = True
            if self.supervisor.restarts:
                self.notify("engine restarted; transcripts restored from the audit store")
                demo = (
                    " (demo: its emulator started again, with new calls)"
                    if process.label.startswith("DEMO")
                    else ""
                )
                self.notices.add(f"{_now()} the engine was restarted{demo}")
            return
        self.link = None
        self.notify(f"The engine stopped: {self.supervisor.failure}", severity="error", timeout=8)
        # Kept on the notices screen (n): a toast is gone in seconds, and so is the board.
        self.notices.add(f"{_now()} the engine stopped: {self.supervisor.failure}")
        with contextlib.suppress(NoMatches):
            self.query_one(StatusBar).update_from(self.view, self.label, down=self._down())

    def _down(self) -> str:
        silence = getattr(self.link, "silence", None)  # an attached link: the engine's quiet
        if silence is not None:
            return str(silence())
        supervisor = self.supervisor
        if supervisor.failure is None:
            return ""
        wait = supervisor.seconds_to_restart()
        when = f"restart in {wait:.1f} s, R now" if wait else "restarting"
        return f"ENGINE DOWN: {supervisor.failure} ({when})"

    async def on_unmount(self) -> None:
        self._on_exit_gc()
        # Workers are cancelled, not awaited, at exit: the engine is closed here, in order.
        if isinstance(self.link, EngineProcess):
            await self.link.close()
        elif (leave := getattr(self.link, "aclose", None)) is not None:
            await leave()  # attached: presence deleted, the bus left in order

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._engine_worker and event.state is WorkerState.ERROR:
            error = event.worker.error
            self.notice = f"engine stopped: {error}"
            self.notify(f"The engine stopped: {error}", severity="error", timeout=30)
            with contextlib.suppress(NoMatches):
                self.query_one(StatusBar).update_from(self.view, self.label, self.notice)

    # -- the frame --------------------------------------------------------------------------
    async def _frames(self) -> None:
        """A frame at the frame rate, or at once when a key asks for one."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._frame_due.wait(), 1 / FRAME_RATE_HZ)
            self._frame_due.clear()
            await self.refresh_view()

    async def refresh_view(self) -> None:
        """Ask the engine for a view and show what changed; skipped while another screen
        shows. Only the drawing counts as frame time (the engine answers meanwhile)."""
        if not self.screen_stack or self.screen is not self.screen_stack[0]:
            return
        try:
            status = self.query_one(StatusBar)
            table = self.query_one(ConversationTable)
        except NoMatches:
            return  # the dashboard is being torn down
        link = self.link
        if link is None:
            status.update_from(self.view, self.label, self._status_notice(), down=self._down())
            self._frame_drawn(time.perf_counter())
            return
        self._frame += 1
        rows = self._rows_due or self._frame % TABLE_EVERY == 0 or bool(self._filter)
        selected = table.selected
        content = self._content
        known = content.version if content and content.conversation_id == selected else None
        try:
            view = await link.view(selected, rows=rows, known_version=known)
        except COMMAND_ERRORS:
            return  # the engine worker reports it
        started = time.perf_counter()
        try:
            self._show(view, selected)
        except NoMatches:
            return
        self._frame_drawn(started)

    def _frame_drawn(self, started: float) -> None:
        done = time.perf_counter()
        self.frame_seconds.append(done - started)
        if self.first_frame_s is None:
            self.first_frame_s = done - self.started_at

    def _show(self, view: EngineView, selected: str | None) -> None:
        self.view = view
        for notice in view.notices:  # to the notices screen (n), counted on the status bar
            self.notices.add(notice)
        table = self.query_one(ConversationTable)
        with self.batch_update():
            if view.rows is not None:
                self._rows_due = False
                self.rows = view.rows
                self.query_one(StatusBar).update_from(
                    view, self.label, self._status_notice(), down=self._down()
                )
                table.sync_rows(view.rows, self._filter)
            if view.alerts is not None:
                names = {r.conversation_id: r.agent_name or "" for r in self.rows}
                alerts = self.query_one(AlertsPane)
                alerts.sync_alerts(view.alerts, names)
                self.query_one("#alerts-title", TextPane).show(alerts.title())
                self._alert_notifier.seen(view.alerts, names)
            if table.selected != selected:
                self._frame_due.set()  # the selection moved meanwhile: its own frame follows
                return
            switched = False
            if view.content is not None:
                before = self._content
                switched = before is None or before.conversation_id != view.content.conversation_id
                self._content = view.content
            content = self._content if view.gauges is not None else None
            transcript = self.query_one(TranscriptView)
            title = self.query_one("#transcript-title", TextPane)
            if view.gauges is None or content is None:
                transcript.clear()
                title.show("transcript: press s to subscribe, or wait for live calls")
                self.query_one(HitsTable).sync_content(None)
                self.query_one(Gauges).sync(None)
                self._gauges_for = None
                return
            paused = " ⏸ paused: display frozen, engine buffering" if view.gauges.paused else ""
            # First: the title is one line, and the call's id fills a narrow pane.
            also = f"also watching: {', '.join(view.watching)} · " if view.watching else ""
            title.show(f"{also}transcript {content.conversation_id}{paused}")
            transcript.frozen = view.gauges.paused
            if view.content is not None:
                transcript.show(content.lines, from_bottom=switched)
                jump = self._jump_to
                if jump is not None and jump[0] == content.conversation_id:
                    self._jump_to = None
                    transcript.scroll_to_moment(jump[1], jump[2])
                self.query_one(HitsTable).sync_content(content, new_conversation=switched)
            else:
                transcript.refit()
            # Gauges at their own rate, and at once for a newly selected conversation.
            if self._frame % GAUGES_EVERY == 0 or self._gauges_for != content.conversation_id:
                self._gauges_for = content.conversation_id
                self.query_one(Gauges).sync(view.gauges)

    @on(ConversationTable.RowHighlighted, "#conversations")
    def _selected(self) -> None:
        # A new selection shows at once: a frame is asked for now, not at the next tick.
        with contextlib.suppress(NoMatches):
            self.query_one(TranscriptView).frozen = False
        self._frame_due.set()

    @on(AlertsPane.Jump)
    def _jump(self, event: AlertsPane.Jump) -> None:
        """The alert's call is selected and its transcript scrolled to the moment."""
        alert = event.alert
        if not self.query_one(ConversationTable).select(alert.conversation_id):
            self.notify("that call has left the board: E lists ended calls", severity="warning")
            return
        self._jump_to = (alert.conversation_id, alert.utterance_id, alert.call_offset_ms)
        self._content = None  # the content comes again, and the transcript scrolls to it
        self._frame_due.set()

    @on(AlertsPane.Acknowledge)
    async def _acknowledge(self, event: AlertsPane.Acknowledge) -> None:
        link = self._require_link()
        if link is not None:
            who = supervisor_name(self.settings.ui)
            done = f"alert acknowledged by {who} (audited)"
            await self._command(link.acknowledge(event.alert.alert_id, who), done)

    @work(exclusive=True, group="ended")
    async def action_ended(self) -> None:
        link = self._require_link()
        if link is None:
            return
        try:
            ended = await link.ended_conversations()
        except COMMAND_ERRORS as exc:
            self.notify(f"cannot list ended calls: {exc}", severity="error")
            return
        picked = await self.push_screen_wait(EndedScreen(ended))
        if picked:
            await self._command(link.reopen(picked), f"reopened {picked[:8]}")
            self.query_one(ConversationTable).select(picked)

    # -- actions ----------------------------------------------------------------------------
    def _selected_id(self) -> str | None:
        return self.query_one(ConversationTable).selected

    def _require_link(self) -> EngineLink | None:
        if self.link is None and self.supervisor.failure is not None:
            self.notify(f"the engine is down: {self.supervisor.failure}; R restarts it now")
            return None
        if self.link is None or self.view is None or not self.view.ready:
            self.notify("the engine is still starting", severity="warning")
            return None
        return self.link

    async def _command(self, command: Awaitable[object], done: str) -> None:
        """Run one engine command; say what it did, or why it was refused."""
        try:
            await command
        except COMMAND_ERRORS as exc:
            self.notify(f"refused: {exc}", severity="error")
            return
        self.notify(done)
        await self._show_rows_now()

    async def _show_rows_now(self) -> None:
        """The table and status show a command at once, not at their next slow refresh."""
        self._rows_due = True
        await self.refresh_view()

    def _is_paused(self, cid: str) -> bool | None:
        view = self.view
        if view is not None and view.gauges is not None and view.gauges.conversation_id == cid:
            return view.gauges.paused
        return next((r.paused for r in self.rows if r.conversation_id == cid), None)

    @work(exclusive=True, group="subscribe")
    async def action_subscribe(self) -> None:
        link = self._require_link()
        if link is None:
            return
        try:
            live = await link.live_conversations()
        except COMMAND_ERRORS as exc:
            self.notify(f"cannot list live conversations: {exc}", severity="error")
            live = []
        following = {r.conversation_id for r in self.rows}
        picked = await self.push_screen_wait(SubscribeScreen(live, following))
        if not picked:
            return
        try:
            rejected = await link.subscribe(picked)
        except COMMAND_ERRORS as exc:
            self.notify(f"cannot subscribe: {exc}", severity="error")
            return
        for r in rejected:
            self.notify(f"refused: {r.topic} ({r.reason})", severity="warning")
        self.notify(f"subscribed {len(picked) - len(rejected)} conversation(s)")
        await self._show_rows_now()

    @work(exclusive=True, group="unsubscribe")
    async def action_unsubscribe(self) -> None:
        link = self._require_link()
        cid = self._selected_id()
        if link is None or cid is None:
            return
        question = (
            f"Stop following {cid[:8]}? Its transcript and hits leave the screen; the audit "
            "log keeps every record of it, and s subscribes it again."
        )
        if await self.push_screen_wait(ConfirmScreen(question)):
            await self._command(link.unsubscribe([cid]), f"unsubscribed {cid[:8]}")

    async def action_pause(self) -> None:
        link = self._require_link()
        cid = self._selected_id()
        if link is None or cid is None:
            return
        paused = self._is_paused(cid)
        if paused is None:
            return
        if paused:
            await self._command(link.resume(cid), f"resumed {cid[:8]}: caught up")
        else:
            await self._command(
                link.pause(cid), f"paused {cid[:8]}: display frozen, gauges live, nothing lost"
            )

    async def action_pause_all(self) -> None:
        link = self._require_link()
        if link is None:
            return
        if any(not r.paused for r in self.rows):
            await self._command(link.pause(), "paused every conversation")
        else:
            await self._command(link.resume(), "resumed every conversation")

    @work(exclusive=True, group="reset")
    async def action_reset(self) -> None:
        link = self._require_link()
        cid = self._selected_id()
        if link is None or cid is None:
            return
        question = f"Reset the context of {cid[:8]}? (partials, keyword context and cooldowns)"
        if await self.push_screen_wait(ConfirmScreen(question)):
            await self._command(link.reset_context(cid), f"context of {cid[:8]} reset (audited)")

    def action_audit(self) -> None:
        elsewhere = getattr(self.link, "audit_elsewhere", None)  # attached: not on this machine
        if elsewhere:
            self.notify(str(elsewhere), severity="warning", timeout=8)
            return
        if self.link is None:
            self.notify("the audit store is not open yet", severity="warning")
            return
        self.push_screen(
            AuditScreen(
                self.link.audit_path, self.export_dir, self.link.flush_audit, self.settings.audit
            )
        )

    async def action_export(self) -> None:
        link = self.link
        cid = self._selected_id()
        content: ConversationContent | None = None
        if link is not None and cid is not None:
            with contextlib.suppress(*COMMAND_ERRORS):
                content = (await link.view(cid, rows=False)).content
        if cid is None or content is None:
            self.notify("select a conversation first", severity="warning")
            return
        private_dir(self.export_dir)
        path = self.export_dir / f"transcript-{cid}-{datetime.now():%Y%m%d-%H%M%S}.txt"
        with private_output(path) as out:
            out.write(f"# conversation {cid} (redacted)\n")
            for line in content.lines:
                if line.is_final:
                    stamp = line.received_at.astimezone().strftime("%H:%M:%S")
                    out.write(f"{stamp} {line.speaker.value:<8} {line.text}\n")
        self.notify(f"transcript saved: {Path(path).name} in {Path(path).parent}")

    def action_filter(self) -> None:
        box = self.query_one("#conv-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#conv-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._filter = event.value.strip()
        self._rows_due = True
        self._frame_due.set()

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
        cycle = self._theme_cycle or ["textual-dark"]
        self.theme = theme_choice.next_theme(self.theme, cycle)
        theme_choice.remember(theme_choice.state_path(), self.theme, self.settings.ui.theme)
        self.notify(f"theme: {self.theme} (remembered)")

    def action_help(self) -> None:
        self.push_screen(HelpScreen(bound_keys(self)))

    def action_restart_engine(self) -> None:
        if self.supervisor.failure is None:
            self.notify("the engine is running")
            return
        self.supervisor.restart_now()
        self.notify("restarting the engine")

    async def action_quit(self) -> None:
        """Quit; after an engine failure this session the exit status is 1, with why."""
        supervisor = self.supervisor
        if supervisor.failures:
            self.exit(
                return_code=1,
                message=f"assist-tui: the engine failed {supervisor.failures} time(s) this "
                f"session (last: {supervisor.last_failure}); see the log for details",
            )
        else:
            self.exit()

    def _status_notice(self) -> str:
        """The engine's failure if any, else the notice count (the prose is on ``n``)."""
        return self.notice or self.notices.badge()

    def action_notices(self) -> None:
        self.push_screen(NoticesScreen(self.notices))

    def action_save_screenshot(self) -> None:
        private_dir(self.export_dir)
        path = self.save_screenshot(path=str(self.export_dir))
        private_file(Path(path))
        self.notify(f"screenshot saved: {Path(path).name} in {Path(path).parent}")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Toasts show their text as it is: "[audit] path" in a reason or a config key is
        not markup (Textual's default read it as a tag and dropped it)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # -- the panes' actions, for the command palette (help_screen.PANE_ACTIONS) -----------
    def action_acknowledge_alert(self) -> None:
        self.query_one(AlertsPane).action_acknowledge()

    def action_jump_to_alert(self) -> None:
        self.query_one(AlertsPane).action_open_alert()

    def action_open_entry(self) -> None:
        self.query_one(HitsTable).action_open_entry()

    def action_copy_transcript(self) -> None:
        self.query_one(TranscriptView).action_copy()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action once, saying what it does (help_screen.ACTIONS); Textual's own
        Theme, Screenshot and Keys entries give way to ours."""
        return palette_commands(self, super().get_system_commands(screen), self._runner)

    def _runner(self, action: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await self.run_action(action)

        return run


def _now() -> str:
    return datetime.now().astimezone().strftime("%H:%M:%S")
