"""Shared fixtures: isolated dirs and environment, a live emulator, a session against it."""

from __future__ import annotations

import asyncio
import compileall
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from assist_tui.config import EmulatorSettings, GenesysSettings, StreamSettings
from assist_tui.emulator.server import EmulatorServer
from assist_tui.genesys.auth import ClientCredentials
from assist_tui.genesys.notifications import NotificationStream
from assist_tui.genesys.session import GenesysSession
from assist_tui.model import StreamEvent

from .stuck_tasks import timer_for

if TYPE_CHECKING:
    from assist_tui.engine.nlp import KeywordMatcher

HEARTBEAT_S = 0.2


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> object:
    timer = timer_for(item)  # tests/stuck_tasks.py: which await never ended
    try:
        return (yield)
    finally:
        if timer is not None:
            timer.cancel()


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the user's real config, data or logs; never read real credentials."""
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.setenv("ASSIST_TUI_LOG_DIR", str(tmp_path / "logs"))
    for var in (
        "GENESYS_CLIENT_ID",
        "GENESYS_CLIENT_SECRET",
        "GENESYS_REGION",
        "GENESYS_API_BASE_URL",
        "GENESYS_LOGIN_BASE_URL",
        "ASSIST_TUI_CONFIG",
    ):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def emulator_settings(**changes: object) -> EmulatorSettings:
    base: dict[str, object] = {
        "concurrent": 0,
        "speed": 20.0,
        "heartbeat_interval_s": HEARTBEAT_S,
        "seed": 7,
    }
    base.update(changes)
    return EmulatorSettings.model_validate(base)


def fast_stream(**changes: object) -> StreamSettings:
    """Stream settings scaled down so reconnect tests take fractions of a second."""
    base: dict[str, object] = {
        "heartbeat_interval_s": HEARTBEAT_S,
        "heartbeat_tolerance": 2.5,
        "ping_idle_s": 1.0,
        "backoff_base_s": 0.05,
        "backoff_cap_s": 0.3,
        "healthy_after_s": 5.0,
    }
    base.update(changes)
    return StreamSettings.model_validate(base)


@pytest.fixture
async def emulator() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(emulator_settings()) as server:
        yield server


def session_for(
    server: EmulatorServer, client_id: str | None = None, secret: str | None = None
) -> GenesysSession:
    settings = GenesysSettings(api_base_url=server.url, login_base_url=server.url, max_retries=3)
    creds = ClientCredentials(client_id or server.client_id, secret or server.client_secret)
    return GenesysSession(settings, credentials=creds)


@pytest.fixture
async def session(emulator: EmulatorServer) -> AsyncIterator[GenesysSession]:
    async with session_for(emulator) as s:
        yield s


async def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll ``predicate`` every 20 ms; fail with a message after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.02)


class Collector:
    """Drains a stream in the background so tests can wait for what they expect."""

    def __init__(self, stream: NotificationStream) -> None:
        self.stream = stream
        self.events: list[StreamEvent] = []
        self._task = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        async for event in self.stream:
            self.events.append(event)

    def of(self, kind: type) -> list:  # type: ignore[type-arg]
        return [e for e in self.events if isinstance(e, kind)]

    async def wait_for(
        self, predicate: Callable[[list[StreamEvent]], bool], timeout: float = 10.0
    ) -> None:
        """Wait until ``predicate`` holds; it may also look at state outside the events."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate(self.events):
            if loop.time() > deadline:
                raise AssertionError(f"condition not met within {timeout} s")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # once, before the workers start
        # The editable package is never compiled by the install, and this machine sets
        # PYTHONDONTWRITEBYTECODE=1: every worker and every engine or CLI process the
        # tests start compiled it again (0.4-0.6 s of CPU each). 0.4 s once here.
        compileall.compile_dir(Path(__file__).resolve().parents[1] / "src", quiet=2)
        _write_assert_rewrites(config)


def _write_assert_rewrites(config: pytest.Config) -> None:
    """Write pytest's cache of the test modules with their asserts rewritten, once.

    Under PYTHONDONTWRITEBYTECODE=1 no worker writes it, yet each reads it when it is
    there: without it every worker rewrote every test module (2 s of CPU each). This
    uses pytest's own functions, which are not public API: if they change, the cache is
    simply not written and each worker rewrites as before.
    """
    try:
        from _pytest.assertion import rewrite

        state = config.stash[rewrite.assertstate_key]
        tests = Path(__file__).resolve().parent
        for source in sorted(tests.rglob("*.py")):
            if not (source.name.startswith("test_") or source.name == "conftest.py"):
                continue
            cache = rewrite.get_cache_dir(source)
            cache.mkdir(exist_ok=True)
            pyc = cache / (source.name[:-3] + rewrite.PYC_TAIL)
            if rewrite._read_pyc(source, pyc, state.trace) is None:
                stat, code = rewrite._rewrite_test(source, config)
                rewrite._write_pyc(state, code, stat, pyc)
    except (ImportError, AttributeError, KeyError, TypeError, OSError, SyntaxError):
        return


# The longest tests (mypy and ruff, the tmux smoke, the kill -9 and fault runs that wait on
# real timers) start first, spread over the workers, so they run beside the rest of the
# suite instead of serially at its end.
_LONG_FIRST = (
    "tests/test_quality.py",
    "tests/test_tmux_smoke.py",
    "tests/test_bus_shard_kill.py",
    "tests/test_platform_faults.py",
    "tests/test_soak.py",
    "tests/test_crash_recovery.py",
    "tests/test_crash_outbox.py",
    "tests/test_engine_death.py",
    "tests/test_gaps.py",
    "tests/test_board_cli.py",
    "tests/test_total_decoding.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    long = [item for item in items if item.nodeid.startswith(_LONG_FIRST)]
    rest = [item for item in items if not item.nodeid.startswith(_LONG_FIRST)]
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    # worksteal first hands each worker a contiguous share of the list (len // workers
    # left): each share starts with its own long tests, the rest fill it up.
    ordered: list[pytest.Item] = []
    left = len(items)
    for k in range(workers):
        share = len(items) - len(ordered) if k == workers - 1 else left // (workers - k)
        mine = long[k::workers]
        ordered += mine
        ordered += rest[: max(0, share - len(mine))]
        del rest[: max(0, share - len(mine))]
        left -= share
    items[:] = ordered + rest


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: six workers for two cores. Most of a test's time is waiting on real
    timers (heartbeats, backoff, rediscovery, scripted calls), not CPU: the tests' wall
    times add up to about 700 s and their CPU to about 200 s. Five workers left the cores
    a fifth idle once the CPU was cut (shared keyword matchers); the kill -9 and takeover
    tests wait for their events, not for fixed times, so the extra load slows them without
    failing them."""
    cores = os.cpu_count() or 1
    return 3 * cores


@pytest.fixture(scope="session")
def matcher() -> KeywordMatcher:
    """The keyword matcher for the default rules: the one engines in this worker share."""
    from assist_tui.engine.nlp import shared_matcher  # spaCy: not in the controller
    from assist_tui.engine.rules import load_rules

    return shared_matcher(load_rules())


@pytest.fixture
async def nats_server(tmp_path: Path) -> AsyncIterator[str]:
    """A real nats-server with JetStream on a free loopback port; yields its URL."""
    from assist_tui.bus.server import LocalNatsServer

    async with LocalNatsServer(tmp_path / "nats") as server:
        yield server.url
