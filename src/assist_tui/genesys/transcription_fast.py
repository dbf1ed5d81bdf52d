"""The fast path of the transcription translator: a frame body whose every field has its
plain JSON type is checked by hand and translated without the wire models.

Anything else (a missing or mistyped field, a name the wire models would also accept,
an unusual time) returns ``None`` and takes the validating path in
transcription_topic.py, which accepts, fixes or rejects it. For what it accepts, the fast
path returns exactly what that path returns (tests/test_transcription_fast.py).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from pydantic import BaseModel

from assist_tui.genesys.dialects.base import clamp_confidence
from assist_tui.genesys.frame_limits import MAX_OFFSET_MS, as_utc, epoch_ms
from assist_tui.genesys.frame_limits import offset_ms as bounded_ms
from assist_tui.genesys.transcription_topic import SPEAKERS
from assist_tui.model import ConversationEnded, Speaker, UtteranceUpdate, Word

# The platform's own time shape; pydantic reads it to the same instant as fromisoformat.
# (ASCII digits; an offset's hours below 24 and minutes below 60, as pydantic wants them.)
_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
# Field names the wire models accept beside their aliases (populate_by_name): a body that
# uses them goes the validating way.
_BODY_NAMES = ("conversation_id", "communication_id", "event_time", "session_start_ms")
_TRANSCRIPT_NAMES = ("utterance_id", "is_final")
_SPAN_NAMES = ("offset_ms", "duration_ms")

Events = list[UtteranceUpdate | ConversationEnded]
M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__  # the models are frozen
_WORD_GIVEN = frozenset(("text", "confidence", "offset_ms", "duration_ms"))
UPDATE_GIVEN = frozenset(
    (
        "conversation_id",
        "communication_id",
        "media_type",
        "speaker",
        "utterance_id",
        "text",
        "words",
        "confidence",
        "is_final",
        "language",
        "offset_ms",
        "duration_ms",
        "session_start",
        "event_time",
        "received_at",
        "adjustments",
    )
)


class Slow(Exception):
    """Not plain enough for the fast path."""


def _opt_int(value: Any) -> int | None:
    if value is None or type(value) is int:
        return value
    raise Slow


def _opt_float(value: Any) -> float | None:
    kind = type(value)
    if kind is float or value is None:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return float(value)
    raise Slow


def _opt_str(value: Any) -> str | None:
    if value is None or type(value) is str:
        return value
    raise Slow


def read_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if type(value) is not str or not _TIME.fullmatch(value):
        raise Slow
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise Slow from None


def _check_names(data: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in data:
            raise Slow


def _usual_word(w: Any) -> bool:
    """A word with every field plain and in range: nothing to fix, so nothing to note.
    Raises ``Slow`` for a word only the validating path can judge."""
    if type(w) is not dict or "offset_ms" in w or "duration_ms" in w or "start_time_ms" in w:
        raise Slow
    if type(w.get("word")) is not str:
        raise Slow
    confidence = w.get("confidence")
    offset = w.get("offsetMs")
    duration = w.get("durationMs")
    return (
        type(confidence) is float
        and 0.0 <= confidence <= 1.0
        and type(offset) is int
        and 0 <= offset <= MAX_OFFSET_MS
        and type(duration) is int
        and 0 <= duration <= MAX_OFFSET_MS
        and "startTimeMs" not in w
    )


def made(cls: type[M], values: dict[str, Any], given: frozenset[str]) -> M:
    """The model ``cls.model_validate(values)`` would give, made without validating: every
    value here is already of its field's type and within its bounds (checked or fixed
    above), and ``values`` names every field in the model's order. pydantic's own
    ``model_construct`` does the same, slower than validating; the tests hold the two
    equal, field sets included."""
    made = cls.__new__(cls)
    _set(made, "__dict__", values)
    _set(made, "__pydantic_fields_set__", set(given))
    _set(made, "__pydantic_extra__", None)
    _set(made, "__pydantic_private__", None)
    return made


def make_word(text: str, confidence: float, offset: int, duration: int) -> Word:
    values = {"text": text, "confidence": confidence, "offset_ms": offset, "duration_ms": duration}
    return made(Word, values, _WORD_GIVEN)


def _words(raw: Any, notes: list[str]) -> tuple[Word, ...]:
    """The best alternative's words as the normalized model holds them."""
    if type(raw) is not list:
        raise Slow
    words: list[Word] = []
    for w in raw:
        if _usual_word(w):
            words.append(make_word(w["word"], w["confidence"], w["offsetMs"], w["durationMs"]))
            continue
        conf = _opt_float(w.get("confidence"))
        offset = _opt_int(w.get("offsetMs"))
        duration = _opt_int(w.get("durationMs"))
        start = _opt_int(w.get("startTimeMs"))
        at = offset if offset is not None else start
        words.append(
            make_word(
                w["word"],
                clamp_confidence(conf, "word", notes),
                bounded_ms(at, "word offsetMs", notes) or 0,
                bounded_ms(duration, "word durationMs", notes) or 0,
            )
        )
    return tuple(words)


