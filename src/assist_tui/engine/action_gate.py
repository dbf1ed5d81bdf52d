"""Exactly-once actions across engines, as the engine sees them: a gate asked before each
action (a webhook post of a final, an Agent Assist push, the audit of a final).

The engine knows only this surface; ``bus/once.py`` implements it on a shared JetStream
KV bucket. With no gate (the embedded default) every action simply goes ahead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from assist_tui.audit.store import AuditStore

if TYPE_CHECKING:
    from assist_tui.engine.engine import AssistEngine

log = logging.getLogger(__name__)

FINAL = "final"  # the audit of a final (which also feeds the knowledge outbox)
PUSH = "push"  # a suggestion pushed to the agent
WEBHOOK = "webhook"  # a final posted to the knowledge webhook
CLAIM_BATCH = 256  # finals claimed concurrently, then audited in their order
CLOSE_WAIT_S = 3.0  # on shutdown, how long finals still queued may wait for their claims


class Go(str, Enum):
    GO = "go"  # this engine does the action (and calls ``finish`` after it)
    SKIP = "skip"  # done already, or being done by another live engine: audited as skipped
    WAIT = "wait"  # claimed by an engine that may still finish it: ask again later


@dataclass(frozen=True)
class Verdict:
    go: Go
    by: str = ""  # the engine that did (or does) it, when not this one


class GateUnavailable(Exception):
    """The shared store could not be asked (the broker is down or slow)."""


class ActionGate(Protocol):
    engine_id: str

    async def begin(self, kind: str, conversation: str, item: str) -> Verdict:
        """Claim the action ``kind`` on ``item`` of ``conversation``; raises GateUnavailable."""
        ...

    async def finish(self, kind: str, conversation: str, item: str) -> None:
        """The action is done: nobody does it again, whatever happens to this engine."""
        ...


class OrderedFinals:
    """Audits finals only once across engines, in the order they came, without holding up
    the stream: finals wait in a queue, are claimed in concurrent batches, then audited
    (``final_utterance``) or recorded as skipped (``final_skipped``) in arrival order.

    If the gate cannot be asked, the final is audited anyway and marked ``once:
    unchecked``: a record kept twice is better than a final lost.
    """

    def __init__(self, gate: ActionGate, audit: AuditStore) -> None:
        self.gate = gate
        self.audit = audit
        self.skipped = 0
        self.unchecked = 0
        self._queue: deque[tuple[str, dict[str, Any]]] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def offer(self, conversation: str, data: dict[str, Any]) -> None:
        """Queue one final's audit data (its ``utterance_id`` names the action)."""
        self._queue.append((conversation, data))
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="once-finals")

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def _run(self) -> None:
        while True:
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            await self._claim_batch()

    async def _claim_batch(self) -> None:
        batch = [self._queue[i] for i in range(min(CLAIM_BATCH, len(self._queue)))]
        verdicts = await asyncio.gather(*(self._claim(conv, data) for conv, data in batch))
        for (conversation, data), verdict in zip(batch, verdicts, strict=True):
            self._queue.popleft()
            self._record(conversation, data, verdict)

    async def _claim(self, conversation: str, data: dict[str, Any]) -> Verdict | None:
        try:
            return await self.gate.begin(FINAL, conversation, str(data.get("utterance_id")))
        except GateUnavailable as exc:
            log.warning("exactly-once store unavailable for a final: %s", exc)
            return None

    def _record(self, conversation: str, data: dict[str, Any], verdict: Verdict | None) -> None:
        if verdict is None:
            self.unchecked += 1
            self.audit.append(
                "final_utterance",
                {**data, "once": "unchecked"},
                conversation=conversation,
                actor="pipeline",
            )
        elif verdict.go is Go.GO:
            self.audit.append("final_utterance", data, conversation=conversation, actor="pipeline")
        else:
            self.skipped += 1
            self.audit.append(
                "final_skipped",
                {"utterance_id": data.get("utterance_id"), "by": verdict.by},
                conversation=conversation,
                actor="pipeline",
            )

    def drain(self) -> None:
        """On shutdown: what could not be claimed is audited unchecked, never lost."""
        while self._queue:
            conversation, data = self._queue.popleft()
            self._record(conversation, data, None)

    async def aclose(self) -> None:
        """Stop the worker; claim what still waits (briefly), audit the rest unchecked."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._claim_all(), CLOSE_WAIT_S)
        self.drain()

    async def _claim_all(self) -> None:
        while self._queue:
            await self._claim_batch()


async def skip_reason(
    gate: ActionGate | None, kind: str, conversation: str, item: str
) -> str | None:
    """Why a one-shot action (a push) is not done here, or None to go ahead. A claim held
    by another live engine counts as theirs; an unreachable store means no action (a
    duplicate push is what this guards against)."""
    if gate is None:
        return None
    try:
        verdict = await gate.begin(kind, conversation, item)
    except GateUnavailable as exc:
        return f"not sent: the exactly-once store is unreachable ({exc})"
    if verdict.go is Go.SKIP:
        return f"skipped: already done by engine {verdict.by}"
    if verdict.go is Go.WAIT:
        return f"skipped: being done by engine {verdict.by}"
    return None


async def finish_quietly(gate: ActionGate | None, kind: str, conversation: str, item: str) -> None:
    """Mark an action done; if the store is unreachable the claim stays ours (logged)."""
    if gate is None:
        return
    try:
        await gate.finish(kind, conversation, item)
    except GateUnavailable as exc:
        log.warning("could not mark %s done: %s", kind, exc)


def install(engine: AssistEngine, gate: ActionGate) -> None:
    """Route the engine's actions through ``gate`` (before ``engine.run()``)."""
    engine.action_gate = gate
    engine.pusher.gate = gate
    engine.once_finals = OrderedFinals(gate, engine.audit)
