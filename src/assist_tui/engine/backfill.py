"""Fill a conversation's stream gaps from its recorded transcript, once the call ended.

The transcript is asked for until it is ready (the platform may take minutes), within
``[backfill] wait_s``. Phrases that fall inside a gap and were not heard live become
final utterances run through the same stages as live ones (redaction, audit marked
``backfilled``, outbox, NLP); their ids derive from the phrase, so nothing is audited
twice. A gap nothing could fill stays marked as such.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from assist_tui.config import BackfillSettings
from assist_tui.engine.conversation import ConversationState
from assist_tui.genesys.conversations import lookup_conversation
from assist_tui.genesys.errors import GenesysError, NotFoundError, RateLimitedError
from assist_tui.genesys.recorded_transcript import (
    RecordedPhrase,
    RecordedTranscript,
    fetch_recorded,
    phrase_update,
)
from assist_tui.genesys.rest import GenesysApi
from assist_tui.genesys.retry import is_transient

if TYPE_CHECKING:
    from assist_tui.engine.gaps import ConversationGap, GapKeeper

log = logging.getLogger(__name__)

HEARD_WITHIN_MS = 300  # a live final of the same speaker starting this close is the phrase


async def recorded_transcripts(api: GenesysApi, conversation_id: str) -> list[RecordedTranscript]:
    """Every communication's recorded transcript (NotFoundError if none is ready yet)."""
    status = await lookup_conversation(api, conversation_id)
    found: list[RecordedTranscript] = []
    for comm in status.communication_ids:
        try:
            found.append(await fetch_recorded(api, conversation_id, comm))
        except NotFoundError:
            continue
    if not found:
        raise NotFoundError("no recorded transcript is ready yet")
    return found


async def backfill(
    keeper: GapKeeper,
    conversation_id: str,
    gaps: list[ConversationGap],
    settings: BackfillSettings,
) -> None:
    engine = keeper.engine
    api = engine.platform.session.api
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.wait_s
    transcripts: list[RecordedTranscript] | None = None
    reason = ""
    while transcripts is None:
        try:
            transcripts = await recorded_transcripts(api, conversation_id)
        except GenesysError as exc:
            if not (isinstance(exc, NotFoundError) or is_transient(exc)):
                reason = f"the recorded transcript was refused: {exc}"
                break
            reason = (
                f"the recorded transcript was not ready within {settings.wait_s:g} s"
                if isinstance(exc, NotFoundError)
                else f"the recorded transcript could not be fetched: {exc}"
            )
            wait = settings.retry_s
            if isinstance(exc, RateLimitedError) and exc.retry_after_s is not None:
                wait = max(wait, exc.retry_after_s)
            if loop.time() + wait > deadline:
                break
            await asyncio.sleep(wait)
    if transcripts is None:
        log.info("gap in %s stays unfilled: %s", conversation_id, reason)
        keeper.settle(conversation_id, gaps, [], reason)
        return
    filled: list[tuple[ConversationGap, str]] = []
    seen: set[tuple[str, int]] = set()
    for transcript in transcripts:
        start = transcript.start_ms
        if start is None:
            start = min((p.start_ms for p in transcript.phrases), default=0)
        for phrase in transcript.phrases:
            key = (phrase.speaker.value, phrase.start_ms)
            gap = gap_of(phrase, gaps, settings.slack_s)
            state = engine.conversations.get(conversation_id)
            if gap is None or state is None or key in seen or heard(state, phrase, start):
                continue
            seen.add(key)
            update = phrase_update(conversation_id, transcript.communication_id, phrase, start)
            await engine.process(update)  # the same stages as a live final
            line = state.lines.get(update.utterance_id)
            if line is not None and line.is_final:
                filled.append((gap, update.utterance_id))
    keeper.settle(
        conversation_id,
        gaps,
        filled,
        "filled from the recorded transcript" if filled else "the recording had nothing new",
    )


def gap_of(
    phrase: RecordedPhrase, gaps: list[ConversationGap], slack_s: float
) -> ConversationGap | None:
    """The gap a phrase may have been lost in: it ended after the gap began (less the
    platform's delay before a final) and began before the gap ended."""
    for gap in gaps:
        begin = int((gap.started_at - timedelta(seconds=slack_s)).timestamp() * 1000)
        end = int(gap.ended_at.timestamp() * 1000)
        if phrase.end_ms >= begin and phrase.start_ms <= end:
            return gap
    return None


def heard(state: ConversationState, phrase: RecordedPhrase, start_ms: int) -> bool:
    """Whether a live final of the same speaker already covers this phrase."""
    offset = phrase.start_ms - start_ms
    for line in state.lines.values():
        if (
            line.kind == "utterance"
            and line.is_final
            and line.speaker is phrase.speaker
            and line.offset_ms is not None
            and abs(line.offset_ms - offset) <= HEARD_WITHIN_MS
        ):
            return True
    return False
