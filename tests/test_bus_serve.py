"""``assist-tui serve`` against a real nats-server and the emulator: two dashboards on one
engine get one push per suggestion and one audit record per final; a late joiner has the
board at once; commands carry the supervisor into the audit; per-queue commands stay in
their queue; presence names the other dashboard; the CLI's errors are one line."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest

from assist_tui.audit.store import AuditReader
from assist_tui.bus.attach_link import NatsLink
from assist_tui.bus.commands import SUPERVISOR_HEADER
from assist_tui.bus.serve import Served, serving
from assist_tui.bus.server import free_port
from assist_tui.bus.subjects import Subjects
from assist_tui.cli import main
from assist_tui.engine.link import EngineCommandError
from tests.bus_helpers import demo_settings, until_view
from tests.conftest import wait_until


@contextlib.asynccontextmanager
async def attached(url: str, supervisor: str) -> AsyncIterator[NatsLink]:
    link = NatsLink(url, org="demo", supervisor=supervisor)
    try:
        await link.start()
        yield link
    finally:
        await link.aclose()


@contextlib.asynccontextmanager
async def served(url: str) -> AsyncIterator[Served]:
    async with serving(demo_settings(), url, org="demo", engine_id="engine-1") as s:
        yield s


def records(path: Path, kind: str) -> list[tuple[str | None, str, dict[str, object]]]:
    reader = AuditReader(path)
    try:
        return [(r.conversation, r.actor, r.data) for r in reader.records(kinds=[kind])]
    finally:
        reader.close()


async def test_two_dashboards_one_engine_every_action_once(nats_server: str) -> None:
    async with (
        served(nats_server) as s,
        attached(nats_server, "ana") as ana,
        attached(nats_server, "raj") as raj,
    ):
        emulator = s.platform.emulator
        assert emulator is not None
        # Both dashboards show the same calls as the engine has, with their transcripts.
        for link in (ana, raj):
            view = await until_view(link, lambda v: v.ready and v.rows and len(v.rows) >= 2)
            assert view.rows is not None
            cid = view.rows[0].conversation_id
            await until_view(link, lambda v: v.content is not None and v.content.lines, cid)
        await wait_until(lambda: len(emulator.emulator.assist_received) >= 2, timeout=45)
        await wait_until(lambda: sum(emulator.emulator.knowledge_received.values()) >= 3)
        s.engine.audit.flush()
    audit = s.audit_path
    pushed = records(audit, "suggestion_pushed")
    delivered = [d for _, _, d in pushed if d["result"] == "delivered"]
    # One push reached the platform per suggestion, whatever the number of dashboards.
    assert len(emulator.emulator.assist_received) == len(delivered) >= 2
    assert len({d["suggestion_id"] for _, _, d in pushed}) == len(pushed)
    # One audit record per final, and the knowledge webhook got each final once.
    finals = Counter((c, d["utterance_id"]) for c, _, d in records(audit, "final_utterance"))
    assert finals and max(finals.values()) == 1
    assert max(emulator.emulator.knowledge_received.values()) == 1


async def test_a_late_joiner_sees_the_board_at_once(nats_server: str) -> None:
    async with served(nats_server) as s:
        await wait_until(lambda: len(s.engine.conversations) >= 2 and s.publisher.puts > 0)
        await wait_until(lambda: any(st.lines for st in s.engine.conversations.values()))
        s.publishing.cancel()  # the board stands still: what the joiner must see is known
        with contextlib.suppress(asyncio.CancelledError):
            await s.publishing
        # The engine runs on while a publish awaits its puts: publish until none moved
        # meanwhile, so what was published is what the board holds as it is read here.
        for _ in range(100):
            before = {cid: st.version for cid, st in s.engine.conversations.items()}
            await s.publisher.publish()
            if before == {cid: st.version for cid, st in s.engine.conversations.items()}:
                break
        board = {cid: st.version for cid, st in s.engine.conversations.items()}
        said = {c: [x.text for x in st.lines.values()] for c, st in s.engine.conversations.items()}
        async with attached(nats_server, "late") as late:
            view = await late.view(None)  # the first view, no waiting for updates
            assert view.rows is not None and view.ready
            assert {r.conversation_id for r in view.rows} == set(board)
            cid = next(c for c in board if said[c])
            first = await late.view(cid)  # as published, though the engine went on since
            assert first.content is not None and first.content.version == board[cid]
            assert [x.text for x in first.content.lines] == said[cid]
            assert first.gauges is not None and first.gauges.conversation_id == cid


async def test_commands_are_audited_with_the_supervisor(nats_server: str) -> None:
    async with served(nats_server) as s, attached(nats_server, "ana") as ana:
        view = await until_view(ana, lambda v: v.ready and v.rows)
        assert view.rows is not None
        cid = view.rows[0].conversation_id
        await ana.pause(cid)
        paused = await until_view(ana, lambda v: v.gauges is not None and v.gauges.paused, cid)
        assert paused.paused >= 1
        await ana.resume(cid)
        await ana.reset_context(cid)
        await ana.unsubscribe([cid])
        assert cid not in s.engine.conversations
        rejected = await ana.subscribe([cid])
        assert rejected == [] and cid in s.engine.conversations
        with pytest.raises(EngineCommandError, match="not following conversation nope"):
            await ana.reset_context("nope")
        live = await ana.live_conversations()
        assert live
        s.engine.audit.flush()
        mine = [
            (kind, actor)
            for kind in ("pause", "resume", "reset_context", "unsubscribe", "subscribe")
            for c, actor, _ in records(s.audit_path, kind)
            if c == cid and actor != "engine"
        ]
        assert sorted(mine) == sorted(
            [
                ("pause", "ana"),
                ("resume", "ana"),
                ("reset_context", "ana"),
                ("unsubscribe", "ana"),
                ("subscribe", "ana"),
            ]
        )


async def test_acknowledge_names_the_supervisor_everywhere(nats_server: str) -> None:
    async with served(nats_server) as s, attached(nats_server, "ana") as ana:
        async with attached(nats_server, "raj") as raj:
            view = await until_view(ana, lambda v: any(a.open for a in v.alerts or ()), None, 45)
            assert view.alerts is not None
            alert = next(a for a in view.alerts if a.open)
            await ana.acknowledge(alert.alert_id, "ana")
            # The other dashboard's alerts pane learns who acknowledged it.
            seen = await until_view(
                raj,
                lambda v: any(
                    a.alert_id == alert.alert_id and a.acknowledged_by == "ana"
                    for a in v.alerts or ()
                ),
            )
            assert seen.alerts is not None
            with pytest.raises(EngineCommandError, match="no open alert"):
                await raj.acknowledge(alert.alert_id, "raj")
        s.engine.audit.flush()
        acks = records(s.audit_path, "alert_acknowledged")
        assert [(actor, d["alert_id"]) for _, actor, d in acks] == [("ana", alert.alert_id)]


async def test_a_command_on_another_queue_is_refused(nats_server: str) -> None:
    async with served(nats_server) as s:
        await wait_until(lambda: any(st.queue_id for st in s.engine.conversations.values()))
        cid, state = next((c, st) for c, st in s.engine.conversations.items() if st.queue_id)
        names = Subjects("demo")
        client = await nats.connect(nats_server)
        try:
            body = json.dumps({"conversation_id": cid}).encode()
            headers = {SUPERVISOR_HEADER: "mallory"}
            wrong = await client.request(
                names.command("pause", "some-other-queue"), body, timeout=10, headers=headers
            )
            assert json.loads(wrong.data) == {
                "ok": False,
                "error": f"conversation {cid} is not in queue some-other-queue",
            }
            org_wide = await client.request(names.command("pause"), body, headers=headers)
            assert json.loads(org_wide.data)["ok"] is False
            assert not state.paused
            right = await client.request(
                names.command("pause", state.queue_id), body, timeout=10, headers=headers
            )
            assert json.loads(right.data) == {"ok": True, "result": None}
            assert state.paused
            junk = await client.request(names.command("pause", state.queue_id), b"[1", timeout=10)
            assert json.loads(junk.data) == {"ok": False, "error": "the request is not JSON"}
        finally:
            await client.close()


async def test_presence_names_the_other_dashboard(nats_server: str) -> None:
    async with (
        served(nats_server),
        attached(nats_server, "ana") as ana,
        attached(nats_server, "raj") as raj,
    ):
        view = await until_view(ana, lambda v: v.rows)
        assert view.rows is not None
        cid = view.rows[0].conversation_id
        other = next((r.conversation_id for r in view.rows[1:]), None)
        # ana shows the call: raj, showing it too, is told so (and ana is told of raj).
        await ana.view(cid)
        seen = await until_view(raj, lambda v: v.watching == ("ana",), cid)
        assert seen.watching == ("ana",)
        await until_view(ana, lambda v: v.watching == ("raj",), cid)
        if other is not None:  # ana moves on: raj no longer sees her on the call
            await until_view(ana, lambda v: v.gauges is not None, other)
            await until_view(raj, lambda v: v.watching == (), cid)


def test_serve_with_no_nats_is_one_line_and_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    assert main(["serve", "--nats", f"nats://127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"cannot reach NATS at nats://127.0.0.1:{port}" in err


def test_attach_with_no_nats_is_one_line_and_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    assert main(["--attach", f"nats://127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "cannot reach NATS" in err


async def test_sigterm_flushes_and_exits_0(nats_server: str, tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "assist_tui",
        "--demo",
        "serve",
        "--nats",
        nats_server,
        "--interval",
        "0.5",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "ASSIST_TUI_NLP_TRAINED_PIPELINE": ""},
    )
    assert process.stdout is not None
    audit_path: Path | None = None
    async with attached(nats_server, "ana") as ana:
        first = (await asyncio.wait_for(process.stdout.readline(), 45)).decode()
        assert first.startswith("assist-tui serve: org demo on " + nats_server), first
        audit_path = Path(first.rsplit("audit ", 1)[1].strip())
        await until_view(ana, lambda v: v.ready and v.rows)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
        # The engine said it stopped: dashboards learn at once, not after a silence.
        await wait_until(lambda: not ana.engines)
    assert audit_path is not None
    assert records(audit_path, "subscribe")  # audited and committed before the exit


async def test_ended_calls_and_reopen_over_the_bus(nats_server: str) -> None:
    settings = demo_settings(alerts={"linger_s": 3, "tick_s": 0.2})
    async with (
        serving(settings, nats_server, org="demo", engine_id="engine-1") as s,
        attached(nats_server, "ana") as ana,
    ):
        await wait_until(lambda: bool(s.engine.board.ended), timeout=45)
        ended = await ana.ended_conversations()
        assert ended and ended[0].ended_at is not None
        cid = ended[0].conversation_id
        # It left the board: the views bucket no longer holds it.
        await until_view(ana, lambda v: cid not in {r.conversation_id for r in v.rows or ()})
        await ana.reopen(cid)
        back = await until_view(ana, lambda v: cid in {r.conversation_id for r in v.rows or ()})
        assert back.rows is not None
        s.engine.audit.flush()
        reopened = [(c, actor) for c, actor, _ in records(s.audit_path, "conversation_reopened")]
        assert reopened == [(cid, "ana")]


def test_embedded_on_a_busy_port_is_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--demo", "serve", "--nats-port", str(port)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"port {port} is in use" in err


async def test_ctrl_c_on_embedded_serve_stops_in_order() -> None:
    """Ctrl-C reaches the whole foreground group; the embedded nats-server, in its own
    session, outlives the engine's orderly stop (dashboards are told it stopped)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "assist_tui", "--demo", "serve", "--nats-port", "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "ASSIST_TUI_NLP_TRAINED_PIPELINE": ""},
        start_new_session=True,  # a group of its own, as a terminal's foreground job
    )  # fmt: skip
    assert process.stdout is not None
    first = (await asyncio.wait_for(process.stdout.readline(), 45)).decode()
    if not first:  # it ended before starting: say why (its stderr), not just ''
        _, err = await asyncio.wait_for(process.communicate(), 30)
        raise AssertionError(f"serve exited {process.returncode}: {err.decode()[-2000:]}")
    assert "(embedded nats-server, loopback only)" in first, first
    url = first.split(" on ", 1)[1].split(" ", 1)[0]
    async with attached(url, "ana") as ana:
        await until_view(ana, lambda v: v.ready)
        os.killpg(process.pid, signal.SIGINT)
        # The engine's status leaves before the server does: "no engine", not "NATS lost".
        await wait_until(lambda: not ana.engines)
        out, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    assert b"final:" in out


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--attach", ""], "'' is not a NATS server URL: write it as nats://HOST:PORT"),
        (["--attach", "http://127.0.0.1:4222"], "is not a NATS server URL"),
        (["--attach", "nats//127.0.0.1:4222"], "is not a NATS server URL"),
        (["--attach", "nats://ana:s3cret@"], "'nats://ana:***@' is not a NATS server URL"),
        (["serve", "--nats", "tcp://h:1"], "is not a NATS server URL"),
        (["--attach", "nats://h:1", "--org", "bad org"], "cannot name an org on the bus"),
        (["serve", "--org", "a.b"], "cannot name an org on the bus"),
        (["serve", "--org", ""], "cannot name an org on the bus"),
        (["--attach", "nats://h:1", "--as", " "], "argument --as: a name is needed"),
    ],
)
def test_bus_arguments_are_checked_before_anything_starts(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert said in err and "s3cret" not in err
