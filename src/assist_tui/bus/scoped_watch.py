"""KV reads a scoped supervisor is allowed: one filtered watch per queue, gets by direct get.

nats-py's ``KeyValue.watch`` creates an unnamed consumer, whose create request goes to the
unfiltered ``$JS.API.CONSUMER.CREATE.<stream>`` subject: a server that scopes supervisors by
queue must deny that. A consumer with a name is created on
``$JS.API.CONSUMER.CREATE.<stream>.<name>.<filter>``, which permissions can match per queue.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.kv import KV_DEL, KV_OP, KV_PURGE
from nats.nuid import NUID

KvCallback = Callable[[str, bytes | None], Awaitable[None]]  # key, value (None: deleted)

_nuid = NUID()
INACTIVE_S = 300.0  # the server drops a watch's consumer this long after its client


def kv_stream(bucket: str) -> str:
    return f"KV_{bucket}"


async def watch_queue(
    js: JetStreamContext, bucket: str, queue_token: str, on_entry: KvCallback
) -> Subscription:
    """Watch every key of ``bucket`` under ``<queue_token>.`` (``>``: every key): the
    current values first (last per key), then every change; a deleted key comes as None."""
    prefix = f"$KV.{bucket}."

    async def deliver(msg: Msg) -> None:
        deleted = (msg.headers or {}).get(KV_OP) in (KV_DEL, KV_PURGE)
        await on_entry(msg.subject[len(prefix) :], None if deleted else msg.data)

    everything = queue_token == ">"  # noqa: S105 - a subject wildcard, not a secret
    pattern = ">" if everything else f"{queue_token}.>"
    return await js.subscribe(
        f"{prefix}{pattern}",
        stream=kv_stream(bucket),
        cb=deliver,
        ordered_consumer=True,
        deliver_policy=DeliverPolicy.LAST_PER_SUBJECT,
        inactive_threshold=INACTIVE_S,
        # Named: created on the filtered API subject a scoped user is allowed.
        config=ConsumerConfig(name=_nuid.next().decode()),
    )


async def watch_queues(
    js: JetStreamContext, bucket: str, queue_tokens: list[str], on_entry: KvCallback
) -> list[Subscription]:
    """One watch per queue token (``Scope.key_filters`` without the ``.>``)."""
    return [await watch_queue(js, bucket, token, on_entry) for token in queue_tokens]
