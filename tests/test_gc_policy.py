"""The engine's collector setting: young collections rarer, a larger setting kept."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from assist_tui.engine import gc_policy


@pytest.fixture
def thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_the_default_is_raised(thresholds: None) -> None:
    gc.set_threshold(700, 10, 10)
    gc_policy.apply()
    assert gc.get_threshold() == (gc_policy.YOUNG_THRESHOLD, 10, 10)


def test_a_larger_setting_and_a_disabled_collector_are_kept(thresholds: None) -> None:
    gc.set_threshold(50_000, 20, 20)
    gc_policy.apply()
    assert gc.get_threshold() == (50_000, 20, 20)
    gc.set_threshold(0, 10, 10)  # 0: collection switched off by someone on purpose
    gc_policy.apply()
    assert gc.get_threshold() == (0, 10, 10)
