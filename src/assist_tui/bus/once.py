"""Exactly-once actions across engines: a create-only key per action in the done bucket.

Before an action an engine creates ``<kind>.<conversation>.<item>`` (the item is the
utterance id of a final, or the suggestion id). Whoever creates it acts; the others skip
(and audit the skip). Two-phase for actions that reach the outside (push, webhook):
``claimed`` then ``done``; a claim left by an engine that is no longer live, or older than
``stale_s``, is taken over (the receiver's idempotency key covers that one window). The
audit of a final is local and immediate, so its key is written ``done`` at once.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js.api import KeyValueConfig, StorageType
from nats.js.client import JetStreamContext
from nats.js.kv import KeyValue

from assist_tui.bus.subjects import token
from assist_tui.engine.action_gate import FINAL, GateUnavailable, Go, Verdict

DONE_KEEP_S = 24 * 3600.0  # a done key outlives any replay of its call
STALE_CLAIM_S = 60.0
ASK_TIMEOUT_S = 2.0
WRONG_LAST_SEQUENCE = 10071  # JetStream's error code: the key already has a value
_CREATE_ONLY = {"Nats-Expected-Last-Subject-Sequence": "0"}

_NATS_FAILURES = (nats.errors.Error, asyncio.TimeoutError, OSError)


def done_key(kind: str, conversation: str, item: str) -> str:
    return ".".join(token(p) for p in (kind, conversation, item))


async def done_bucket(js: JetStreamContext, name: str, keep_s: float = DONE_KEEP_S) -> KeyValue:
    """The done bucket (created if missing): file storage, keys kept ``keep_s``."""
    try:
        return await js.key_value(name)
    except nats.js.errors.BucketNotFoundError:
        config = KeyValueConfig(bucket=name, ttl=keep_s, history=1, storage=StorageType.FILE)
        return await js.create_key_value(config=config)


class DoneKeys:
    """The ``ActionGate`` (engine/action_gate.py) on a JetStream KV bucket."""

    def __init__(
        self,
        kv: KeyValue,
        engine_id: str,
        *,
        is_live: Callable[[str], bool] | None = None,
        stale_s: float = STALE_CLAIM_S,
        clock: Callable[[], float] = time.time,
        client: Client | None = None,
        bucket: str = "",
    ) -> None:
        self.kv = kv
        self.engine_id = engine_id
        self.is_live = is_live or (lambda _engine: True)
        self.stale_s = stale_s
        self.clock = clock
        self.counts: dict[str, int] = {}  # verdicts by "<kind>:<go>", for the benchmark
        self.client = client  # with the bucket's name: ``finish`` publishes without an ack
        self.bucket = bucket

    def _value(self, state: str) -> bytes:
        body = {"engine": self.engine_id, "state": state, "at": round(self.clock(), 3)}
        return json.dumps(body, separators=(",", ":")).encode()

    async def begin(self, kind: str, conversation: str, item: str) -> Verdict:
        verdict = await self._begin(kind, done_key(kind, conversation, item), kind == FINAL)
        name = f"{kind}:{verdict.go.value}"
        self.counts[name] = self.counts.get(name, 0) + 1
        return verdict

    async def _begin(self, kind: str, key: str, single_phase: bool) -> Verdict:
        state = "done" if single_phase else "claimed"
        try:
            if await self._create(key, self._value(state)):
                return Verdict(Go.GO)
        except _NATS_FAILURES as exc:
            raise GateUnavailable(f"claiming {kind}: {type(exc).__name__}") from exc
        try:
            entry = await asyncio.wait_for(self.kv.get(key), ASK_TIMEOUT_S)
        except nats.js.errors.KeyNotFoundError:
            return Verdict(Go.WAIT)  # deleted meanwhile: ask again later
        except _NATS_FAILURES as exc:
            raise GateUnavailable(f"reading {kind}: {type(exc).__name__}") from exc
        held = _decode(entry.value)
        owner = str(held.get("engine", ""))
        if held.get("state") == "done" or single_phase:
            return Verdict(Go.SKIP, owner)
        if owner == self.engine_id:
            return Verdict(Go.GO)  # our own claim (a retry after a failed attempt)
        age = self.clock() - float(held.get("at") or 0.0)
        if self.is_live(owner) and age < self.stale_s:
            return Verdict(Go.WAIT, owner)
        try:  # the claimant died before finishing: take its claim over
            await asyncio.wait_for(
                self.kv.update(key, self._value("claimed"), last=entry.revision), ASK_TIMEOUT_S
            )
        except nats.js.errors.KeyWrongLastSequenceError:
            return Verdict(Go.WAIT, owner)
        except _NATS_FAILURES as exc:
            raise GateUnavailable(f"taking over {kind}: {type(exc).__name__}") from exc
        return Verdict(Go.GO)

    async def _create(self, key: str, value: bytes) -> bool:
        """Create ``key``; False if it exists. A bare JetStream publish that expects no
        message on the key's subject yet: half the client's CPU of ``KeyValue.create``."""
        if self.client is None or not self.bucket:
            try:
                await asyncio.wait_for(self.kv.create(key, value), ASK_TIMEOUT_S)
            except nats.js.errors.KeyWrongLastSequenceError:
                return False
            return True
        answer = await self.client.request(
            f"$KV.{self.bucket}.{key}", value, timeout=ASK_TIMEOUT_S, headers=_CREATE_ONLY
        )
        error = _decode(answer.data).get("error")
        if not error:
            return True
        if isinstance(error, dict) and error.get("err_code") == WRONG_LAST_SEQUENCE:
            return False
        raise nats.js.errors.APIError(description=str(error))

    async def finish(self, kind: str, conversation: str, item: str) -> None:
        if kind == FINAL:
            return
        # Fire and forget (no JetStream ack, a third of a claim's cost): the claim already
        # keeps others off; this only tells them it is finished, not merely claimed.
        key = done_key(kind, conversation, item)
        try:
            if self.client is not None and self.bucket:
                await self.client.publish(f"$KV.{self.bucket}.{key}", self._value("done"))
            else:
                await asyncio.wait_for(self.kv.put(key, self._value("done")), ASK_TIMEOUT_S)
        except _NATS_FAILURES as exc:
            # The claim stays ours; another engine takes it over only once we are gone.
            raise GateUnavailable(f"finishing {kind}: {type(exc).__name__}") from exc


def _decode(raw: bytes | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
