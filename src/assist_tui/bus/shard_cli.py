"""``assist-tui serve --shard [--partitions N]``: several engines share the org. Light on
purpose (no ``nats`` import): cli.py loads it for every command."""

from __future__ import annotations

import argparse
from typing import Any

from assist_tui.bus.partition import DEFAULT_PARTITIONS, MAX_PARTITIONS


def _partitions(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= count <= MAX_PARTITIONS:
        raise argparse.ArgumentTypeError(f"the partition count is 1 to {MAX_PARTITIONS}")
    return count


def shard_arguments(serve: Any) -> None:
    group = serve.add_argument_group("several engines (one org, shared by partition leases)")
    group.add_argument(
        "--shard",
        action="store_true",
        help="share the org with every other `serve --shard` of this org on this NATS: each "
        "follows the calls of the partitions it leases, every action is done once",
    )
    group.add_argument(
        "--partitions",
        type=_partitions,
        default=DEFAULT_PARTITIONS,
        metavar="N",
        help=f"partitions of the org's calls, the same on every engine (default "
        f"{DEFAULT_PARTITIONS})",
    )


def shard_of(args: argparse.Namespace) -> int | None:
    """The partition count when ``--shard`` was given, else None (one engine)."""
    return int(args.partitions) if getattr(args, "shard", False) else None
