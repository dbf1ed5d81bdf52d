"""``assist-tui replay``: a recording (a file, or the NATS frames stream) played through a
fresh engine and the dashboard (or headless), the same events in the same order.

The replayed engine is a review: it writes a throwaway audit of its own, pushes nothing
to agents, posts nothing to the webhook, records nothing, and asks no real platform
(its few look-ups go to an empty built-in emulator).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from assist_tui.audit.opening import open_store
from assist_tui.config import ConfigError, GenesysSettings, LoadedSettings, Settings
from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.engine.recorded import (
    Choice,
    Recording,
    RecordingError,
    parse_offset,
    parse_when,
)
from assist_tui.engine.replay_feed import ReplayFeed, Source, from_iterable, replay_label
from assist_tui.genesys.auth import ClientCredentials
from assist_tui.genesys.session import GenesysSession
from assist_tui.headless import status_line
from assist_tui.headless_board import board_json
from assist_tui.model import StreamHealth, StreamState, utc_now
from assist_tui.platform import Platform


def review_settings(settings: Settings, workdir: Path) -> Settings:
    """The user's settings for a review: every outward action off, a throwaway audit."""
    data = settings.model_dump()
    data["audit"].update(path=workdir / "audit.sqlite3", key_file=workdir / "audit.key")
    data["push"].update(target="none")
    data["webhook"].update(url=None)
    data["record"].update(enabled=False)
    data["backfill"].update(enabled=False)  # backfilled lines are in the recording
    data["redaction"].update(hold_s=0.0)  # recorded finals were released whole already
    data["emulator"].update(concurrent=0, port=0, digital=False)
    return Settings.model_validate(data)


def file_source(path: Path, start: str | None, end: str | None, conversation: str | None) -> Source:
    """A recording file or directory, checked whole first (RecordingError names the line)."""
    recording = Recording(path)
    origin = next((at for at, _ in recording.events()), None)
    if origin is None:
        raise RecordingError(f"{path}: the recording holds no events")
    try:
        choice = Choice(
            parse_when(start, origin) if start else None,
            parse_when(end, origin) if end else None,
            conversation,
        )
    except ValueError as exc:
        raise ConfigError(f"--from/--to: {exc}") from None
    if choice.start is not None and choice.end is not None and choice.start > choice.end:
        raise ConfigError(
            f"--from {start} is after --to {end}: nothing lies between; fix: swap them"
        )
    summary = recording.check(choice)
    if recording.cut is not None:
        cut_file, line = recording.cut
        print(
            f"{cut_file} line {line} is incomplete (cut while it was written): "
            "played up to the line before",
            file=sys.stderr,
        )
    if conversation is not None and conversation not in summary.conversations:
        held = sorted(summary.conversations)
        listed = ", ".join(held[:5]) + (", ..." if len(held) > 5 else "")
        window = " between --from and --to" if start or end else ""
        raise RecordingError(
            f"{path}: conversation {conversation} is not in this recording{window} "
            f"(it holds {len(held)}: {listed or 'none'})"
        )
    if not summary.events:
        what = "between --from and --to" if start or end else "to play"
        raise RecordingError(f"{path}: no events {what}")
    total = (
        (summary.last - summary.first).total_seconds()
        if summary.first is not None and summary.last is not None
        else 0.0
    )
    return Source(
        path.name, summary.source, from_iterable(recording.events(choice)), total, summary.events
    )


@contextlib.asynccontextmanager
async def replaying(
    settings: Settings,
    source: Source,
    speed: float,
    workdir: Path,
    *,
    matcher: KeywordMatcher | None = None,
) -> AsyncIterator[tuple[ReplayEngine, ReplayFeed]]:
    """A fresh engine fed by ``source`` (not yet running: ``await engine.run()``)."""
    review = review_settings(settings, workdir)
    stream_settings = review.stream.model_copy(update={"source": source.stream_source})
    async with EmulatorServer(review.emulator) as empty:
        genesys = GenesysSettings(api_base_url=empty.url, login_base_url=empty.url)
        credentials = ClientCredentials(empty.client_id, empty.client_secret)
        async with GenesysSession(genesys, credentials=credentials) as session:
            feed = ReplayFeed(
                session.api,
                stream_settings,
                source.events,
                source=source.stream_source,
                speed=speed,
                total_s=source.total_s,
                last_at=source.last_at,
            )
            platform = ReplayPlatform(session, replay_label(source.name, speed), stream_settings)
            platform.feed = feed
            assert review.audit.path is not None
            audit = open_store(review.audit.path, review.audit)
            try:
                engine = ReplayEngine(review, platform, audit=audit, matcher=matcher)
                engine.follow_recording(feed)
                yield engine, feed
            finally:
                audit.close()


