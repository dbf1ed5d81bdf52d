"""The typed fast path of the transcription translator: a whole Notifications frame decoded
by msgspec (its types checked in C) into the structures below, then translated.

It answers only where the answer is certain to be transcription_fast's (and so the
validating path's): the frame is text within the frame guards (no integer run past the
limit, no surrogate escape, valid UTF-8), every field it reads has its plain type, no
field the wire models also accept under another name is present, and every bracket in
the frame belongs to a container read here, so nothing unread can nest deeper than
these structures do (eight levels; the guard's limit is 32). Anything else returns
``None`` and takes the other paths (genesys/notification_frames.py). Without msgspec
installed (the "fast" extra) this path is off. tests/test_transcription_fast.py holds
the answers equal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from assist_tui.genesys.dialects.base import clamp_confidence
from assist_tui.genesys.frame_limits import MAX_OFFSET_MS, as_utc, epoch_ms, plain_text_brackets
from assist_tui.genesys.frame_limits import offset_ms as bounded_ms
from assist_tui.genesys.transcription_fast import (
    Events,
    Said,
    Shared,
    Slow,
    make_update,
    make_word,
    read_time,
    session_ended,
)
from assist_tui.genesys.transcription_topic import TOPIC
from assist_tui.model import Word

try:  # optional (the "fast" extra)
    import msgspec
    from msgspec import UNSET, Raw, Struct, UnsetType
except ImportError:  # pragma: no cover - the tests also run the other paths alone
    msgspec = None  # type: ignore[assignment]

Leaf = str | int | float | bool | None

if msgspec is not None:
    # The wire's own field names (camelCase), as msgspec matches them.
    class _Word(Struct):
        word: str
        confidence: float | None = None
        offsetMs: int | None = None
        durationMs: int | None = None
        startTimeMs: int | UnsetType | None = UNSET
        offset_ms: Raw | UnsetType = UNSET  # names the wire models also accept
        duration_ms: Raw | UnsetType = UNSET
        start_time_ms: Raw | UnsetType = UNSET

    class _Alternative(Struct):
        transcript: str = ""
        confidence: float | None = None
        offsetMs: int | None = None
        durationMs: int | None = None
        words: list[_Word] | UnsetType = UNSET
        decoratedWords: list[dict[str, Leaf]] | UnsetType = UNSET
        offset_ms: Raw | UnsetType = UNSET
        duration_ms: Raw | UnsetType = UNSET

    class _Transcript(Struct):
        utteranceId: str
        isFinal: bool
        channel: str = "UNKNOWN"
        alternatives: list[_Alternative] | UnsetType = UNSET
        dialect: str | None = None
        utterance_id: Raw | UnsetType = UNSET
        is_final: Raw | UnsetType = UNSET

    class _Status(Struct):
        status: str = "UNKNOWN"
        offsetMs: int | None = None
        offset_ms: Raw | UnsetType = UNSET

    class _Body(Struct):
        conversationId: str
        communicationId: str | None = None
        eventTime: str | None = None
        sessionStartTimeMs: int | None = None
        transcripts: list[_Transcript] | UnsetType = UNSET
        status: _Status | UnsetType | None = UNSET
        conversation_id: Raw | UnsetType = UNSET
        communication_id: Raw | UnsetType = UNSET
        event_time: Raw | UnsetType = UNSET
        session_start_ms: Raw | UnsetType = UNSET

    class _Frame(Struct):
        topicName: str
        eventBody: _Body
        metadata: dict[str, Leaf] | UnsetType = UNSET

    _DECODER: Any = msgspec.json.Decoder(_Frame)
    # RecursionError: msgspec skips a field nothing reads recursively; the guard's own
    # reading on the other path rejects the frame with its reason.
    _ERRORS: tuple[type[Exception], ...] = (
        msgspec.DecodeError,
        msgspec.ValidationError,
        RecursionError,
    )


def translate_typed(raw: str, received_at: datetime) -> tuple[str, Events] | None:
    """The topic and events of a plain transcription frame, or ``None``."""
    if msgspec is None or ".transcription" not in raw:  # other topics: not tried
        return None
    brackets = plain_text_brackets(raw)
    if brackets is None:
        return None
    try:
        frame = _DECODER.decode(raw)
    except _ERRORS:
        return None
    if not TOPIC.match(frame.topicName) or _containers(frame) != brackets:
        return None
    try:
        return frame.topicName, _translate(frame.eventBody, received_at)
    except (Slow, ValueError, OverflowError):
        return None


def _containers(frame: Any) -> int:
    """How many objects and arrays the decoded frame holds (each one bracket pair)."""
    body = frame.eventBody
    count = 2 + (frame.metadata is not UNSET)
    count += body.status is not UNSET and body.status is not None
    if body.transcripts is not UNSET:
        count += 1
        for transcript in body.transcripts:
            count += 1
            if transcript.alternatives is not UNSET:
                count += 1
                for alt in transcript.alternatives:
                    count += 1
                    if alt.words is not UNSET:
                        count += 1 + len(alt.words)
                    if alt.decoratedWords is not UNSET:
                        count += 1 + len(alt.decoratedWords)
    return count


def _words(raw: Any, notes: list[str]) -> tuple[Word, ...]:
    """transcription_fast's words, from typed ones."""
    if raw is UNSET:
        return ()
    words: list[Word] = []
    for w in raw:
        if w.offset_ms is not UNSET or w.duration_ms is not UNSET or w.start_time_ms is not UNSET:
            raise Slow
        conf, offset, duration = w.confidence, w.offsetMs, w.durationMs
        if (
            conf is not None
            and 0.0 <= conf <= 1.0
            and offset is not None
            and 0 <= offset <= MAX_OFFSET_MS
            and duration is not None
            and 0 <= duration <= MAX_OFFSET_MS
            and w.startTimeMs is UNSET
        ):
            words.append(make_word(w.word, conf, offset, duration))
            continue
        start = None if w.startTimeMs is UNSET else w.startTimeMs
        at = offset if offset is not None else start
        words.append(
            make_word(
                w.word,
                clamp_confidence(conf, "word", notes),
                bounded_ms(at, "word offsetMs", notes) or 0,
                bounded_ms(duration, "word durationMs", notes) or 0,
            )
        )
    return tuple(words)


