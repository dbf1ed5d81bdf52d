"""The dashboard at every size the issue names (200x50, 100x30, 60x20; 140x40 and 80x24 are
in test_snapshots) and after shrinking to 80x24 and growing back to 140x40.

Update after an intended UI change with ``pytest tests/test_snapshot_sizes.py
--snapshot-update`` and review the SVGs in ``tests/__snapshots__/``."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from assist_tui.ui.app import AssistApp

from .test_snapshots import SnapCompare, settled
from .test_snapshots import scripted_app as scripted_app  # the fixture


@pytest.mark.parametrize("size", [(200, 50), (100, 30), (60, 20)])
def test_dashboard_at_size(
    snap_compare: SnapCompare, scripted_app: AssistApp, size: tuple[int, int]
) -> None:
    assert snap_compare(scripted_app, terminal_size=size, run_before=settled)


def test_dashboard_after_shrinking_and_growing(
    snap_compare: SnapCompare, scripted_app: AssistApp
) -> None:
    async def round_trip(pilot: Pilot[Any]) -> None:
        await settled(pilot)
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        await pilot.resize_terminal(140, 40)
        await settled(pilot)

    assert snap_compare(scripted_app, terminal_size=(140, 40), run_before=round_trip)
