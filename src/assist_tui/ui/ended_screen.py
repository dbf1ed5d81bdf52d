"""The ended calls view: calls that have left the board (they stay in the audit); Enter
picks one to reopen, Escape goes back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from assist_tui.engine.snapshot import ConversationRow
from assist_tui.ui.board import duration_text
from assist_tui.ui.keyed_list import Cell, Column, KeyedList


class EndedList(KeyedList):
    COLUMNS = (
        Column("ended", 8, keep=1),
        Column("agent", 14, keep=0),
        Column("queue", 12, keep=2),
        Column("time", 5, keep=3),
        Column("alerts", 6, keep=4),
        Column("conversation", 36, keep=5),
    )

    def __init__(self, rows: list[ConversationRow], *, id: str | None = None) -> None:
        super().__init__(self.COLUMNS, id=id)
        newest = sorted(rows, key=lambda r: r.ended_at or r.first_seen, reverse=True)
        self._initial = {r.conversation_id: self._row(r) for r in newest}

    def on_mount(self) -> None:
        self.sync(self._initial)

    @staticmethod
    def _row(row: ConversationRow) -> tuple[Cell, ...]:
        ended = row.ended_at or row.first_seen
        return (
            (ended.astimezone().strftime("%H:%M:%S"), ""),
            (row.agent_name or "·", "bold"),
            (row.queue_name or row.queue_id or "·", ""),
            (duration_text(row, ended), ""),
            (str(row.open_alerts) if row.open_alerts else "·", ""),
            (row.conversation_id, "dim"),
        )


class EndedScreen(ModalScreen[str | None]):
    """Dismissed with the conversation id to reopen, or None."""

    BINDINGS = [
        Binding("escape", "dismiss_none", "Back"),
        Binding("enter", "pick", "Reopen"),
    ]

    def __init__(self, rows: list[ConversationRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="ended-dialog"):
            yield Static(f"ended calls ({len(self.rows)}): Enter reopens, Esc goes back")
            if not self.rows:
                yield Static("no ended calls have left the board yet", classes="hint")
            yield EndedList(self.rows, id="ended-list")

    def on_mount(self) -> None:
        self.query_one(EndedList).focus()

    def action_pick(self) -> None:
        self.dismiss(self.query_one(EndedList).selected)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
