"""A stage that raises on one event is caught at its boundary: counted per stage, audited
as ``stage_error`` (stage and exception type, no text), logged without text, and the
engine goes on with the next event."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.engine.pii.hold import FinalHold
from assist_tui.engine.stages import transcript as transcript_module
from assist_tui.sinks.outbox import Outbox

from .test_engine_pipeline import bare_engine, final, settle

SECRET = "my card number is 4111 1111 1111 1111"


async def test_a_raising_stage_is_counted_audited_without_text_and_the_engine_goes_on(
    emulator: EmulatorServer,
    tmp_path: Path,
    matcher: KeywordMatcher,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real = FinalHold.offer

    def flaky(hold: Any, update: Any) -> Any:
        if "card" in update.text:
            raise ValueError(f"cannot redact {update.text!r}")
        return real(hold, update)

    monkeypatch.setattr(FinalHold, "offer", flaky)
    # Another test may have sent the app's logs to a file only (logs.setup_logging).
    monkeypatch.setattr(logging.getLogger("assist_tui"), "propagate", True)
    caplog.set_level(logging.WARNING, logger="assist_tui")
    async with bare_engine(emulator, tmp_path, matcher) as engine:
        await engine.process(final("u1", SECRET))
        await engine.process(final("u2", "I would like to cancel"))
        assert engine.metrics.stage_errors == {"utterance": 1}
        assert engine.metrics.finals == 1  # the next event went through every stage
        assert engine.governance()["stage_errors"] == {"utterance": 1}
        engine.audit.flush()
        [record] = list(engine.audit.records(kinds=["stage_error"]))
    assert record.data == {"stage": "utterance", "exception": "ValueError"}
    assert record.conversation == "c"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "stage utterance failed" in logged and "ValueError" in logged
    assert "4111" not in logged and "card" not in logged


async def test_a_failing_final_stage_and_nlp_batch_do_not_stop_the_engine(
    emulator: EmulatorServer,
    tmp_path: Path,
    matcher: KeywordMatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with bare_engine(emulator, tmp_path, matcher) as engine:
        calls = {"n": 0}
        real_match = engine.matcher.match if engine.matcher else None
        assert real_match is not None

        def match_once_broken(texts: list[str]) -> Any:
            calls["n"] += 1
            if calls["n"] == 1:
                raise RuntimeError("spaCy fell over")
            return real_match(texts)

        monkeypatch.setattr(engine.matcher, "match", match_once_broken)
        await engine.process(final("u1", "I want to cancel my policy"))
        await settle(engine)
        await engine.process(final("u2", "I want to cancel my policy now"))
        await settle(engine)
        assert engine.metrics.stage_errors == {"nlp": 1}
        assert engine.metrics.hits >= 1  # the worker survived and matched the next final

        def broken(**_: object) -> dict[str, object]:
            raise OSError("disk full")

        monkeypatch.setattr(transcript_module, "webhook_fields", broken)
        engine.outbox = Outbox(tmp_path / "outbox.sqlite3")
        engine.webhook_url = "http://127.0.0.1:9/hook"
        await engine.process(final("u3", "thank you"))
        await engine.process(final("u4", "goodbye"))
        assert engine.metrics.stage_errors["final"] == 2
        assert engine.metrics.finals == 4
