"""The conversations pane's own table: rows by key, a cursor that stays on its
conversation, highlight messages, and columns dropped by usefulness when narrow."""

from __future__ import annotations

from textual.app import App, ComposeResult

from assist_tui.ui.conversation_list import Column, ConversationList

COLUMNS = (Column("id", 4, keep=0), Column("who", 10, keep=2), Column("hits", 4, keep=1))


def rows(*keys: str) -> dict[str, tuple[tuple[str, str], ...]]:
    return {k: ((k, ""), (f"agent {k}", ""), ("1", "bold")) for k in keys}


class ListApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.highlighted: list[str | None] = []

    def compose(self) -> ComposeResult:
        yield ConversationList(COLUMNS, id="list")

    def on_conversation_list_row_highlighted(self, event: ConversationList.RowHighlighted) -> None:
        self.highlighted.append(event.conversation_id)


async def test_cursor_follows_its_conversation_and_keys_move_it() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(ConversationList)
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
        table = app.query_one(ConversationList)
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
        table = app.query_one(ConversationList)
        table.sync(rows("a1b2"))
        await pilot.pause()
        header = table.render_line(0).text
        assert "id" in header and "hits" in header and "who" not in header
