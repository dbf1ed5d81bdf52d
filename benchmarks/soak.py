"""Soak: the engine (as ``run --headless`` runs it) under a repeated stream fault.

An in-process emulator with replay 0 (as Genesys: no durability) keeps scripted calls
live while a fault is injected every ``--every`` seconds: ``drop-socket``,
``expire-channel``, or ``stop-heartbeats`` (heartbeats stopped for the whole run). From
the emulator's side it counts every final spoken, whether the client was subscribed and
connected when it was spoken (delivered) or had been following the call but had no
connected socket for it (offline), and how long each fault kept the client offline. The
engine's audit then tells which finals it audited, live or backfilled.

Targets (issue 11): reconnect p99 <= 2 s; offline <= 5% of the time; every delivered final
audited exactly once; every final spoken offline inside a reported gap and backfilled
once its call ended.

    .venv/bin/python benchmarks/soak.py --variant all --minutes 1
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from assist_tui.audit.store import AuditStore
from assist_tui.config import EmulatorSettings, GenesysSettings, Settings
from assist_tui.emulator.calls import LiveCall
from assist_tui.emulator.playback import RecognitionEvent
from assist_tui.emulator.server import EmulatorServer
from assist_tui.engine.engine import AssistEngine
from assist_tui.genesys.auth import ClientCredentials
from assist_tui.genesys.session import GenesysSession
from assist_tui.platform import Platform

VARIANTS = ("drop-socket", "expire-channel", "stop-heartbeats")
SAMPLE_S = 0.02


@dataclass
class SpokenFinal:
    conversation_id: str
    utterance_id: str
    speaker: str
    offset_ms: int  # as on the wire (scaled by the call's speed)
    at: datetime
    delivered: bool
    offline: bool


@dataclass
class SoakResult:
    variant: str
    seconds: float
    faults: int
    reconnect_p50_s: float | None
    reconnect_p99_s: float | None
    reconnect_max_s: float | None
    offline_share: float
    spoken: int
    delivered: int
    offline_finals: int
    delivered_audited_once: int
    audited_twice: int
    offline_in_gap: int
    offline_backfilled: int
    gaps: int
    gap_seconds: float
    problems: list[str] = field(default_factory=list)


class Watch:
    """The emulator's view: each final as spoken, and when the client was online."""

    def __init__(self, server: EmulatorServer) -> None:
        self.emu = server.emulator
        self.finals: list[SpokenFinal] = []
        self.followed: set[str] = set()  # conversations whose topic was ever on a channel
        self.online_samples = 0
        self.samples = 0
        self.emu.director.listeners.append(self._spoken)

    def _topic_state(self, topic: str) -> tuple[bool, bool]:
        """(on a connected channel, on any channel)."""
        channels = [c for c in self.emu.hub.channels.values() if topic in c.topics]
        return any(c.connection is not None for c in channels), bool(channels)

    def _spoken(self, call: LiveCall, event: RecognitionEvent | None) -> None:
        if event is None or not event.is_final:
            return
        cid = call.conversation_id
        delivered, subscribed = self._topic_state(f"v2.conversations.{cid}.transcription")
        if subscribed:
            self.followed.add(cid)
        self.finals.append(
            SpokenFinal(
                conversation_id=cid,
                utterance_id=event.utterance_id,
                speaker=event.speaker,
                offset_ms=round(event.offset_ms / call.speed),
                at=datetime.now(timezone.utc),
                delivered=delivered,
                offline=not delivered and cid in self.followed,
            )
        )

    def online(self) -> bool:
        """Every channel that holds topics has a socket, and there is one."""
        held = [c for c in self.emu.hub.channels.values() if c.topics]
        return bool(held) and all(c.connection is not None for c in held)

    async def sample(self) -> None:
        while True:
            self.samples += 1
            self.online_samples += self.online()
            await asyncio.sleep(SAMPLE_S)


