"""Record and replay: a live emulator run recorded by the engine's tap, played back
through a fresh engine; the same events in the same order, the same finals audited,
nothing pushed or posted; the speed, the choice of events, and bad files."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from assist_tui import cli
from assist_tui.audit.store import AuditStore
from assist_tui.config import ConfigError, RecordSettings, Settings
from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine import recording
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.engine.recorded import Recording, RecordingError, parse_when
from assist_tui.engine.replay_feed import ReplayFeed, from_iterable
from assist_tui.model import (
    ConversationEnded,
    ConversationStarted,
    StreamEvent,
    StreamHealth,
    StreamState,
    UtteranceUpdate,
    utc_now,
)
from assist_tui.platform import Platform
from assist_tui.replay import file_source, play_headless, replaying
from assist_tui.sinks.outbox import Outbox

from .conftest import emulator_settings, fast_stream, session_for, wait_until

CARD_WORDS = re.compile(r"four one one one|(?<![0-9a-f-])4111|one one one one")
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
Taken = list[tuple[StreamEvent, datetime]]


def base_settings(tmp_path: Path, **extra: Any) -> Settings:
    data: dict[str, Any] = {
        "quality": {"poll_interval_s": 0.2},
        "audit": {"flush_interval_s": 0.05},
        "nlp": {"cooldown_s": 0.0},  # cooldowns follow the clock: 0 keeps hits comparable
        "record": {"path": str(tmp_path / "recordings")},
    }
    data.update(extra)
    return Settings.model_validate(data)


def finals_of(audit: AuditStore) -> list[tuple[Any, ...]]:
    audit.flush()
    return [
        (
            r.conversation,
            r.data["utterance_id"],
            r.data["speaker"],
            r.data["text"],
            r.data["confidence"],
            r.data["latency_ms"],
            r.data["audio_status"],
        )
        for r in audit.records()
        if r.kind == "final_utterance"
    ]


async def record_live_run(
    tmp_path: Path, matcher: KeywordMatcher
) -> tuple[Taken, list[tuple[Any, ...]], Settings]:
    """Two scripted calls (one reads a card number) followed by a headless engine that
    records; returns what the engine took, its audited finals and the settings."""
    settings = base_settings(tmp_path)
    taken: Taken = []
    async with EmulatorServer(emulator_settings()) as server:
        calls = [server.emulator.director.prepare(s) for s in ("card-payment", "billing-dispute")]
        audit = AuditStore(tmp_path / "original" / "audit.sqlite3")
        outbox = Outbox(tmp_path / "original" / "outbox.sqlite3")
        async with session_for(server) as session:
            engine = AssistEngine(
                settings,
                Platform(session, "TEST", fast_stream()),
                audit=audit,
                outbox=outbox,
                matcher=matcher,
            )
            recorder = recording.attach(engine, settings.record, "notifications")
            engine.tap.sinks.append(lambda event, at: taken.append((event, at)))
            task = asyncio.create_task(engine.run())
            try:
                await asyncio.wait_for(engine.ready.wait(), 10)
                for call in calls:
                    server.emulator.director.start(call, speed=15)
                await wait_until(
                    lambda: all(
                        (s := engine.conversations.get(c.conversation_id)) is not None
                        and s.ended_at is not None
                        for c in calls
                    ),
                    40,
                )
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                assert recorder is not None
                recorder.close()
            finals = finals_of(audit)
            audit.close()
            outbox.close()
    return taken, finals, settings


async def test_a_recorded_run_replays_the_same_events_and_finals(
    tmp_path: Path, matcher: KeywordMatcher
) -> None:
    taken, finals, settings = await record_live_run(tmp_path, matcher)
    assert len(finals) >= 6 and any(isinstance(e, ConversationEnded) for e, _ in taken)

    # The file holds exactly what the engine took, in order, with when it took it.
    directory = tmp_path / "recordings"
    recorded = [(e, at) for at, e in Recording(directory).events()]
    assert recorded == taken
    # Redacted as the screen and the audit are: finals hold no part of the card read
    # aloud, partials never six digits of it (a run that long is masked until the final).
    finals_text = json.dumps(
        [e.text for e, _ in recorded if isinstance(e, UtteranceUpdate) and e.is_final]
    )
    assert "[CARD]" in finals_text and CARD_WORDS.search(finals_text) is None
    text = "".join(p.read_text() for p in directory.iterdir())
    assert re.search(r"(?:(?:one|four)\W+){6}", text) is None

    replayed: list[StreamEvent] = []
    source = file_source(directory, None, None, None)
    workdir = tmp_path / "replay"
    async with replaying(settings, source, 0.0, workdir, matcher=matcher) as (engine, feed):
        engine.tap.sinks.append(lambda event, at: replayed.append(event))
        out = io.StringIO()
        assert await play_headless(engine, feed, "REPLAY", out) == 0
        replay_finals = finals_of(engine.audit)
        queues = {cid: s.queue_id for cid, s in engine.conversations.items()}
        outcomes = dict(engine.pusher.outcomes)
        assert engine.deliverer is None  # no webhook in a review
    assert replayed == [event for event, _ in taken]
    # Calls found by discovery (not the stream) are recorded as started: queue and all.
    starts = {e.conversation_id: e.queue_id for e, _ in taken if isinstance(e, ConversationStarted)}
    assert len(starts) == 2 and all(starts.values()) and queues == starts
    assert replay_finals == finals
    assert outcomes.get("delivered", 0) == 0  # nothing reached an agent
    assert "end of recording" in out.getvalue()
    assert workdir.joinpath("audit.sqlite3").exists()
    assert not list(workdir.parent.glob("**/outbox.sqlite3"))[1:]  # only the original's


def line(event: StreamEvent, at: datetime) -> str:
    return recording.encode(event, at).decode()


def utterance(cid: str, n: int, at: datetime, final: bool = True) -> UtteranceUpdate:
    return UtteranceUpdate(
        conversation_id=cid,
        utterance_id=f"{cid}-u{n}",
        text=f"line {n}",
        confidence=0.9,
        is_final=final,
        received_at=at,
    )


def write_recording(path: Path, items: list[tuple[StreamEvent, datetime]]) -> Path:
    lines = [recording.header("notifications", T0).decode()]
    lines += [line(event, at) for event, at in items]
    path.write_text("".join(lines))
    return path


class FakeClock:
    """Time moves only when the feed sleeps: every wait is seen, none is spent."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


