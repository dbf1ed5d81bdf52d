"""The dashboard's footer: it shows as many keys as fit its width, most needed first, so
no entry is ever cut ("l Au▏" at 80x24); every key stays in the palette and the help."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.reactive import reactive
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from .panes import NARROW_WIDTH

# Most needed first: the keys a supervisor reaches for stay longest as the width shrinks.
PRIORITY = (
    "subscribe",
    "pause",
    "audit",
    "help",
    "quit",
    "unsubscribe",
    "filter",
    "ended",
    "reset",
    "export",
    "pause_all",
    "theme",
)
# The focused pane's own keys (shown only while it has focus) come before all of those:
# they are what the supervisor is about to press.
FOCUSED_FIRST = ("acknowledge", "open_alert", "open_entry", "copy_entry", "copy")
PALETTE_ROOM = 14  # the "^p palette" entry at the right
MAIN_ACTIONS = frozenset(PRIORITY[:7])  # what 80 columns show


class DashboardFooter(Footer):
    """A Footer that keeps only the keys that fit, by ``PRIORITY``; compact when narrow."""

    room: reactive[int] = reactive(0, recompose=True)

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        keys = [
            w for w in widgets if isinstance(w, FooterKey) and not w.has_class("-command-palette")
        ]
        if self.room <= 0:
            yield from widgets
            return
        pad = 2 if self.compact else 3

        def need(key: FooterKey) -> int:
            return len(key.key_display) + len(key.description) + pad

        rank = {action: i for i, action in enumerate((*FOCUSED_FIRST, *PRIORITY))}
        kept = set(keys)
        for key in sorted(keys, key=lambda k: -rank.get(k.action, len(rank))):
            if sum(need(k) for k in kept) + PALETTE_ROOM <= self.room:
                break
            kept.discard(key)
        shown = [w for w in widgets if w not in keys or w in kept]
        self.styles.grid_size_columns = len(shown)
        yield from shown

    def on_resize(self, event: events.Resize) -> None:
        self.compact = 0 < event.size.width < NARROW_WIDTH
        self.room = event.size.width
