"""``assist-tui serve``: one headless engine for many supervisors. It follows the org, does
every action once (audit, knowledge webhook, Agent Assist push), publishes each call's view
and every alert into JetStream KV and answers the dashboards' commands over NATS.

``--nats URL`` uses an existing server; without one, a local ``nats-server`` is started
(loopback, JetStream, data under the data directory) and its URL printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from nats.aio.client import Client
from nats.js.errors import KeyNotFoundError, NoKeysError
from nats.js.kv import KeyValue

from assist_tui.audit.opening import open_store
from assist_tui.bus import codec
from assist_tui.bus.codec import EngineStatus
from assist_tui.bus.commands import CommandResponder
from assist_tui.bus.connection import bucket, clear_bucket, connect
from assist_tui.bus.errors import BusUnavailable, ServeError
from assist_tui.bus.publisher import ViewPublisher
from assist_tui.bus.scope import ScopeError
from assist_tui.bus.server import LocalNatsServer, NatsServerMissing
from assist_tui.bus.subjects import Subjects, token
from assist_tui.bus.team_guard import guard_for
from assist_tui.cancelling import cancel_and_wait
from assist_tui.config import Settings, data_dir, store_paths
from assist_tui.engine.engine import AssistEngine
from assist_tui.genesys.urls import redact_url, without_login
from assist_tui.headless import status_line
from assist_tui.platform import Platform, open_platform
from assist_tui.sinks.outbox import Outbox
from assist_tui.stop_signals import forget_signals, stop_on_signals

BUS_CHECK_S = 0.5  # how often serve's console checks the NATS connection
PRESENCE_TTL_S = 30.0  # a dashboard refreshes its presence every few seconds
ENGINE_STATUS_TTL_S = 30.0  # a dead engine's status leaves the bucket by itself
LIVE_WITHIN_S = 5.0  # a status newer than this: that engine is serving (it puts one every 1 s)
EMBEDDED_PORT = 4222  # NATS's usual port: ``--attach nats://HOST:4222`` by habit


@dataclass
class Served:
    """A serving engine, for the CLI's loop and for tests."""

    engine: AssistEngine
    platform: Platform
    client: Client
    names: Subjects
    publisher: ViewPublisher
    responder: CommandResponder
    runner: asyncio.Task[None]
    publishing: asyncio.Task[None]
    audit_path: Path


def default_engine_id() -> str:
    return token(f"{socket.gethostname()}-{os.getpid()}")


@contextlib.asynccontextmanager
async def serving(
    settings: Settings,
    nats_url: str,
    *,
    org: str,
    engine_id: str | None = None,
    partitions: int | None = None,
) -> AsyncIterator[Served]:
    """An engine serving ``org`` on ``nats_url`` until the block ends; then its audit and
    outbox are flushed and closed (the engine's own shutdown) and NATS is drained."""
    names = Subjects(org)
    engine_id = engine_id or default_engine_id()
    try:
        client = await connect(nats_url, name=f"assist-tui serve {engine_id}")
    except BusUnavailable as exc:
        raise ServeError(str(exc)) from None
    audit_path, outbox_path = store_paths(settings)
    audit = open_store(audit_path, settings.audit)
    outbox = Outbox(outbox_path)
    try:
        js = client.jetstream()
        try:
            views = await bucket(js, names.views_bucket)
            alerts = await bucket(js, names.alerts_bucket)
            engines = await bucket(js, names.engines_bucket, ttl_s=ENGINE_STATUS_TTL_S)
            await bucket(js, names.presence_bucket, ttl_s=PRESENCE_TTL_S)
            if partitions is None:  # the org's only engine: nothing a killed one left stays
                others = await live_engines(engines, mine=token(engine_id))
                if others:
                    raise ServeError(
                        f"org {names.org} is already served by engine(s) "
                        f"{', '.join(sorted(others))}: a second `serve` without --shard would "
                        "clear their board; fix: add --shard to share the org with them, "
                        f"or stop them first (one killed just now is gone {LIVE_WITHIN_S:.0f} s "
                        "after its last status)"
                    )
                for kv in (views, alerts):
                    await clear_bucket(kv)
        except ServeError:
            raise
        except Exception as exc:  # e.g. a server without JetStream
            raise ServeError(
                f"NATS at {redact_url(nats_url)} has no usable JetStream: {exc}"
            ) from None
        async with open_platform(settings) as platform:
            engine = AssistEngine(settings, platform, audit=audit, outbox=outbox)
            publisher = ViewPublisher(
                engine,
                client,
                names,
                views=views,
                alerts=alerts,
                engines=engines,
                engine_id=engine_id,
                label=platform.label,
            )
            try:  # team scoping: [teams], queue names looked up once (README: Team scoping)
                guard = await guard_for(engine)
            except ScopeError as exc:
                raise ServeError(f"[teams]: {exc}") from None
            responder = CommandResponder(engine, client, names, guard)
            sharding = None
            if partitions is not None:  # serve --shard: one of several engines (bus/shard.py)
                from assist_tui.bus.shard import shard_serve

                sharding = await shard_serve(
                    engine,
                    client,
                    names,
                    engine_id=engine_id,
                    partitions=partitions,
                    views=views,
                    publisher=publisher,
                    responder=responder,
                )
            frames = None
            if settings.record.enabled:  # the kept stream: replay --nats --from (bus/frames.py)
                from assist_tui.bus.frames import tap_frames

                try:
                    frames = await tap_frames(engine, client, org, settings.record, platform.source)
                except Exception as exc:  # e.g. a server whose JetStream has no room
                    raise ServeError(
                        f"cannot keep the stream on NATS at {redact_url(nats_url)}: {exc}"
                    ) from None
            runner = asyncio.create_task(engine.run(), name="engine")
            await responder.start()
            publishing = asyncio.create_task(publisher.run(), name="bus-publisher")
            try:
                yield Served(
                    engine,
                    platform,
                    client,
                    names,
                    publisher,
                    responder,
                    runner,
                    publishing,
                    audit_path,
                )
            finally:
                if sharding is not None:  # hand every partition over at once
                    await sharding.stop()
                await responder.stop()
                await cancel_and_wait([publishing])  # nats-py may swallow a first cancel
                # Cancelled once only: the engine flushes its audit and outbox as it stops,
                # and a second cancel would cut that short.
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await runner
                if frames is not None:
                    await frames.close()
                with contextlib.suppress(Exception):  # dashboards learn at once it stopped
                    await engines.delete(token(engine_id))
    finally:
        audit.close()
        outbox.close()
        with contextlib.suppress(Exception):
            await client.drain()


