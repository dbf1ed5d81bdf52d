"""The bounded JSON reader gives the same value or the same reason with the optional fast
parser (orjson) as with json alone, and the depth walk's early stop changes no answer."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assist_tui.emulator.frame_mix import load_frames
from assist_tui.genesys import frame_limits

from .frame_fuzz import RAW_TOKENS, Mutator, valid_frames
from .test_frame_properties import json_values

pytest.importorskip("orjson")


@pytest.fixture
def json_only() -> Iterator[None]:
    original = frame_limits._fast_loads
    frame_limits._fast_loads = None
    yield
    frame_limits._fast_loads = original


def _outcome(raw: str | bytes) -> tuple[str, Any]:
    try:
        return "value", repr(frame_limits.load_bounded(raw))
    except ValueError as exc:  # FrameLimitError is one
        return type(exc).__name__, str(exc)


def _both(raw: str | bytes) -> tuple[tuple[str, Any], tuple[str, Any]]:
    fast = _outcome(raw)
    original = frame_limits._fast_loads
    frame_limits._fast_loads = None
    try:
        return fast, _outcome(raw)
    finally:
        frame_limits._fast_loads = original


def test_the_fast_parser_is_used() -> None:
    assert frame_limits._fast_loads is not None


def test_json_alone_still_reads_frames(json_only: None) -> None:
    assert frame_limits._fast_loads is None
    assert frame_limits.load_bounded('{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    with pytest.raises(frame_limits.FrameLimitError):
        frame_limits.load_bounded('{"a": NaN}')


EDGES = [
    *RAW_TOKENS,
    '{"a": 1, "a": 2}',  # duplicate keys: the last wins
    "\ufeff{}",  # a byte-order mark
    '{"a": "\\u0000"}',
    '{"a": "tab\there"}',  # a raw control character
    "[1,]",
    "01",
    "-0",
    "-0.0",
    "1E+2",
    "1e-400",
    "0.1e1",
    "123456789012345678",
    "1234567890123456789",
    "18446744073709551616",
    "-9223372036854775809",
    " [ ] ",
    "[" * 33 + "]" * 33,
    "[" * 32 + "]" * 32,
    '{"a":' * 40 + "1" + "}" * 40,
    '["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", 1]',
    "",
    " ",
]


@pytest.mark.parametrize("raw", EDGES)
def test_edge_texts_read_alike(raw: str) -> None:
    fast, slow = _both(raw)
    assert fast == slow


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_any_text_reads_alike(raw: str) -> None:
    fast, slow = _both(raw)
    assert fast == slow


@settings(max_examples=300)
@given(json_values | st.floats() | st.integers())
def test_any_json_reads_alike(value: Any) -> None:
    fast, slow = _both(json.dumps(value))
    assert fast == slow


def test_broken_frames_read_alike() -> None:
    frames = [
        *valid_frames()["notifications"],
        *(f for f in load_frames(300, 5, seed=3) if "transcription" in f),
    ]
    mutator = Mutator(seed=23)
    for n in range(3000):
        raw = mutator.frame(frames[n % len(frames)])
        fast, slow = _both(raw)
        assert fast == slow


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _nested(depth: int, width: int) -> Any:
    node: Any = [1] * width
    for level in range(depth - 1):
        node = {"k": node, "w": [[] for _ in range(width)]} if level % 2 else [node, *range(width)]
    return node


@settings(max_examples=200)
@given(st.integers(1, 45), st.integers(0, 30), st.integers(0, 40))
def test_depth_walk_answers_exactly(depth: int, width: int, extra: int) -> None:
    data = _nested(depth, width)
    text = json.dumps(data)
    brackets = text.count("{") + text.count("[") + extra  # an upper bound, as in a frame
    assert frame_limits._too_deep(data, brackets) == (_depth(data) > frame_limits.MAX_DEPTH)


def test_numbers_read_alike() -> None:
    """Numbers of up to 18 digits (longer runs go to json anyway), any exponent."""
    rng = random.Random(1)
    texts = ["-1e-400", "5e-324", "2.4703282292062328e-324", "1.7976931348623159e308"]
    for _ in range(20_000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 18)))
        cut = rng.randint(0, len(digits))
        text = (digits[:cut] or "0") + ("." + digits[cut:] if cut < len(digits) else "")
        if rng.random() < 0.5:
            text += f"e{rng.randint(-330, 310)}"
        texts.append(("-" if rng.random() < 0.3 else "") + text)
    for text in texts:
        fast, slow = _both(f"[{text}]")
        assert fast == slow, text
