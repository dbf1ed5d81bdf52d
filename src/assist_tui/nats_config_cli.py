"""``assist-tui nats-config``: write a scoped nats-server configuration from ``[teams]``,
and print each user's generated password once."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from assist_tui import cli_checks
from assist_tui.bus.nats_config import (
    ENGINE_USER,
    NatsConfigError,
    build_users,
    render,
    write_private,
)
from assist_tui.bus.scope import ScopeError, TeamScopes, needs_names
from assist_tui.bus.subjects import NO_QUEUE, Subjects, queue_token
from assist_tui.config import Settings


def add_parser(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: Callable[[argparse.ArgumentParser], None],
) -> None:
    parser = commands.add_parser(
        "nats-config",
        help="write a nats-server configuration scoping supervisors to their teams' queues",
        description="From the [teams] settings, write a nats-server configuration with one "
        "user per supervisor, allowed only their queues' views, alerts, presence and commands, "
        "and an engine user with full rights. Passwords are generated and printed once; the "
        "file is written with mode 600. Queue names are resolved through the platform "
        "(the emulator in demo mode). README: Team scoping.",
    )
    common(parser)
    parser.add_argument("--output", type=Path, required=True, metavar="FILE", help="file to write")
    parser.add_argument(
        "--org",
        default="demo",
        type=cli_checks.org_slug,
        metavar="SLUG",
        help="org slug (default demo)",
    )
    parser.add_argument(
        "--engine-user", default=ENGINE_USER, metavar="NAME", help="the engine's user name"
    )
    parser.add_argument("--force", action="store_true", help="replace an existing file")


async def queue_directory_for(settings: Settings) -> dict[str, str]:
    """The org's queues by name, from the platform the settings point at."""
    from assist_tui.genesys.queues import queue_directory
    from assist_tui.platform import open_platform

    async with open_platform(settings) as platform:
        return await queue_directory(platform.session.api)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    teams = settings.teams
    try:
        directory: Mapping[str, str] = {}
        if needs_names(teams):
            directory = await queue_directory_for(settings)
        scopes = TeamScopes(teams, directory)
        names = Subjects(args.org)
        users = build_users(scopes, names, engine_user=args.engine_user)
        members = {team: settings.teams[team].supervisors for team in teams}
        write_private(args.output, render(users, names, teams=members), force=args.force)
    except (NatsConfigError, ScopeError) as exc:
        print(f"assist-tui: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.output} (mode 600) for org {names.org}")
    print("passwords (shown once; hand each to its user, they are not stored elsewhere):")
    width = max(len(user.name) for user in users)
    named = {queue_token(qid): name for name, qid in directory.items()}
    named[NO_QUEUE] = "queue not known"  # unassigned = true
    for user in users:
        if user.name == args.engine_user:
            seen = "everything (the engine)"
        else:
            tokens = sorted(scopes.scope(user.name).tokens or ())
            seen = ", ".join(f"{named[t]} ({t})" if t in named else t for t in tokens)
        print(f"  {user.name:<{width}}  {user.password}  sees: {seen}")
    org = f" --org {args.org}" if args.org != "demo" else ""
    print("run (README: Team scoping):")
    print(f"  nats-server -c {args.output} -js -sd NATS_STORE_DIR   # listens on 4222 unless -p")
    print(f"  assist-tui serve --nats nats://{args.engine_user}:PASSWORD@HOST:4222{org}")
    print(f"  assist-tui --attach nats://SUPERVISOR:PASSWORD@HOST:4222{org}")
    return 0
