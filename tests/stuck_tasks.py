"""When a test is about to hit pytest-timeout, print every asyncio task's stack.

pytest-timeout shows the threads' stacks, where an async test that waits forever is only
"the main thread idle in the event loop": the task stacks say which await never ended.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import threading

import pytest

MARGIN_S = 3.0  # printed this long before the test's timeout


def _loops() -> list[asyncio.AbstractEventLoop]:
    found = []
    for obj in gc.get_objects():
        try:
            if isinstance(obj, asyncio.AbstractEventLoop):
                found.append(obj)
        except ReferenceError:  # a weak proxy whose object is gone (seen in a timeout)
            continue
    return found


def _print_tasks() -> None:
    for loop in _loops():
        if not loop.is_running():
            continue
        try:
            tasks = list(asyncio.all_tasks(loop))  # from another thread: best effort
        except RuntimeError:
            continue
        print(f"--- {len(tasks)} asyncio task(s) near the timeout ---", file=sys.stderr)
        for task in tasks:
            print(f"{task.get_name()}:", file=sys.stderr)
            for where in _awaits(task.get_coro()):
                print(f"  {where}", file=sys.stderr)


def _awaits(coro: object) -> list[str]:
    """Where a suspended coroutine waits, down its chain of awaits."""
    places: list[str] = []
    while coro is not None and len(places) < 30:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "ag_frame", None)
        if frame is not None:
            code = frame.f_code
            places.append(f"{code.co_filename}:{frame.f_lineno} in {code.co_name}")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "ag_await", None)
    return places


def timer_for(item: pytest.Item) -> threading.Timer | None:
    """A started timer that prints the tasks shortly before ``item`` times out."""
    marker = item.get_closest_marker("timeout")
    try:
        limit = float(marker.args[0] if marker and marker.args else item.config.getini("timeout"))
    except (TypeError, ValueError):
        return None
    if limit <= MARGIN_S:
        return None
    timer = threading.Timer(limit - MARGIN_S, _print_tasks)
    timer.daemon = True
    timer.start()
    return timer
