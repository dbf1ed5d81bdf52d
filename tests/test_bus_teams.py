"""Team scoping: the [teams] settings, each supervisor's scope, and a real nats-server
configured by `nats-config` that lets ana read and command her queue and denies her another."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client
from nats.js.api import KeyValueConfig

from assist_tui.bus.nats_config import (
    ENGINE_USER,
    NatsConfigError,
    build_users,
    inbox_prefix,
    render,
    write_private,
)
from assist_tui.bus.scope import Scope, ScopeError, TeamScopes
from assist_tui.bus.scoped_watch import named_consumers, watch_filters
from assist_tui.bus.server import LocalNatsServer
from assist_tui.bus.subjects import NO_QUEUE, Subjects
from assist_tui.config import ConfigError, config_template, load_settings
from assist_tui.team_settings import TeamSettings

DENIED_TIMEOUT_S = 1.0  # a denied request is never answered: the server drops it


def team(**fields: object) -> TeamSettings:
    return TeamSettings.model_validate(fields)


# -- settings ---------------------------------------------------------------------------------
def test_teams_table_loads(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[teams.billing]\nsupervisors = ["ana", "raj"]\nqueues = ["q-1", "q-2"]\n'
        '[teams.support]\nsupervisors = ["lee"]\nqueue_names = ["Tech Support"]\n'
        "unassigned = true\n",
        encoding="utf-8",
    )
    teams = load_settings(path, env={}).settings.teams
    assert teams["billing"].supervisors == ["ana", "raj"]
    assert teams["billing"].queues == ["q-1", "q-2"]
    assert teams["support"].queue_names == ["Tech Support"] and teams["support"].unassigned


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('supervisor = ["ana"]\nqueues = ["q"]', "[teams.billing] supervisor (in config file"),
        ('supervisor = ["ana"]\nqueues = ["q"]', "did you mean 'supervisors'?"),
        ('supervisors = ["ana"]\nqueus = ["q"]', "did you mean 'queues'?"),
        ('supervisors = ["ana"]', "otherwise its supervisors would see nothing"),
        ('supervisors = []\nqueues = ["q"]', "a team needs at least one supervisor"),
        ('supervisors = ["ana smith"]\nqueues = ["q"]', "supervisor names are letters"),
        ('supervisors = ["ana"]\nqueues = [" "]', "cannot be blank"),
    ],
)
def test_bad_teams_are_explained(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f"[teams.billing]\n{body}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert expected in str(info.value)


def test_template_example_uncommented_is_valid() -> None:
    template = config_template()
    assert "# [teams.billing]" in template
    for field in TeamSettings.model_fields:
        assert f"#   {field}: " in template
    start = template.index("# [teams.billing]")
    block = template[start : template.index("[keys]")]
    uncommented = "\n".join(line.removeprefix("# ") for line in block.splitlines())
    import tomllib

    from assist_tui.config import Settings

    settings = Settings.model_validate(tomllib.loads(uncommented))
    assert settings.teams["billing"].supervisors == ["ana", "raj"]


# -- scopes -----------------------------------------------------------------------------------
def test_no_teams_means_everyone_sees_everything() -> None:
    scope = TeamScopes({}).scope("anyone")
    assert scope.everything and scope.allows("q-9") and scope.allows(None)
    assert scope.key_filters() == [">"] and scope.notice() is None


def test_supervisor_sees_the_union_of_their_teams_and_nothing_else() -> None:
    scopes = TeamScopes(
        {
            "billing": team(supervisors=["ana", "raj"], queues=["q.1"]),
            "payments": team(supervisors=["ana"], queue_names=["Payments"]),
            "triage": team(supervisors=["lee"], unassigned=True),
        },
        {"Payments": "q-pay", "Billing": "q.1"},
    )
    ana = scopes.scope("ana")
    assert ana.tokens == {"q_1", "q-pay"}  # ids as subject tokens: a dot cannot split a key
    assert ana.allows("q.1") and ana.allows("q-pay") and not ana.allows("q-other")
    assert not ana.allows(None)  # a call whose queue is unknown: only teams that ask for it
    assert scopes.scope("lee").tokens == {NO_QUEUE} and scopes.scope("lee").allows(None)
    assert ana.key_filters() == ["q-pay.>", "q_1.>"]
    assert scopes.supervisors == ["ana", "lee", "raj"]


def test_supervisor_in_no_team_sees_nothing_and_is_told() -> None:
    scope = TeamScopes({"billing": team(supervisors=["ana"], queues=["q1"])}).scope("mo")
    assert scope.tokens == frozenset() and not scope.allows("q1") and scope.key_filters() == []
    notice = scope.notice()
    assert notice is not None and "mo is in no team" in notice
    assert Scope.from_json(scope.as_json()) == scope
    assert Scope.from_json({"supervisor": "x", "queues": "garbage"}).tokens == frozenset()


def test_unknown_queue_name_gets_a_suggestion() -> None:
    with pytest.raises(ScopeError, match="did you mean 'Tech Support'"):
        TeamScopes(
            {"s": team(supervisors=["lee"], queue_names=["Tech Suport"])},
            {"Tech Support": "q-4", "Billing": "q-1"},
        )
    found = TeamScopes(
        {"s": team(supervisors=["lee"], queue_names=["tech support"])}, {"Tech Support": "q-4"}
    )
    assert found.scope("lee").tokens == {"q-4"}  # names match ignoring case


def test_nats_config_needs_teams_and_a_free_engine_name() -> None:
    names = Subjects("demo")
    with pytest.raises(NatsConfigError, match="no \\[teams\\]"):
        build_users(TeamScopes({}), names)
    clash = TeamScopes({"t": team(supervisors=[ENGINE_USER], queues=["q1"])})
    with pytest.raises(NatsConfigError, match="--engine-user"):
        build_users(clash, names)


def test_config_file_is_private_and_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "nats.conf"
    write_private(path, "x")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(NatsConfigError, match="--force"):
        write_private(path, "y")
    path.chmod(0o644)
    write_private(path, "y", force=True)
    assert path.read_text() == "y" and stat.S_IMODE(path.stat().st_mode) == 0o600


# -- a real nats-server with the generated configuration ---------------------------------------
NAMES = Subjects("demo")
TEAMS = {
    "billing": team(supervisors=["ana"], queues=["q1"]),
    "support": team(supervisors=["lee"], queues=["q2"]),
}


class Scoped:
    """The running server, the engine's connection, and the generated passwords."""

    def __init__(self, url: str, passwords: dict[str, str], engine: Client) -> None:
        self.url = url
        self.passwords = passwords
        self.engine = engine
        self.errors: list[str] = []
        self.clients: list[Client] = []

    async def connect(self, user: str) -> Client:
        async def on_error(exc: Exception) -> None:
            self.errors.append(str(exc))

        client = await nats.connect(
            self.url,
            user=user,
            password=self.passwords[user],
            inbox_prefix=inbox_prefix(user),
            error_cb=on_error,
            allow_reconnect=False,
        )
        self.clients.append(client)
        return client

    def denied(self, subject_start: str) -> bool:
        return any(
            "permissions violation" in e and subject_start.lower() in e.lower() for e in self.errors
        )