class ReplayEngine(AssistEngine):
    """The engine of a replay. The board (its "not said within 30 s" windows, silences,
    how long an ended call lingers) runs on the recording's clock, not the wall's: the
    calls' starts and ends are recorded times, hours ago perhaps."""

    def follow_recording(self, feed: ReplayFeed) -> None:
        self.board.clock = lambda: feed.recorded_now() or utc_now()
        # Until the recording's own health events say otherwise (a replay from --from may
        # start after them): the status bar shows the recording as connected, not waiting.
        self.health = StreamHealth(state=StreamState.CONNECTED, detail="replaying a recording")


class ReplayPlatform(Platform):
    """The platform of a replay: its stream is the recording."""

    feed: ReplayFeed | None = None

    def open_stream(self) -> ReplayFeed:
        assert self.feed is not None
        return self.feed


async def play_headless(
    engine: AssistEngine, feed: ReplayFeed, label: str, out: TextIO, interval_s: float = 5.0
) -> int:
    """Run ``engine`` until the whole recording was taken; status lines meanwhile."""
    runner = asyncio.create_task(engine.run(), name="replay-engine")

    async def report() -> None:
        while True:
            await asyncio.sleep(interval_s)
            print(f"{status_line(engine, label)} | {feed.progress()}", file=out, flush=True)

    reporter = asyncio.create_task(report())
    done = asyncio.create_task(feed.played_all())
    try:
        await asyncio.wait([runner, done], return_when=asyncio.FIRST_COMPLETED)
        if runner.done():
            runner.result()  # the engine's crash, re-raised
    finally:
        for task in (reporter, done, runner):
            task.cancel()
        for task in (reporter, done, runner):
            with contextlib.suppress(asyncio.CancelledError):
                await task
    print(f"{status_line(engine, 'final:')} | {feed.progress()}", file=out, flush=True)
    print("governance: " + json.dumps(engine.governance()), file=out, flush=True)
    print("board: " + board_json(engine), file=out, flush=True)
    return 1 if feed.failure else 0


async def open_source(args: argparse.Namespace) -> tuple[Source, Callable[[], Any]]:
    """The recording the arguments name, and how to let go of it."""
    if args.nats:
        from assist_tui.bus.frames import nats_source

        start = _absolute(args.start) if args.start else None
        end = _absolute(args.end) if args.end else None
        return await nats_source(args.nats, args.org, start, end, args.conversation)
    return file_source(args.file, args.start, args.end, args.conversation), _nothing


async def _nothing() -> None:
    return None


def _absolute(text: str) -> datetime:
    """On NATS an offset counts back from now (``--from 30m``: half an hour ago)."""
    now = utc_now()
    offset = parse_offset(text)
    try:
        return now - offset if offset is not None else parse_when(text, now)
    except ValueError as exc:
        raise ConfigError(f"--from/--to: {exc}") from None


async def _headless(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    source, release = await open_source(args)
    try:
        speed = args.replay_speed
        with tempfile.TemporaryDirectory(prefix="assist-tui-replay-") as workdir:
            async with replaying(settings, source, speed, Path(workdir)) as (engine, feed):
                label = replay_label(source.name, speed)
                count = "all" if source.count is None else source.count
                print(f"assist-tui {label}: {count} events", file=out, flush=True)
                return await play_headless(engine, feed, label, out, args.interval)
    finally:
        await release()


def main(loaded: LoadedSettings, args: argparse.Namespace) -> int:
    """``assist-tui replay``; exit 2 with the file and line for a recording that is not one."""
    if args.file is None and not args.nats:
        print("assist-tui: replay needs a FILE (or --nats URL --org SLUG)", file=sys.stderr)
        return 2
    try:
        if args.headless:
            return asyncio.run(_headless(loaded.settings, args, sys.stdout))
        from assist_tui.ui.replay_app import run_replay_app

        if not args.nats:  # a bad file is said here, before the screen changes
            checked = file_source(args.file, args.start, args.end, args.conversation)

            async def opened() -> tuple[Source, Callable[[], Any]]:
                return checked, _nothing

            return run_replay_app(loaded.settings, args.replay_speed, opened)
        return run_replay_app(loaded.settings, args.replay_speed, lambda: open_source(args))
    except RecordingError as exc:
        print(f"assist-tui: {exc}", file=sys.stderr)
        return 2
