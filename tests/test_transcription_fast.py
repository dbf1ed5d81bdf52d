"""The transcription fast path (genesys/transcription_fast.py) gives exactly what the
validating path gives: over the load emulator's frames, over frames broken the ways the
wire breaks them, and over bodies with every field replaced by any JSON value."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from assist_tui.emulator.frame_mix import load_frames
from assist_tui.genesys import transcription_fast, transcription_typed
from assist_tui.genesys.notification_frames import Decoded, decode_frame

from .frame_fuzz import Mutator, valid_frames
from .test_frame_properties import _paths, json_values, mutate

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
MAX_BYTES = 1 << 20
Decode = Callable[[str | bytes], Decoded]


def _decode(raw: str | bytes) -> Decoded:
    return decode_frame(raw, max_bytes=MAX_BYTES, received_at=NOW)


@contextlib.contextmanager
def _declining(module: Any, name: str) -> Iterator[None]:
    """Within: that fast path declines every frame."""
    original = getattr(module, name)
    setattr(module, name, lambda *_: None)
    try:
        yield
    finally:
        setattr(module, name, original)


def _without_typed(raw: str | bytes) -> Decoded:
    """The path by hand and the validating path: the typed path declines every frame."""
    with _declining(transcription_typed, "translate_typed"):
        return _decode(raw)


def _slow(raw: str | bytes) -> Decoded:
    """The validating path alone: both fast paths decline every frame."""
    with _declining(transcription_fast, "translate_plain"):
        return _without_typed(raw)


def _made(model: Any) -> Any:
    """What a model is made of: the fast path builds its models without validating, so
    their values (with their types), field order and set fields are compared too."""
    if not isinstance(model, BaseModel):
        return repr(model)
    values = {k: _made(v) for k, v in model.__dict__.items()}
    values["words"] = [_made(w) for w in getattr(model, "words", ())]
    return type(model).__name__, list(values.items()), sorted(model.model_fields_set)


def _shown(decoded: Decoded) -> tuple[Any, ...]:
    # repr, not ==: 1 and 1.0 are equal but would be written differently downstream.
    return (
        decoded.control,
        decoded.topic,
        [repr(e) for e in decoded.events],
        [_made(e) for e in decoded.events],
    )


def assert_same(raw: str | bytes) -> Decoded:
    """The typed path, the path by hand and the validating path give the same answer."""
    fast = _decode(raw)
    slow = _shown(_slow(raw))
    assert _shown(fast) == slow
    assert _shown(_without_typed(raw)) == slow
    return fast


@pytest.fixture(scope="module")
def load() -> list[str]:
    # Short calls, so sessions end and new calls start within the sample.
    frames = load_frames(3000, 40, seed=11, turns=2)
    return [f for f in frames if '.transcription","' in f[:120]]


def test_every_load_frame_takes_the_fast_paths(load: list[str]) -> None:
    finals = partials = ends = 0
    for raw in load:
        body = json.loads(raw)["eventBody"]
        events = transcription_fast.translate_plain(body, NOW)
        assert events is not None, raw[:200]
        typed = transcription_typed.translate_typed(raw, NOW)
        assert typed is not None, raw[:200]
        assert [repr(e) for e in typed[1]] == [repr(e) for e in events]
        decoded = assert_same(raw)
        assert [repr(e) for e in decoded.events] == [repr(e) for e in events]
        for event in events:
            if event.kind == "utterance":
                finals += event.is_final
                partials += not event.is_final
            else:
                ends += 1
    assert finals > 50 and partials > 200 and ends > 5  # the real mix was covered


def test_broken_load_frames_match(load: list[str]) -> None:
    mutator = Mutator(seed=16)
    for n in range(3000):
        assert_same(mutator.frame(load[n % len(load)]))


def test_broken_fuzz_frames_match() -> None:
    mutator = Mutator(seed=7)
    for valid in valid_frames()["notifications"]:
        for _ in range(300):
            assert_same(mutator.frame(valid))


def _valid_tree() -> dict[str, Any]:
    frames = load_frames(400, 3, seed=2)
    final = next(f for f in frames if '"isFinal":true' in f)
    tree: dict[str, Any] = json.loads(final)
    # A second alternative and a word with startTimeMs: the fast path checks them too.
    alt = tree["eventBody"]["transcripts"][0]["alternatives"]
    alt.append(json.loads(json.dumps(alt[0])))
    alt[0]["words"][0]["startTimeMs"] = alt[0]["words"][0].pop("offsetMs")
    return tree


VALID = _valid_tree()
PATHS = [p for p in _paths(VALID) if len(p) > 1]
AWKWARD = st.sampled_from(
    [
        1.5,
        -0.2,
        2,
        1,
        0,
        -5,
        10**15,
        1e999,
        True,
        "",
        "x",
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00.5+02:00",
        "2026-01-01T00:00:00",
        "2026-02-30T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59.999999-14:00",
        "2026-01-01T24:00:00Z",
        "2026-01-01 00:00:00Z",
        1767225600000,
        "SESSION_ENDED",
        "internal",
        [],
        {},
        None,
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(PATHS), json_values | AWKWARD, st.booleans())
def test_any_field_replaced_matches(path: tuple[Any, ...], value: Any, delete: bool) -> None:
    assert_same(mutate(VALID, path, value, delete))


def _partial(tree: dict[str, Any]) -> dict[str, Any]:
    partial: dict[str, Any] = json.loads(json.dumps(tree))
    partial["eventBody"]["transcripts"][0]["isFinal"] = False
    return partial


VALID_PARTIAL = _partial(VALID)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PATHS), json_values | AWKWARD, st.booleans())
def test_any_field_of_a_partial_replaced_matches(
    path: tuple[Any, ...], value: Any, delete: bool
) -> None:
    """A partial's words are read by neither path: whatever they hold, both agree."""
    assert_same(mutate(VALID_PARTIAL, path, value, delete))