async def play(items: list[tuple[datetime, StreamEvent]], speed: float) -> FakeClock:
    clock = FakeClock()
    feed = ReplayFeed(
        None,  # type: ignore[arg-type]  # a replay asks no platform
        fast_stream(),
        from_iterable(items),
        source="notifications",
        speed=speed,
        clock=clock,
        sleep=clock.sleep,
    )
    got: list[StreamEvent] = []

    async def consume() -> None:
        async for event in feed:
            got.append(event)

    consumer = asyncio.create_task(consume())
    async with feed:
        await asyncio.wait_for(feed.played_all(), 5)
    await asyncio.wait_for(consumer, 5)
    assert got == [event for _, event in items]
    assert "end of recording (4 events)" in feed.progress()
    return clock


@pytest.mark.parametrize(
    ("speed", "waits"), [(1, [1, 2, 0.5]), (2, [0.5, 1, 0.25]), (0.5, [2, 4, 1])]
)
async def test_speed_divides_the_recorded_spacing(speed: float, waits: list[float]) -> None:
    offsets = [0.0, 1.0, 3.0, 3.5]
    items = [(T0 + timedelta(seconds=s), utterance("c1", n, T0)) for n, s in enumerate(offsets)]
    clock = await play(items, speed)
    assert clock.sleeps == waits


async def test_speed_zero_plays_without_waiting() -> None:
    items = [(T0 + timedelta(hours=n), utterance("c1", n, T0)) for n in range(4)]
    clock = await play(items, 0)
    assert clock.sleeps == []


