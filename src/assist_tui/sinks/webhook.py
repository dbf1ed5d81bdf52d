"""Deliver outbox records to the knowledge webhook: idempotency key, retries, order.

Conversations are delivered in parallel (one lane each), each in order. Retries use
full-jitter backoff (429 honours ``Retry-After``); a 4xx other than 408/429 is final.
Every outcome is audited. Conversations that are paused or just interrupted are held
back, and their records wait in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlsplit

import httpx

from assist_tui.audit.store import AuditStore
from assist_tui.config import WebhookSettings
from assist_tui.engine.action_gate import WEBHOOK, ActionGate, GateUnavailable, Go, finish_quietly
from assist_tui.genesys.http_errors import retry_after_seconds
from assist_tui.sinks.outbox import Outbox, OutboxItem

log = logging.getLogger(__name__)

RETRY_BASE_S = 0.5
RETRY_CAP_S = 30.0
SETTLE_S = 0.05  # outcomes are written in one transaction at most this often
MAX_LOADED = 5000  # records held in lanes at once (a long backlog is loaded in turns)


def webhook_limits(in_flight: int) -> httpx.Limits:
    """Connection limits for the webhook's client: one connection per delivery in flight.

    No more: httpcore's pool scans every connection for every request it queues.
    """
    return httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)


class WebhookDeliverer:
    def __init__(
        self,
        outbox: Outbox,
        settings: WebhookSettings,
        http: httpx.AsyncClient,
        audit: AuditStore,
        held: Callable[[], set[str]],
        *,
        rng: random.Random | None = None,
        gate: ActionGate | None = None,
    ) -> None:
        if not settings.url:
            raise ValueError("the knowledge webhook has no URL")
        self.outbox = outbox
        self.url = settings.url
        self.host = urlsplit(settings.url).netloc
        self.settings = settings
        self.http = http
        self.audit = audit
        self.held = held
        self._rng = rng or random.Random()
        self.gate = gate  # several engines: each final posted once (bus/once.py)
        self.skipped = 0
        self.delivered = 0
        self.failed = 0
        self.retries = 0
        self._outcomes: list[tuple[int, str, float, str | None]] = []
        self._held: set[str] = set()
        # Set when a delivery succeeds after a failure: lanes waiting out a backoff retry
        # at once, so a backlog starts draining as soon as the receiver is back.
        self._back = asyncio.Event()
        self._failing = False

    async def run(self, idle_s: float = 0.1) -> None:
        """Deliver in parallel across conversations and in order within each.

        Pending records are loaded in id order into one lane per conversation; a lane
        sends its records one after another (a retried record keeps its place), and at
        most ``max_in_flight`` deliveries run at once. Outcomes are settled in one outbox
        transaction every ``SETTLE_S``.
        """
        lanes: dict[str, deque[OutboxItem]] = {}
        workers: set[asyncio.Task[None]] = set()
        slots = asyncio.Semaphore(self.settings.max_in_flight)
        cursor = 0  # the highest id loaded: newer records have higher ids
        loaded = 0
        settled = time.monotonic()
        try:
            while True:
                self._held = self.held()
                room = MAX_LOADED - loaded
                fresh = self.outbox.pending_after(cursor, min(room, 1000)) if room > 0 else []
                for item in fresh:
                    cursor = item.id
                    loaded += 1
                    lane = lanes.get(item.conversation)
                    if lane is None:
                        lane = lanes[item.conversation] = deque()
                        task = asyncio.create_task(self._lane(item.conversation, lanes, slots))
                        workers.add(task)
                        task.add_done_callback(workers.discard)
                    lane.append(item)
                if self._outcomes and (time.monotonic() - settled >= SETTLE_S or not fresh):
                    loaded -= self._settle()
                    settled = time.monotonic()
                if not fresh:
                    await asyncio.sleep(min(idle_s, SETTLE_S))
                else:
                    await asyncio.sleep(0)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            self._settle()  # what was delivered is not delivered again

    def _settle(self) -> int:
        outcomes, self._outcomes = self._outcomes, []
        self.outbox.settle(outcomes)
        return sum(1 for _, state, _, _ in outcomes if state != "pending")

    async def _lane(
        self, conversation: str, lanes: dict[str, deque[OutboxItem]], slots: asyncio.Semaphore
    ) -> None:
        lane = lanes[conversation]
        try:
            while lane:
                item = lane[0]
                if conversation in self._held:
                    # Paused or just interrupted: it waits in order, the other lanes go on.
                    await asyncio.sleep(0.05)
                    continue
                wait = item.next_at - time.time()
                if wait > 0:
                    back = self._back
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(back.wait(), min(wait, 1.0))
                    if not back.is_set():
                        continue
                    item = lane[0] = replace(item, next_at=0.0)  # the receiver is back
                async with slots:
                    outcome = await self._deliver(item)
                self._outcomes.append(outcome)
                _, state, next_at, _ = outcome
                if state == "pending":
                    self._failing = True
                    lane[0] = replace(item, attempts=item.attempts + 1, next_at=next_at)
                else:
                    if state == "delivered" and self._failing:
                        self._failing = False
                        self._back.set()
                        self._back = asyncio.Event()
                    lane.popleft()
        finally:
            del lanes[conversation]

    def _headers(self, item: OutboxItem) -> dict[str, str]:
        headers = {"Idempotency-Key": item.key, "Content-Type": "application/json"}
        key = self.settings.api_key.get_secret_value()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    async def _deliver(self, item: OutboxItem) -> tuple[int, str, float, str | None]:
        """Send one record; return its outcome for ``Outbox.settle``."""
        attempt = item.attempts + 1
        if self.gate is not None:
            settled = await self._once(item, attempt)
            if settled is not None:
                return settled
        outcome = await self._post(item, attempt)
        if outcome[1] != "pending":
            await finish_quietly(self.gate, WEBHOOK, item.conversation, item.key)
        return outcome

    async def _once(
        self, item: OutboxItem, attempt: int
    ) -> tuple[int, str, float, str | None] | None:
        """Across engines: None to post it here, else its outcome (skipped, or wait)."""
        assert self.gate is not None
        try:
            verdict = await self.gate.begin(WEBHOOK, item.conversation, item.key)
        except GateUnavailable as exc:
            return self._retry(item, attempt, f"exactly-once store unreachable ({exc})", 1.0)
        if verdict.go is Go.SKIP:
            self.skipped += 1
            self._audit(item, "skipped", None, attempt, f"already posted by engine {verdict.by}")
            return (item.id, "skipped", 0.0, None)
        if verdict.go is Go.WAIT:  # another live engine is posting it: look again soon
            return (item.id, "pending", time.time() + 1.0, f"being posted by {verdict.by}")
        return None

    async def _post(self, item: OutboxItem, attempt: int) -> tuple[int, str, float, str | None]:
        try:
            # Encoded here (compact) rather than by httpx: a third of the client's cost.
            response = await self.http.post(
                self.url,
                content=json.dumps(item.payload, separators=(",", ":")).encode("utf-8"),
                headers=self._headers(item),
                timeout=self.settings.timeout_s,
            )
        except httpx.TransportError as exc:
            return self._retry(
                item, attempt, f"cannot reach {self.host} ({type(exc).__name__})", None
            )
        status = response.status_code
        if response.is_success:
            self.delivered += 1
            self._audit(item, "delivered", status, attempt)
            return (item.id, "delivered", 0.0, None)
        if status in (408, 429) or status >= 500:
            delay = retry_after_seconds(response) if status == 429 else None
            return self._retry(item, attempt, f"{self.host} answered {status}", delay)
        self.failed += 1
        self._audit(item, "failed", status, attempt, f"{self.host} refused it ({status})")
        return (item.id, "failed", 0.0, str(status))

    def _retry(
        self, item: OutboxItem, attempt: int, error: str, delay: float | None
    ) -> tuple[int, str, float, str | None]:
        if attempt >= self.settings.max_attempts:
            self.failed += 1
            self._audit(item, "failed", None, attempt, f"{error}; gave up after {attempt} attempts")
            return (item.id, "failed", 0.0, error)
        if delay is None:
            delay = self._rng.uniform(0, min(RETRY_CAP_S, RETRY_BASE_S * 2 ** (attempt - 1)))
        self.retries += 1
        # Only the first failure of a record is audited, then its final outcome: a long
        # outage must not flood the audit trail.
        if attempt == 1:
            self._audit(item, "retrying", None, attempt, error)
        return (item.id, "pending", time.time() + delay, error)

    def _audit(
        self, item: OutboxItem, result: str, status: int | None, attempt: int, detail: str = ""
    ) -> None:
        self.audit.append(
            "webhook_delivery",
            {
                "key": item.key,
                "result": result,
                "status": status,
                "attempt": attempt,
                "detail": detail,
            },
            conversation=item.conversation,
            actor="webhook",
        )
