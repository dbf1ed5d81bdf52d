"""The publisher puts a call's view only when it changed, moves it when its queue becomes
known, deletes it when the call leaves the board, and keeps the alerts as they stand:
a scripted engine (nothing moves unless the test moves it) and a real nats-server."""

from __future__ import annotations

from pathlib import Path

import nats

from assist_tui.bus import codec
from assist_tui.bus.codec import CallView
from assist_tui.bus.connection import bucket
from assist_tui.bus.publisher import ViewPublisher
from assist_tui.bus.subjects import Subjects, token
from assist_tui.engine.board_types import AlertView
from tests.scripted_engine import CALLS, scripted_engine


async def test_views_on_change_only_moved_and_deleted(nats_server: str, tmp_path: Path) -> None:
    engine = await scripted_engine(tmp_path)
    names = Subjects("demo")
    client = await nats.connect(nats_server)
    try:
        js = client.jetstream()
        views = await bucket(js, names.views_bucket)
        alerts = await bucket(js, names.alerts_bucket)
        engines = await bucket(js, names.engines_bucket, ttl_s=30)
        publisher = ViewPublisher(
            engine, client, names, views=views, alerts=alerts, engines=engines,
            engine_id="e1", label="DEMO",
        )  # fmt: skip
        await publisher.publish()
        raised = engine.board.alerts.newest_first()
        assert raised and publisher.puts == len(CALLS) + len(raised)
        keys = sorted(await views.keys())
        assert keys == sorted(names.key(s.queue_id, c) for c, s in engine.conversations.items())
        first, state = next(iter(engine.conversations.items()))
        stored = codec.decode(CallView, (await views.get(names.key(state.queue_id, first))).value)
        assert stored.row.conversation_id == first and stored.content.version == state.version
        assert [x.text for x in stored.content.lines] == [x.text for x in state.lines.values()]
        # Nothing changed: nothing is put again.
        await publisher.publish()
        assert publisher.puts == len(CALLS) + len(raised)
        # One call paused: that call's view alone is put.
        engine.pause(first)
        await publisher.publish()
        assert publisher.puts == len(CALLS) + len(raised) + 1
        paused = codec.decode(CallView, (await views.get(names.key(state.queue_id, first))).value)
        assert paused.gauges.paused and paused.row.paused
        # Its queue changes: the view moves to the new key.
        old_key = names.key(state.queue_id, first)
        state.queue_id = "retention"
        state.version += 1
        await publisher.publish()
        assert names.key("retention", first) in await views.keys()
        assert old_key not in await views.keys()
        # An alert acknowledged is put as it stands now.
        alert = raised[-1]
        engine.acknowledge(alert.alert_id, "ana")
        await publisher.publish()
        alert_keys = await alerts.keys()
        key = next(k for k in alert_keys if k.split(".", 1)[1] == token(alert.alert_id))
        now = codec.decode(AlertView, (await alerts.get(key)).value)
        assert now.acknowledged_by == "ana"
        # The call leaves the board: its view leaves the bucket.
        del engine.conversations[first]
        await publisher.publish()
        assert names.key("retention", first) not in await views.keys()
        assert len(await views.keys()) == len(CALLS) - 1
    finally:
        engine.audit.close()
        await client.close()
