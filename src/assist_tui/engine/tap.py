"""The engine's tap: every normalized event as the stages take it, in that order, handed
to the recorders (a local file, engine/recording.py; NATS, bus/frames.py).

Utterances are tapped after the redaction stage (``TranscriptStage.on_redacted``), so no
recorder ever holds text the audit would not; insight snippets are redacted here the way
the insight stage redacts them. Everything else is tapped as the engine consumes it.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from assist_tui.engine.redaction import Redactor
from assist_tui.model import (
    ConversationStarted,
    Insight,
    LiveConversation,
    StreamEvent,
    UtteranceUpdate,
    utc_now,
)

log = logging.getLogger(__name__)
STARTS_REMEMBERED = 50_000

Sink = Callable[[StreamEvent, datetime], None]
"""Told each event with the moment the engine took it (UTC)."""


class EventTap:
    """A list of sinks; one that raises is dropped from nothing and stops nothing: the
    failure is counted and logged once, and the pipeline goes on."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.sinks: list[Sink] = []
        self.failures = 0
        self._started: OrderedDict[str, None] = OrderedDict()  # calls whose start was told

    def consumed(self, event: StreamEvent) -> None:
        """An event entering ``AssistEngine.process`` (utterances wait for redaction)."""
        if not self.sinks or isinstance(event, UtteranceUpdate):
            return
        if isinstance(event, ConversationStarted):
            self._remember(event.conversation_id)
        if isinstance(event, Insight) and event.snippet:
            redaction = self.redactor.redact(event.snippet)
            if redaction.changed:
                event = event.model_copy(update={"snippet": redaction.text})
        self._tell(event)

    def redacted(self, update: UtteranceUpdate) -> None:
        """An utterance update as the redaction stage passes it on."""
        if self.sinks:
            self._tell(update)

    def followed(self, conversation_id: str, known: LiveConversation | None) -> None:
        """The follower subscribed a call it found through discovery (a REST call, not the
        stream): told as its start, so a replay's board knows its queue, agent and start."""
        if not self.sinks or conversation_id in self._started:
            return
        self._remember(conversation_id)
        known = known or LiveConversation(conversation_id=conversation_id)
        self._tell(ConversationStarted(**known.model_dump()))

    def looked_up(self, conversation_id: str, started_at: datetime) -> None:
        """A call's real start learned by a REST lookup after it was followed: told as a
        start, so a replay's board runs the call's time and its rules' windows (a recording
        disclosure not said within 30 s of the start) from it, as the live board did."""
        if self.sinks:
            self._tell(ConversationStarted(conversation_id=conversation_id, started_at=started_at))

    def _remember(self, conversation_id: str) -> None:
        self._started[conversation_id] = None
        if len(self._started) > STARTS_REMEMBERED:
            self._started.popitem(last=False)

    def _tell(self, event: StreamEvent) -> None:
        at = utc_now()
        for sink in self.sinks:
            try:
                sink(event, at)
            except Exception:  # a recorder's trouble must never stop the pipeline
                self.failures += 1
                if self.failures == 1:
                    log.exception("a recorder failed; the engine goes on (counted)")
