"""Push suggestions to the agent's Agent Assist panel (``POST .../agent/assist``).

At most ``max_in_flight`` calls at once; 429 is retried by the REST client honouring
``Retry-After``; 409 means the conversation is over: it is marked inactive and nothing
more is pushed to it. Every outcome is audited.
"""

from __future__ import annotations

import asyncio
import logging

from assist_tui.audit.store import AuditStore
from assist_tui.genesys.errors import ApiError, GenesysError
from assist_tui.genesys.rest import GenesysApi
from assist_tui.model import Suggestion, SuggestionOutcome

log = logging.getLogger(__name__)

PUSH_PATH = "/api/v2/interactions/events/agent/assist"


class AssistPusher:
    def __init__(self, api: GenesysApi, audit: AuditStore, max_in_flight: int = 5) -> None:
        self.api = api
        self.audit = audit
        self._slots = asyncio.Semaphore(max_in_flight)
        self.in_flight = 0
        self.peak_in_flight = 0
        self.outcomes: dict[str, int] = {}

    async def push(self, suggestion: Suggestion) -> Suggestion:
        """Send one suggestion; return it with its outcome."""
        body = {
            "interactionId": suggestion.conversation_id,
            "type": "knowledge",
            "content": {
                "title": suggestion.title,
                "body": suggestion.body,
                "links": list(suggestion.links),
            },
        }
        async with self._slots:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            try:
                await self.api.request("POST", PUSH_PATH, json=body, what="pushing a suggestion")
                outcome, detail = SuggestionOutcome.DELIVERED, ""
            except ApiError as exc:
                if exc.status == 409:
                    outcome, detail = SuggestionOutcome.INACTIVE, "the conversation has ended (409)"
                else:
                    outcome, detail = SuggestionOutcome.FAILED, str(exc)
            except GenesysError as exc:  # rate limited past its retries, network, auth
                outcome, detail = SuggestionOutcome.FAILED, str(exc)
            finally:
                self.in_flight -= 1
        self.outcomes[outcome.value] = self.outcomes.get(outcome.value, 0) + 1
        result = suggestion.model_copy(update={"outcome": outcome, "detail": detail})
        self.audit.append(
            "suggestion_pushed",
            {
                "suggestion_id": suggestion.suggestion_id,
                "rule": suggestion.rule_id,
                "title": suggestion.title,
                "result": outcome.value,
                "detail": detail,
            },
            conversation=suggestion.conversation_id,
            actor="assist-push",
        )
        return result
