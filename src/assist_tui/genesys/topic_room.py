"""Where the next topics go, within the platform's limits: 1,000 topics per channel and 20
channels per OAuth client (the 21st would evict our own oldest), across every configured
client (``[[genesys.extra_clients]]``).

A channel with room takes topics first; a new channel is opened on the client with the
fewest, so channels (and each client's request budget) spread evenly across clients.
When every client is full the topics are refused with a reason that says what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from assist_tui.genesys.rest import GenesysApi


class _Link(Protocol):
    api: GenesysApi
    topics: set[str]


def link_with_room(links: Sequence[_Link], per_channel: int) -> int | None:
    """The index of the fullest channel that still has room (so channels fill up
    before new ones open), or None."""
    open_ = [(len(lk.topics), i) for i, lk in enumerate(links) if len(lk.topics) < per_channel]
    return max(open_)[1] if open_ else None


def client_for_new_channel(
    links: Sequence[_Link], clients: Sequence[GenesysApi], max_channels: int
) -> GenesysApi | None:
    """The client with the fewest channels, if it may open one more; else None."""
    counts = [sum(1 for lk in links if lk.api is api) for api in clients]
    fewest = min(range(len(clients)), key=lambda i: (counts[i], i))
    return clients[fewest] if counts[fewest] < max_channels else None


NO_ROOM = "no room:"  # how the reason starts (the engine turns it into a notice)


def no_room_reason(clients: int, max_channels: int, per_channel: int) -> str:
    capacity = clients * max_channels * per_channel
    return (
        f"{NO_ROOM} {clients} OAuth client(s) x {max_channels} channels x {per_channel} topics "
        f"({capacity:,} topics) are all in use; fix: add a client under "
        "[[genesys.extra_clients]], or share the calls with another engine (assist-tui serve)"
    )
