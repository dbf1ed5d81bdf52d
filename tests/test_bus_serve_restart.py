"""A lone ``serve`` starting over (after kill -9 of the one before) clears the views and
alerts the dead engine left, so no dashboard keeps a call or an alert nobody follows."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats
import pytest
from nats.js.errors import KeyNotFoundError

from assist_tui.bus.connection import bucket
from assist_tui.bus.errors import ServeError
from assist_tui.bus.serve import serving
from assist_tui.bus.subjects import Subjects

from .bus_helpers import demo_settings
from .conftest import wait_until


async def test_a_restarted_engine_clears_what_a_dead_one_left(nats_server: str) -> None:
    names = Subjects("demo")
    client = await nats.connect(nats_server)
    try:
        js = client.jetstream()
        views = await bucket(js, names.views_bucket)
        alerts = await bucket(js, names.alerts_bucket)
        await views.put("q1.dead-call", b"{}")
        await alerts.put("q1.dead-alert", b"{}")
        async with serving(demo_settings(), nats_server, org="demo", engine_id="engine-2"):
            for kv, key in ((views, "q1.dead-call"), (alerts, "q1.dead-alert")):
                with pytest.raises(KeyNotFoundError):
                    await kv.get(key)
    finally:
        await client.close()


async def test_a_plain_serve_refuses_an_org_another_engine_serves(
    nats_server: str, tmp_path: Path
) -> None:
    """A forgotten --shard must not clear the board of the engines serving the org."""
    first = demo_settings()
    second = first.model_copy(
        update={"audit": first.audit.model_copy(update={"path": tmp_path / "b.sqlite3"})}
    )
    async with serving(first, nats_server, org="demo", engine_id="engine-1") as served:
        await wait_until(lambda: served.publisher.puts > 0)
        await asyncio.sleep(1.2)  # its status is in the engines bucket
        with pytest.raises(ServeError, match=r"already served by engine.*engine-1.*add --shard"):
            async with serving(second, nats_server, org="demo", engine_id="engine-2"):
                pass
        assert not served.runner.done()  # the first goes on, its board untouched