def test_a_partial_carries_no_words_and_a_final_keeps_them() -> None:
    (final,) = assert_same(json.dumps(VALID)).events
    (partial,) = assert_same(json.dumps(VALID_PARTIAL)).events
    assert final.words and not partial.words  # type: ignore[union-attr]
    assert partial.text == final.text  # type: ignore[union-attr]
    # No transcript text: a partial's text still comes from its words.
    silent = _partial(VALID)
    silent["eventBody"]["transcripts"][0]["alternatives"][0]["transcript"] = ""
    (spoken,) = assert_same(json.dumps(silent)).events
    words = VALID["eventBody"]["transcripts"][0]["alternatives"][0]["words"]
    assert spoken.text == " ".join(w["word"] for w in words)  # type: ignore[union-attr]
    assert not spoken.words  # type: ignore[union-attr]


# Words a partial may carry unread; on a final each is rejected with its place or fixed
# and noted.
JUNK_WORDS: list[tuple[Any, str]] = [
    ({"word": 5, "confidence": "high"}, "rejected"),
    ({"confidence": 0.5, "offsetMs": 1, "durationMs": 1}, "rejected"),  # no word
    ("a word", "rejected"),
    (None, "rejected"),
    ({"word": "hm", "confidence": 1.7, "offsetMs": -3, "durationMs": 10**15}, "noted"),
    ({"word": "ok", "offset_ms": 1}, "noted"),  # the wire's field names, and no confidence
]


@pytest.mark.parametrize(("junk", "on_a_final"), JUNK_WORDS)
def test_a_partials_words_are_never_read_and_a_finals_are_checked(
    junk: Any, on_a_final: str
) -> None:
    """No per-word work where nothing reads the words: a partial whose words are junk is
    taken as it is said, with nothing noted; the same words on a final are checked."""
    partial = _partial(VALID)
    words = partial["eventBody"]["transcripts"][0]["alternatives"][0]["words"]
    words.insert(1, junk)
    (update,) = assert_same(json.dumps(partial)).events
    assert update.adjustments == () and update.text  # type: ignore[union-attr]
    final = json.loads(json.dumps(partial))
    final["eventBody"]["transcripts"][0]["isFinal"] = True
    (event,) = assert_same(json.dumps(final)).events
    if on_a_final == "noted":
        assert event.words[1].text in ("hm", "ok") and event.adjustments  # type: ignore[union-attr]
    else:
        reason = event.reason  # type: ignore[union-attr]
        assert "transcripts.0.alternatives.0.words.1" in reason, reason


def test_a_word_list_that_is_no_list_is_rejected_even_on_a_partial() -> None:
    partial = _partial(VALID)
    partial["eventBody"]["transcripts"][0]["alternatives"][0]["words"] = {"word": "x"}
    (event,) = assert_same(json.dumps(partial)).events
    assert "words" in event.reason  # type: ignore[union-attr]


SNAKE = {
    "conversationId": "conversation_id",
    "communicationId": "communication_id",
    "eventTime": "event_time",
    "sessionStartTimeMs": "session_start_ms",
    "utteranceId": "utterance_id",
    "isFinal": "is_final",
    "offsetMs": "offset_ms",
    "durationMs": "duration_ms",
}


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([p for p in PATHS if p[-1] in SNAKE]), st.booleans())
def test_field_names_beside_aliases_match(path: tuple[Any, ...], keep: bool) -> None:
    """The wire models also take a field by its Python name: so must the outcome."""
    tree = json.loads(json.dumps(VALID))
    node = tree
    for step in path[:-1]:
        node = node[step]
    value = node[path[-1]] if keep else node.pop(path[-1])
    node[SNAKE[path[-1]]] = value
    assert_same(json.dumps(tree))