def test_from_to_and_conversation_choose_the_events(tmp_path: Path) -> None:
    health = StreamHealth(state=StreamState.CONNECTED, received_at=T0)
    items: list[tuple[StreamEvent, datetime]] = [(health, T0)]
    for n in range(10):
        at = T0 + timedelta(minutes=n)
        items.append((utterance("a" if n % 2 else "b", n, at), at))
    path = write_recording(tmp_path / "r.jsonl", items)

    source = file_source(path, "2m", "2026-11-22T09:06:00", None)
    assert source.count == 5 and source.total_s == 240.0
    source = file_source(path, None, None, "a")
    assert source.count == 6
    with pytest.raises(RecordingError, match="no events between"):
        file_source(
            path, "2h", None, None
        )  # the stream's own health stays with a conversation's events
    with pytest.raises(ConfigError, match="--from 6m is after --to 2m: nothing lies between"):
        file_source(path, "6m", "2m", None)
    with pytest.raises(
        RecordingError, match=r"conversation nope is not in this recording \(it holds 2: a, b\)"
    ):
        file_source(path, None, None, "nope")
    with pytest.raises(RecordingError, match="conversation b is not in this recording between"):
        file_source(path, "9m", None, "b")  # b speaks at even minutes only
    events = list(Recording(path).events())
    assert events[0][1] == health
    assert parse_when("1h30m", T0) == T0 + timedelta(hours=1, minutes=30)
    assert parse_when("2026-11-22T10:00:00", T0) == T0 + timedelta(hours=1)  # UTC if unnamed
    with pytest.raises(ValueError, match="neither an ISO time"):
        parse_when("yesterday", T0)


def test_a_corrupt_line_exits_2_naming_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_recording(tmp_path / "r.jsonl", [(utterance("c", n, T0), T0) for n in range(3)])
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(3, '{"t": "2026-11-22T09:00:00+00:00", "e": {"kind": "utterance"}}\n')
    path.write_text("".join(lines))
    assert cli.main(["replay", str(path), "--headless", "--speed", "0"]) == 2
    err = capsys.readouterr().err
    assert f"{path} line 4: not a recorded event" in err and "conversation_id" in err

    lines[1] = "{not json\n"
    path.write_text("".join(lines))
    assert cli.main(["replay", str(path), "--headless"]) == 2
    assert "line 2: not a recorded event" in capsys.readouterr().err

    assert cli.main(["replay", "--headless"]) == 2
    assert "replay needs a FILE" in capsys.readouterr().err
    assert cli.main(["replay", str(tmp_path / "missing.jsonl"), "--headless"]) == 2
    assert "missing.jsonl: no such recording file" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["replay", str(empty), "--headless"]) == 2
    assert "no recordings" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        cli.main(["replay", str(path), "--headless", "--speed", "-1"])
    assert exited.value.code == 2


def test_a_file_still_being_written_plays_up_to_its_last_whole_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = [(utterance("c", n, T0), T0 + timedelta(seconds=n)) for n in range(3)]
    path = write_recording(tmp_path / "r.jsonl", items)
    whole = path.read_bytes()
    path.write_bytes(whole + line(*items[0]).encode()[:40])  # the writer is mid-line
    assert [e for _, e in Recording(path).events()] == [e for e, _ in items]
    assert Recording(path).check().events == 3
    assert file_source(path, None, None, None).count == 3
    assert f"{path} line 5 is incomplete (cut while it was written)" in capsys.readouterr().err


