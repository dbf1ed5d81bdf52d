"""Screens beyond the dashboard: subscribe dialog, confirmation, audit log."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from assist_tui.audit.export import export
from assist_tui.audit.opening import verify_key
from assist_tui.audit.store import AuditReader, canonical
from assist_tui.audit.verify import verify_store
from assist_tui.config import AuditSettings, ConfigError
from assist_tui.engine.link import EngineCommandError, EngineStopped
from assist_tui.files import private_dir, private_output
from assist_tui.model import LiveConversation

CONVERSATION_ID = re.compile(r"^[0-9a-fA-F-]{8,64}$")


def _age(started: datetime | None) -> str:
    if started is None:
        return "?"
    seconds = int((datetime.now(timezone.utc) - started).total_seconds())
    return f"{seconds // 60}m{seconds % 60:02d}s"


class ConfirmScreen(ModalScreen[bool]):
    """Yes or no, keyboard first (y / n / escape)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "Cancel"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="question")
            with Horizontal(id="buttons"):
                yield Button("Yes (y)", variant="warning", id="yes")
                yield Button("No (n)", id="no")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class SubscribeScreen(ModalScreen[list[str]]):
    """Live conversations with queue and age: type to filter, space to pick, enter to
    subscribe; or paste a conversation id and press enter. ``a`` subscribes all shown."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+a", "all", "Subscribe all shown"),
        Binding("enter", "subscribe", "Subscribe", priority=True),
    ]

    def __init__(self, live: list[LiveConversation], following: set[str]) -> None:
        super().__init__()
        self.live = [c for c in live if c.conversation_id not in following]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(
                f"Subscribe: {len(self.live)} live conversation(s) not yet followed", id="title"
            )
            yield Input(
                placeholder="filter by id, queue or agent — or paste a conversation id", id="filter"
            )
            yield SelectionList[str](id="choices")
            yield Static(
                "type to filter · tab, then space: pick · enter: subscribe picked, the only "
                "match, or a pasted id · ctrl+a: all shown · esc",
                classes="hint",
            )

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#filter", Input).focus()

    def _shown(self, text: str) -> list[LiveConversation]:
        needle = text.strip().lower()
        return [
            c
            for c in self.live
            if not needle
            or needle in f"{c.conversation_id} {c.queue_id or ''} {c.agent_name or ''}".lower()
        ]

    def _fill(self, text: str) -> None:
        choices = self.query_one("#choices", SelectionList)
        picked = set(choices.selected)
        choices.clear_options()
        for c in self._shown(text):
            label = (
                f"{c.conversation_id[:8]}  {(c.agent_name or '?'):<18} "
                f"queue {(c.queue_id or '?')[:8]}  age {_age(c.started_at)}"
            )
            choices.add_option(Selection(label, c.conversation_id, c.conversation_id in picked))
        if choices.option_count:
            choices.highlighted = 0

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def action_all(self) -> None:
        self.dismiss(
            [c.conversation_id for c in self._shown(self.query_one("#filter", Input).value)]
        )

    def action_subscribe(self) -> None:
        choices = self.query_one("#choices", SelectionList)
        picked = list(choices.selected)
        typed = self.query_one("#filter", Input).value.strip()
        shown = self._shown(typed)
        if not picked and len(shown) == 1:
            picked = [shown[0].conversation_id]  # the filter left exactly one
        elif not picked and CONVERSATION_ID.match(typed) and not shown:
            picked = [typed]  # a pasted id the platform did not list
        elif not picked and choices.highlighted is not None and choices.has_focus:
            picked = [str(choices.get_option_at_index(choices.highlighted).value)]
        if not picked:
            self.notify("pick conversations with space, or paste an id", severity="warning")
            return
        self.dismiss(picked)

    def action_cancel(self) -> None:
        self.dismiss([])


class AuditScreen(Screen[None]):
    """The audit store as a live table: filter, chain verification, export.

    The engine writes the store; this screen reads it (``flush`` asks the engine to
    commit what it holds first, so the table is current)."""

    BINDINGS = [
        Binding("escape,l", "app.pop_screen", "Back"),
        Binding("/", "focus_filter", "Filter"),
        Binding("v", "verify", "Verify chain"),
        Binding("x", "export", "Export (jsonl)"),
    ]
    LIMIT = 1000

    def __init__(
        self,
        path: Path,
        export_dir: Path,
        flush: Callable[[], Awaitable[None]],
        audit: AuditSettings | None = None,
    ) -> None:
        super().__init__()
        self.audit_settings = audit or AuditSettings()
        self.store = AuditReader(path)
        self._flush_engine = flush
        self.export_dir = export_dir
        self._last_seq = 0
        self._filter = ""

    def compose(self) -> ComposeResult:
        yield Static("Audit log", id="audit-title")
        yield Input(placeholder="filter: conversation id, kind or any text", id="audit-filter")
        yield Static("chain: not verified yet (v)", id="chain")
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    async def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name in ("seq", "time", "kind", "conversation", "actor", "data"):
            table.add_column(name, key=name)
        await self.poll()
        self.set_interval(1.0, self.poll)
        self.action_verify()
        table.focus()

    def on_unmount(self) -> None:
        self.store.close()

    async def _flush(self) -> None:
        try:
            await self._flush_engine()
        except (EngineCommandError, EngineStopped) as exc:  # what is committed still shows
            self.query_one("#audit-title", Static).update(f"Audit log (engine: {exc})")

    async def poll(self) -> None:
        """Append records written since the last poll (live tail of the store)."""
        await self._flush()
        table = self.query_one(DataTable)
        for record in self.store.records(after_seq=self._last_seq, limit=self.LIMIT):
            self._last_seq = record.seq
            text = f"{record.kind} {record.conversation or ''} {record.actor} {record.data}"
            if self._filter and self._filter not in text.lower():
                continue
            table.add_row(
                str(record.seq),
                record.time[11:19],
                record.kind,
                (record.conversation or "")[:8],
                record.actor,
                Text(canonical(record.data)[:160]),
                key=str(record.seq),
            )
        while table.row_count > self.LIMIT:
            table.remove_row(next(iter(table.rows)))
        if table.row_count:
            table.move_cursor(row=table.row_count - 1)

    @on(Input.Submitted, "#audit-filter")
    @on(Input.Changed, "#audit-filter")
    async def _filtered(self, event: Input.Changed | Input.Submitted) -> None:
        self._filter = event.value.strip().lower()
        self.query_one(DataTable).clear()
        self._last_seq = 0
        await self.poll()

    def action_focus_filter(self) -> None:
        self.query_one("#audit-filter", Input).focus()

    @work(exclusive=True, group="verify")
    async def action_verify(self) -> None:
        await self._flush()
        try:
            key = verify_key(self.audit_settings)
        except ConfigError as exc:  # an unreadable key: say so, never crash the screen
            self.query_one("#chain", Static).update(Text(f"chain: {exc}", style="bold red"))
            return
        result = await asyncio.to_thread(verify_store, self.store.path, key)
        if result.ok:
            text = Text(f"chain: intact ({result.records} records)", style="green")
        else:
            text = Text(
                f"chain: BROKEN at record {result.first_bad_seq}: {result.problem}",
                style="bold red",
            )
        self.query_one("#chain", Static).update(text)

    async def action_export(self) -> None:
        private_dir(self.export_dir)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.export_dir / f"audit-{stamp}.jsonl"
        await self._flush()
        with private_output(path) as handle:
            count = export(self.store.records(), handle, "jsonl")
        self.notify(f"exported {count} record(s) to {path}")
