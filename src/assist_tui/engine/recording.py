"""The recorder: the embedded engine's normalized stream written to local JSON-lines files
(one event a line, with the moment the engine took it), rotated and bounded.

Files are private (600, in a 700 directory) and hold what the engine's tap gives: text
already redacted like the audit's (engine/tap.py). The format is read by engine/recorded.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import logging
import os
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from pydantic import TypeAdapter

from assist_tui.config import RecordSettings, data_dir
from assist_tui.files import FILE_MODE, private_dir
from assist_tui.model import StreamEvent, utc_now

if TYPE_CHECKING:
    from assist_tui.engine.engine import AssistEngine

log = logging.getLogger(__name__)

FORMAT = "assist-tui-recording"
VERSION = 1
PREFIX = "frames-"
SUFFIXES = (".jsonl", ".jsonl.gz")
FLUSH_S = 0.2  # what a hard kill may lose at most: the audit's own batch period
EVENTS: TypeAdapter[StreamEvent] = TypeAdapter(StreamEvent)


def encode(event: StreamEvent, at: datetime) -> bytes:
    """One line: ``{"t": <when the engine took it>, "e": <the event>}`` (compact JSON)."""
    # The model's own serializer: every event carries its ``kind``, so this is what the
    # union's adapter would write, a quarter faster.
    body = event.model_dump_json().encode()
    return b'{"t":"' + at.isoformat().encode() + b'","e":' + body + b"}\n"


def header(source: str, at: datetime) -> bytes:
    """The first line of every file: what it is, and which stream the events came from."""
    return (
        f'{{"recording":"{FORMAT}","version":{VERSION},'
        f'"source":"{source}","started":"{at.isoformat()}"}}\n'
    ).encode()


def recordings_dir(settings: RecordSettings) -> Path:
    return settings.path or data_dir() / "recordings"


def recording_files(directory: Path) -> list[Path]:
    """The recordings in ``directory``, oldest first (their names sort by time)."""
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.iterdir() if p.name.startswith(PREFIX) and p.name.endswith(SUFFIXES)
    )


class Recorder:
    """A tap sink writing in the order it is told; one file at a time, rotated by size."""

    def __init__(self, settings: RecordSettings, source: str) -> None:
        self.settings = settings
        self.source = source
        self.directory = private_dir(recordings_dir(settings))
        self.path: Path | None = None
        self.events = 0
        self._raw: IO[bytes] | None = None
        self._out: IO[bytes] | None = None
        self._flushed = time.monotonic()
        self._flusher: asyncio.Task[None] | None = None
        self._max_file = int(settings.max_file_mb * 1_000_000)
        self._size = 0

    def start(self) -> Recorder:
        """Open the first file; flush every ``FLUSH_S`` while a loop runs."""
        self._open()
        with contextlib.suppress(RuntimeError):  # no running loop: flushed on each rotation
            self._flusher = asyncio.get_running_loop().create_task(
                self._flush_periodically(), name="recorder-flush"
            )
        return self

    def __call__(self, event: StreamEvent, at: datetime) -> None:
        if self._out is None:
            return
        line = encode(event, at)
        self._out.write(line)
        self.events += 1
        self._size += len(line)
        if self._size >= self._max_file:  # counted before compression: the same for gzip
            self._close_file()
            self._open()

    def flush(self) -> None:
        if self._out is not None:
            self._out.flush()
        self._flushed = time.monotonic()

    def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            self._flusher = None
        self._close_file()

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_S)
            try:
                self.flush()
            except OSError as exc:  # a full disk: the engine goes on, the log says why
                log.warning("the recording could not be written: %s", exc)

    def _open(self) -> None:
        now = utc_now()
        suffix = ".jsonl.gz" if self.settings.gzip else ".jsonl"
        stamp = now.strftime("%Y%m%dT%H%M%S.%f")
        path = self.directory / f"{PREFIX}{stamp}Z{suffix}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        raw = os.fdopen(fd, "ab")
        out: IO[bytes] = (
            cast("IO[bytes]", gzip.GzipFile(fileobj=raw, mode="ab")) if self.settings.gzip else raw
        )
        first = header(self.source, now)
        out.write(first)
        self.path, self._raw, self._out, self._size = path, raw, out, len(first)
        self._prune()

    def _close_file(self) -> None:
        out, raw = self._out, self._raw
        self._out = self._raw = None
        if out is not None:
            out.close()
        if raw is not None and raw is not out:
            raw.close()

    def _prune(self) -> None:
        """Retention: files past ``max_age_hours``, then the oldest past ``max_total_mb``."""
        cutoff = time.time() - timedelta(hours=self.settings.max_age_hours).total_seconds()
        budget = self.settings.max_total_mb * 1_000_000
        kept: list[tuple[Path, int]] = []
        for path in recording_files(self.directory):
            if path == self.path:
                continue
            try:
                stat = path.stat()
            except OSError:
                continue
            if stat.st_mtime < cutoff:
                path.unlink(missing_ok=True)
            else:
                kept.append((path, stat.st_size))
        total = sum(size for _, size in kept)
        for path, size in kept:  # oldest first
            if total <= budget:
                break
            path.unlink(missing_ok=True)
            total -= size


def attach(engine: AssistEngine, settings: RecordSettings, source: str) -> Recorder | None:
    """Record what ``engine`` takes, when ``[record] enabled``; close the recorder after."""
    if not settings.enabled:
        return None
    recorder = Recorder(settings, source).start()
    engine.tap.sinks.append(recorder)
    return recorder
