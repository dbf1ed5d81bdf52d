"""``assist-tui screenshots``: the app photographs itself on the demo, for the README.

It runs the real dashboard headless against the built-in emulator, waits for live
conversations, and saves SVGs of the dashboard, the audit log, the subscribe dialog
and the narrow (80x24) layout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from assist_tui.config import Settings
from assist_tui.ui.app import AssistApp
from assist_tui.ui.screens import AuditScreen, SubscribeScreen


async def _wait(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 30.0) -> None:
    waited = 0.0
    while not condition():
        if waited > timeout:
            raise TimeoutError("the demo did not reach the expected state in time")
        await pilot.pause(0.1)
        waited += 0.1


async def _shoot(
    settings: Settings, output: Path, name: str, size: tuple[int, int], settle_s: float
) -> list[Path]:
    app = AssistApp(settings, export_dir=output)
    saved: list[Path] = []
    async with app.run_test(size=size) as pilot:
        await _wait(pilot, lambda: len(app.rows) >= 3)
        await pilot.pause(settle_s)
        saved.append(Path(app.save_screenshot(f"{name}.svg", path=str(output))))
        if name == "dashboard":
            await pilot.press("l")
            await _wait(pilot, lambda: isinstance(app.screen, AuditScreen))
            await pilot.pause(1.5)
            saved.append(Path(app.save_screenshot("audit-log.svg", path=str(output))))
            await pilot.press("escape")
            await pilot.press("u")  # so the dialog has a live conversation to offer
            await pilot.pause(0.5)
            await pilot.press("y")  # `u` asks first
            await pilot.pause(0.5)
            await pilot.press("s")
            await _wait(pilot, lambda: isinstance(app.screen, SubscribeScreen))
            await pilot.pause(0.5)
            saved.append(Path(app.save_screenshot("subscribe.svg", path=str(output))))
            await pilot.press("escape")
    return saved


async def take_screenshots(settings: Settings, output: Path, settle_s: float = 12.0) -> list[Path]:
    saved = await _shoot(settings, output, "dashboard", (150, 42), settle_s)
    saved += await _shoot(settings, output, "narrow", (80, 24), settle_s)
    return saved


def run(settings: Settings, output: Path) -> int:
    output.mkdir(exist_ok=True)  # made by cli_checks.check_output_dir already
    for path in asyncio.run(take_screenshots(settings, output)):
        print(f"saved {path}")
    return 0
