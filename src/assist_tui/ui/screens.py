"""Screens beyond the dashboard: subscribe dialog, confirmation (the audit log is in
audit_browser.py, re-exported here)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from assist_tui.model import LiveConversation
from assist_tui.ui.audit_browser import AuditScreen as AuditScreen
from assist_tui.ui.pick_list import PickList

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


def _searched(c: LiveConversation) -> str:
    """What the subscribe filter looks in: the ids, the queue's name and the agent's."""
    return (
        f"{c.conversation_id} {c.queue_id or ''} {c.queue_name or ''} {c.agent_name or ''}".lower()
    )


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
            yield PickList(id="choices")
            yield Static(
                "type to filter · tab, then space: pick · enter: subscribe picked, the only "
                "match, or a pasted id · ctrl+a: all shown · esc: clear, then close",
                classes="hint",
            )

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#filter", Input).focus()

    def _shown(self, text: str) -> list[LiveConversation]:
        needle = text.strip().lower()
        return [c for c in self.live if not needle or needle in _searched(c)]

    def _fill(self, text: str) -> None:
        choices = self.query_one("#choices", SelectionList)
        picked = set(choices.selected)
        choices.clear_options()
        for c in self._shown(text):
            label = (
                f"{c.conversation_id[:8]}  {(c.agent_name or '?'):<18} "
                f"queue {c.queue_name or (c.queue_id or '?')[:8]}  age {_age(c.started_at)}"
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
        """Esc clears a filter that holds text first (as every filter box does), then
        closes the dialog."""
        box = self.query_one("#filter", Input)
        if box.value:
            box.value = ""
            box.focus()
            return
        self.dismiss([])
