"""The audit browser: keyset pages from the newest record, filters, summaries, detail, copy."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import DataTable, Input

from assist_tui.audit.store import AuditReader, AuditRecord, AuditStore
from assist_tui.ui.audit_browser import AuditScreen, RecordScreen, parse_filter
from assist_tui.ui.audit_summary import ellipsis, local_time, record_text, summary

from .test_dashboard import until


def fill(path: Path, count: int) -> AuditStore:
    store = AuditStore(path)
    for i in range(1, count + 1):
        if i % 3 == 0:
            store.append(
                "webhook_delivery", {"result": "delivered", "status": 200}, actor="webhook"
            )
        else:
            store.append(
                "final_utterance",
                {"speaker": "customer", "text": f"I want a refund for order {i} please, now"},
                conversation=f"c{i % 4:07d}",
                actor="pipeline",
            )
    store.flush()
    return store


def test_pages_are_keyset_newest_first_with_kind_and_text_filters(tmp_path: Path) -> None:
    fill(tmp_path / "a.sqlite3", 1000).close()
    reader = AuditReader(tmp_path / "a.sqlite3")
    first = reader.page(limit=50)
    assert [r.seq for r in first] == list(range(1000, 950, -1))
    second = reader.page(before_seq=first[-1].seq, limit=50)
    assert [r.seq for r in second] == list(range(950, 900, -1))
    newer = reader.page(after_seq=990, limit=5)
    assert [r.seq for r in newer] == [995, 994, 993, 992, 991]  # the oldest five, newest first
    hidden = reader.page(exclude_kinds=["webhook_delivery"], limit=30)
    assert hidden and all(r.kind == "final_utterance" for r in hidden)
    only = reader.page(kinds=["webhook_delivery"], limit=30)
    assert {r.seq % 3 for r in only} == {0}
    texts = reader.page(text="ORDER 77 ", limit=10)
    assert [r.seq for r in texts] == [77]
    assert reader.page(text="100%_", limit=10) == []  # LIKE wildcards are literal
    assert reader.kinds() == ["final_utterance", "webhook_delivery"]
    reader.close()


def test_filter_words() -> None:
    assert parse_filter("kind:final_utterance -kind:insight refund now") == (
        ["final_utterance"],
        ["insight"],
        "refund now",
    )


def test_summary_time_and_whole_record(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    record = AuditRecord(
        7,
        "2026-11-22T05:58:52.000001+00:00",
        "final_utterance",
        "c1",
        "pipeline",
        {"speaker": "customer", "text": "I want a refund " * 10, "_webhook": {"x": 1}},
        "p" * 64,
        "h" * 64,
    )
    line = summary(record)
    assert line.startswith("final · customer · 'I want a refund") and line.endswith("…'")
    assert "_webhook" not in line
    other = AuditRecord(8, record.time, "subscribe", None, "user", {}, "", "")
    assert summary(other) == "subscribe"
    text = record_text(record)
    assert json.dumps(record.data["text"]) in text  # the whole text, not cut
    assert "record 7" in text and "h" * 64 in text and "conversation: c1" in text
    assert local_time(record.time) == "11-22 05:58:52 UTC"
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    assert local_time(record.time, with_date=True) == "2026-11-22 06:58:52 CET"
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    assert ellipsis("abc def", 5) == "abc …" and ellipsis("abc", 5) == "abc"
    raised = AuditRecord(
        9,
        record.time,
        "alert_raised",
        "c1",
        "rules",
        {
            "alert_id": "bcea4f1911a1",
            "rule": "bad-audio",
            "severity": "high",
            "title": "Bad audio",
            "detail": "bad audio for 15 s",
            "call_offset_ms": 46094,
        },
        "",
        "",
    )
    assert summary(raised) == "alert_raised · high · 'Bad audio' · 'bad audio for 15 s'"
    assert len(summary(record, text_width=120)) > len(summary(record))  # wide: more text


class Host(App[None]):
    def __init__(self, path: Path, exports: Path) -> None:
        super().__init__()
        self.path, self.exports = path, exports

    async def flush(self) -> None:
        return None

    def on_mount(self) -> None:
        self.push_screen(AuditScreen(self.path, self.exports, self.flush))


async def test_screen_opens_on_the_newest_page_and_stays_where_the_user_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    path = tmp_path / "audit.sqlite3"
    store = fill(path, 1000)
    app = Host(path, tmp_path / "exports")
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        table = screen.query_one(DataTable)
        assert table.get_row_at(0)[0] == "1000" and table.row_count == AuditScreen.PAGE
        assert "UTC" in str(table.columns["time"].label)
        # New records join at the top while the cursor is there.
        store.append("subscribe", {}, conversation="cnew0001", actor="user")
        store.flush()
        await screen.poll()
        assert table.get_row_at(0)[0] == "1001"
        # Below the top the view stays put; the new records are counted instead.
        table.move_cursor(row=20)
        await pilot.pause()
        seq_at_cursor = screen.records[table.cursor_row].seq
        store.append("subscribe", {}, conversation="cnew0002", actor="user")
        store.flush()
        await screen.poll()
        assert screen.records[table.cursor_row].seq == seq_at_cursor
        assert screen.waiting == 1 and "1 newer" in str(screen.query_one("#audit-title").render())
        # Scrolling to the end reads the next page back.
        table.move_cursor(row=table.row_count - 1)
        await pilot.pause()
        assert table.row_count == 2 * AuditScreen.PAGE
        # g: back to the newest.
        await pilot.press("g")
        assert table.get_row_at(0)[0] == "1002" and table.cursor_row == 0
        # w hides webhook deliveries.
        await pilot.press("w")
        kinds = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert "webhook_delivery" not in kinds and "final_utterance" in kinds
        # Enter opens the whole record; c copies it.
        table.move_cursor(row=3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen)
        assert "I want a refund for order" in app.screen.body
        await pilot.press("c")
        assert copied and copied[-1] == app.screen.body
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("c")
        assert copied[-1].startswith(f"record {screen.records[3].seq}")
        # Esc in the filter box clears it, then leaves the box; the screen stays.
        await pilot.press("slash", *"kind:subscribe")

        def kinds() -> set[object]:
            return {str(table.get_row_at(i)[2]) for i in range(table.row_count)}

        await until(pilot, lambda: kinds() == {"subscribe"}, shown=lambda: str(kinds()))
        await pilot.press("escape")
        assert screen.query_one(Input).value == ""
        await pilot.press("escape")
        assert app.screen is screen and table.has_focus
    store.close()


async def test_at_80_columns_every_cell_ends_inside_the_screen_with_an_ellipsis(
    tmp_path: Path,
) -> None:
    path = tmp_path / "audit.sqlite3"
    store = fill(path, 20)
    store.append("conversation_left_board", {"reason": "ended " * 20}, conversation="c1")
    store.flush()
    app = Host(path, tmp_path / "exports")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        table = screen.query_one(DataTable)
        top = table.get_row_at(0)
        assert str(top[2]) == "conversation_left…" and str(top[4]).endswith("…")
        width = screen._summary_width()
        assert sum(c.get_render_width(table) for c in table.columns.values()) + 2 <= 80
        for i in range(table.row_count):
            assert len(str(table.get_row_at(i)[4])) <= width
    store.close()
