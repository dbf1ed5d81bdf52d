"""Bounds every translator applies to a frame: JSON depth, integers, numbers, text, times,
offsets. Parsing raises ``FrameLimitError`` (a reason a person can read); the value
helpers fix what they can and note the fix, as confidence clamps are noted.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

MAX_DEPTH = 32  # real frames nest 5 deep; RecursionError starts near 1,000
MAX_INT_DIGITS = 18  # every wire integer fits in 64 bits (epoch ms has 13 digits)
MAX_OFFSET_MS = 10 * 24 * 3600 * 1000  # no session is ten days long
# Epoch milliseconds a datetime can hold (1970 .. 9999): beyond, fromtimestamp overflows.
MAX_EPOCH_MS = 253_402_300_799_999

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
D = TypeVar("D")
Decode = Callable[[Any, str | bytes, datetime], D]


class FrameLimitError(ValueError):
    """The frame breaks one of the bounds: it is rejected with this reason."""


def _bounded_int(text: str) -> int:
    digits = len(text) - (text[:1] == "-")
    if digits > MAX_INT_DIGITS:
        # Checked before int(): Python refuses over 4,300 digits, and even 400 overflow
        # every datetime and float conversion downstream.
        raise FrameLimitError(f"integer of {digits} digits (limit {MAX_INT_DIGITS})")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise FrameLimitError("number out of range")
    return value


def _no_constant(name: str) -> Any:
    raise FrameLimitError(f"non-standard JSON constant {name}")


def _depth_ok(data: Any) -> bool:
    """Whether containers nest at most ``MAX_DEPTH`` deep (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return True


def load_bounded(raw: str | bytes) -> Any:
    """Parse one frame's JSON within the bounds; ``FrameLimitError`` or ``ValueError`` says why."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FrameLimitError("frame is not UTF-8") from None
    else:
        text = raw
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise FrameLimitError("frame holds a lone surrogate") from None
    try:
        data = json.loads(
            text,
            parse_int=_bounded_int,
            parse_float=_finite_float,
            parse_constant=_no_constant,
        )
    except RecursionError:
        raise FrameLimitError(f"nesting deeper than {MAX_DEPTH}") from None
    except FrameLimitError:
        raise
    except ValueError as exc:
        # json's own messages name a position, never the frame's text
        raise ValueError(str(exc)[:200]) from None
    # Cheap first: a frame with few brackets cannot nest deeply.
    deep = isinstance(data, (dict, list)) and text.count("{") + text.count("[") > MAX_DEPTH
    if deep and not _depth_ok(data):
        raise FrameLimitError(f"nesting deeper than {MAX_DEPTH}")
    if _has_lone_surrogate(text, data):
        raise FrameLimitError("a string holds a lone surrogate escape")
    return data


def _has_lone_surrogate(text: str, data: Any) -> bool:
    r"""``"\ud800"`` parses to a string UTF-8 cannot hold (the audit would fail on it)."""
    if _SURROGATE_ESCAPE.search(text) is None:  # the usual case: one C-speed search
        return False
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def as_utc(value: datetime | None, what: str, notes: list[str]) -> datetime | None:
    """A time in UTC. Without a zone it is read as UTC (noted); out of range it is dropped."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        notes.append(f"{what} without zone read as UTC")
        return value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except (OverflowError, ValueError, OSError):
        notes.append(f"{what} out of range dropped")
        return None


def epoch_ms(value: int | float | None, what: str, notes: list[str]) -> datetime | None:
    """Epoch milliseconds as a UTC time; outside 1970..9999 it is dropped (noted)."""
    if value is None or value == 0:
        return None
    if not (isinstance(value, (int, float)) and 0 < value <= MAX_EPOCH_MS):
        notes.append(f"{what} out of range dropped")
        return None
    if isinstance(value, float) and not math.isfinite(value):
        notes.append(f"{what} out of range dropped")
        return None
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=value)


def offset_ms(value: int | float | None, what: str, notes: list[str]) -> int | None:
    """A duration or offset in ms: negative clamps to 0, beyond ten days is dropped (noted)."""
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        notes.append(f"{what} not a number dropped")
        return None
    if value < 0:
        notes.append(f"{what} negative clamped to 0")
        return 0
    if value > MAX_OFFSET_MS:
        notes.append(f"{what} beyond {MAX_OFFSET_MS} dropped")
        return None
    return int(value)


def total(
    reject: Callable[[str, str | bytes, datetime], D],
) -> Callable[[Decode[D]], Decode[D]]:
    """Make a ``decode(self, raw, received_at)`` total: what still escapes is rejected.

    The reason names only the exception type: its message could quote the frame.
    """

    def wrap(method: Decode[D]) -> Decode[D]:
        @functools.wraps(method)
        def guarded(self: Any, raw: str | bytes, received_at: datetime) -> D:
            try:
                return method(self, raw, received_at)
            except FrameLimitError as exc:
                return reject(f"limit: {exc}", raw, received_at)
            except (Exception, RecursionError) as exc:
                return reject(f"translator error: {type(exc).__name__}", raw, received_at)

        return guarded

    return wrap
