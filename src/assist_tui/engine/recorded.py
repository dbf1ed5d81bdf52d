"""Reading recordings back: a file (or a directory of rotated files) of the normalized
stream, checked line by line; the ``--from``/``--to``/``--conversation`` choice of events.

Every problem names the file and the line, so ``assist-tui replay`` can say where to look.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any, cast

from pydantic import ValidationError

from assist_tui.engine.recording import EVENTS, FORMAT, recording_files
from assist_tui.model import StreamEvent, StreamGap

Recorded = tuple[datetime, StreamEvent]
_OFFSET = re.compile(r"^\+?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")


class RecordingError(Exception):
    """A recording that cannot be played: missing, unreadable, or a line that is not one."""


def decode(raw: bytes | str) -> Recorded | None:
    """One line: ``(when, event)``; None for a file header. ValueError if it is neither."""
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("recording") == FORMAT:
        return None
    if "t" not in data or "e" not in data:
        raise ValueError('neither a header nor an event (no "t" and "e")')
    at = datetime.fromisoformat(str(data["t"]))
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at, EVENTS.validate_python(data["e"])


def conversations_of(event: StreamEvent) -> tuple[str, ...]:
    """The calls an event is about (none for the stream's own health and rejections)."""
    if isinstance(event, StreamGap):
        return event.conversation_ids
    cid = getattr(event, "conversation_id", None)
    return (cid,) if cid else ()


def parse_offset(text: str) -> timedelta | None:
    """``90s``, ``5m``, ``1h30m`` (a leading ``+`` allowed) as a duration; None otherwise."""
    value = text.strip()
    match = _OFFSET.match(value)
    if not value or match is None or not any(match.groups()):
        return None
    h, m, s = (float(g) if g else 0.0 for g in match.groups())
    return timedelta(hours=h, minutes=m, seconds=s)


def parse_when(text: str, origin: datetime) -> datetime:
    """An ISO time (UTC if it names no zone), or an offset after ``origin``: ``90s``,
    ``5m``, ``1h30m``. ValueError otherwise."""
    offset = parse_offset(text)
    if offset is not None:
        return origin + offset
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is neither an ISO time (2026-11-22T09:30:00) nor an offset (90s, 5m, 1h30m)"
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Choice:
    """Which recorded events to play."""

    start: datetime | None = None
    end: datetime | None = None
    conversation: str | None = None

    def in_window(self, at: datetime) -> bool:
        return (self.start is None or at >= self.start) and (self.end is None or at <= self.end)

    def keeps(self, at: datetime, event: StreamEvent) -> bool:
        if not self.in_window(at):
            return False
        if self.conversation is None:
            return True
        about = conversations_of(event)
        return not about or self.conversation in about  # the stream's own events stay


@dataclass
class Summary:
    """What a check of the whole recording found."""

    source: str
    events: int
    first: datetime | None
    last: datetime | None
    # Every conversation in the events the time window keeps (whatever --conversation).
    conversations: set[str] = field(default_factory=set)


class Recording:
    """A recording file, or a directory of them (played oldest first, as one)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cut: tuple[Path, int] | None = None  # a last line without its end (file, line)
        if path.is_dir():
            self.files = recording_files(path)
            if not self.files:
                raise RecordingError(f"{path}: no recordings (frames-*.jsonl) in this directory")
        elif path.is_file():
            self.files = [path]
        else:
            raise RecordingError(f"{path}: no such recording file")

    def lines(self) -> Iterator[tuple[Path, int, bytes]]:
        for file in self.files:
            try:
                with _open(file) as handle:
                    number = 0
                    while True:
                        try:
                            raw = handle.readline()
                        except EOFError:  # a gzip file whose writer was killed: its end
                            return
                        if not raw:
                            break
                        number += 1
                        if not raw.endswith(b"\n"):
                            # a line still being written (or cut by a kill): the end
                            self.cut = (file, number)
                            break
                        if raw.strip():
                            yield file, number, raw
            except (OSError, zlib.error) as exc:
                raise RecordingError(f"{file}: cannot be read ({exc})") from exc

    def events(self, choice: Choice | None = None) -> Iterator[Recorded]:
        """Every event in order (only those ``choice`` keeps); RecordingError at a bad line."""
        for file, number, raw in self.lines():
            try:
                recorded = decode(raw)
            except (ValueError, ValidationError) as exc:
                raise RecordingError(
                    f"{file} line {number}: not a recorded event ({_why(exc)})"
                ) from None
            if recorded is not None and (choice is None or choice.keeps(*recorded)):
                yield recorded

    def check(self, choice: Choice | None = None) -> Summary:
        """Read it all once: RecordingError at the first bad line; else what it holds (of
        the events ``choice`` keeps)."""
        source = ""
        count = 0
        first = last = None
        seen: set[str] = set()
        for file, number, raw in self.lines():
            try:
                head: Any = json.loads(raw)
                recorded = decode(raw)
            except (ValueError, ValidationError) as exc:
                raise RecordingError(
                    f"{file} line {number}: not a recorded event ({_why(exc)})"
                ) from None
            if recorded is None:
                source = source or str(head.get("source") or "")
                continue
            if choice is not None and not choice.keeps(*recorded):
                if choice.conversation is not None and choice.in_window(recorded[0]):
                    seen.update(conversations_of(recorded[1]))
                continue
            seen.update(conversations_of(recorded[1]))
            count += 1
            first = first or recorded[0]
            last = recorded[0]
        return Summary(source or "notifications", count, first, last, seen)


def _open(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return cast("IO[bytes]", gzip.open(path, "rb"))
    return path.open("rb")


def _why(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    return str(exc).splitlines()[0][:200]
