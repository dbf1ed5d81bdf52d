"""One-time notices (a missing trained pipeline, a bad theme file...): kept in a list the
notices screen (``n``) shows, counted on the status bar, instead of toasts and prose there."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static


@dataclass
class NoticeLog:
    """Notices in arrival order, each once; ``unread`` counts those not yet seen."""

    entries: list[tuple[datetime, str]] = field(default_factory=list)
    unread: int = 0

    def add(self, text: str) -> bool:
        """Keep ``text`` unless it is already kept; True when it is new."""
        if any(known == text for _, known in self.entries):
            return False
        self.entries.append((datetime.now().astimezone(), text))
        self.unread += 1
        return True

    def badge(self) -> str:
        """What the status bar shows: a count, never the prose."""
        if not self.entries:
            return ""
        new = f", {self.unread} new" if self.unread else ""
        return f"notices {len(self.entries)}{new} (n)"


class NoticesScreen(ModalScreen[None]):
    """Every notice of this session with its time, newest last."""

    BINDINGS = [Binding("escape,n,q", "dismiss", "Close"), Binding("c", "copy", "Copy all")]

    def __init__(self, log: NoticeLog) -> None:
        super().__init__()
        self.notice_log = log

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="record-dialog"):
            yield Static(Text("Notices", style="bold"))
            if not self.notice_log.entries:
                yield Static(Text("No notices this session.", style="dim"))
            for at, text in self.notice_log.entries:
                line = Text(at.strftime("%H:%M:%S %Z  "), style="dim")
                line.append(text)
                yield Static(line)
        yield Footer()

    def on_mount(self) -> None:
        self.notice_log.unread = 0

    def action_copy(self) -> None:
        self.app.copy_to_clipboard("\n".join(text for _, text in self.notice_log.entries))
        self.notify("notices copied to the clipboard")
