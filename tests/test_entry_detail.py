"""Enter on a hit, insight or suggestion opens it whole; c copies it (OSC 52)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assist_tui.ui.app import AssistApp
from assist_tui.ui.detail_screen import RecordScreen
from assist_tui.ui.entry_detail import entry_text
from assist_tui.ui.panes import HitsTable

from .scripted_engine import scripted_engine
from .test_dashboard import demo_settings
from .test_snapshots import settled


async def test_enter_opens_a_suggestion_and_a_hit_whole_and_c_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = await scripted_engine(tmp_path)
    app = AssistApp(demo_settings(), export_dir=tmp_path / "exports", engine=engine)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=(140, 40)) as pilot:
        await settled(pilot)
        hits = app.query_one(HitsTable)
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
