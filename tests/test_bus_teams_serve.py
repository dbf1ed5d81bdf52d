"""Team scoping end to end: `serve` with [teams] behind a nats-server configured by
`nats-config`; ana's attached dashboard sees only her queues' calls and commands only them;
the engine refuses and audits what the server lets through; a supervisor in no team is told."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest

from assist_tui.bus.attach_link import NatsLink
from assist_tui.bus.connection import connect
from assist_tui.bus.errors import BusUnavailable
from assist_tui.bus.nats_config import ENGINE_USER, build_users, inbox_prefix, render, write_private
from assist_tui.bus.scope import TeamScopes
from assist_tui.bus.serve import Served, attach_hint, serving
from assist_tui.bus.server import LocalNatsServer
from assist_tui.bus.team_guard import REFUSED_KIND
from assist_tui.emulator.scenarios import QUEUE_IDS
from assist_tui.engine.link import EngineCommandError
from tests.bus_helpers import demo_settings, until_view

ANA_QUEUES = ("Billing", "Payments")
TEAMS: dict[str, Any] = {
    "billing": {"supervisors": ["ana"], "queue_names": list(ANA_QUEUES)},
    "others": {
        "supervisors": ["lee"],
        "queue_names": [q for q in QUEUE_IDS if q not in ANA_QUEUES],
        "unassigned": True,
    },
}
ANA_IDS = {QUEUE_IDS[q] for q in ANA_QUEUES}


def with_password(url: str, user: str, password: str) -> str:
    return url.replace("nats://", f"nats://{user}:{password}@")


async def until(check: Any, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout} s")
        await asyncio.sleep(0.05)


@pytest.fixture
async def scoped_serve(tmp_path: Path) -> AsyncIterator[tuple[Served, str, dict[str, str]]]:
    settings = demo_settings(
        teams=TEAMS, emulator={"speed": 12, "heartbeat_interval_s": 1, "concurrent": 6, "seed": 5}
    )
    from assist_tui.bus.subjects import Subjects

    users = build_users(TeamScopes(settings.teams, QUEUE_IDS), Subjects("demo"))
    config = tmp_path / "nats.conf"
    write_private(config, render(users, Subjects("demo"), teams={"t": ["ana", "lee"]}))
    passwords = {user.name: user.password for user in users}
    async with LocalNatsServer(tmp_path / "nats", config=config) as server:
        engine_url = with_password(server.url, ENGINE_USER, passwords[ENGINE_USER])
        async with serving(settings, engine_url, org="demo") as served:
            yield served, server.url, passwords


async def test_ana_sees_and_commands_only_her_queues(
    scoped_serve: tuple[Served, str, dict[str, str]],
) -> None:
    served, url, passwords = scoped_serve
    engine = served.engine
    # The board holds calls of her queues and of others' (so the test can fail).
    await until(
        lambda: (
            {s.queue_id in ANA_IDS for s in engine.conversations.values() if s.queue_id}
            == {True, False}
        )
    )
    ana = NatsLink(with_password(url, "ana", passwords["ana"]), org="demo", supervisor="ana")
    try:
        mine = {cid for cid, s in engine.conversations.items() if s.queue_id in ANA_IDS}
        view = await until_view(
            ana, lambda v: v.rows and {r.conversation_id for r in v.rows} >= mine
        )
        assert view.rows is not None
        assert all(row.queue_id in ANA_IDS for row in view.rows)  # nothing of another queue
        assert ana.scope is not None and ana.scope.tokens == ANA_IDS and ana.silence() == ""
        assert all(
            alert.conversation_id in {r.conversation_id for r in view.rows}
            for alert in view.alerts or ()
        )
        # Her own call: the engine does it, audited as ana.
        cid = sorted(mine)[0]
        await ana.pause(cid)
        await until(lambda: engine.conversations[cid].paused)
        # Pause all: only her calls.
        await ana.pause()
        await until(
            lambda: all(engine.conversations[c].paused for c in mine if c in engine.conversations)
        )
        others = [c for c, s in engine.conversations.items() if s.queue_id not in ANA_IDS]
        assert others and not any(engine.conversations[c].paused for c in others)
        # Org-wide requests the server lets through are cut or refused by the engine.
        live = await ana.live_conversations()
        assert live and all(c.queue_id in ANA_IDS for c in live)
        with pytest.raises(EngineCommandError, match="outside the teams of ana"):
            await ana.subscribe([others[0]])
        # Another queue's call named on her own queue's subject (the server lets it by).
        body = {"conversation_id": others[0]}
        with pytest.raises(EngineCommandError, match="outside the teams of ana"):
            await ana._request("reset_context", body, engine.conversations[cid].queue_id)
        engine.audit.flush()
        refused = list(engine.audit.records(kinds=[REFUSED_KIND]))
        assert [(r.conversation, r.actor, r.data["verb"]) for r in refused] == [
            (others[0], "ana", "subscribe"),
            (others[0], "ana", "reset_context"),
        ]
        pauses = list(engine.audit.records(kinds=["pause"], conversation=cid))
        assert pauses and pauses[0].actor == "ana"
    finally:
        await ana.aclose()


async def test_the_server_denies_ana_other_queues_and_other_names(
    scoped_serve: tuple[Served, str, dict[str, str]],
) -> None:
    served, url, passwords = scoped_serve
    engine = served.engine
    await until(
        lambda: any(s.queue_id and s.queue_id not in ANA_IDS for s in engine.conversations.values())
    )
    other = next(
        c for c, s in engine.conversations.items() if s.queue_id and s.queue_id not in ANA_IDS
    )
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    client = await nats.connect(
        url,
        user="ana",
        password=passwords["ana"],
        inbox_prefix=inbox_prefix("ana"),
        error_cb=on_error,
        allow_reconnect=False,
    )
    try:
        names = served.names
        queue = engine.conversations[other].queue_id
        body = b'{"conversation_id": "' + other.encode() + b'"}'
        for subject in (
            names.supervisor_command("pause", "ana", queue),  # another queue
            names.supervisor_command("pause", "lee", queue),  # as lee
            names.command("pause", queue),  # the engine's own subject
        ):
            with pytest.raises(nats.errors.TimeoutError):
                await client.request(subject, body, timeout=1.0)
            assert any(
                "permissions violation" in e and subject.lower() in e.lower() for e in errors
            ), subject
        assert not engine.conversations[other].paused
    finally:
        await client.close()


async def test_a_supervisor_in_no_team_sees_nothing_and_is_told(
    nats_server: str, tmp_path: Path
) -> None:
    settings = demo_settings(teams=TEAMS)
    async with serving(settings, nats_server, org="demo") as served:
        await until(lambda: len(served.engine.conversations) >= 2)
        mo = NatsLink(nats_server, org="demo", supervisor="mo")
        try:
            view = await until_view(mo, lambda v: mo.scope is not None and v.ready)
            assert view.rows == () and view.alerts == ()
            assert "mo is in no team" in mo.silence()
        finally:
            await mo.aclose()


async def test_logins_are_never_shown_and_a_refused_one_says_what_to_do(
    scoped_serve: tuple[Served, str, dict[str, str]],
) -> None:
    _, url, passwords = scoped_serve
    secret, engine_secret = passwords["ana"], passwords[ENGINE_USER]
    link = NatsLink(with_password(url, "ana", secret), org="demo", supervisor="ana")
    assert secret not in link.label and "ana:***@" in link.label
    with pytest.raises(BusUnavailable) as wrong:
        await connect(with_password(url, "ana", "wrong-pw"), "test")
    assert "refused the login" in str(wrong.value) and "wrong-pw" not in str(wrong.value)
    assert "check the user and password" in str(wrong.value)
    with pytest.raises(BusUnavailable) as none:
        await connect(url, "test")
    assert "nats://USER:PASSWORD@HOST:PORT" in str(none.value)
    # serve's hint never hands supervisors the engine's own login
    hint = attach_hint(with_password(url, ENGINE_USER, engine_secret), "demo")
    assert engine_secret not in hint and f"{ENGINE_USER}:" not in hint
    assert f"--attach {url} --org demo" in hint and "their own login" in hint
