"""Deliver outbox records to the knowledge webhook: idempotency key, retries, order.

Retries use full-jitter backoff (429 honours ``Retry-After``); a 4xx other than 408/429
is final. Every outcome is audited. Conversations that are paused or just interrupted
are held back, and their records wait in order.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from assist_tui.audit.store import AuditStore
from assist_tui.config import WebhookSettings
from assist_tui.genesys.http_errors import retry_after_seconds
from assist_tui.sinks.outbox import Outbox, OutboxItem

log = logging.getLogger(__name__)

RETRY_BASE_S = 0.5
RETRY_CAP_S = 30.0


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
        self.delivered = 0
        self.failed = 0
        self.retries = 0

    async def run(self, idle_s: float = 0.1) -> None:
        """Deliver in rounds: the head record of each conversation that is due, at once;
        then every outcome of the round in one outbox transaction."""
        while True:
            items = self.outbox.due(now=time.time(), held=self.held())
            if not items:
                await asyncio.sleep(idle_s)
                continue
            # Conversations are independent; each one's records stay in order.
            outcomes = await asyncio.gather(*(self._deliver(item) for item in items))
            self.outbox.settle(list(outcomes))

    def _headers(self, item: OutboxItem) -> dict[str, str]:
        headers = {"Idempotency-Key": item.key, "Content-Type": "application/json"}
        key = self.settings.api_key.get_secret_value()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    async def _deliver(self, item: OutboxItem) -> tuple[int, str, float, str | None]:
        """Send one record; return its outcome for ``Outbox.settle``."""
        attempt = item.attempts + 1
        try:
            response = await self.http.post(
                self.url,
                json=item.payload,
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
