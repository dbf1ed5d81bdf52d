"""The command line of the bus: ``assist-tui serve`` and the dashboard's ``--attach``.

Kept out of cli.py (a few lines there call this) and light: ``nats`` is imported only
when one of these is used, so the embedded default never loads it.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assist_tui import cli_checks
from assist_tui.bus.errors import BusError
from assist_tui.bus.nats_config import check_identity, login_user
from assist_tui.bus.shard_cli import shard_arguments, shard_of
from assist_tui.config import Settings

if TYPE_CHECKING:
    from assist_tui.engine.link import EngineLink

DEFAULT_ORG = "demo"
ATTACH_ERRORS: tuple[type[Exception], ...] = (BusError,)


def _org(parser: argparse.ArgumentParser | Any) -> None:
    parser.add_argument(
        "--org",
        default=argparse.SUPPRESS,
        type=cli_checks.org_slug,
        metavar="SLUG",
        help=f"the org's name on the bus (default {DEFAULT_ORG})",
    )


def attach_arguments(parser: argparse.ArgumentParser) -> None:
    """The dashboard's ``--attach URL [--org SLUG] [--as NAME]``."""
    group = parser.add_argument_group("attach (one engine, many supervisors)")
    group.add_argument(
        "--attach",
        metavar="NATS_URL",
        default=None,
        type=cli_checks.nats_url,
        help="show the engine that `assist-tui serve` runs, over NATS (nats://host:4222): "
        "no engine and no Genesys credentials here",
    )
    _org(group)
    group.add_argument(
        "--as",
        dest="as_name",
        metavar="NAME",
        type=cli_checks.person,
        default=None,
        help="who you are, in the engine's audit and to other supervisors "
        "(default [ui] supervisor, else your user name)",
    )


def serve_parser(commands: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """``serve``; ``common`` adds the platform flags every command takes (cli.py)."""
    serve = commands.add_parser(
        "serve",
        help="run one engine for many dashboards, over NATS",
        description="Run the engine headless for the whole org and serve every attached "
        "dashboard (`assist-tui --attach URL`) over NATS JetStream: views and alerts in KV, "
        "commands by request-reply. Without --nats, a local nats-server is started on "
        "loopback and its URL printed.",
    )
    common(serve)
    where = serve.add_mutually_exclusive_group()
    where.add_argument(
        "--nats",
        metavar="URL",
        type=cli_checks.nats_url,
        help="an existing NATS server (JetStream on)",
    )
    where.add_argument(
        "--nats-embedded",
        action="store_true",
        help="start a local nats-server (the default when --nats is not given)",
    )
    serve.add_argument(
        "--nats-port",
        type=int,
        default=4222,
        metavar="PORT",
        help="the embedded server's port (default 4222; 0 = any free port)",
    )
    _org(serve)
    serve.add_argument(
        "--interval",
        type=cli_checks.positive_seconds,
        default=5.0,
        metavar="SECONDS",
        help="status line period",
    )
    serve.add_argument(
        "--duration", type=cli_checks.positive_seconds, metavar="SECONDS", help="stop then"
    )
    shard_arguments(serve)  # bus/shard_cli.py: --shard, --partitions


def org_of(args: argparse.Namespace) -> str:
    return str(getattr(args, "org", None) or DEFAULT_ORG)


def supervisor_of(args: argparse.Namespace, settings: Settings) -> str:
    """``--as``, else the NATS user of the ``--attach`` URL, else the configured
    supervisor, else the OS user."""
    if getattr(args, "as_name", None):
        return str(args.as_name).strip()
    login = login_user(getattr(args, "attach", None) or "")
    if login:  # team scoping: the user logged in as is who acts
        return login
    if settings.ui.supervisor.strip():
        return settings.ui.supervisor.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "supervisor"


def attach_link(args: argparse.Namespace, settings: Settings) -> tuple[EngineLink | None, Settings]:
    """A link to the serving engine when ``--attach`` was given (None otherwise), and the
    settings with the supervisor's name as the dashboard's (who acknowledges)."""
    url = getattr(args, "attach", None)
    if url is None:
        return None, settings
    from assist_tui.bus.attach_link import NatsLink, check_reachable

    name = supervisor_of(args, settings)
    mismatch = check_identity(name, url)
    if mismatch:
        raise BusError(mismatch)
    asyncio.run(check_reachable(url))  # a clear one-line error before the screen opens
    ui = settings.ui.model_copy(update={"supervisor": name})
    link = NatsLink(url, org=org_of(args), supervisor=name)
    return link, settings.model_copy(update={"ui": ui})


def run_serve_command(settings: Settings, args: argparse.Namespace) -> int:
    from assist_tui.bus.serve import run_serve

    return asyncio.run(
        run_serve(
            settings,
            nats_url=args.nats,
            org=org_of(args),
            port=args.nats_port,
            interval_s=args.interval,
            duration_s=args.duration,
            partitions=shard_of(args),
        )
    )