@pytest.fixture
async def scoped(tmp_path: Path) -> AsyncIterator[Scoped]:
    users = build_users(TeamScopes(TEAMS), NAMES)
    config = tmp_path / "nats.conf"
    write_private(config, render(users, NAMES, teams={"billing": ["ana"], "support": ["lee"]}))
    passwords = {user.name: user.password for user in users}
    async with LocalNatsServer(tmp_path / "store", config=config) as server:
        engine = await nats.connect(server.url, user=ENGINE_USER, password=passwords[ENGINE_USER])
        js = engine.jetstream()
        for bucket in (NAMES.views_bucket, NAMES.alerts_bucket, NAMES.presence_bucket):
            await js.create_key_value(KeyValueConfig(bucket=bucket, direct=True))
        views = await js.key_value(NAMES.views_bucket)
        await views.put(NAMES.key("q1", "c-1"), b'{"view": "ana can read this"}')
        await views.put(NAMES.key("q2", "c-2"), b'{"view": "only lee can"}')

        async def answer(msg: nats.aio.msg.Msg) -> None:
            await msg.respond(b'{"ok": true, "result": "' + msg.subject.encode() + b'"}')

        await engine.subscribe(NAMES.all_commands(), cb=answer)
        state = Scoped(server.url, passwords, engine)
        try:
            yield state
        finally:
            for client in state.clients:
                await client.close()
            await engine.close()


async def test_a_wrong_password_is_refused(scoped: Scoped) -> None:
    with pytest.raises(nats.errors.Error, match=r"[Aa]uthorization"):
        await nats.connect(
            scoped.url,
            user="ana",
            password="wrong",
            allow_reconnect=False,
            max_reconnect_attempts=0,
        )


async def test_ana_reads_her_queue_and_is_denied_another_kv_get(scoped: Scoped) -> None:
    ana = await scoped.connect("ana")
    views = await ana.jetstream(timeout=DENIED_TIMEOUT_S).key_value(NAMES.views_bucket)
    entry = await views.get(NAMES.key("q1", "c-1"))
    assert entry.value == b'{"view": "ana can read this"}'
    with pytest.raises(nats.errors.TimeoutError):
        await views.get(NAMES.key("q2", "c-2"))
    assert scoped.denied(f"$JS.API.DIRECT.GET.KV_{NAMES.views_bucket}.$KV.{NAMES.views_bucket}.q2.")