def _two(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda n: f"{n:02d}")


# Built once, not on every draw: hypothesis validates a strategy each time one is made.
_YEAR = st.integers(0, 9999).map(lambda n: f"{n:04d}")
_MONTH, _DAY, _HOUR, _MINUTE = _two(0, 13), _two(0, 32), _two(0, 25), _two(0, 61)
_FRACTION = st.sampled_from(["", ".", ".5", ".123", ".123456", ".1234567"])
_ZONE = st.sampled_from(["Z", "", "z"]) | st.tuples(
    st.sampled_from("+-"), _two(0, 25), _two(0, 61)
).map(lambda t: f"{t[0]}{t[1]}:{t[2]}")


@st.composite
def times(draw: st.DrawFn) -> str:
    date = f"{draw(_YEAR)}-{draw(_MONTH)}-{draw(_DAY)}"
    clock = f"{draw(_HOUR)}:{draw(_MINUTE)}:{draw(_MINUTE)}"
    return f"{date}T{clock}{draw(_FRACTION)}{draw(_ZONE)}"


EDGE_TIMES = [
    "2026-01-01T00:00:00+00:60",  # fromisoformat takes it, pydantic does not
    "2026-01-01T00:00:00+24:00",
    "2026-01-01T00:00:00-23:59",
    "2026-01-01T00:00:00+05:30",
    "2026-01-01T00:00:00.1234567Z",
    "2026-01-01t00:00:00Z",
    "2026-01-01T00:00:00z",
    "\u0662\u0660\u0662\u0666-01-01T00:00:00Z",  # Arabic-Indic digits
    "2024-02-29T12:00:00Z",
    "2025-02-29T12:00:00Z",
]


@pytest.mark.parametrize("when", EDGE_TIMES)
def test_edge_event_times_read_alike(when: str) -> None:
    tree = json.loads(json.dumps(VALID))
    tree["eventBody"]["eventTime"] = when
    assert_same(json.dumps(tree))


@settings(max_examples=1000, deadline=None)
@given(times())
def test_any_event_time_reads_alike(when: str) -> None:
    tree = json.loads(json.dumps(VALID))
    tree["eventBody"]["eventTime"] = when
    assert_same(json.dumps(tree))


def test_made_models_are_valid_and_equal_to_validated_ones(load: list[str]) -> None:
    """Every model the fast path makes is one validation accepts, unchanged."""
    made = [e for raw in load for e in _decode(raw).events]
    assert any(getattr(e, "words", ()) for e in made)  # finals with words are among them
    for event in made:
        again = type(event).model_validate(event.model_dump())
        # (model_dump names every field: the validated copy has every field set)
        assert again == event and _made(again)[:2] == _made(event)[:2]


@pytest.mark.parametrize(
    "change",
    [
        # A bracket inside a string: the brackets no longer count the containers.
        lambda tree: tree["eventBody"]["transcripts"][0]["alternatives"][0].update(
            transcript="[laughs] yes"
        ),
        # A field nothing reads, holding a container: it could nest past the guard.
        lambda tree: tree["eventBody"].update(extra={"a": [[1]]}),
        lambda tree: tree["eventBody"]["transcripts"][0].update(extra=[]),
        # A name the wire models also accept.
        lambda tree: tree["eventBody"].update(conversation_id="c"),
    ],
)
def test_the_typed_path_declines_what_it_cannot_vouch_for(change: Any) -> None:
    tree = json.loads(json.dumps(VALID))
    change(tree)
    raw = json.dumps(tree)
    assert transcription_typed.translate_typed(raw, NOW) is None
    assert_same(raw)  # the other paths answer, alike


def test_the_typed_path_reads_the_platforms_own_extra_fields() -> None:
    """Real frames carry metadata, decorated words and engine names: still typed."""
    tree = json.loads(json.dumps(VALID))
    tree["metadata"] = {"CorrelationId": "5d1c"}
    tree["version"] = "2"
    transcript = tree["eventBody"]["transcripts"][0]
    transcript.update(engineProvider="GENESYS", agentAssistEnabled=False)
    alternative = transcript["alternatives"][0]
    alternative["decoratedTranscript"] = alternative["transcript"]
    alternative["decoratedWords"] = [{"word": "yes", "offsetMs": 1, "confidence": 0.9}]
    raw = json.dumps(tree)
    assert transcription_typed.translate_typed(raw, NOW) is not None
    assert_same(raw)
