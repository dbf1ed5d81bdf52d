"""The keyed list behind the conversations and hits panes: rows by key, a cursor that
stays on its row, highlight messages, columns dropped by usefulness when narrow, a
flexible column taking the room left."""

from __future__ import annotations

from textual.app import App, ComposeResult

from assist_tui.ui.keyed_list import Column, KeyedList

COLUMNS = (Column("id", 4, keep=0), Column("who", 10, keep=2), Column("hits", 4, keep=1))


def rows(*keys: str) -> dict[str, tuple[tuple[str, str], ...]]:
    return {k: ((k, ""), (f"agent {k}", ""), ("1", "bold")) for k in keys}


class ListApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.highlighted: list[str | None] = []
        self.controls: list[KeyedList] = []

    def compose(self) -> ComposeResult:
        yield KeyedList(COLUMNS, id="list")

    def on_keyed_list_row_highlighted(self, event: KeyedList.RowHighlighted) -> None:
        self.highlighted.append(event.key)
        self.controls.append(event.control)


async def test_cursor_follows_its_conversation_and_keys_move_it() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(KeyedList)
        table.focus()
        table.sync(rows("a", "b", "c"))
        await pilot.pause()
        assert table.selected == "a" and app.highlighted == ["a"]
        await pilot.press("down", "down")
        assert table.selected == "c" and table.cursor_row == 2
        # A conversation arrives before it: the cursor stays on "c", no new highlight.
        table.sync(rows("z", "a", "b", "c"))
        await pilot.pause()
        assert table.selected == "c" and table.cursor_row == 3
        assert app.highlighted == ["a", "b", "c"]
        # Its row goes: the cursor lands on a neighbour and says so.
        table.sync(rows("z", "a", "b"))
        await pilot.pause()
        assert table.selected == "b" and app.highlighted[-1] == "b"
        await pilot.press("home")
        assert table.selected == "z"
        await pilot.press("end")
        assert table.selected == "b"
        table.sync({})
        await pilot.pause()
        assert table.selected is None and table.row_count == 0 and app.highlighted[-1] is None


async def test_rows_beyond_the_pane_scroll_into_view_and_only_visible_rows_draw() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 6)) as pilot:  # header + 5 rows
        table = app.query_one(KeyedList)
        table.focus()
        table.sync(rows(*[f"c{i:02d}" for i in range(30)]))
        await pilot.pause()
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert table.cursor_row == 10
        shown = [table.render_line(y).text for y in range(table.size.height)]
        assert shown[0].startswith("id")
        assert any(line.startswith("c10") for line in shown[1:])
        assert not any(line.startswith("c00") for line in shown[1:])


async def test_a_narrow_pane_keeps_the_most_useful_columns() -> None:
    app = ListApp()
    async with app.run_test(size=(12, 6)) as pilot:
        table = app.query_one(KeyedList)
        table.sync(rows("a1b2"))
        await pilot.pause()
        header = table.render_line(0).text
        assert "id" in header and "hits" in header and "who" not in header


async def test_a_flexible_column_takes_the_room_left_and_highlights_name_their_list() -> None:
    class FlexApp(ListApp):
        def compose(self) -> ComposeResult:
            yield KeyedList(
                (Column("id", 4, keep=0), Column("what", 6, keep=1, flex=True)), id="list"
            )

    app = FlexApp()
    async with app.run_test(size=(30, 6)) as pilot:
        table = app.query_one(KeyedList)
        table.sync({"k1": (("k1", ""), ("a long description of it", ""))})
        await pilot.pause()
        # 30 columns: 5 for the id, the other 25 for the flexible one (its own gap included).
        assert table.render_line(1).text.rstrip() == "k1   a long description of it"
        assert app.highlighted == ["k1"] and app.controls == [table]


async def test_a_cell_cut_to_its_column_ends_with_an_ellipsis() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 6)) as pilot:
        table = app.query_one(KeyedList)
        table.sync({"abcdefgh": (("abcdefgh", ""), ("escalation risk", ""), ("12", ""))})
        await pilot.pause()
        line = table.render_line(1).text
        assert line.startswith("abc… ") and "escalatio… " in line and "12" in line
        # A cell that fits is not touched.
        assert "…" not in table.render_line(0).text