async def collect(bucket: Any, filters: list[str], into: list[Any]) -> None:
    async for entry in watch_filters(bucket, filters):
        into.append(None if entry is None else (entry.key, entry.value))


async def wait_until(check: Callable[[], bool]) -> None:
    for _ in range(500):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not within 10 s")


async def test_ana_watches_her_queue_and_is_denied_another(scoped: Scoped) -> None:
    ana = await scoped.connect("ana")
    js = ana.jetstream(timeout=DENIED_TIMEOUT_S)
    views = await js.key_value(NAMES.views_bucket)
    seen: list[Any] = []
    task = asyncio.create_task(collect(views, ["q1.>"], seen))
    try:
        await wait_until(lambda: None in seen)
        assert seen == [("q1.c-1", b'{"view": "ana can read this"}'), None]  # a late joiner
        with pytest.raises(nats.errors.TimeoutError):
            await named_consumers(views).watch("q2.>")
        assert scoped.denied(f"$JS.API.CONSUMER.CREATE.KV_{NAMES.views_bucket}.")
        # nats-py's own watch (an unnamed consumer, the unfiltered API subject): denied.
        with pytest.raises(nats.errors.TimeoutError):
            await views.watch("q1.>")
        # Changes keep coming on her queue, never from the other.
        engine_views = await scoped.engine.jetstream().key_value(NAMES.views_bucket)
        await engine_views.put(NAMES.key("q2", "c-3"), b"not for ana")
        await engine_views.delete(NAMES.key("q1", "c-1"))
        await wait_until(lambda: len(seen) == 3)
        assert seen[2][0] == "q1.c-1" and seen[2][1] == b""  # deleted
    finally:
        task.cancel()


async def test_watches_of_several_queues_merge_with_one_end_of_history(scoped: Scoped) -> None:
    views = await scoped.engine.jetstream().key_value(NAMES.views_bucket)
    seen: list[Any] = []
    task = asyncio.create_task(collect(views, ["q1.>", "q2.>"], seen))
    nothing: list[Any] = []
    none_task = asyncio.create_task(collect(views, [], nothing))
    try:
        await wait_until(lambda: None in seen and nothing == [None])
        assert sorted(seen[:2]) == [
            ("q1.c-1", b'{"view": "ana can read this"}'),
            ("q2.c-2", b'{"view": "only lee can"}'),
        ]
        assert seen[2:] == [None]
    finally:
        task.cancel()
        none_task.cancel()


async def test_ana_commands_her_queue_and_is_denied_another(scoped: Scoped) -> None:
    ana = await scoped.connect("ana")
    mine = NAMES.supervisor_command("pause", "ana", "q1")
    reply = await ana.request(mine, b"{}", timeout=5)
    assert mine.encode() in reply.data
    org_wide = await ana.request(NAMES.supervisor_command("live", "ana"), b"{}", timeout=5)
    assert b'"ok": true' in org_wide.data
    refused = [
        NAMES.supervisor_command("pause", "ana", "q2"),  # another queue
        NAMES.supervisor_command("pause", "lee", "q1"),  # as somebody else
        NAMES.supervisor_command("live", "lee"),
        NAMES.command("pause", "q1"),  # without a name: the engine's own
        NAMES.command("live"),
    ]
    for subject in refused:
        with pytest.raises(nats.errors.TimeoutError):
            await ana.request(subject, b"{}", timeout=DENIED_TIMEOUT_S)
        assert scoped.denied(subject), subject


async def test_ana_cannot_read_other_replies_or_raw_stream_gets(scoped: Scoped) -> None:
    ana = await scoped.connect("ana")
    # Another user's inbox: subscribing is refused, so KV values sent to lee stay his.
    await ana.subscribe(f"{inbox_prefix('lee')}.>")
    await ana.flush()
    await asyncio.sleep(0.2)
    assert any("permissions violation for subscription" in e for e in scoped.errors)
    # A get by message body names its key where no permission can see it: denied.
    with pytest.raises(nats.errors.TimeoutError):
        await ana.request(
            f"$JS.API.STREAM.MSG.GET.KV_{NAMES.views_bucket}",
            b'{"last_by_subj": "$KV.assist_demo_views.q2.c-2"}',
            timeout=DENIED_TIMEOUT_S,
        )


