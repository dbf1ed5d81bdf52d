"""A table of rows by key, drawn line by line: the conversations pane and the hits pane.

Built for tables whose rows change every second (durations tick, hits arrive): a
DataTable renders all its visible cells again after any update and asks for a layout of
the whole screen when rows are added, which under load cost tens of milliseconds a frame
and delayed keys. Here a row is drawn again only when its own cells, its cursor or
stripe, the width or the theme changed, and only visible rows are drawn. Columns that do
not fit are left out, least useful first; a flexible column takes the room left over.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    keep: int  # the lower, the longer it stays when the pane is narrow
    flex: bool = False  # takes the width no other shown column needs


Cell = tuple[str, str]  # text and a Rich style ("" for the row's own)


@dataclass(frozen=True)
class _Look:
    """The styles a row is drawn with, worked out once per theme and focus."""

    plain: Style
    stripe: Style
    cursor: Style
    header: Style


def fit_cell(text: str, width: int) -> str:
    """``text`` padded to ``width`` cells, or cut with an ellipsis so a cut reads as one."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    if width <= 1:
        return set_cell_size("…", width)
    return set_cell_size(text, width - 1) + "…"


class KeyedList(Widget, can_focus=True):
    """Rows by key (``sync``), a cursor (``selected``), ``RowHighlighted`` on a move."""

    COMPONENT_CLASSES = {
        "keyed-list--header",
        "keyed-list--cursor",
        "keyed-list--stripe",
    }
    DEFAULT_CSS = """
    KeyedList {
        background: $surface;
        color: $foreground;
        & > .keyed-list--header { text-style: bold; background: $panel; }
        & > .keyed-list--stripe { background: $surface-lighten-1 50%; }
        & > .keyed-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .keyed-list--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
    ]

    # True: a cursor on the first row stays there as rows arrive above it (newest first),
    # while the list has no focus. A focused list keeps its cursor on its row: a key
    # pressed for the row read (acknowledge, open) never acts on one that just arrived.
    STICKY_TOP = False

    class RowHighlighted(Message):
        """The cursor is on another row (or on none)."""

        def __init__(self, keyed_list: KeyedList, key: str | None) -> None:
            super().__init__()
            self.keyed_list = keyed_list
            self.key = key

        @property
        def control(self) -> KeyedList:
            return self.keyed_list

    def __init__(self, columns: tuple[Column, ...], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = columns
        self._keys: list[str] = []
        self._cells: dict[str, tuple[Cell, ...]] = {}
        self._cursor = 0
        self._top = 0  # the first row shown
        self._announced: str | None = None
        self._cache: dict[tuple[object, ...], Strip] = {}
        self._looks: dict[bool, _Look] = {}
        self._fits: dict[int, tuple[tuple[int, int], ...]] = {}

    # -- the data ------------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def rows_above(self) -> int:
        """How many rows are scrolled out of sight above the first one shown."""
        return self._top

    @property
    def selected(self) -> str | None:
        return self._keys[self._cursor] if self._keys else None

    def cells_at(self, row: int) -> tuple[Cell, ...]:
        return self._cells[self._keys[row]]

    def sync(self, rows: dict[str, tuple[Cell, ...]], *, reset: bool = False) -> None:
        """Show exactly these rows, in this order; the cursor stays on its row. With
        ``reset`` (rows of something else altogether) it goes to the first row."""
        if reset:
            self._cursor = self._top = 0
        follow_top = self.STICKY_TOP and self._cursor == 0 and not self.has_focus
        selected = None if reset or follow_top else self.selected
        keys = list(rows)
        changed = [i for i, k in enumerate(keys) if rows[k] != self._cells.get(k)]
        moved = reset or keys != self._keys
        if not changed and not moved:
            return
        self._keys = keys
        self._cells = dict(rows)
        if selected in rows:
            self._cursor = keys.index(selected)
        self._cursor = max(0, min(self._cursor, len(keys) - 1))
        self._scroll_to_cursor()
        if moved:
            self.refresh()
        else:
            for index in changed:
                self._refresh_row(index)
        self._announce()

    # -- moving ---------------------------------------------------------------------------------
    @property
    def _visible_rows(self) -> int:
        return max(1, self.size.height - 1)  # one line for the header

    def _move(self, row: int) -> None:
        if not self._keys:
            return
        row = max(0, min(row, len(self._keys) - 1))
        if row == self._cursor:
            return
        before, self._cursor = self._cursor, row
        if self._scroll_to_cursor():
            self.refresh()
        else:
            self._refresh_row(before)
            self._refresh_row(row)
        self._announce()

    def _scroll_to_cursor(self) -> bool:
        """Keep the cursor in view; True if the rows shown moved."""
        top = self._top
        visible = self._visible_rows
        if self._cursor < top:
            top = self._cursor
        elif self._cursor >= top + visible:
            top = self._cursor - visible + 1
        top = max(0, min(top, max(0, len(self._keys) - visible)))
        moved, self._top = top != self._top, top
        return moved

    def _announce(self) -> None:
        if self.selected != self._announced:
            self._announced = self.selected
            self.post_message(self.RowHighlighted(self, self.selected))

    def _refresh_row(self, index: int) -> None:
        y = index - self._top + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def action_cursor(self, step: int) -> None:
        self._move(self._cursor + step)

    def action_page(self, direction: int) -> None:
        self._move(self._cursor + direction * self._visible_rows)

    def action_jump(self, row: int) -> None:
        self._move(row if row >= 0 else len(self._keys) - 1)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self._move(self._top + event.y - 1)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._move(self._cursor + 3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._move(self._cursor - 3)

    def on_resize(self) -> None:
        """Fewer (or more) rows fit: the cursor's row stays in sight, and the rows are
        drawn again from the new first one (a scroll alone left the old ones shown)."""
        self._scroll_to_cursor()
        self._cache.clear()
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()  # the cursor's style depends on focus

    def on_blur(self) -> None:
        self.refresh()

    # -- drawing --------------------------------------------------------------------------------
    def _shown_columns(self, width: int) -> tuple[tuple[int, int], ...]:
        """(index, width) of the columns that fit, most useful first, kept in their order."""
        shown = self._fits.get(width)
        if shown is None:
            shown = self._fits[width] = self._fit(width)
        return shown

    def _fit(self, width: int) -> tuple[tuple[int, int], ...]:
        chosen: list[int] = []
        used = 0
        for index in sorted(range(len(self.columns)), key=lambda i: self.columns[i].keep):
            need = self.columns[index].width + 1
            if used + need <= width or not chosen:
                chosen.append(index)
                used += need
        spare = max(0, width - used)
        return tuple(
            (i, self.columns[i].width + (spare if self.columns[i].flex else 0))
            for i in sorted(chosen)
        )

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._looks.clear()  # a new theme or new CSS

    def _look(self) -> _Look:
        # Working a style out walks the widget's ancestors (about 0.3 ms); a table of 40
        # rows changing twice a second cannot pay that per line.
        look = self._looks.get(self.has_focus)
        if look is None:
            plain = self.rich_style
            look = _Look(
                plain=plain,
                stripe=plain + self.get_component_rich_style("keyed-list--stripe"),
                cursor=self.get_component_rich_style("keyed-list--cursor"),
                header=self.get_component_rich_style("keyed-list--header"),
            )
            self._looks[self.has_focus] = look
        return look

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        shown = self._shown_columns(width)
        look = self._look()
        if y == 0:
            cells: tuple[Cell, ...] = tuple((c.title, "") for c in self.columns)
            return self._strip(None, cells, shown, width, look.header, Style())
        index = self._top + y - 1
        if index >= len(self._keys):
            return Strip.blank(width, look.plain)
        key = self._keys[index]
        if index == self._cursor:
            base, over = look.plain, look.cursor
        else:
            base, over = (look.stripe if index % 2 else look.plain), Style()
        return self._strip(key, self._cells[key], shown, width, base, over)

    def _strip(
        self,
        key: str | None,  # None: the header
        cells: tuple[Cell, ...],
        shown: tuple[tuple[int, int], ...],
        width: int,
        base: Style,
        over: Style,
    ) -> Strip:
        cache_key = (key, cells, shown, width, base, over)
        strip = self._cache.get(cache_key)
        if strip is not None:
            return strip
        segments: list[Segment] = []
        for index, column_width in shown:
            text, style = cells[index]
            cell = fit_cell(text, column_width) + " "
            own = Style.parse(style) if style else Style()
            segments.append(Segment(cell, base + own + over))
        strip = Strip(segments).adjust_cell_length(width, base + over)
        if len(self._cache) > 4 * max(self.size.height, 1) + 64:
            self._cache.clear()  # rows that scrolled away or changed: drop the lot
        self._cache[cache_key] = strip
        return strip
