"""The whole of one long thing on its own screen (an audit record, a hit, a suggestion):
every line, scrollable, with ``c`` to copy it (OSC 52, so it works over ssh)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static


class RecordScreen(ModalScreen[None]):
    """One whole record (or any long text): every field, scrollable; ``c`` copies it."""

    BINDINGS = [
        Binding("escape,enter,q", "dismiss", "Close"),
        Binding("c", "copy", "Copy"),
    ]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="record-dialog"):
            yield Static(Text(self.title_text, style="bold"), id="record-title")
            yield Static(Text(self.body), id="record-body")
        yield Footer()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.body)
        self.notify("copied to the clipboard")