async def live_engines(engines: KeyValue, *, mine: str) -> list[str]:
    """Other engines whose status is fresh (they put it every second; a killed one's stays
    in the bucket until its TTL, but goes stale at once)."""
    try:
        keys = await engines.keys()
    except NoKeysError:
        return []
    now = datetime.now(timezone.utc)
    live: list[str] = []
    for key in keys:
        if key == mine:
            continue
        with contextlib.suppress(KeyNotFoundError):
            entry = await engines.get(key)
            if entry.value:
                status = codec.decode(EngineStatus, entry.value)
                if (now - status.published_at).total_seconds() < LIVE_WITHIN_S:
                    live.append(status.engine_id)
    return live


@contextlib.asynccontextmanager
async def nats_for(nats_url: str | None, port: int, store: Path) -> AsyncIterator[str]:
    """``nats_url`` as it is, or an embedded server's URL for as long as the block runs."""
    if nats_url:
        yield nats_url
        return
    if port and not _port_free(port):
        raise ServeError(
            f"port {port} is in use (a nats-server already?): serve --nats "
            f"nats://127.0.0.1:{port} to use it, or --nats-port another"
        )
    server = LocalNatsServer(store, port=port)
    try:
        await server.start()
    except (NatsServerMissing, RuntimeError) as exc:
        raise ServeError(f"cannot start the embedded NATS server: {exc}") from None
    try:
        yield server.url
    finally:
        await server.stop()


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def attach_hint(url: str, org: str) -> str:
    """How a dashboard attaches: never with this engine's own login (on a server with
    team scoping each supervisor logs in as themself; ``assist-tui nats-config``)."""
    bare = without_login(url)
    hint = f"attach with: assist-tui --attach {bare} --org {org}"
    if bare != url:
        hint += " (each supervisor with their own login: nats://USER:PASSWORD@...)"
    return hint


async def run_serve(
    settings: Settings,
    *,
    nats_url: str | None,
    org: str,
    port: int = EMBEDDED_PORT,
    interval_s: float = 5.0,
    duration_s: float | None = None,
    out: TextIO = sys.stdout,
    partitions: int | None = None,
) -> int:
    """The ``serve`` command: 0 after Ctrl-C or SIGTERM (audit and outbox flushed)."""
    stop = stop_on_signals()
    try:
        async with (
            nats_for(nats_url, port, data_dir() / "nats") as url,
            serving(settings, url, org=org, partitions=partitions) as served,
        ):
            embedded = "" if nats_url else " (embedded nats-server, loopback only)"
            print(
                f"assist-tui serve: org {served.names.org} on {redact_url(url)}{embedded}; "
                f"{served.platform.label}; audit {served.audit_path}",
                file=out,
                flush=True,
            )
            print(attach_hint(url, org), file=out, flush=True)
            if partitions is not None:
                print(
                    f"sharing the org as engine {served.publisher.engine_id}: "
                    f"{partitions} partitions leased with every `serve --shard` of it",
                    file=out,
                    flush=True,
                )
            await _until_stopped(served, stop, interval_s, duration_s, out)
            print(status_line(served.engine, "final:"), file=out, flush=True)
    finally:
        forget_signals()
    return 0


async def _until_stopped(
    served: Served, stop: asyncio.Event, interval_s: float, duration_s: float | None, out: TextIO
) -> None:
    async def report() -> None:
        while True:
            await asyncio.sleep(interval_s)
            line = status_line(served.engine, served.platform.label.split()[0])
            bus = "LOST, reconnecting" if not served.client.is_connected else "connected"
            print(f"{line} | bus {bus}, puts {served.publisher.puts}", file=out, flush=True)

    reporter = asyncio.create_task(report())
    watcher = asyncio.create_task(_say_bus_changes(served.client, out))
    waiter = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait(
            [served.runner, waiter], timeout=duration_s, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        for task in (reporter, watcher, waiter):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if served.runner.done() and not served.runner.cancelled():
        served.runner.result()  # re-raises a crash of the engine


async def _say_bus_changes(client: Client, out: TextIO, every_s: float = BUS_CHECK_S) -> None:
    """A line the moment NATS is lost and when it is back: the operator watching the
    console learns it then, not from a status line that stopped moving."""
    connected = client.is_connected
    while True:
        await asyncio.sleep(every_s)
        if client.is_connected == connected:
            continue
        connected = client.is_connected
        if connected:
            print("NATS connection restored: views, alerts and actions go on", file=out, flush=True)
        else:
            print(
                "NATS connection LOST: reconnecting; dashboards see no change meanwhile, and "
                "actions that must happen once are held back (a push is not sent, and audited "
                "as not sent) until it is back",
                file=out,
                flush=True,
            )
