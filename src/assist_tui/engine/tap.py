"""The engine's tap: every normalized event as the stages take it, in that order, handed
to the recorders (a local file, engine/recording.py; NATS, bus/frames.py).

Utterances are tapped after the redaction stage (``TranscriptStage.on_redacted``), so no
recorder ever holds text the audit would not; insight snippets are redacted here the way
the insight stage redacts them. Everything else is tapped as the engine consumes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from assist_tui.engine.redaction import Redactor
from assist_tui.model import Insight, StreamEvent, UtteranceUpdate, utc_now

log = logging.getLogger(__name__)

Sink = Callable[[StreamEvent, datetime], None]
"""Told each event with the moment the engine took it (UTC)."""


class EventTap:
    """A list of sinks; one that raises is dropped from nothing and stops nothing: the
    failure is counted and logged once, and the pipeline goes on."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.sinks: list[Sink] = []
        self.failures = 0

    def consumed(self, event: StreamEvent) -> None:
        """An event entering ``AssistEngine.process`` (utterances wait for redaction)."""
        if not self.sinks or isinstance(event, UtteranceUpdate):
            return
        if isinstance(event, Insight) and event.snippet:
            redaction = self.redactor.redact(event.snippet)
            if redaction.changed:
                event = event.model_copy(update={"snippet": redaction.text})
        self._tell(event)

    def redacted(self, update: UtteranceUpdate) -> None:
        """An utterance update as the redaction stage passes it on."""
        if self.sinks:
            self._tell(update)

    def _tell(self, event: StreamEvent) -> None:
        at = utc_now()
        for sink in self.sinks:
            try:
                sink(event, at)
            except Exception:  # a recorder's trouble must never stop the pipeline
                self.failures += 1
                if self.failures == 1:
                    log.exception("a recorder failed; the engine goes on (counted)")
