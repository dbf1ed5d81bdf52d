"""``assist-tui nats-config``: a nats-server configuration that scopes each supervisor to
their team's queues with subject permissions, and gives the engine full rights.

Every key and subject carries the call's queue first (``bus/subjects.py``), so a supervisor's
rights are a list of ``<queue>.>`` patterns: KV reads by direct get and filtered watches,
commands on the queue's subjects, and replies on an inbox of their own.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from assist_tui.bus.scope import TeamScopes
from assist_tui.bus.subjects import Subjects, token

ENGINE_USER = "assist-engine"
PASSWORD_BYTES = 18  # 24 URL-safe characters


class NatsConfigError(ValueError):
    """The configuration cannot be generated; the message says why and what to do."""


def login_user(url: str) -> str | None:
    """The user a NATS URL logs in as (``nats://ana:secret@host:4222`` → ``ana``)."""
    user = urlsplit(url).username
    return unquote(user) if user else None


def check_identity(supervisor: str, url: str) -> str | None:
    """Why ``supervisor`` cannot attach through ``url`` (None if it can): with team
    scoping a dashboard may act only as the NATS user it logs in as."""
    login = login_user(url)
    if login is None or login == supervisor:
        return None
    return (
        f"--as {supervisor} is not {login}, the NATS user of the --attach URL: a dashboard "
        f"acts as the user it logs in as (leave out --as, or log in as {supervisor})"
    )


def inbox_prefix(user: str) -> str:
    """Each user's private reply inbox: nobody else may subscribe to it, so no supervisor
    reads the replies (KV values) sent to another."""
    return f"_INBOX_{token(user)}"


@dataclass(frozen=True)
class Permissions:
    """Subject permissions; None means everything (``>``)."""

    publish: list[str] | None
    subscribe: list[str] | None


@dataclass(frozen=True)
class NatsUser:
    name: str
    password: str
    permissions: Permissions


def _buckets(names: Subjects) -> list[str]:
    return [names.views_bucket, names.alerts_bucket, names.presence_bucket]


def supervisor_permissions(names: Subjects, tokens: Iterable[str], user: str) -> Permissions:
    """What a supervisor scoped to ``tokens`` (queue tokens) may publish and subscribe."""
    org = names.org
    queues = sorted(set(tokens))
    frames = names.frames_stream
    publish = ["$JS.API.INFO"]
    own = f"assist.{org}.u.{token(user)}"  # names.supervisor_command's prefix
    # Binding a bucket reads its stream's info; a watch reads its own consumer's info and
    # deletes it when done. Neither reveals a key or a value.
    for bucket in _buckets(names):
        stream = f"KV_{bucket}"
        publish += [
            f"$JS.API.STREAM.INFO.{stream}",
            f"$JS.API.CONSUMER.INFO.{stream}.*",
            f"$JS.API.CONSUMER.DELETE.{stream}.*",
            f"$JS.FC.{stream}.>",  # flow-control replies of a watch
        ]
    # The engines' status (health, rates; no call in it): readable by everyone, also
    # through nats-py's plain watch (an unnamed consumer, the unfiltered create subject).
    engines = f"KV_{names.engines_bucket}"
    publish += [
        f"$JS.API.STREAM.INFO.{engines}",
        f"$JS.API.CONSUMER.CREATE.{engines}",
        f"$JS.API.CONSUMER.CREATE.{engines}.>",
        f"$JS.API.CONSUMER.INFO.{engines}.*",
        f"$JS.API.CONSUMER.DELETE.{engines}.*",
        f"$JS.API.DIRECT.GET.{engines}.>",
        f"$JS.FC.{engines}.>",
    ]
    publish += [f"$JS.API.STREAM.INFO.{frames}", f"$JS.API.CONSUMER.INFO.{frames}.*"]
    publish += [f"$JS.API.CONSUMER.DELETE.{frames}.*", f"$JS.FC.{frames}.>"]
    for queue in queues:
        for bucket in _buckets(names):
            stream, keys = f"KV_{bucket}", f"$KV.{bucket}.{queue}.>"
            # Gets by key only in the direct form (the subject names the key); the
            # STREAM.MSG.GET form carries the key in its body and so stays denied.
            publish += [
                f"$JS.API.DIRECT.GET.{stream}.{keys}",
                f"$JS.API.CONSUMER.CREATE.{stream}.*.{keys}",
            ]
        publish.append(f"$KV.{names.presence_bucket}.{queue}.>")  # who is watching
        publish.append(f"$JS.API.CONSUMER.CREATE.{frames}.*.assist.{org}.frames.{queue}.>")
        # Commands only under their own name: the engine takes the actor from the subject.
        publish.append(f"{own}.q.{queue}.cmd.*")
    publish.append(f"{own}.cmd.*")  # org-wide commands: the engine scopes them by the actor
    subscribe = [f"{inbox_prefix(user)}.>", names.notices()]  # notices: the org's, no call
    subscribe += [f"assist.{org}.q.{queue}.>" for queue in queues]
    return Permissions(publish, subscribe)


def build_users(
    scopes: TeamScopes,
    names: Subjects,
    *,
    engine_user: str = ENGINE_USER,
    new_password: Callable[[], str] | None = None,
) -> list[NatsUser]:
    """The engine with full rights, then one user per supervisor named in ``[teams]``."""
    if not scopes.configured:
        raise NatsConfigError(
            "no [teams] in the settings: a scoped server needs teams of supervisors and "
            "queues (README: Team scoping). Without teams every supervisor sees everything "
            "and nats-server needs no per-user permissions."
        )
    if engine_user in scopes.members:
        raise NatsConfigError(
            f"supervisor {engine_user!r} has the engine's user name; "
            "rename the supervisor or pass --engine-user NAME"
        )
    make = new_password or (lambda: secrets.token_urlsafe(PASSWORD_BYTES))
    users = [NatsUser(engine_user, make(), Permissions(None, None))]
    for supervisor in scopes.supervisors:
        tokens = scopes.scope(supervisor).tokens or frozenset()
        users.append(
            NatsUser(supervisor, make(), supervisor_permissions(names, tokens, supervisor))
        )
    return users


def _subjects(items: list[str] | None) -> str:
    return (
        '">"'
        if items is None
        else "[\n" + "".join(f"          {json.dumps(item)}\n" for item in items) + "        ]"
    )


def render(users: list[NatsUser], names: Subjects, *, teams: dict[str, list[str]]) -> str:
    """The nats-server configuration text (its own syntax; strings quoted as JSON)."""
    out = [
        "# nats-server configuration written by `assist-tui nats-config` (README: Team scoping).",
        f"# org {names.org}; teams: "
        + "; ".join(f"{team} = {', '.join(members)}" for team, members in teams.items()),
        "# Keep it private (mode 600): it holds every user's password.",
        "jetstream: enabled",
        "authorization {",
        "  users = [",
    ]
    for user in users:
        out += [
            "    {",
            f"      user: {json.dumps(user.name)}",
            f"      password: {json.dumps(user.password)}",
            "      permissions: {",
            f"        publish: {_subjects(user.permissions.publish)}",
            f"        subscribe: {_subjects(user.permissions.subscribe)}",
            "      }",
            "    }",
        ]
    out += ["  ]", "}"]
    return "\n".join(out) + "\n"


def write_private(path: Path, text: str, *, force: bool = False) -> None:
    """Write ``text`` with mode 600 (it holds passwords); refuse to overwrite without force."""
    if path.exists() and not force:
        raise NatsConfigError(f"{path} already exists; pass --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)  # an existing file keeps its old mode through O_CREAT