async def test_lee_sees_his_queue_and_the_engine_sees_all(scoped: Scoped) -> None:
    lee = await scoped.connect("lee")
    views = await lee.jetstream().key_value(NAMES.views_bucket)
    assert (await views.get(NAMES.key("q2", "c-2"))).value == b'{"view": "only lee can"}'
    engine_views = await scoped.engine.jetstream().key_value(NAMES.views_bucket)
    for key in ("q1.c-1", "q2.c-2"):
        assert (await engine_views.get(key)).value  # full rights: every queue


# -- the command ------------------------------------------------------------------------------
def test_nats_config_command_resolves_names_and_prints_passwords_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assist_tui.cli import main
    from assist_tui.emulator.scenarios import QUEUE_IDS

    config = tmp_path / "c.toml"
    config.write_text(
        '[teams.billing]\nsupervisors = ["ana"]\nqueue_names = ["Billing"]\n'
        '[teams.support]\nsupervisors = ["lee"]\nqueues = ["q.2"]\nunassigned = true\n',
        encoding="utf-8",
    )
    out = tmp_path / "nats.conf"
    assert main(["nats-config", "--config", str(config), "--output", str(out), "--org", "a_b"]) == 0
    printed = capsys.readouterr().out
    text = out.read_text()
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    billing = QUEUE_IDS["Billing"]
    assert f'"$KV.assist_a_b_views.{billing}.>"' not in text  # reads go through the API only
    assert f'"$JS.API.DIRECT.GET.KV_assist_a_b_views.$KV.assist_a_b_views.{billing}.>"' in text
    assert '"assist.a_b.u.lee.q.q_2.cmd.*"' in text and '"assist.a_b.u.lee.q._none.cmd.*"' in text
    assert '"assist.a_b.u.lee.cmd.*"' in text and '"assist.a_b.cmd.*"' not in text
    for user in ("assist-engine", "ana", "lee"):
        line = next(row for row in printed.splitlines() if row.split()[:1] == [user])
        password = line.split()[1]
        assert f'password: "{password}"' in text  # the one printed is the one the server has
    assert (
        f"sees: Billing ({billing})" in printed and "sees: queue not known (_none), q_2" in printed
    )
    assert main(["nats-config", "--config", str(config), "--output", str(out)]) == 2
    assert "--force" in capsys.readouterr().err


def test_nats_config_command_explains_missing_teams_and_unknown_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assist_tui.cli import main

    config = tmp_path / "c.toml"
    config.write_text("", encoding="utf-8")
    out = tmp_path / "nats.conf"
    assert main(["nats-config", "--config", str(config), "--output", str(out)]) == 2
    assert "no [teams]" in capsys.readouterr().err and not out.exists()
    config.write_text('[teams.t]\nsupervisors = ["ana"]\nqueue_names = ["Biling"]\n')
    assert main(["nats-config", "--config", str(config), "--output", str(out)]) == 2
    assert "did you mean 'Billing'?" in capsys.readouterr().err and not out.exists()


def test_supervisor_names_that_meet_on_the_bus_are_refused() -> None:
    with pytest.raises(ScopeError, match="the same name on the bus"):
        TeamScopes({"t": team(supervisors=["ana.b", "ana_b"], queues=["q"])})
    scopes = TeamScopes({"t": team(supervisors=["ana.b"], queues=["q"])})
    assert scopes.by_token == {"ana_b": "ana.b"}
    assert (
        NAMES.supervisor_command("pause", "ana.b", "q.1") == "assist.demo.u.ana_b.q.q_1.cmd.pause"
    )
    assert NAMES.supervisor_command("live", "ana.b") == "assist.demo.u.ana_b.cmd.live"
    listeners = NAMES.supervisor_command_listeners()
    assert listeners == ("assist.demo.u.*.cmd.*", "assist.demo.u.*.q.*.cmd.*")


def test_the_dashboard_acts_as_the_user_it_logs_in_as() -> None:
    import argparse

    from assist_tui.bus.cli_args import attach_link, supervisor_of
    from assist_tui.bus.errors import BusError
    from assist_tui.bus.nats_config import check_identity, login_user
    from assist_tui.config import Settings

    url = "nats://ana.b:s3cr%40t@127.0.0.1:4222"
    assert login_user(url) == "ana.b" and login_user("nats://127.0.0.1:4222") is None
    settings = Settings.model_validate({"ui": {"supervisor": "configured"}})
    assert supervisor_of(argparse.Namespace(attach=url, as_name=None), settings) == "ana.b"
    plain = argparse.Namespace(attach="nats://h:4222", as_name=None)
    assert supervisor_of(plain, settings) == "configured"
    assert check_identity("ana.b", url) is None and check_identity("x", "nats://h:1") is None
    with pytest.raises(BusError, match=r"--as raj is not ana\.b, the NATS user"):
        attach_link(argparse.Namespace(attach=url, as_name="raj"), settings)
