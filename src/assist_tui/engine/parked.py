"""Conversations unsubscribed by hand are parked, not forgotten: subscribing again continues
the same state (its transcript, hits and first-seen time), so the call's duration stays real.

Wraps the engine's subscribe/unsubscribe from outside (host.py, link.py), keeping engine.py
as it is; a bounded number of states is kept, the oldest parked leaving first."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from datetime import datetime
from typing import TYPE_CHECKING

from assist_tui.engine.conversation import Line
from assist_tui.model import Speaker, SubscriptionRejected, utc_now

if TYPE_CHECKING:
    from assist_tui.engine.conversation import ConversationState
    from assist_tui.engine.engine import AssistEngine

PARKED_LIMIT = 50  # states kept for a resubscribe; each holds a transcript

Parked = OrderedDict[str, tuple["ConversationState", datetime]]  # and when it was parked
_PARKED: weakref.WeakKeyDictionary[AssistEngine, Parked] = weakref.WeakKeyDictionary()


def _parked(engine: AssistEngine) -> Parked:
    return _PARKED.setdefault(engine, OrderedDict())


async def unsubscribe(
    engine: AssistEngine, conversation_ids: list[str], *, actor: str = "supervisor"
) -> None:
    """Unsubscribe, keeping each conversation's state aside for a later subscribe."""
    states = {cid: engine.conversations.get(cid) for cid in conversation_ids}
    await engine.unsubscribe(conversation_ids, actor=actor)
    parked = _parked(engine)
    now = utc_now()
    for cid, state in states.items():
        if state is not None:
            parked[cid] = (state, now)
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
        kept = parked.pop(cid, None)
        if kept is None or cid in refused:
            continue
        state, since = kept
        fresh = engine.conversations.get(cid)
        # engine.subscribe makes an empty state: when nothing was said into it meanwhile,
        # the old state continues (else the new speech wins, and the audit has both).
        if fresh is None or not fresh.lines:
            mark_unfollowed(state, since, utc_now())
            engine.conversations[cid] = state
    return rejected


def mark_unfollowed(state: ConversationState, since: datetime, until: datetime) -> None:
    """The hole a parked call has: its unfinished lines go (their finals were never
    received) and a marked line says when it was not followed."""
    state.drop_partials()
    key = f"unfollowed-{since.timestamp():.3f}"
    span = f"{since.astimezone():%H:%M:%S} to {until.astimezone():%H:%M:%S}"
    state.lines[key] = Line(
        utterance_id=key,
        speaker=Speaker.UNKNOWN,
        text=f"not followed {span} (unsubscribed): what was said then is not shown",
        is_final=True,
        confidence=0.0,
        offset_ms=None,
        duration_ms=None,
        received_at=until,
        kind="gap",
    )
    state.version += 1