def _translate(body: Any, received_at: datetime) -> Events:
    """transcription_fast._translate over the typed structures (same order of notes)."""
    if body.conversation_id is not UNSET or body.communication_id is not UNSET:
        raise Slow
    if body.event_time is not UNSET or body.session_start_ms is not UNSET:
        raise Slow
    conversation_id = body.conversationId
    if not conversation_id:
        raise Slow
    event_time = read_time(body.eventTime)
    ended = False
    status = body.status
    if status is not UNSET and status is not None:
        if status.offset_ms is not UNSET:
            raise Slow
        ended = status.status.upper() == "SESSION_ENDED"
    frame_notes: list[str] = []
    session_start = epoch_ms(body.sessionStartTimeMs, "sessionStartTimeMs", frame_notes)
    event_time = as_utc(event_time, "eventTime", frame_notes)
    shared = Shared(conversation_id, body.communicationId, session_start, event_time, received_at)
    events: Events = []
    for transcript in () if body.transcripts is UNSET else body.transcripts:
        if transcript.utterance_id is not UNSET or transcript.is_final is not UNSET:
            raise Slow
        utterance_id = transcript.utteranceId
        is_final = transcript.isFinal
        if not utterance_id:
            raise Slow
        alternatives = () if transcript.alternatives is UNSET else transcript.alternatives
        for alt in alternatives:
            if alt.offset_ms is not UNSET or alt.duration_ms is not UNSET:
                raise Slow
        if not alternatives:
            continue
        best = alternatives[0]
        notes: list[str] = list(frame_notes)
        text = best.transcript.strip()
        words: tuple[Word, ...] = ()
        if is_final or not text:
            words = _words(best.words, notes)
            text = text or " ".join([w.text for w in words])
        if not is_final:
            words = ()  # a partial's words: never read (transcription_topic.py)
        said = Said(transcript.channel, utterance_id, text, words, is_final, transcript.dialect)
        events.append(
            make_update(shared, said, best.confidence, best.offsetMs, best.durationMs, notes)
        )
    if ended:
        events.append(session_ended(conversation_id, received_at))
    return events
