"""The live transcript: a line-API scroll view, so a long call costs what is on screen.

Lines come from the engine's conversation state (already redacted). Each is rendered once
per change into a cached Strip; partials are dim and replaced in place, finals solid,
keyword hits highlighted, redaction placeholders styled, interruptions marked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from assist_tui.engine.conversation import Line
from assist_tui.model import Speaker

PLACEHOLDER = re.compile(r"\[(CARD|SSN|EMAIL|PHONE|NUMBER)\]")
CACHE_LINES = 3000  # rendered lines kept: a few conversations' worth
LABELS = {Speaker.AGENT: "AGENT", Speaker.CUSTOMER: "CUST ", Speaker.UNKNOWN: "  ?  "}
GAP_LABEL = " GAP "


class TranscriptView(ScrollView, can_focus=True):
    """Shows one conversation's lines; follows the bottom unless scrolled up."""

    DEFAULT_CSS = """
    TranscriptView { background: $surface; }
    """
    BINDINGS = [Binding("c", "copy", "Copy")]
    COMPONENT_CLASSES = {
        "transcript--agent",
        "transcript--customer",
        "transcript--unknown",
        "transcript--partial",
        "transcript--hit",
        "transcript--redacted",
        "transcript--flag",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[Line] = []
        self._keys: list[tuple[str, str, bool, int, bool]] = []
        self._cache: dict[tuple[str, str, bool, int, bool, int], list[Strip]] = {}
        self._rows: list[Strip] = []
        self._width = 0
        self._base = Style()
        self.frozen = False

    def show(self, lines: Sequence[Line], *, from_bottom: bool = False) -> None:
        """Replace the content with these lines (cheap when little changed). With
        ``from_bottom`` (another conversation) it starts at the newest line, wherever the
        last one was scrolled to."""
        if self.frozen:
            return
        keys = [
            (ln.utterance_id, ln.text, ln.is_final, len(ln.hits), ln.interrupted) for ln in lines
        ]
        if keys == self._keys and self._width == self.scrollable_content_region.width:
            return
        self._lines = list(lines)
        self._keys = keys
        self._rebuild(follow=from_bottom or None)

    def refit(self) -> None:
        """Wrap again if the text width changed without a resize (a scrollbar came or went)."""
        if self._lines and self._width != max(self.scrollable_content_region.width, 20):
            self._rebuild()

    def clear(self) -> None:
        self._lines, self._keys, self._rows = [], [], []
        self.virtual_size = Size(0, 0)
        self.refresh()

    def on_resize(self) -> None:
        self._rebuild()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted:
            self._rebuild()  # rows carry the old theme's colours

    def _rebuild(self, follow: bool | None = None) -> None:
        """Rows for the current lines at the current width; still at the bottom after, if
        it was at the bottom before (new lines, wrapping again, a resize)."""
        if follow is None:
            follow = self.scroll_y >= self.max_scroll_y - 1
        width = max(self.scrollable_content_region.width, 20)
        base = self.rich_style
        if width != self._width or base != self._base:
            self._cache.clear()
            self._width, self._base = width, base
        rows: list[Strip] = []
        live = set()
        for line in self._lines:
            key = (
                line.utterance_id,
                line.text,
                line.is_final,
                len(line.hits),
                line.interrupted,
                width,
            )
            live.add(key)
            strips = self._cache.get(key)
            if strips is None:
                # The pane's own style goes underneath once, here, not on every repaint.
                strips = [s.apply_style(base) for s in self._strips(line, width)]
                self._cache[key] = strips
            rows.extend(strips)
        # Renders of lines no longer shown (partials that grew, other conversations) are
        # kept up to a bound, so going back to a conversation just viewed costs nothing.
        if len(self._cache) > CACHE_LINES:
            for key in [k for k in self._cache if k not in live][: len(self._cache) - CACHE_LINES]:
                del self._cache[key]
        self._rows = rows
        self._set_virtual_size(Size(width, len(rows)))
        self.refresh()
        if follow:
            # Forced: when this content is the first to overflow the pane, its scrollbar
            # is not laid out yet and an unforced scroll would be refused, leaving the
            # view stuck at the top of a growing call.
            self.scroll_end(animate=False, immediate=True, force=True)

    def _set_virtual_size(self, size: Size) -> None:
        """Setting ``virtual_size`` lays out the whole screen, tens of milliseconds under
        load, on every line spoken. While the width holds and the scrollbar stays as it
        is (shown or not), only the scrollbar's thumb can change: that is all updated."""
        if size.width == self.virtual_size.width and self.show_vertical_scrollbar == (
            size.height > self.container_size.height
        ):
            self.set_reactive(TranscriptView.virtual_size, size)
            if self.show_vertical_scrollbar:
                self.vertical_scrollbar.window_virtual_size = size.height
            if self.scroll_y > self.max_scroll_y:
                self.scroll_y = self.max_scroll_y
        else:
            self.virtual_size = size

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def _strips(self, line: Line, width: int) -> list[Strip]:
        speaker = line.speaker.value
        text = Text()
        if line.kind == "gap":  # a hole in what was followed, not a speaker's line
            text.append(f"{GAP_LABEL} ", self._style("transcript--flag"))
        else:
            text.append(f"{LABELS[line.speaker]} ", self._style(f"transcript--{speaker}"))
        body = Text(line.text)
        for start, end, _rule in line.hits:
            body.stylize(self._style("transcript--hit"), start, end)
        for match in PLACEHOLDER.finditer(line.text):
            body.stylize(self._style("transcript--redacted"), match.start(), match.end())
        if line.kind == "gap":  # a marked stream gap: not speech
            body.stylize(self._style("transcript--flag"))
        if not line.is_final:
            body.stylize(self._style("transcript--partial"))
            body.append(" …", self._style("transcript--partial"))
        text.append_text(body)
        flags = []
        if line.interrupted:
            flags.append("cut off")
        if line.bad_audio:
            flags.append("bad audio")
        if line.backfilled:
            flags.append("backfilled")
        if line.late:
            flags.append(f"{line.latency_ms:.0f} ms" if line.latency_ms else "late")
        console = self.app.console
        label_width = 6
        room = max(width - label_width - 1, 8)
        body_lines = text[label_width:].wrap(console, room, overflow="fold")
        if flags:  # the tag is one unit: on the last line if it fits whole, else on its own
            tag = Text(f"[{', '.join(flags)}]", self._style("transcript--flag"))
            last = body_lines[-1] if body_lines else Text()
            if body_lines:
                last.rstrip()  # a wrapped line keeps its last space: one gap, not two
            if body_lines and last.cell_len + 2 + tag.cell_len <= room:
                last.append("  ")
                last.append_text(tag)
            else:
                body_lines.extend(tag.wrap(console, room, overflow="fold"))
        strips = []
        for index, wrapped in enumerate(body_lines):
            prefix = text[:label_width] if index == 0 else Text(" " * label_width)
            segments = list((prefix + wrapped).render(console))
            strips.append(Strip(segments).crop_extend(0, width, None))
        return strips

    def visible_text(self) -> str:
        """The lines on screen as plain text (what ``c`` copies): already redacted."""
        top = int(self.scroll_offset.y)
        rows = self._rows[top : top + self.size.height]
        return "\n".join(row.text.rstrip() for row in rows).strip("\n")

    def action_copy(self) -> None:
        text = self.visible_text()
        if not text:
            self.notify("nothing to copy", severity="warning")
            return
        # OSC 52: reaches the supervisor's own clipboard, over ssh too.
        self.app.copy_to_clipboard(text)
        self.notify(f"copied {text.count(chr(10)) + 1} transcript lines")

    def render_line(self, y: int) -> Strip:
        index = y + int(self.scroll_offset.y)
        width = self.size.width
        if 0 <= index < len(self._rows):
            row = self._rows[index]
            return row if row.cell_length == width else row.crop_extend(0, width, self._base)
        return Strip([Segment(" " * width, self._base)])

    def scroll_to_moment(self, utterance_id: str | None, offset_ms: int | None) -> bool:
        """Scroll so the line ``utterance_id`` (else the first line at or after
        ``offset_ms`` into the call) is at the top; False if no line matches."""
        if utterance_id is not None and not any(
            line.utterance_id == utterance_id for line in self._lines
        ):
            utterance_id = None  # that line is gone (a partial replaced): go by the offset
        row = 0
        for line in self._lines:
            matches = (utterance_id is not None and line.utterance_id == utterance_id) or (
                utterance_id is None
                and offset_ms is not None
                and line.offset_ms is not None
                and line.offset_ms >= offset_ms
            )
            if matches:
                self.scroll_to(y=row, animate=False, immediate=True, force=True)
                return True
            key = (line.utterance_id, line.text, line.is_final, len(line.hits), line.interrupted)
            row += len(self._cache.get((*key, self._width), [None]))
        return False