def test_files_rotate_by_size_keep_within_the_total_and_read_as_one(tmp_path: Path) -> None:
    settings = RecordSettings(
        path=tmp_path / "rec", max_file_mb=0.002, max_total_mb=0.02, gzip=True
    )
    recorder = recording.Recorder(settings, "notifications").start()
    written = []
    for n in range(400):
        at = T0 + timedelta(seconds=n)
        event = utterance("c", n, at)
        recorder(event, at)
        written.append((at, event))
    recorder.close()
    files = recording.recording_files(tmp_path / "rec")
    assert len(files) > 2
    assert sum(p.stat().st_size for p in files) <= 0.02 * 1_000_000 + 2_100
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in files)
    played = list(Recording(tmp_path / "rec").events())
    assert played == written[-len(played) :]  # the newest kept, in order, none reordered
    assert len(played) < len(written)  # the oldest files went


def test_recording_is_on_by_default_and_json_lines() -> None:
    assert Settings().record.enabled
    at = T0
    raw = recording.encode(ConversationStarted(conversation_id="c", received_at=at), at)
    assert (
        raw.endswith(b"\n")
        and b" " not in raw
        and json.loads(raw)["e"]["kind"] == ("conversation_started")
    )
    with pytest.raises(RecordingError):
        Recording(Path("/nonexistent/recording.jsonl"))


async def test_the_board_ticks_on_the_recording_clock(
    tmp_path: Path, matcher: KeywordMatcher
) -> None:
    """A quiet call recorded two hours ago, 20 s long when the recording ends: on the
    recording's clock no 30-second window has closed; on the wall's, every one has."""
    base = utc_now() - timedelta(hours=2)
    events: list[StreamEvent] = [
        ConversationStarted(
            conversation_id="quiet", queue_id="q", started_at=base, received_at=base
        )
    ]
    events += [utterance("quiet", n, base + timedelta(seconds=5 * n)) for n in range(1, 5)]
    path = write_recording(tmp_path / "r.jsonl", [(e, e.received_at) for e in events])
    settings = Settings.model_validate({"alerts": {"tick_s": 0.05}})
    source = file_source(path, None, None, None)
    async with replaying(settings, source, 0.0, tmp_path / "w", matcher=matcher) as (engine, feed):
        assert await play_headless(engine, feed, "REPLAY", io.StringIO()) == 0
        assert feed.recorded_now() == base + timedelta(seconds=20)
        engine.board.tick()  # what the engine's board ticks do, now on the recording's clock
        assert engine.board.alerts.newest_first() == ()
        state = engine.conversations["quiet"]
        assert engine.board.analytics(state).silence_ms == 0  # the last line ends the recording
        engine.board.tick(utc_now())  # the wall clock: two hours after the call's start
        assert "recording-disclosure" in {a.rule_id for a in engine.board.alerts.newest_first()}


async def test_a_gzip_recording_still_open_plays_what_was_flushed(tmp_path: Path) -> None:
    settings = RecordSettings(path=tmp_path / "rec", gzip=True)
    recorder = recording.Recorder(settings, "transcription").start()
    items = [(T0 + timedelta(seconds=n), utterance("c", n, T0)) for n in range(5)]
    for at, event in items:
        recorder(event, at)
    recorder.flush()  # what the periodic flush does while the engine runs
    try:
        assert list(Recording(tmp_path / "rec").events()) == items
        assert Recording(tmp_path / "rec").check().source == "transcription"
    finally:
        recorder.close()
    assert list(Recording(tmp_path / "rec").events()) == items


async def test_a_start_learned_by_lookup_is_recorded_for_the_replays_board(
    tmp_path: Path,
) -> None:
    """A call followed before its start was known: the start the REST lookup gives the
    live board is recorded too, so a replay's call time and rule windows run from it."""
    from tests.scripted_engine import CALLS, scripted_engine

    engine = await scripted_engine(tmp_path)
    told: list[StreamEvent] = []
    engine.tap.sinks.append(lambda event, at: told.append(event))
    cid = next(iter(CALLS))
    engine.board.started_at.pop(cid, None)
    engine.board.on_looked_up(cid, T0)
    assert engine.board.started_at[cid] == T0
    [started] = told
    assert isinstance(started, ConversationStarted)
    assert (started.conversation_id, started.started_at) == (cid, T0)
