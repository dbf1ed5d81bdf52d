"""The dashboard's panes on their own: the hits pane's rows, text panes that ask for a
layout only when their height can change, and a transcript that grows without laying
out the whole screen."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widget import Widget

from assist_tui.engine.conversation import Line
from assist_tui.engine.snapshot import ConversationContent
from assist_tui.model import (
    Insight,
    KeywordHit,
    Speaker,
    Suggestion,
    SuggestionOutcome,
)
from assist_tui.ui.panes import HITS_SHOWN, HitsTable, TextPane
from assist_tui.ui.transcript import TranscriptView

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
CID = "c0ffee00-0000-4000-8000-000000000001"


def hit(n: int, rule: str = "churn.cancel", matched: str = "cancel my account") -> KeywordHit:
    return KeywordHit(
        conversation_id=CID,
        utterance_id=f"u{n}",
        rule_id=rule,
        category=rule.split(".")[0],
        severity="high",
        speaker=Speaker.CUSTOMER,
        matched=matched,
        snippet=matched,
        relevance=0.8,
        confidence=0.9,
        at=T0 + timedelta(seconds=n),
    )


def content(
    hits: list[KeywordHit],
    suggestions: tuple[Suggestion, ...] = (),
    insights: tuple[Insight, ...] = (),
) -> ConversationContent:
    return ConversationContent(
        conversation_id=CID,
        version=len(hits) + len(suggestions),
        lines=(),
        hits=tuple(hits),
        hit_count=len(hits),
        insights=insights,
        suggestions=suggestions,
    )


def line(n: int, text: str = "a line of the call") -> Line:
    return Line(
        utterance_id=f"u{n}",
        speaker=Speaker.AGENT if n % 2 else Speaker.CUSTOMER,
        text=text,
        is_final=True,
        confidence=0.9,
        offset_ms=n * 1000,
        duration_ms=900,
        received_at=T0,
    )


class PaneApp(App[None]):
    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def texts(table: HitsTable, row: int) -> list[str]:
    return [text for text, _style in table.cells_at(row)]


async def test_hits_pane_lists_newest_first_with_outcomes_and_points_to_the_rest() -> None:
    table = HitsTable()
    async with PaneApp(table).run_test(size=(60, 60)) as pilot:
        inactive = Suggestion(
            suggestion_id="s1",
            conversation_id=CID,
            rule_id="churn.cancel",
            title="Retention offer",
            body="Offer the loyalty discount",
            outcome=SuggestionOutcome.INACTIVE,
            at=T0 + timedelta(seconds=5),
        )
        table.sync_content(
            content([hit(1), hit(3, "billing.dispute", "charged twice")], (inactive,))
        )
        await pilot.pause()
        assert [texts(table, r)[1] for r in range(3)] == ["→ agent", "billing", "churn"]
        assert texts(table, 0)[3] == "inactive"  # "conversation inactive", in its column
        assert texts(table, 1)[2] == "“charged twice” billing.dispute"
        # Many hits: the newest are listed, the rest are pointed to.
        many = [hit(n, matched=f"words {n}") for n in range(HITS_SHOWN + 7)]
        table.sync_content(content(many))
        await pilot.pause()
        assert table.row_count == HITS_SHOWN + 1
        assert texts(table, 0)[2].startswith(f"“words {HITS_SHOWN + 6}”")
        assert texts(table, HITS_SHOWN)[2] == "7 older: audit log (l)"


async def test_hits_pane_keeps_the_cursor_on_the_newest_while_hits_arrive() -> None:
    table = HitsTable()
    async with PaneApp(table).run_test(size=(60, 20)) as pilot:
        table.blur()  # unfocused (the board has the focus): the cursor follows the newest
        await pilot.pause()
        table.sync_content(content([hit(1)]))
        await pilot.pause()
        table.sync_content(content([hit(1), hit(2, matched="close it")]))
        await pilot.pause()
        assert table.cursor_row == 0 and table.selected is not None
        assert "close it" in texts(table, 0)[2]
        # Focused, the cursor stays on the entry read: enter or c never takes a newer one.
        table.focus()
        await pilot.pause()
        read = table.selected
        table.sync_content(content([hit(1), hit(2, matched="close it"), hit(4, matched="now")]))
        await pilot.pause()
        assert table.selected == read and table.cursor_row == 1
        # Off the top, the cursor stays on its row as newer ones arrive above it.
        await pilot.press("down")
        kept = table.selected
        table.sync_content(
            content(
                [hit(1), hit(2, matched="close it"), hit(4, matched="now"), hit(3, matched="leave")]
            )
        )
        await pilot.pause()
        assert table.selected == kept and table.cursor_row == 3


async def test_the_same_rule_on_the_same_words_twice_gives_two_rows() -> None:
    table = HitsTable()
    async with PaneApp(table).run_test(size=(60, 20)) as pilot:
        twice = hit(1)
        table.sync_content(content([twice, twice.model_copy(update={"at": T0})]))
        await pilot.pause()
        assert table.row_count == 2


class CountingPane(TextPane):
    def __init__(self) -> None:
        super().__init__()
        self.layouts: list[bool] = []

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        self.layouts.append(layout)
        super().update(content, layout=layout)


async def test_a_text_pane_asks_for_a_layout_only_when_its_line_count_changes() -> None:
    pane = CountingPane()
    async with PaneApp(pane).run_test(size=(40, 10)) as pilot:
        pane.show(Text("SNR 20 dB\njitter 3 ms"))
        pane.show(Text("SNR 21 dB\njitter 3 ms"))
        pane.show(Text("SNR 21 dB\njitter 3 ms"))  # unchanged: no repaint at all
        pane.show(Text("SNR 21 dB\njitter 3 ms\n· jitter high"))
        pane.show("one line")
        await pilot.pause()
        assert pane.layouts == [True, False, True, True]


async def test_a_growing_transcript_lays_out_the_screen_only_when_its_scrollbar_changes() -> None:
    view = TranscriptView()
    async with PaneApp(view).run_test(size=(60, 12)) as pilot:
        layouts: list[int] = []
        refresh = view.refresh

        def counting_refresh(*regions: Any, **kwargs: Any) -> Widget:
            if kwargs.get("layout"):
                layouts.append(len(view._rows))
            return refresh(*regions, **kwargs)

        view.refresh = counting_refresh  # type: ignore[method-assign]
        view.show([line(n) for n in range(3)])
        view.show([line(n) for n in range(5)])
        await pilot.pause()
        assert layouts == [] and not view.show_vertical_scrollbar
        view.show([line(n) for n in range(30)])  # now it needs a scrollbar
        await pilot.pause()
        assert layouts and set(layouts) == {30} and view.show_vertical_scrollbar
        view.refit()  # the scrollbar took a column: the lines wrap again, once
        await pilot.pause()
        assert view.virtual_size.width == view.scrollable_content_region.width
        laid_out = len(layouts)
        for count in range(31, 40):
            view.show([line(n) for n in range(count)])
            await pilot.pause()
        assert len(layouts) == laid_out
        # The scrollbar's thumb and the following of the bottom still track the length.
        assert view.vertical_scrollbar.window_virtual_size == 39
        assert view.scroll_y == view.max_scroll_y > 0
        assert view.render_line(view.size.height - 1).text.strip().endswith("a line of the call")


async def test_a_transcript_scrolled_up_stays_put_until_another_conversation_is_shown() -> None:
    view = TranscriptView()
    async with PaneApp(view).run_test(size=(60, 12)) as pilot:
        view.show([line(n) for n in range(40)])
        await pilot.pause()
        view.refit()
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y > 0
        view.scroll_to(y=3, animate=False, immediate=True)
        await pilot.pause()
        view.show([line(n) for n in range(41)])  # the same call grows: the reader stays
        await pilot.pause()
        assert view.scroll_y == 3
        view.show([line(n, "another call") for n in range(100, 150)], from_bottom=True)
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y > 3


async def test_the_hits_cursor_starts_at_the_top_for_another_conversation() -> None:
    table = HitsTable()
    async with PaneApp(table).run_test(size=(60, 20)) as pilot:
        table.focus()
        table.sync_content(content([hit(n, matched=f"w{n}") for n in range(5)]))
        await pilot.press("down", "down")
        assert table.cursor_row == 2
        other = content([hit(n, matched=f"w{n}") for n in range(10, 15)])
        table.sync_content(
            dataclasses.replace(other, conversation_id="another"), new_conversation=True
        )
        await pilot.pause()
        assert table.cursor_row == 0


async def test_after_a_resize_the_cursors_row_is_the_one_in_sight() -> None:
    """Shrunk, the list showed rows above the cursor's (the highlighted one off-screen,
    where a key would act on it unseen) until something else redrew it."""
    from assist_tui.ui.keyed_list import Column, KeyedList

    rows = KeyedList((Column("n", 6, keep=0, flex=True),))
    async with PaneApp(rows).run_test(size=(40, 30)) as pilot:
        rows.sync({f"k{i}": ((f"row {i}", ""),) for i in range(40)})
        rows.focus()
        await pilot.pause()
        rows.action_jump(20)
        await pilot.pause()
        await pilot.resize_terminal(40, 6)
        await pilot.pause()
        top, visible = rows.rows_above, rows.size.height - 1
        assert top <= rows.cursor_row < top + visible
        shown = app_lines(pilot.app, rows)
        assert any("row 20" in line for line in shown), shown  # drawn, not only scrolled
        await pilot.resize_terminal(40, 30)
        await pilot.pause()
        top, visible = rows.rows_above, rows.size.height - 1
        assert top <= rows.cursor_row < top + visible and rows.selected == "k20"


def app_lines(app: Any, widget: Widget) -> list[str]:
    """The screen's lines where ``widget`` is, as drawn now."""
    region = widget.region
    strips = app.screen._compositor.render_strips()
    return [strips[y].text[region.x : region.right] for y in range(region.y, region.bottom)]
