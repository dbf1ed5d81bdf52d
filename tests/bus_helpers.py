"""Shared pieces of the bus tests: a demo engine's settings, waiting for a link's view."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from assist_tui.config import Settings
from assist_tui.engine.link import EngineLink
from assist_tui.engine.snapshot import EngineView


def demo_settings(**sections: object) -> Settings:
    """The emulator fast, several calls at once, suggestions to the seed endpoint (which
    keeps every push it receives, to be counted)."""
    data: dict[str, object] = {
        "demo": True,
        "emulator": {"speed": 12, "heartbeat_interval_s": 1, "concurrent": 3, "seed": 5},
        "nlp": {"trained_pipeline": "", "cooldown_s": 0},
        "push": {"target": "seed"},
    }
    data.update(sections)
    return Settings.model_validate(data)


async def until_view(
    link: EngineLink,
    predicate: Callable[[EngineView], object],
    selected: str | None = None,
    timeout: float = 45.0,
) -> EngineView:
    """The link's first view for which ``predicate`` holds (polled every 50 ms)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        view = await link.view(selected)
        if predicate(view):
            return view
        if loop.time() > deadline:
            raise AssertionError(f"the view did not get there within {timeout} s: {view}")
        await asyncio.sleep(0.05)
