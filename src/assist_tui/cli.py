"""The ``assist-tui`` command: parse arguments, load settings, hand over. No logic here."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assist_tui import __version__, cli_checks
from assist_tui.bus.cli_args import ATTACH_ERRORS, attach_arguments, attach_link
from assist_tui.bus.cli_args import serve_parser as _serve_parser
from assist_tui.config import (
    CONFIG_ENV,
    SOURCES,
    ConfigError,
    LoadedSettings,
    load_settings,
    masked,
    require_file,
    write_template,
)
from assist_tui.emulator.faults import FAULT_NAMES, FaultError, parse_fault
from assist_tui.files import restrict_umask
from assist_tui.genesys.errors import GenesysError
from assist_tui.stop_signals import stop_on_signals

PRECEDENCE = (
    "Settings come from, lowest to highest: built-in defaults < the TOML config file "
    "(platform config dir, or $ASSIST_TUI_CONFIG, or --config) < environment "
    "(GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET, GENESYS_REGION, ASSIST_TUI_<SECTION>_<KEY>) "
    "< command-line flags. With no credentials, assist-tui uses its built-in emulator."
)


def _common(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("platform")
    group.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file to read")
    group.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help="use the built-in emulator even if credentials are configured",
    )
    group.add_argument(
        "--region",
        default=argparse.SUPPRESS,
        help="region name (eu_west_1) or host (mypurecloud.ie)",
    )
    group.add_argument(
        "--source",
        choices=SOURCES,
        default=argparse.SUPPRESS,
        help="which stream feeds the engine (default: notifications)",
    )
    group.add_argument("--client-id", default=argparse.SUPPRESS, help="OAuth client id")
    group.add_argument("--api-url", default=argparse.SUPPRESS, help="override the API base URL")
    group.add_argument("--login-url", default=argparse.SUPPRESS, help="override the login base URL")
    group.add_argument(
        "--log-level",
        type=cli_checks.log_level,
        default=argparse.SUPPRESS,
        help="DEBUG, INFO, WARNING",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assist-tui",
        description="Watch Genesys Cloud Agent Assist live, from the terminal.",
        epilog=PRECEDENCE,
    )
    parser.add_argument("--version", action="version", version=f"assist-tui {__version__}")
    _common(parser)
    attach_arguments(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    tail = commands.add_parser(
        "tail",
        help="print utterances as they arrive",
        epilog=PRECEDENCE,
        description="Subscribe to conversations and print utterances as they arrive "
        "(partials flagged). Without --conversation, follows every live conversation.",
    )
    _common(tail)
    tail.add_argument(
        "--conversation",
        action="append",
        default=[],
        metavar="ID",
        help="a conversation id to follow (repeatable)",
    )
    tail.add_argument("--json", action="store_true", help="one JSON object per line")
    tail.add_argument("--finals-only", action="store_true", help="leave out partial results")
    tail.add_argument(
        "--duration",
        type=cli_checks.positive_seconds,
        metavar="SECONDS",
        help="stop after this long",
    )
    tail.add_argument(
        "--count", type=cli_checks.at_least_one, metavar="N", help="stop after N utterances"
    )

    alerts = commands.add_parser(
        "alerts",
        help="print the alerts the rules raise, as they are raised",
        epilog=PRECEDENCE,
        description="Follow conversations like tail and print only the alerts of the rules "
        "([alerts] rules_file; README: Rules and alerts). Without --conversation, follows "
        "every live conversation.",
    )
    _common(alerts)
    alerts.add_argument(
        "--conversation", action="append", default=[], metavar="ID", help="(repeatable)"
    )
    alerts.add_argument("--json", action="store_true", help="one JSON object per alert")
    alerts.add_argument(
        "--duration", type=cli_checks.positive_seconds, metavar="SECONDS", help="stop then"
    )
    alerts.add_argument(
        "--count", type=cli_checks.at_least_one, metavar="N", help="stop after N alerts"
    )

    from assist_tui import replay_args  # README: Record and replay

    replay_args.add_parser(commands, _common)

    emulator = commands.add_parser(
        "emulator",
        help="run the Genesys Cloud emulator standalone",
        description="Serve the Genesys Cloud emulator on loopback until interrupted.",
        epilog="Faults: "
        + "; ".join(f"{k}: {v}" for k, v in FAULT_NAMES.items())
        + '. At run time: POST {"fault": NAME, "value": V} to <url>/emulator/faults.',
    )
    _common(emulator)
    emulator.add_argument("--host", help="bind address (loopback only)")
    emulator.add_argument("--port", type=int, help="port (0 = any free port)")
    emulator.add_argument("--concurrent", type=int, help="scripted calls live at once")
    emulator.add_argument("--speed", type=float, help="playback speed factor")
    emulator.add_argument("--seed", type=int, help="random seed")
    emulator.add_argument("--heartbeat", type=float, metavar="SECONDS", help="heartbeat period")
    emulator.add_argument("--token-lifetime", type=int, metavar="SECONDS", help="token lifetime")
    emulator.add_argument(
        "--replay-window", type=float, metavar="SECONDS", help="replay on reconnect"
    )
    emulator.add_argument(
        "--fault", action="append", default=[], metavar="NAME[=VALUE]", help="inject at start"
    )
    emulator.add_argument(
        "--timing",
        choices=["live", "platform"],
        help="live: every partial at once (default); platform: finals in groups, as Genesys",
    )
    emulator.add_argument(
        "--group-window", type=float, metavar="SECONDS", help="platform timing's group window"
    )
    emulator.add_argument(
        "--digital", action="store_true", default=None, help="also play chat and messaging"
    )
    emulator.add_argument("--load", type=int, metavar="N", help="N synthetic conversations")
    emulator.add_argument(
        "--rate", type=float, default=100.0, help="synthetic events/s (with --load)"
    )

    run = commands.add_parser(
        "run",
        help="run the assist engine",
        epilog=PRECEDENCE,
        description="Run the whole assist engine: quality, redaction, keywords, suggestions, "
        "knowledge webhook and audit. --headless prints a status line every few seconds.",
    )
    _common(run)
    run.add_argument("--headless", action="store_true", help="no UI: status lines on stdout")
    run.add_argument(
        "--conversation",
        action="append",
        default=[],
        metavar="ID",
        help="follow only these conversations (repeatable); all live ones otherwise",
    )
    run.add_argument(
        "--interval",
        type=cli_checks.positive_seconds,
        default=5.0,
        metavar="SECONDS",
        help="status period",
    )
    run.add_argument(
        "--duration",
        type=cli_checks.positive_seconds,
        metavar="SECONDS",
        help="stop after this long",
    )

    _serve_parser(commands, _common)  # bus/cli_args.py: serve, and the dashboard's --attach

    audit = commands.add_parser("audit", help="export or verify the audit store")
    _common(audit)
    audit_cmds = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    export = audit_cmds.add_parser("export", help="write records as JSON lines or CSV")
    _common(export)
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export.add_argument("--since", metavar="ISO-TIME", help="records at or after this time")
    export.add_argument("--conversation", metavar="ID", help="only this conversation")
    export.add_argument("--kind", action="append", default=[], help="only these kinds")
    export.add_argument("--output", type=Path, help="a file instead of stdout")
    verify = audit_cmds.add_parser("verify", help="check the hash chain; exit 1 if broken")
    _common(verify)

    shots = commands.add_parser(
        "screenshots",
        help="save SVG screenshots of the demo (for the README)",
        description="Run the dashboard headless on the demo and save SVGs of the dashboard, "
        "the audit log, the subscribe dialog and the 80x24 layout.",
    )
    _common(shots)
    shots.add_argument("--output", type=Path, default=Path("screenshots"), help="directory")
    from assist_tui import nats_config_cli  # team scoping: README, Team scoping

    nats_config_cli.add_parser(commands, _common)

    config = commands.add_parser("config", help="show or create the configuration")
    _common(config)
    config_cmds = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = config_cmds.add_parser("show", help="print the effective settings, secrets masked")
    _common(show)
    init = config_cmds.add_parser("init", help="write a commented template (mode 600)")
    _common(init)
    init.add_argument("--force", action="store_true", help="replace an existing file")
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    flags = vars(args)
    mapping = {
        "region": "genesys.region",
        "client_id": "genesys.client_id",
        "source": "stream.source",
        "api_url": "genesys.api_base_url",
        "login_url": "genesys.login_base_url",
        "host": "emulator.host",
        "port": "emulator.port",
        "concurrent": "emulator.concurrent",
        "speed": "emulator.speed",
        "seed": "emulator.seed",
        "heartbeat": "emulator.heartbeat_interval_s",
        "token_lifetime": "emulator.token_lifetime_s",
        "replay_window": "emulator.replay_window_s",
        "timing": "emulator.timing",
        "group_window": "emulator.group_window_s",
        "digital": "emulator.digital",
    }
    overrides = {
        dotted: flags[name] for name, dotted in mapping.items() if flags.get(name) is not None
    }
    if flags.get("demo"):
        overrides["demo"] = True
    return overrides


def _load(args: argparse.Namespace) -> LoadedSettings:
    if getattr(args, "config", None) is not None:
        require_file(args.config)
    elif os.environ.get(CONFIG_ENV):
        require_file(Path(os.environ[CONFIG_ENV]).expanduser(), named_by=f"${CONFIG_ENV}")
    loaded = load_settings(getattr(args, "config", None), overrides=_overrides(args))
    for warning in loaded.warnings:
        print(warning, file=sys.stderr)
    return loaded


def _config_show(loaded: LoadedSettings) -> int:
    state = "exists" if loaded.file_exists else "not found; defaults used"
    print(f"# config file: {loaded.path} ({state})")
    settings = loaded.settings
    if settings.demo:
        mode = "demo (built-in emulator)"
    elif settings.use_emulator:
        mode = "demo (built-in emulator: no Genesys credentials are set, so demo = false is moot)"
    else:
        mode = "Genesys Cloud"
    print(f"# mode: {mode}")
    data = masked(loaded.settings)
    for section, values in data.items():
        if not isinstance(values, dict):
            print(f"{section} = {json.dumps(values)}")
    for section, values in data.items():
        if isinstance(values, dict):
            print(f"\n[{section}]")
            for key, value in values.items():
                origin = loaded.origins.get(f"{section}.{key}", "default")
                shown = "null" if value is None else json.dumps(value)
                print(f"{key} = {shown}  # {origin}")
    return 0


async def _run_emulator(loaded: LoadedSettings, args: argparse.Namespace) -> int:
    from assist_tui.emulator.server import EmulatorServer

    faults = [parse_fault(spec) for spec in args.fault]
    stop = stop_on_signals()
    async with EmulatorServer(loaded.settings.emulator) as server:
        print(f"emulator listening on {server.url}")
        print(f"  login/API base URL: {server.url}")
        print(f"  demo client id:     {server.client_id}")
        print(f"  demo client secret: {server.client_secret}")
        print(f"  fault endpoint:     POST {server.url}/emulator/faults")
        print(f"  timing:             {loaded.settings.emulator.timing}")
        print("try, in another terminal:")
        print(
            f"  GENESYS_CLIENT_ID={server.client_id} GENESYS_CLIENT_SECRET={server.client_secret} "
            f"assist-tui tail --api-url {server.url} --login-url {server.url}"
        )
        for name, value in faults:
            print(f"fault {name}: {server.emulator.inject(name, value)}")
        load = server.run_load(args.load, args.rate) if args.load else None
        sys.stdout.flush()
        await stop.wait()
        if load is not None:
            load.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await load
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    restrict_umask()  # every file and directory the product writes is private
    try:
        cli_checks.setup_logs(getattr(args, "log_level", None))
        if args.command is None or (args.command == "run" and not args.headless):
            from assist_tui.ui.app import AssistApp

            settings = _load(args).settings
            link, settings = attach_link(args, settings)  # --attach: NATS, no engine here
            if link is None:
                cli_checks.check_rules(settings)
                cli_checks.check_store_dir(settings)
            app = AssistApp(settings, link=link)
            app.run()
            return app.return_code or 0  # 1 after an engine failure (ui/app.py)
        if args.command == "config" and args.config_command == "init":
            from assist_tui.config import config_path

            path = config_path(getattr(args, "config", None), os.environ)
            write_template(path, force=args.force)
            print(f"wrote {path} (mode 600); edit it, then run `assist-tui config show`")
            return 0
        loaded = _load(args)
        if args.command == "config":
            return _config_show(loaded)
        if args.command == "replay":
            from assist_tui.replay import main as replay

            return replay(loaded, args)
        if args.command == "emulator":
            cli_checks.check_port_free(loaded.settings)
            return asyncio.run(_run_emulator(loaded, args))
        if args.command == "screenshots":
            from assist_tui.ui.screenshots import run as screenshots

            cli_checks.check_output_dir(args.output)
            settings = _load(args).settings.model_copy(update={"demo": True})
            return screenshots(settings, args.output)
        if args.command == "nats-config":
            from assist_tui import nats_config_cli

            return asyncio.run(nats_config_cli.run(loaded.settings, args))
        if args.command == "run":
            from assist_tui.headless import run_headless

            cli_checks.check_rules(loaded.settings)
            cli_checks.check_store_dir(loaded.settings)

            return asyncio.run(
                run_headless(
                    loaded.settings,
                    conversations=args.conversation,
                    interval_s=args.interval,
                    duration_s=args.duration,
                )
            )
        if args.command == "serve":
            from assist_tui.bus.cli_args import run_serve_command

            cli_checks.check_rules(loaded.settings)
            cli_checks.check_store_dir(loaded.settings)
            return run_serve_command(loaded.settings, args)
        if args.command == "audit":
            from assist_tui.audit_cli import audit_export, audit_verify

            if args.audit_command == "verify":
                return audit_verify(loaded.settings)
            cli_checks.check_output(args.output)
            return audit_export(
                loaded.settings,
                fmt=args.format,
                since=args.since,
                conversation=args.conversation,
                kinds=args.kind,
                output=args.output,
            )
        if args.command in ("tail", "alerts"):
            from assist_tui.tail import TailOptions, run_tail

            cli_checks.check_rules(loaded.settings)

            options = TailOptions(
                conversations=args.conversation,
                as_json=args.json,
                finals_only=getattr(args, "finals_only", False),
                duration_s=args.duration,
                count=args.count,
                alerts_only=args.command == "alerts",
            )
            return asyncio.run(run_tail(loaded.settings, options))
    except ConfigError as exc:
        print(f"assist-tui: {exc}", file=sys.stderr)
        return 2
    except FaultError as exc:
        print(f"assist-tui: {exc}", file=sys.stderr)
        return 2
    except GenesysError as exc:
        print(f"assist-tui: {exc}", file=sys.stderr)
        return 1
    except ATTACH_ERRORS as exc:  # NATS cannot be reached, serve cannot start: one line
        print(f"assist-tui: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return cli_checks.quiet_broken_pipe()
    parser.error(f"unknown command {args.command!r}")
    return 2  # pragma: no cover - parser.error exits
