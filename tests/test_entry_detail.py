"""Enter on a hit, insight or suggestion opens it whole; c copies it (OSC 52)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assist_tui.ui.app import AssistApp
from assist_tui.ui.detail_screen import RecordScreen
from assist_tui.ui.entry_detail import entry_text
from assist_tui.ui.panes import ConversationTable, HitsTable

from .scripted_engine import scripted_engine
from .test_dashboard import demo_settings, until
from .test_snapshots import settled

WITH_SUGGESTION = "7d3f0c2a-5b1e-4c6d-9a8f-1e2d3c4b5a69"  # scripted_engine's first call


async def test_enter_opens_a_suggestion_and_a_hit_whole_and_c_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = await scripted_engine(tmp_path)
    app = AssistApp(demo_settings(), export_dir=tmp_path / "exports", engine=engine)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=(140, 40)) as pilot:
        await settled(pilot)
        # The call with a suggestion, wherever the board's attention order puts it.
        board = app.query_one(ConversationTable)
        board._move(board._keys.index(WITH_SUGGESTION))
        hits = app.query_one(HitsTable)
        await until(pilot, lambda: hits.content is not None and bool(hits.content.suggestions))
        content = hits.content
        assert content is not None and content.suggestions and content.hits
        hits.focus()
        keys = list(hits._keys)
        suggestion = content.suggestions[0]
        hits._move(keys.index(f"suggestion {suggestion.suggestion_id}"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen)
        body = app.screen.body
        assert suggestion.body in body and suggestion.title in body
        assert f"outcome: {suggestion.outcome.value}" in body
        assert "sent to: participant-attributes" in body
        await pilot.press("escape")
        await pilot.pause()
        hit = content.hits[0]
        row = next(i for i, k in enumerate(hits._keys) if k.startswith(f"hit {hit.utterance_id}"))
        hits._move(row)
        await pilot.press("c")
        assert copied and copied[-1].startswith("Hit: ") and hit.snippet in copied[-1]
        assert not isinstance(app.screen, RecordScreen)
    assert entry_text(content, "no such row") is None
    assert entry_text(None, "hit x") is None
