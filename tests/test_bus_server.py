"""The local nats-server starts, serves JetStream and stops; subject names stay tokens."""

from __future__ import annotations

import nats

from assist_tui.bus.subjects import Subjects, token


async def test_local_server_serves_jetstream_kv(nats_server: str) -> None:
    client = await nats.connect(nats_server)
    try:
        js = client.jetstream()
        kv = await js.create_key_value(bucket="probe")
        await kv.put("a.b", b"1")
        entry = await kv.get("a.b")
        assert entry.value == b"1"
    finally:
        await client.close()


def test_ids_with_dots_or_spaces_stay_one_token() -> None:
    names = Subjects("my.org")
    assert names.org == "my_org"
    assert token("a.b c*>") == "a_b_c__"
    assert names.conversation(None, "x.y", "view") == "assist.my_org.q._none.conv.x_y.view"
    assert names.key("q1", "c.1") == "q1.c_1"
