"""A lone ``serve`` starting over (after kill -9 of the one before) clears the views and
alerts the dead engine left, so no dashboard keeps a call or an alert nobody follows."""

from __future__ import annotations

import nats
import pytest
from nats.js.errors import KeyNotFoundError

from assist_tui.bus.connection import bucket
from assist_tui.bus.serve import serving
from assist_tui.bus.subjects import Subjects

from .bus_helpers import demo_settings


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
