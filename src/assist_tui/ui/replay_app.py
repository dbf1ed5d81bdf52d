"""The dashboard over a replay: the same app, its engine fed by a recording in this
process; the status bar says REPLAY, the speed and how far the recording has played,
and says so when it ends (the board stays, to be looked at)."""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from assist_tui.config import Settings
from assist_tui.engine.link import LocalLink
from assist_tui.engine.replay_feed import ReplayFeed, Source, replay_label
from assist_tui.model import utc_now
from assist_tui.replay import replaying
from assist_tui.ui.app import AssistApp
from assist_tui.ui.board import ConversationTable

Opener = Callable[[], Awaitable[tuple[Source, Callable[[], Any]]]]


class ReplayApp(AssistApp):
    """``assist-tui replay FILE``: no engine process; the replayed engine runs here."""

    def __init__(self, settings: Settings, speed: float, opener: Opener) -> None:
        super().__init__(settings)
        self.speed = speed
        self.opener = opener
        self.feed: ReplayFeed | None = None
        self.label = replay_label("", speed)
        self._told_end = False

    async def _run_engine(self) -> None:
        source, release = await self.opener()
        try:
            with tempfile.TemporaryDirectory(prefix="assist-tui-replay-") as workdir:
                async with replaying(self.settings, source, self.speed, Path(workdir)) as (
                    engine,
                    feed,
                ):
                    self.feed = feed
                    # Durations on the board run on the recording's clock, like its windows.
                    self.query_one(ConversationTable).clock = lambda: (
                        feed.recorded_now() or utc_now()
                    )
                    self.label = replay_label(source.name, self.speed)
                    self.link = LocalLink(engine, self.label)
                    self._rows_due = True
                    await engine.run()
        finally:
            await release()

    def _status_notice(self) -> str:
        feed = self.feed
        if feed is None:
            return super()._status_notice()
        if feed.finished.is_set() and not self._told_end:
            self._told_end = True
            if feed.failure:
                self.notify(f"The replay stopped: {feed.failure}", severity="error", timeout=30)
            else:
                self.notify(f"End of the recording: {feed.played} events played; q quits")
        badge = super()._status_notice()
        return f"{feed.progress()}  {badge}".rstrip()


def run_replay_app(settings: Settings, speed: float, opener: Opener) -> int:
    app = ReplayApp(settings, speed, opener)
    app.run()
    return app.return_code or 0
