"""Connect to NATS with a clear, one-line reason when it cannot be reached; once
connected, reconnect for as long as it takes (a restarted server is caught up with)."""

from __future__ import annotations

import asyncio
import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, NoKeysError
from nats.js.kv import KeyValue

from assist_tui.bus.errors import BusUnavailable
from assist_tui.genesys.urls import redact_url

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 3.0
RECONNECT_WAIT_S = 1.0


async def connect(url: str, name: str, *, inbox_prefix: str | None = None) -> Client:
    """A client connected to ``url``; ``BusUnavailable`` after a couple of tries."""
    last: list[BaseException] = []

    async def on_error(exc: Exception) -> None:
        last.append(exc)
        log.debug("NATS: %s", exc)

    async def on_disconnect() -> None:
        log.warning("NATS connection to %s lost; reconnecting", redact_url(url))

    async def on_reconnect() -> None:
        log.warning("NATS connection to %s restored", redact_url(url))

    try:
        client = await asyncio.wait_for(
            nats.connect(
                url,
                name=name,
                # A private reply inbox (team scoping: nobody reads another's replies).
                inbox_prefix=inbox_prefix or "_INBOX",
                connect_timeout=CONNECT_TIMEOUT_S,
                # nats-py retries the first connection forever unless this is positive.
                max_reconnect_attempts=1,
                reconnect_time_wait=0.2,
                error_cb=on_error,
                disconnected_cb=on_disconnect,
                reconnected_cb=on_reconnect,
            ),
            timeout=CONNECT_TIMEOUT_S * 3,
        )
    except Exception as exc:
        raise BusUnavailable(_why_not(url, last, exc)) from None
    # Connected: from now on a lost server is waited for, not given up on.
    client.options["max_reconnect_attempts"] = -1
    client.options["reconnect_time_wait"] = RECONNECT_WAIT_S
    return client


def _why_not(url: str, errors: list[BaseException], final: BaseException) -> str:
    """One line: why ``url`` could not be used, and what to do when that is clear. A
    refused login is named even when the socket's reset was the last error seen."""
    shown = redact_url(url)
    if any("authorization" in str(e).lower() for e in errors):
        has_login = "@" in url.split("://", 1)[-1]
        fix = (
            "check the user and password in the URL"
            if has_login
            else "give a login in the URL, nats://USER:PASSWORD@HOST:PORT"
        )
        return (
            f"NATS at {shown} refused the login (authorization violation): {fix} "
            "(`assist-tui nats-config` printed each user's password)"
        )
    cause = errors[-1] if errors else final
    return f"cannot reach NATS at {shown}: {cause or type(cause).__name__}"


async def bucket(js: JetStreamContext, name: str, *, ttl_s: float | None = None) -> KeyValue:
    """The KV bucket ``name``, created (with ``ttl_s``) if it does not exist yet. An
    existing one is used as it is, whoever made it."""
    try:
        return await js.key_value(name)
    except BucketNotFoundError:
        # direct: gets by key on a subject a scoped user's permissions can match.
        return await js.create_key_value(bucket=name, ttl=ttl_s, history=1, direct=True)


async def clear_bucket(kv: KeyValue) -> int:
    """Delete every key of ``kv`` (how many). A lone engine starting over clears what a
    killed predecessor left, so no dashboard shows a call or alert nobody follows."""
    try:
        keys = await kv.keys()
    except NoKeysError:
        return 0
    for key in keys:
        await kv.delete(key)
    return len(keys)
