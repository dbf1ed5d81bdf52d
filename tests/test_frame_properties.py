"""Property tests: no frame, however broken, makes the decoder raise; rejections have reasons."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from assist_tui.genesys.notification_frames import decode_frame
from assist_tui.model import RejectedFrame

from .test_transcription_topic import body, frame

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


def check(raw: str | bytes) -> None:
    decoded = decode_frame(raw, max_bytes=4096, received_at=NOW)
    for event in decoded.events:
        if isinstance(event, RejectedFrame):
            assert event.reason and event.size >= 0


@given(st.binary(max_size=300))
def test_arbitrary_bytes(raw: bytes) -> None:
    check(raw)


@given(st.text(max_size=300))
def test_arbitrary_text(raw: str) -> None:
    check(raw)


@given(json_values)
def test_arbitrary_json(value: Any) -> None:
    check(json.dumps(value))


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(tree, dict):
        for key, child in tree.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(tree, list):
        for index, child in enumerate(tree):
            found += _paths(child, (*prefix, index))
    return found


def mutate(tree: Any, path: tuple[Any, ...], replacement: Any, delete: bool) -> str:
    """A copy of ``tree`` with the node at ``path`` replaced (or deleted), as JSON."""
    mutated = json.loads(json.dumps(tree))
    node = mutated
    for step in path[:-1]:
        node = node[step]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = replacement
    return json.dumps(mutated)


VALID = json.loads(frame(body()))
PATHS = [p for p in _paths(VALID) if p]


@settings(max_examples=300)
@given(st.sampled_from(PATHS), json_values, st.booleans())
def test_mutated_valid_frames(path: tuple[Any, ...], replacement: Any, delete: bool) -> None:
    check(mutate(VALID, path, replacement, delete))
