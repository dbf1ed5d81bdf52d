"""Conversations unsubscribed by hand are parked, not forgotten: subscribing again continues
the same state (its transcript, hits and first-seen time), so the call's duration stays real.

Wraps the engine's subscribe/unsubscribe from outside (host.py, link.py), keeping engine.py
as it is; a bounded number of states is kept, the oldest parked leaving first."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING

from assist_tui.model import SubscriptionRejected

if TYPE_CHECKING:
    from assist_tui.engine.conversation import ConversationState
    from assist_tui.engine.engine import AssistEngine

PARKED_LIMIT = 50  # states kept for a resubscribe; each holds a transcript

_PARKED: weakref.WeakKeyDictionary[AssistEngine, OrderedDict[str, ConversationState]] = (
    weakref.WeakKeyDictionary()
)


def _parked(engine: AssistEngine) -> OrderedDict[str, ConversationState]:
    return _PARKED.setdefault(engine, OrderedDict())


async def unsubscribe(
    engine: AssistEngine, conversation_ids: list[str], *, actor: str = "supervisor"
) -> None:
    """Unsubscribe, keeping each conversation's state aside for a later subscribe."""
    states = {cid: engine.conversations.get(cid) for cid in conversation_ids}
    await engine.unsubscribe(conversation_ids, actor=actor)
    parked = _parked(engine)
    for cid, state in states.items():
        if state is not None:
            parked[cid] = state
            parked.move_to_end(cid)
    while len(parked) > PARKED_LIMIT:
        parked.popitem(last=False)


async def subscribe(
    engine: AssistEngine, conversation_ids: list[str], *, actor: str = "supervisor"
) -> list[SubscriptionRejected]:
    """Subscribe; a conversation parked by ``unsubscribe`` takes its old state back."""
    rejected = await engine.subscribe(conversation_ids, actor=actor)
    refused = {cid for cid in conversation_ids for r in rejected if cid in r.topic}
    parked = _parked(engine)
    for cid in conversation_ids:
        state = parked.pop(cid, None)
        if state is None or cid in refused:
            continue
        fresh = engine.conversations.get(cid)
        # engine.subscribe makes an empty state: when nothing was said into it meanwhile,
        # the old state continues as it was (else the new speech wins, and the audit has both).
        if fresh is None or not fresh.lines:
            engine.conversations[cid] = state
            state.version += 1
    return rejected
