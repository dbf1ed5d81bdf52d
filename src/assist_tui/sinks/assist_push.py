"""Deliver suggestions to the agent through the configured target (``[push] target``).

At most ``max_in_flight`` calls at once; 429 is retried by the REST client honouring
``Retry-After``; 409 means the conversation is over: it is marked inactive and nothing
more is pushed to it. A target that answers 404 or 403 does not exist or is not allowed
on this org: it is turned off once, with one notice and one audit record, instead of
failing every push. Every outcome is audited.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from assist_tui.audit.store import AuditStore
from assist_tui.engine.action_gate import PUSH, ActionGate, finish_quietly, skip_reason
from assist_tui.genesys.errors import (
    ApiError,
    GenesysError,
    NotFoundError,
    PermissionDeniedError,
)
from assist_tui.genesys.rest import GenesysApi
from assist_tui.model import Suggestion, SuggestionOutcome
from assist_tui.sinks.push_targets import PushTarget, push_request

log = logging.getLogger(__name__)


class AssistPusher:
    def __init__(
        self,
        api: GenesysApi,
        audit: AuditStore,
        max_in_flight: int = 5,
        *,
        target: PushTarget = "participant-attributes",
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        self.api = api
        self.audit = audit
        self.target = target
        self.on_notice = on_notice
        self.disabled: str | None = None  # why the target was turned off
        self._slots = asyncio.Semaphore(max_in_flight)
        self.in_flight = 0
        self.peak_in_flight = 0
        self.outcomes: dict[str, int] = {}
        self.gate: ActionGate | None = None  # several engines: each push once (bus/once.py)

    async def _agent_participant(self, conversation_id: str) -> tuple[str | None, bool]:
        """The conversation's (latest) agent participant, and whether it has ended.

        Looked up for every push: after a transfer the suggestion goes to the new agent.
        """
        body = await self.api.json(
            "GET", f"/api/v2/conversations/{conversation_id}", what="finding the agent"
        )
        if not isinstance(body, dict):
            return None, False
        if body.get("endTime") or body.get("state") in ("terminated", "disconnected"):
            return None, True
        agents: list[str] = [
            str(p["id"])
            for p in body.get("participants") or []
            if isinstance(p, dict) and p.get("purpose") == "agent" and isinstance(p.get("id"), str)
        ]
        if not agents:
            return None, False
        return agents[-1], False  # after a transfer, the newest agent

    def _turn_off(self, status: int, what: str) -> None:
        if self.disabled is not None:
            return  # pushes in flight together: one notice, one record
        self.disabled = f"{what} answered {status}"
        notice = (
            f"suggestion push turned off: {self.disabled} (this org does not offer it, or the "
            "OAuth client may not use it); suggestions are still shown here. "
            "fix: set [push] target to participant-attributes, seed or none"
        )
        log.warning("%s", notice)
        if self.on_notice is not None:
            self.on_notice(notice)
        self.audit.append(
            "push_target_disabled",
            {"target": self.target, "status": status, "reason": self.disabled},
            actor="assist-push",
        )

    async def _deliver(self, suggestion: Suggestion) -> tuple[SuggestionOutcome, str]:
        if self.target == "none":
            return SuggestionOutcome.NOT_SENT, "push target is none"
        if self.disabled is not None:
            return SuggestionOutcome.NOT_SENT, f"push turned off: {self.disabled}"
        try:
            agent = None
            if self.target == "participant-attributes":
                agent, ended = await self._agent_participant(suggestion.conversation_id)
                if ended:
                    return SuggestionOutcome.INACTIVE, "the conversation has ended"
            request = push_request(self.target, suggestion, agent)
            if request is None:
                return SuggestionOutcome.FAILED, "the conversation has no agent participant yet"
            await self.api.request(
                request.method, request.path, json=request.body, what="pushing a suggestion"
            )
            return SuggestionOutcome.DELIVERED, ""
        except (NotFoundError, PermissionDeniedError) as exc:
            status = 404 if isinstance(exc, NotFoundError) else 403
            # A 404 of the conversation lookup is about the conversation, not the target.
            if status == 404 and self.target != "seed" and agent is None:
                return SuggestionOutcome.FAILED, str(exc)
            self._turn_off(status, f"the {self.target} push target")
            return SuggestionOutcome.NOT_SENT, f"push turned off: {self.disabled}"
        except ApiError as exc:
            if exc.status == 409:
                return SuggestionOutcome.INACTIVE, "the conversation has ended (409)"
            return SuggestionOutcome.FAILED, str(exc)
        except GenesysError as exc:  # rate limited past its retries, network, auth
            return SuggestionOutcome.FAILED, str(exc)

    async def push(self, suggestion: Suggestion) -> Suggestion:
        """Send one suggestion; return it with its outcome."""
        conversation, sid = suggestion.conversation_id, suggestion.suggestion_id
        skipped = await skip_reason(self.gate, PUSH, conversation, sid)
        if skipped is not None:
            outcome, detail = SuggestionOutcome.NOT_SENT, skipped
        else:
            async with self._slots:
                self.in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
                try:
                    outcome, detail = await self._deliver(suggestion)
                finally:
                    self.in_flight -= 1
            await finish_quietly(self.gate, PUSH, conversation, sid)
        self.outcomes[outcome.value] = self.outcomes.get(outcome.value, 0) + 1
        result = suggestion.model_copy(update={"outcome": outcome, "detail": detail})
        self.audit.append(
            "suggestion_pushed",
            {
                "suggestion_id": suggestion.suggestion_id,
                "rule": suggestion.rule_id,
                "title": suggestion.title,
                "target": self.target,
                "result": "skipped" if skipped is not None else outcome.value,
                "detail": detail,
            },
            conversation=suggestion.conversation_id,
            actor="assist-push",
        )
        return result