async def _wait_online(watch: Watch, since: float, limit_s: float) -> float | None:
    """Seconds from ``since`` until the client is online again (None past the limit)."""
    await asyncio.sleep(SAMPLE_S)  # let the fault land
    while not watch.online():
        if time.monotonic() - since > limit_s:
            return None
        await asyncio.sleep(0.005)
    return time.monotonic() - since


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def soak(
    variant: str,
    seconds: float,
    *,
    every_s: float = 10.0,
    concurrent: int = 3,
    speed: float = 1.0,
    settle_s: float = 20.0,
    workdir: Path | None = None,
) -> SoakResult:
    heartbeat = 5.0 if variant == "stop-heartbeats" else 30.0
    emu_settings = EmulatorSettings.model_validate(
        {
            "concurrent": concurrent,
            "speed": speed,
            "replay_window_s": 0,
            "heartbeat_interval_s": heartbeat,
            "seed": 11,
        }
    )
    with contextlib.ExitStack() as stack:
        folder = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        async with EmulatorServer(emu_settings) as server:
            watch = Watch(server)
            settings = Settings.model_validate(
                {
                    "audit": {"path": str(folder / "audit.sqlite3")},
                    "stream": {"heartbeat_interval_s": heartbeat},
                    "backfill": {"retry_s": 1.0, "wait_s": settle_s, "slack_s": 10.0},
                    "redaction": {"mode": "none"},
                }
            )
            audit = AuditStore(folder / "audit.sqlite3")
            genesys = GenesysSettings(api_base_url=server.url, login_base_url=server.url)
            creds = ClientCredentials(server.client_id, server.client_secret)
            async with GenesysSession(genesys, credentials=creds) as session:
                platform = Platform(session, "SOAK", settings.stream)
                engine = AssistEngine(settings, platform, audit=audit)
                runner = asyncio.create_task(engine.run())
                await asyncio.wait_for(engine.ready.wait(), 60)
                # The clock starts once the client follows a call on a connected socket
                # (discovery may first have nothing to subscribe).
                while not watch.online():
                    await asyncio.sleep(0.05)
                sampler = asyncio.create_task(watch.sample())
                started = time.monotonic()
                reconnects: list[float] = []
                faults = 0
                problems: list[str] = []
                if variant == "stop-heartbeats":
                    server.emulator.stop_heartbeats()
                try:
                    while time.monotonic() - started < seconds:
                        await asyncio.sleep(min(every_s, seconds))
                        if variant == "stop-heartbeats" or time.monotonic() - started >= seconds:
                            continue
                        if runner.done():
                            problems.append(f"the engine stopped: {runner.exception()!r}")
                            break
                        at = time.monotonic()
                        server.emulator.inject(variant)
                        faults += 1
                        took = await _wait_online(watch, at, every_s)
                        if took is None:
                            problems.append(f"fault {faults}: not back within {every_s:g} s")
                        else:
                            reconnects.append(took)
                    elapsed = time.monotonic() - started
                    sampler.cancel()
                    server.emulator.stop_heartbeats(False)
                    # End the calls so their gaps can be filled; then let backfill run.
                    if server._show_task is not None:  # no new call starts meanwhile
                        server._show_task.cancel()
                    await asyncio.sleep(0.1)
                    for call in server.emulator.director.live():
                        server.emulator.director.end(call)
                    deadline = time.monotonic() + settle_s
                    while engine.gaps.open and time.monotonic() < deadline:
                        await asyncio.sleep(0.2)
                    if engine.gaps.open:
                        problems.append(f"{len(engine.gaps.open)} call(s) still unfilled")
                finally:
                    runner.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await runner
                return _judge(variant, elapsed, faults, reconnects, watch, engine, audit, problems)


