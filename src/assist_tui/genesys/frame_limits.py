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

_fast_loads: Callable[[str], Any] | None
try:  # optional (the "fast" extra): a quicker parser; json still gives every reason
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - the tests also run with json alone
    _fast_loads = None

MAX_DEPTH = 32  # real frames nest 5 deep; RecursionError starts near 1,000
MAX_INT_DIGITS = 18  # every wire integer fits in 64 bits (epoch ms has 13 digits)
MAX_OFFSET_MS = 10 * 24 * 3600 * 1000  # no session is ten days long
# Epoch milliseconds a datetime can hold (1970 .. 9999): beyond, fromtimestamp overflows.
MAX_EPOCH_MS = 253_402_300_799_999

_INT_LIMIT = 10**MAX_INT_DIGITS - 1
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS = b"0" * (MAX_INT_DIGITS + 1)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_TIMES: dict[int, datetime] = {}  # epoch ms -> its time (a session's start, kept)
_EPOCH_TIMES_KEPT = 4096
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_MISSING: Any = object()
D = TypeVar("D")
Decode = Callable[[Any, str | bytes, datetime], D]


class FrameLimitError(ValueError):
    """The frame breaks one of the bounds: it is rejected with this reason."""


def _no_constant(name: str) -> Any:
    raise FrameLimitError(f"non-standard JSON constant {name}")


def _too_deep(data: Any, containers: int) -> bool:
    """Whether containers nest deeper than ``MAX_DEPTH``: level by level, no recursion.

    ``containers`` bounds how many there are (brackets in the text): once the levels
    still unread could not reach the limit even one container per level, the walk stops,
    so the widest level (a frame's words) is usually never read.
    """
    level = [data]
    depth = 1
    seen = 1
    while level:
        if depth > MAX_DEPTH:
            return True
        if depth + containers - seen <= MAX_DEPTH:
            return False
        below: list[Any] = []
        for node in level:
            values = node.values() if type(node) is dict else node
            below += [v for v in values if type(v) is dict or type(v) is list]
        level = below
        seen += len(below)
        depth += 1
    return False


def _problem(data: Any) -> str | None:
    """What breaks a bound in parsed JSON: nesting, an integer, a number; level by level,
    no recursion (one pass over the values: cheaper than a Python call per number)."""
    level = [data]
    depth = 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            return f"nesting deeper than {MAX_DEPTH}"
        below: list[Any] = []
        for node in level:
            kind = type(node)
            values = node.values() if kind is dict else node if kind is list else (node,)
            for value in values:
                kind = type(value)
                if kind is dict or kind is list:
                    below.append(value)
                elif kind is int:
                    if value > _INT_LIMIT or value < -_INT_LIMIT:
                        digits = len(str(abs(value)))
                        return f"integer of {digits} digits (limit {MAX_INT_DIGITS})"
                elif kind is float and value - value != 0.0:  # inf or nan
                    return "number out of range"
        level = below
    return None


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
    # Cheap byte scans decide which checks can find anything: an integer out of bounds
    # needs 19 digits in a row, deep nesting needs brackets. (A float past 1e308 parses
    # as inf: the walk rejects it when it runs, and every model refuses or clamps it.)
    flat = text.encode("utf-8").translate(_DIGITS_AS_ZERO)
    long_digits = _LONG_DIGITS in flat
    data = _MISSING
    if _fast_loads is not None and not long_digits:
        # Only without long digit runs: orjson reads an integer past 64 bits as a float.
        try:
            data = _fast_loads(text)
        except Exception:  # json's own reading below gives the reason
            data = _MISSING
    try:
        if data is _MISSING:
            data = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise FrameLimitError(f"nesting deeper than {MAX_DEPTH}") from None
    except FrameLimitError:
        raise
    except ValueError as exc:
        if "integer string conversion" in str(exc):  # past Python's 4,300-digit limit
            raise FrameLimitError(f"integer of more than {MAX_INT_DIGITS} digits") from None
        # json's own messages name a position, never the frame's text
        raise ValueError(str(exc)[:200]) from None
    if long_digits:
        problem = _problem(data)
        if problem is not None:
            raise FrameLimitError(problem)
    elif (brackets := flat.count(b"{") + flat.count(b"[")) > MAX_DEPTH and _too_deep(
        data, brackets
    ):
        raise FrameLimitError(f"nesting deeper than {MAX_DEPTH}")
    if _has_lone_surrogate(text, data):
        raise FrameLimitError("a string holds a lone surrogate escape")
    return data


def plain_text_brackets(text: str) -> int | None:
    """How many ``{`` and ``[`` a frame's text holds (inside strings too), when it passes
    the guards that need no parsing (UTF-8, no integer run past the limit, no surrogate
    escape); ``None`` when it does not, or when one of them would need the parsed JSON.
    A decoder that reads every container a frame holds then knows its depth."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return None
    flat = text.encode("utf-8").translate(_DIGITS_AS_ZERO)
    if _LONG_DIGITS in flat or _SURROGATE_ESCAPE.search(text) is not None:
        return None
    return flat.count(b"{") + flat.count(b"[")


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
    if value.tzinfo is timezone.utc:  # the platform's "...Z": nothing to convert
        return value
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
    if type(value) is int:
        # Every frame of a session carries the same start: its time is made once.
        known = _EPOCH_TIMES.get(value)
        if known is not None:
            return known
    if not (isinstance(value, (int, float)) and 0 < value <= MAX_EPOCH_MS):
        notes.append(f"{what} out of range dropped")
        return None
    if isinstance(value, float) and not math.isfinite(value):
        notes.append(f"{what} out of range dropped")
        return None
    made = _EPOCH + timedelta(milliseconds=value)
    if type(value) is int:
        if len(_EPOCH_TIMES) >= _EPOCH_TIMES_KEPT:
            _EPOCH_TIMES.clear()  # rare: thousands of sessions since; rebuilt as they come
        _EPOCH_TIMES[value] = made
    return made


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