def _check_alternative(alt: Any) -> None:
    """What the wire model checks of an alternative the translation does not read."""
    if type(alt) is not dict:
        raise Slow
    _check_names(alt, _SPAN_NAMES)
    if type(alt.get("transcript", "")) is not str:
        raise Slow
    _opt_float(alt.get("confidence"))
    _opt_int(alt.get("offsetMs"))
    _opt_int(alt.get("durationMs"))
    if type(alt.get("words", [])) is not list:  # a list; its words are never read
        raise Slow


def translate_plain(body: dict[str, Any], received_at: datetime) -> Events | None:
    """The events of a plain transcription body, or ``None``: take the validating path."""
    try:
        return _translate(body, received_at)
    except (Slow, ValueError, OverflowError):
        # A value the normalized model refuses: the validating path gives the reason.
        return None


def _translate(body: dict[str, Any], received_at: datetime) -> Events:
    _check_names(body, _BODY_NAMES)
    conversation_id = body.get("conversationId")
    if type(conversation_id) is not str or not conversation_id:
        raise Slow
    communication_id = _opt_str(body.get("communicationId"))
    event_time = read_time(body.get("eventTime"))
    session_ms = _opt_int(body.get("sessionStartTimeMs"))
    transcripts = body.get("transcripts", [])
    status = body.get("status")
    if type(transcripts) is not list:
        raise Slow
    ended = False
    if status is not None:
        if type(status) is not dict or "offset_ms" in status:
            raise Slow
        said = status.get("status", "UNKNOWN")
        _opt_int(status.get("offsetMs"))
        if type(said) is not str:
            raise Slow
        ended = said.upper() == "SESSION_ENDED"

    frame_notes: list[str] = []
    session_start = epoch_ms(session_ms, "sessionStartTimeMs", frame_notes)
    event_time = as_utc(event_time, "eventTime", frame_notes)
    shared = Shared(conversation_id, communication_id, session_start, event_time, received_at)
    events: Events = []
    for transcript in transcripts:
        if type(transcript) is not dict:
            raise Slow
        _check_names(transcript, _TRANSCRIPT_NAMES)
        utterance_id = transcript.get("utteranceId")
        is_final = transcript.get("isFinal")
        channel = transcript.get("channel", "UNKNOWN")
        alternatives = transcript.get("alternatives", [])
        dialect = _opt_str(transcript.get("dialect"))
        if (
            type(utterance_id) is not str
            or not utterance_id
            or type(is_final) is not bool
            or type(channel) is not str
            or type(alternatives) is not list
        ):
            raise Slow
        for alt in alternatives[1:]:
            _check_alternative(alt)
        if not alternatives:
            continue
        best = alternatives[0]
        if type(best) is not dict:
            raise Slow
        _check_names(best, _SPAN_NAMES)
        text = best.get("transcript", "")
        if type(text) is not str:
            raise Slow
        confidence = _opt_float(best.get("confidence"))
        offset = _opt_int(best.get("offsetMs"))
        duration = _opt_int(best.get("durationMs"))
        notes: list[str] = list(frame_notes)
        raw_words = best.get("words", [])
        text = text.strip()
        words: tuple[Word, ...] = ()
        if is_final or not text:
            words = _words(raw_words, notes)
            text = text or " ".join([w.text for w in words])
        elif type(raw_words) is not list:
            raise Slow
        if not is_final:
            words = ()  # a partial's words: never read (transcription_topic.py)
        said = Said(channel, utterance_id, text, words, is_final, dialect)
        events.append(make_update(shared, said, confidence, offset, duration, notes))
    if ended:
        events.append(session_ended(conversation_id, received_at))
    return events


class Said(NamedTuple):
    """One transcript's own values, checked."""

    channel: str
    utterance_id: str
    text: str
    words: tuple[Word, ...]
    is_final: bool
    dialect: str | None


class Shared(NamedTuple):
    """What every update of one frame shares."""

    conversation_id: str
    communication_id: str | None
    session_start: datetime | None
    event_time: datetime | None
    received_at: datetime


def make_update(
    shared: Shared,
    said: Said,
    confidence: float | None,
    offset: int | None,
    duration: int | None,
    notes: list[str],
) -> UtteranceUpdate:
    """The update of checked values (what had to be fixed goes to ``notes``)."""
    channel, utterance_id, text, words, is_final, dialect = said
    # In the model's field order, defaults included (model_validate's __dict__).
    values = {
        "kind": "utterance",
        "conversation_id": shared.conversation_id,
        "communication_id": shared.communication_id,
        "participant_id": None,
        "speaker": SPEAKERS.get(channel.upper(), Speaker.UNKNOWN),
        "utterance_id": utterance_id,
        "text": text,
        "words": words,
        "confidence": clamp_confidence(confidence, "utterance", notes),
        "is_final": is_final,
        "language": dialect,
        "offset_ms": bounded_ms(offset, "offsetMs", notes),
        "duration_ms": bounded_ms(duration, "durationMs", notes),
        "session_start": shared.session_start,
        "event_time": shared.event_time,
        "received_at": shared.received_at,
        "adjustments": tuple(dict.fromkeys(notes)),
        "interruption_detected": False,
        "media_type": "voice",
    }
    return made(UtteranceUpdate, values, UPDATE_GIVEN)


def session_ended(conversation_id: str, received_at: datetime) -> ConversationEnded:
    return ConversationEnded(
        conversation_id=conversation_id,
        reason="transcription session ended",
        received_at=received_at,
    )