def _judge(
    variant: str,
    elapsed: float,
    faults: int,
    reconnects: list[float],
    watch: Watch,
    engine: AssistEngine,
    audit: AuditStore,
    problems: list[str],
) -> SoakResult:
    audit.flush()
    records = [r.as_json() for r in audit.records()]
    audit.close()
    finals = [r for r in records if r["kind"] == "final_utterance"]
    live = Counter((r["conversation"], r["data"]["utterance_id"]) for r in finals)
    filled = Counter(
        (r["conversation"], r["data"]["speaker"], r["data"]["offset_ms"])
        for r in finals
        if r["data"].get("backfilled")
    )
    gaps = [
        (datetime.fromisoformat(r["data"]["started"]), datetime.fromisoformat(r["data"]["ended"]))
        for r in records
        if r["kind"] == "stream_gap"
    ]
    delivered = [f for f in watch.finals if f.delivered]
    offline = [f for f in watch.finals if f.offline]
    once = sum(1 for f in delivered if live[(f.conversation_id, f.utterance_id)] == 1)
    twice = sum(1 for n in live.values() if n > 1) + sum(1 for n in filled.values() if n > 1)
    in_gap = sum(1 for f in offline if any(a <= f.at <= b for a, b in gaps))
    backfilled = sum(
        1
        for f in offline
        if live[(f.conversation_id, f.utterance_id)] == 0
        and filled[(f.conversation_id, f.speaker, f.offset_ms)] == 1
    )
    share = 1 - watch.online_samples / watch.samples if watch.samples else 0.0
    return SoakResult(
        variant=variant,
        seconds=round(elapsed, 1),
        faults=faults,
        reconnect_p50_s=_round(statistics.median(reconnects) if reconnects else None),
        reconnect_p99_s=_round(_percentile(reconnects, 0.99)),
        reconnect_max_s=_round(max(reconnects) if reconnects else None),
        offline_share=round(share, 4),
        spoken=len(watch.finals),
        delivered=len(delivered),
        offline_finals=len(offline),
        delivered_audited_once=once,
        audited_twice=twice,
        offline_in_gap=in_gap,
        offline_backfilled=backfilled,
        gaps=engine.gaps.count,
        gap_seconds=round(engine.gaps.seconds, 2),
        problems=problems,
    )


def _round(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


def verdict(result: SoakResult) -> list[str]:
    """Which targets the run missed (empty: all met)."""
    missed = list(result.problems)
    if result.reconnect_p99_s is not None and result.reconnect_p99_s > 2.0:
        missed.append(f"reconnect p99 {result.reconnect_p99_s} s > 2 s")
    if result.offline_share > 0.05:
        missed.append(f"offline {result.offline_share:.1%} > 5%")
    if result.delivered_audited_once != result.delivered:
        missed.append(
            f"{result.delivered - result.delivered_audited_once} delivered final(s) "
            "not audited exactly once"
        )
    if result.audited_twice:
        missed.append(f"{result.audited_twice} final(s) audited twice")
    if result.offline_in_gap != result.offline_finals:
        missed.append(f"{result.offline_finals - result.offline_in_gap} offline final(s) in no gap")
    if result.offline_backfilled != result.offline_finals:
        missed.append(
            f"{result.offline_finals - result.offline_backfilled} offline final(s) not backfilled"
        )
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--variant", choices=[*VARIANTS, "all"], default="drop-socket")
    parser.add_argument("--minutes", type=float, default=5.0, help="per variant (default 5)")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between faults")
    parser.add_argument("--concurrent", type=int, default=3, help="calls live at once")
    parser.add_argument("--speed", type=float, default=1.0, help="emulator playback speed")
    parser.add_argument("--json", action="store_true", help="one JSON object per variant")
    args = parser.parse_args()
    variants = VARIANTS if args.variant == "all" else (args.variant,)
    failed = False
    for variant in variants:
        result = asyncio.run(
            soak(
                variant,
                args.minutes * 60,
                every_s=args.every,
                concurrent=args.concurrent,
                speed=args.speed,
            )
        )
        missed = verdict(result)
        failed |= bool(missed)
        if args.json:
            print(json.dumps({**asdict(result), "missed": missed}))
            continue
        print(_report(result, missed))
    return 1 if failed else 0


def _report(r: SoakResult, missed: list[str]) -> str:
    def s(value: float | None) -> str:
        return f"{value:.2f} s" if value is not None else "-"

    lines = [
        f"{r.variant}: {r.seconds:.0f} s, {r.faults} fault(s), {r.gaps} gap(s) "
        f"({r.gap_seconds:.1f} s)",
        f"  reconnect p50 {s(r.reconnect_p50_s)} p99 {s(r.reconnect_p99_s)} "
        f"max {s(r.reconnect_max_s)}; offline {r.offline_share:.1%} of the time",
        f"  finals spoken {r.spoken}: delivered {r.delivered} "
        f"(audited exactly once {r.delivered_audited_once}), offline {r.offline_finals} "
        f"(in a reported gap {r.offline_in_gap}, backfilled {r.offline_backfilled}); "
        f"audited twice {r.audited_twice}",
        "  targets met" if not missed else "  MISSED: " + "; ".join(missed),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
