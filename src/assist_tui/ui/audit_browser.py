"""The audit log screen: keyset pages from the newest record, a kind and text filter, a
readable summary, the whole record on Enter. Follows new records only while at the top."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from assist_tui.audit.export import export
from assist_tui.audit.opening import verify_key
from assist_tui.audit.store import AuditReader, AuditRecord
from assist_tui.audit.verify import verify_store
from assist_tui.config import AuditSettings, ConfigError
from assist_tui.engine.link import EngineCommandError, EngineStopped
from assist_tui.files import private_dir, private_output
from assist_tui.ui.audit_summary import ellipsis, local_time, record_text, summary
from assist_tui.ui.detail_screen import RecordScreen as RecordScreen

DELIVERY = "webhook_delivery"


def parse_filter(text: str) -> tuple[list[str], list[str], str]:
    """``kind:final_utterance -kind:insight refund`` -> kinds, excluded kinds, free text."""
    kinds: list[str] = []
    excluded: list[str] = []
    words: list[str] = []
    for word in text.split():
        if word.startswith("kind:") and len(word) > 5:
            kinds.append(word[5:])
        elif word.startswith("-kind:") and len(word) > 6:
            excluded.append(word[6:])
        else:
            words.append(word)
    return kinds, excluded, " ".join(words)


class FilterInput(Input):
    """Esc clears the filter, or with it empty goes back to the table (never leaves the screen)."""

    BINDINGS = [Binding("escape", "leave", "Clear / back", show=False)]

    def action_leave(self) -> None:
        if self.value:
            self.value = ""
        else:
            self.screen.query_one(DataTable).focus()


KIND_WIDTH = 18  # audit kinds longer than this end in an ellipsis (Enter shows the whole)
# seq, time, kind and call, two columns of padding each, and the scrollbar.
FIXED_COLUMNS = 8 + 19 + KIND_WIDTH + 8 + 5 * 2 + 2


class AuditScreen(Screen[None]):
    """The audit store, newest first. The engine writes it; this screen reads it (``flush``
    asks the engine to commit what it holds first, so the table is current)."""

    BINDINGS = [
        Binding("escape,l", "app.pop_screen", "Back"),
        Binding("slash", "focus_filter", "Filter"),
        Binding("w", "toggle_deliveries", "Hide deliveries"),
        Binding("g,home", "newest", "Newest"),
        Binding("c", "copy", "Copy record"),
        Binding("v", "verify", "Verify chain"),
        Binding("x", "export", "Export all"),
    ]
    PAGE = 200

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
        self.records: list[AuditRecord] = []  # shown, newest first
        self.waiting = 0  # newer records not shown because the user is below the top
        self.hide_deliveries = False
        self._filter = ""
        self._at_end = False

    def compose(self) -> ComposeResult:
        yield Static("Audit log", id="audit-title")
        yield FilterInput(
            placeholder="filter: text, kind:final_utterance, -kind:insight (esc clears)",
            id="audit-filter",
        )
        yield Static("chain: not verified yet (v)", id="chain")
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    async def on_mount(self) -> None:
        table = self.query_one(DataTable)
        zone = datetime.now().astimezone().strftime("%Z")
        for name, width in (("seq", 8), (f"time ({zone})", 19), ("kind", KIND_WIDTH), ("call", 8)):
            table.add_column(name, key=name.split()[0], width=width)
        table.add_column("summary", key="summary", width=self._summary_width())
        await self._flush()
        self.load_newest()
        self.set_interval(1.0, self.poll)
        self.action_verify()
        table.focus()

    def on_unmount(self) -> None:
        self.store.close()

    # -- reading ---------------------------------------------------------------------
    def _query(self) -> dict[str, object]:
        kinds, excluded, text = parse_filter(self._filter)
        if self.hide_deliveries:
            excluded.append(DELIVERY)
        return {"kinds": kinds, "exclude_kinds": excluded, "text": text}

    def _summary_width(self) -> int:
        """What the screen leaves the summary: the fixed columns, their padding and the
        scrollbar take the rest (a wider column would run off the screen's edge)."""
        return max(8, self.app.size.width - FIXED_COLUMNS)

    def _row(self, record: AuditRecord) -> tuple[object, ...]:
        width = self._summary_width()
        return (
            str(record.seq),
            local_time(record.time),
            Text(ellipsis(record.kind, KIND_WIDTH), no_wrap=True),
            (record.conversation or "")[:8],
            # Text, not str: a DataTable reads a str as markup ("[CARD]" would vanish).
            Text(ellipsis(summary(record, text_width=max(48, width - 24)), width), no_wrap=True),
        )

    def load_newest(self) -> None:
        """The newest page, the cursor on the top row."""
        self.records = self.store.page(limit=self.PAGE, **self._query())  # type: ignore[arg-type]
        self._at_end = len(self.records) < self.PAGE
        self.waiting = 0
        table = self.query_one(DataTable)
        table.clear()
        for record in self.records:
            table.add_row(*self._row(record), key=str(record.seq))
        self._title()

    def load_older(self) -> None:
        """The page below the last row shown (scrolling down reads further back)."""
        if self._at_end or not self.records:
            return
        older = self.store.page(
            before_seq=self.records[-1].seq,
            limit=self.PAGE,
            **self._query(),  # type: ignore[arg-type]
        )
        self._at_end = len(older) < self.PAGE
        table = self.query_one(DataTable)
        for record in older:
            table.add_row(*self._row(record), key=str(record.seq))
        self.records.extend(older)

    async def poll(self) -> None:
        """New records join at the top while the cursor is there; else they are counted."""
        await self._flush()
        table = self.query_one(DataTable)
        newest = self.records[0].seq if self.records else 0
        newer = self.store.page(after_seq=newest, limit=self.PAGE, **self._query())  # type: ignore[arg-type]
        if not newer:
            return
        if table.cursor_row <= 0:
            self.load_newest()
        else:
            self.waiting = len(newer)
            self._title()

    def _title(self) -> None:
        parts = ["Audit log", f"{len(self.records)} shown, newest first"]
        if self.hide_deliveries:
            parts.append("webhook deliveries hidden (w)")
        if self.waiting:
            more = "+" if self.waiting >= self.PAGE else ""
            parts.append(f"{self.waiting}{more} newer (g: go to the newest)")
        self.query_one("#audit-title", Static).update(" · ".join(parts))

    async def _flush(self) -> None:
        try:
            await self._flush_engine()
        except (EngineCommandError, EngineStopped) as exc:  # what is committed still shows
            self.query_one("#audit-title", Static).update(f"Audit log (engine: {exc})")

    @on(DataTable.RowHighlighted)
    def _near_the_end(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= event.data_table.row_count - 5:
            self.load_older()

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        record = self._selected()
        if record is not None:
            self.app.push_screen(RecordScreen(f"Audit record {record.seq}", record_text(record)))

    def _selected(self) -> AuditRecord | None:
        row = self.query_one(DataTable).cursor_row
        return self.records[row] if 0 <= row < len(self.records) else None

    # -- filter and keys -------------------------------------------------------------
    @on(Input.Submitted, "#audit-filter")
    @on(Input.Changed, "#audit-filter")
    def _filtered(self, event: Input.Changed | Input.Submitted) -> None:
        self._filter = event.value.strip()
        self.load_newest()

    def action_focus_filter(self) -> None:
        self.query_one("#audit-filter", Input).focus()

    def action_toggle_deliveries(self) -> None:
        self.hide_deliveries = not self.hide_deliveries
        self.load_newest()

    def action_newest(self) -> None:
        self.load_newest()
        self.query_one(DataTable).move_cursor(row=0)

    def action_copy(self) -> None:
        record = self._selected()
        if record is not None:
            self.app.copy_to_clipboard(record_text(record))
            self.notify(f"record {record.seq} copied to the clipboard")

    @work(exclusive=True, group="verify")
    async def action_verify(self) -> None:
        await self._flush()
        try:
            key = verify_key(self.audit_settings)
        except ConfigError as exc:  # an unreadable key: say so, never crash the screen
            self.query_one("#chain", Static).update(Text(f"chain: {exc}", style="bold red"))
            return
        result = await asyncio.to_thread(verify_store, self.store.path, key)
        checked = datetime.now().astimezone().strftime("%H:%M:%S")
        if result.ok:
            text = Text(
                f"chain: intact ({result.records} records, checked {checked}; v checks again)",
                style="green",
            )
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
        # Every record, whatever the filter: an export is for the record, not the screen.
        # The file's name apart from its directory: a toast folds a long word mid-token.
        self.notify(
            f"exported all {count} record(s) (not only those shown): {path.name} in {path.parent}",
            markup=False,  # a path is text, never markup
        )
