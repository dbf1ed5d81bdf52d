"""The dashboard's footer: below ``NARROW_WIDTH`` columns it shows only the main keys, so
no entry is cut ("l Au▏" at 80x24); every key stays in the palette and the help."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from .panes import NARROW_WIDTH, TINY_WIDTH

# The keys a supervisor needs at a glance; the rest are one `?` or ctrl+p away.
MAIN_ACTIONS = frozenset({"subscribe", "unsubscribe", "pause", "audit", "filter", "help", "quit"})
TINY_ACTIONS = frozenset({"subscribe", "pause", "audit", "help", "quit"})


class DashboardFooter(Footer):
    """A Footer that drops secondary keys when narrow."""

    narrow: reactive[bool] = reactive(False, recompose=True)
    tiny: reactive[bool] = reactive(False, recompose=True)

    def compose(self) -> ComposeResult:
        shown = 0
        keep = TINY_ACTIONS if self.tiny else MAIN_ACTIONS
        for widget in super().compose():
            if self.narrow and isinstance(widget, FooterKey) and widget.action not in keep:
                continue
            shown += 1
            yield widget
        if self.narrow:
            self.styles.grid_size_columns = shown

    def on_resize(self, event: events.Resize) -> None:
        narrow = 0 < event.size.width < NARROW_WIDTH
        self.narrow = narrow
        self.tiny = 0 < event.size.width < TINY_WIDTH
        self.compact = narrow
