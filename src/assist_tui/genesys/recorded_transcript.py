"""The recorded transcript of a call, after it ended: the transcript URL, the document
behind it, and its phrases as normalized final utterances.

``GET /api/v2/speechandtextanalytics/conversations/{c}/communications/{m}/transcripturl``
answers ``{"url": <pre-signed URL>}``; the document holds ``transcripts[].phrases[]`` with
``participantPurpose``, ``text``, ``startTimeMs`` (epoch), ``duration.milliseconds`` and
``words``. It can take minutes after the call before it exists (404 until then).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from assist_tui.genesys.errors import ProtocolError
from assist_tui.genesys.rest import GenesysApi
from assist_tui.genesys.urls import check_transport
from assist_tui.model import Speaker, UtteranceUpdate, Word

log = logging.getLogger(__name__)

TRANSCRIPT_URL_PATH = (
    "/api/v2/speechandtextanalytics/conversations/{}/communications/{}/transcripturl"
)
SPEAKERS = {
    "internal": Speaker.AGENT,
    "agent": Speaker.AGENT,
    "external": Speaker.CUSTOMER,
    "customer": Speaker.CUSTOMER,
}
MAX_PHRASES = 20_000
MAX_MS = 10**13  # beyond the year 2286: not a time the platform sends


@dataclass(frozen=True)
class RecordedPhrase:
    speaker: Speaker
    text: str
    start_ms: int  # epoch milliseconds
    duration_ms: int
    confidence: float
    words: tuple[tuple[str, float, int, int], ...]  # (word, confidence, start epoch ms, ms)

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms


def _ms(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("milliseconds")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not 0 <= value < MAX_MS:
        return None
    return int(value)


def _confidence(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return 0.0
    return min(max(float(value), 0.0), 1.0)


@dataclass(frozen=True)
class RecordedTranscript:
    communication_id: str
    start_ms: int | None  # epoch ms the recording's offsets count from
    phrases: tuple[RecordedPhrase, ...]


def document_start_ms(body: dict[str, Any]) -> int | None:
    """Where the document's offsets start: its ``startTime``, else the conversation's."""
    for key in ("startTime", "conversationStartTime"):
        value = _ms(body.get(key))
        if value is not None:
            return value
    return None


def parse_document(body: Any) -> list[RecordedPhrase]:
    """Every usable phrase of a recorded transcript, in time order; odd ones are skipped."""
    if not isinstance(body, dict):
        raise ProtocolError("the recorded transcript is not a JSON object")
    phrases: list[RecordedPhrase] = []
    for transcript in body.get("transcripts") or []:
        if not isinstance(transcript, dict):
            continue
        for phrase in transcript.get("phrases") or []:
            if len(phrases) >= MAX_PHRASES or not isinstance(phrase, dict):
                continue
            text = phrase.get("text")
            start = _ms(phrase.get("startTimeMs"))
            if not isinstance(text, str) or not text.strip() or start is None:
                continue
            words = []
            for w in phrase.get("words") or []:
                if not isinstance(w, dict) or not isinstance(w.get("word"), str):
                    continue
                w_start = _ms(w.get("startTimeMs"))
                words.append(
                    (
                        w["word"],
                        _confidence(w.get("confidence")),
                        w_start or start,
                        _ms(w.get("duration")) or 0,
                    )
                )
            purpose = str(phrase.get("participantPurpose") or "").lower()
            phrases.append(
                RecordedPhrase(
                    speaker=SPEAKERS.get(purpose, Speaker.UNKNOWN),
                    text=text.strip(),
                    start_ms=start,
                    duration_ms=_ms(phrase.get("duration")) or 0,
                    confidence=_confidence(phrase.get("confidence", 1.0)),
                    words=tuple(words),
                )
            )
    phrases.sort(key=lambda p: p.start_ms)
    return phrases


async def fetch_recorded(
    api: GenesysApi, conversation_id: str, communication_id: str
) -> RecordedTranscript:
    """The recorded phrases of one communication (NotFoundError while not ready)."""
    answer = await api.json(
        "GET",
        TRANSCRIPT_URL_PATH.format(conversation_id, communication_id),
        what="asking for a recorded transcript",
    )
    url = answer.get("url") if isinstance(answer, dict) else None
    if not isinstance(url, str) or not url:
        raise ProtocolError("the transcript URL answer has no url")
    document = await api.presigned_json(check_transport(url), what="the recorded transcript")
    phrases = parse_document(document)
    assert isinstance(document, dict)  # parse_document refused anything else
    return RecordedTranscript(communication_id, document_start_ms(document), tuple(phrases))


def phrase_update(
    conversation_id: str, communication_id: str, phrase: RecordedPhrase, session_start_ms: int
) -> UtteranceUpdate:
    """A recorded phrase as a final utterance. Its id is derived from the communication,
    speaker and start, so the same phrase is always the same utterance (never audited
    twice). No session start or event time is set: a backfilled line has no live latency."""
    key = f"{communication_id}/{phrase.speaker.value}/{phrase.start_ms}"
    uid = "backfill-" + hashlib.sha256(key.encode()).hexdigest()[:24]
    base = max(session_start_ms, 0)
    return UtteranceUpdate(
        conversation_id=conversation_id,
        communication_id=communication_id,
        speaker=phrase.speaker,
        utterance_id=uid,
        text=phrase.text,
        words=tuple(
            Word(
                text=word,
                confidence=conf,
                offset_ms=max(start - base, 0),
                duration_ms=dur,
            )
            for word, conf, start, dur in phrase.words
        ),
        confidence=phrase.confidence,
        is_final=True,
        offset_ms=max(phrase.start_ms - base, 0),
        duration_ms=phrase.duration_ms,
        received_at=datetime.now(timezone.utc),
    )
