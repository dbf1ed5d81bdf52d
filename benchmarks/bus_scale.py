"""Several engines and many dashboards over NATS on this machine.

An emulator process generates N synthetic conversations at R events/s; E ``assist-tui
serve --shard`` processes share them by partition leases on one local nats-server; D
attached dashboards (``NatsLink``, no UI) watch the board in this process. Printed:
events/s processed (all engines), view latency engine → dashboard (from the engine's
receipt of an utterance to a dashboard holding a view with it, p50/p99), CPU per engine,
and how the partitions and calls were shared.

    .venv/bin/python benchmarks/bus_scale.py --conversations 300 --rate 600 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import nats
from _emulator import CLIENT_ID, CLIENT_SECRET, start_emulator

from assist_tui.bus import codec
from assist_tui.bus.attach_link import NatsLink
from assist_tui.bus.codec import EngineStatus
from assist_tui.bus.server import LocalNatsServer
from assist_tui.bus.subjects import Subjects

TICKS = os.sysconf("SC_CLK_TCK")
ORG = "bench"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class TimedLink(NatsLink):
    """A dashboard that notes, for each view it receives with a newer utterance, how long
    ago the engine received that utterance (same machine, same clock)."""

    def __init__(self, url: str, n: int) -> None:
        super().__init__(url, org=ORG, supervisor=f"bench-{n}", dashboard_id=f"bench-{n}")
        self.latencies_ms: list[float] = []
        self._newest: dict[str, float] = {}

    def _on_view(self, key: str, value: bytes | None) -> None:
        super()._on_view(key, value)
        if value is None:
            return
        # Read here for the measurement only (a dashboard decodes just the call it shows).
        lines = json.loads(value).get("content", {}).get("lines") or []
        if not lines:
            return
        newest = max(datetime.fromisoformat(line["received_at"]).timestamp() for line in lines)
        if newest > self._newest.get(key, 0.0):
            self._newest[key] = newest
            self.latencies_ms.append((time.time() - newest) * 1000)


def engine_env(home: Path, emulator_url: str) -> dict[str, str]:
    home.mkdir(parents=True)
    config = home / "config.toml"
    config.write_text(
        f'[webhook]\nurl = "{emulator_url}/emulator/knowledge"\n[push]\ntarget = "seed"\n'
        "[stream]\nheartbeat_interval_s = 30.0\n",
        encoding="utf-8",
    )
    config.chmod(0o600)
    return {
        **os.environ,
        "ASSIST_TUI_CONFIG": str(config),
        "ASSIST_TUI_DATA_DIR": str(home / "data"),
        "ASSIST_TUI_LOG_DIR": str(home / "logs"),
        "GENESYS_CLIENT_ID": CLIENT_ID,
        "GENESYS_CLIENT_SECRET": CLIENT_SECRET,
        "GENESYS_API_BASE_URL": emulator_url,
        "GENESYS_LOGIN_BASE_URL": emulator_url,
    }


@contextlib.contextmanager
def engines(count: int, nats_url: str, emulator_url: str, root: Path) -> Iterator[list[int]]:
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "assist_tui", "serve", "--nats", nats_url, "--org", ORG,
             "--shard", "--interval", "5"],
            env=engine_env(root / f"engine-{n}", emulator_url),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]  # fmt: skip
    try:
        yield [p.pid for p in processes]
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


async def engine_statuses(url: str) -> dict[str, EngineStatus]:
    """Each engine's latest status, read straight from the engines bucket (not through a
    dashboard, which may lag behind)."""
    client = await nats.connect(url)
    try:
        kv = await client.jetstream().key_value(Subjects(ORG).engines_bucket)
        found: dict[str, EngineStatus] = {}
        for key in await kv.keys():
            entry = await kv.get(key)
            found[key] = codec.decode(EngineStatus, entry.value or b"")
        return found
    finally:
        await client.close()


async def partitions_per_engine(url: str) -> list[int]:
    """How many partition leases each engine holds now (from the leases bucket)."""
    client = await nats.connect(url)
    try:
        kv = await client.jetstream().key_value(Subjects(ORG).leases_bucket)
        owners: dict[str, int] = {}
        for key in await kv.keys():
            if key.startswith("p."):
                owner = json.loads((await kv.get(key)).value or b"{}").get("engine", "?")
                owners[owner] = owners.get(owner, 0) + 1
        return sorted(owners.values())
    finally:
        await client.close()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def dashboard_process(url: str, n: int, settle: float, seconds: float) -> None:
    """One attached dashboard (its own process, as a supervisor's would be): prints the
    latencies it saw during ``seconds`` after ``settle``, as JSON."""
    link = TimedLink(url, n)
    await link.start()
    await asyncio.sleep(settle)
    link.latencies_ms.clear()
    cpu0 = time.process_time()
    await asyncio.sleep(seconds)
    cpu = (time.process_time() - cpu0) / seconds
    print(json.dumps({"latencies": link.latencies_ms, "calls": len(link.calls), "cpu": cpu}))
    sys.stdout.flush()
    os._exit(0)  # no drain: the figures are out


async def measure(args: argparse.Namespace) -> None:
    emulator, emulator_url = start_emulator(args.conversations, args.rate)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        try:
            async with LocalNatsServer(root / "nats") as nats_server:
                url = nats_server.url
                with engines(args.engines, url, emulator_url, root) as pids:
                    # Until every engine reports and has calls (spaCy loads, leases settle).
                    deadline = time.monotonic() + 120
                    while time.monotonic() < deadline:
                        with contextlib.suppress(Exception):
                            ready = (await engine_statuses(url)).values()
                            if len(ready) == args.engines and all(s.conversations for s in ready):
                                break
                        await asyncio.sleep(1.0)
                    settle = args.warmup + 3.0  # the dashboards start and catch up first
                    dashboards = [
                        await asyncio.create_subprocess_exec(
                            sys.executable, __file__, "--dashboard", url, str(n), str(settle),
                            str(args.seconds), stdout=asyncio.subprocess.PIPE,
                        )
                        for n in range(args.dashboards)
                    ]  # fmt: skip
                    await asyncio.sleep(settle)
                    watched = {
                        "emulator": emulator.pid,
                        "nats-server": nats_server.process.pid if nats_server.process else 0,
                    }
                    others0 = {name: cpu_seconds(pid) for name, pid in watched.items()}
                    cpu0 = [cpu_seconds(p) for p in pids]
                    before, t0 = await engine_statuses(url), time.monotonic()
                    await asyncio.sleep(args.seconds)
                    after, elapsed = await engine_statuses(url), time.monotonic() - t0
                    leases = await partitions_per_engine(url)
                    cpu = [(cpu_seconds(p) - c) / elapsed for p, c in zip(pids, cpu0, strict=True)]
                    cpu_others = {
                        name: (cpu_seconds(pid) - others0[name]) / elapsed
                        for name, pid in watched.items()
                    }
                    reports = [json.loads((await d.communicate())[0]) for d in dashboards]
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)
    events = sum(s.events for s in after.values()) - sum(s.events for s in before.values())
    latencies = [ms for r in reports for ms in r["latencies"]]
    print(
        f"engines {args.engines}, dashboards {args.dashboards} (one process each), "
        f"conversations {args.conversations}, offered {args.rate:.0f} events/s, "
        f"{elapsed:.0f} s measured"
    )
    print(f"  processed:      {events / elapsed:,.0f} events/s (all engines)")
    shares = sorted(s.conversations for s in after.values())
    print(f"  partitions per engine {leases}; calls on each engine's board (live and lingering)")
    print(f"  {shares}; on each dashboard {[r['calls'] for r in reports]}")
    print(
        f"  view latency:   p50 {pct(latencies, 0.5):.0f} ms, p99 {pct(latencies, 0.99):.0f} ms "
        f"(engine receipt → dashboard, {len(latencies):,} views, "
        f"mean {statistics.fmean(latencies) if latencies else float('nan'):.0f} ms)"
    )
    print("  CPU per engine: " + ", ".join(f"{c * 100:.0f}%" for c in cpu))
    dash_cpu = ", ".join(f"{r['cpu'] * 100:.0f}%" for r in reports)
    print(f"  CPU per dashboard: {dash_cpu}")
    print("  CPU of the rest: " + ", ".join(f"{n} {c * 100:.0f}%" for n, c in cpu_others.items()))
    print(f"  (this machine has {os.cpu_count()} cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", type=int, default=3)
    parser.add_argument("--dashboards", type=int, default=10)
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--rate", type=float, default=600.0, help="events/s offered")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--dashboard", nargs=4, help=argparse.SUPPRESS)  # a child process
    args = parser.parse_args()
    if args.dashboard:
        url, n, settle, seconds = args.dashboard
        asyncio.run(dashboard_process(url, int(n), float(settle), float(seconds)))
        return
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
