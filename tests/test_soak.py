"""A short soak (about 15 s): drop-socket every 1.5 s, replay 0. Checks correctness only
(every delivered final audited once, every offline final in a gap and backfilled); the
timing targets are measured by ``benchmarks/soak.py`` and reported in the README."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "soak.py"


def _load_soak():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("soak_benchmark", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["soak_benchmark"] = module
    spec.loader.exec_module(module)
    return module


async def test_short_soak_loses_nothing_without_a_word(tmp_path: Path) -> None:
    soak = _load_soak()
    result = await soak.soak(
        "drop-socket", 14.0, every_s=1.5, concurrent=3, speed=6.0, settle_s=15.0, workdir=tmp_path
    )
    assert result.faults >= 8 and result.gaps >= result.faults - 1
    assert result.spoken > 20 and result.delivered > 0
    assert result.delivered_audited_once == result.delivered
    assert result.audited_twice == 0
    assert result.offline_in_gap == result.offline_finals
    assert result.offline_backfilled == result.offline_finals
    assert result.problems == []
