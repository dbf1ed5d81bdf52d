"""What the engine does when the follower subscribes or unsubscribes a call by itself
(follow-all mode, reconciliation): platform insight topics follow, the call's state learns
what discovery knew, and the change is audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assist_tui.model import media_type_of

if TYPE_CHECKING:
    from assist_tui.engine.engine import AssistEngine


def follow_change(engine: AssistEngine, kind: str, conversation_id: str) -> None:
    if engine.stream is not None:
        if kind == "subscribe":
            engine.platform_insights.follow(engine.stream, conversation_id)
        elif kind == "unsubscribe":
            engine.platform_insights.unfollow(engine.stream, conversation_id)
    if kind == "subscribe":
        state = engine.state(conversation_id)
        follower = engine.follower
        known = follower.following.get(conversation_id) if follower else None
        if known is not None:
            state.queue_id = state.queue_id or known.queue_id
            state.agent_name = state.agent_name or known.agent_name
            state.media_type = state.media_type or media_type_of(known.media_type)
        engine.starts.fill(conversation_id, known.started_at if known else None)
        engine.tap.followed(conversation_id, known)  # a replay learns what discovery knew
    engine.audit.append(kind, {}, conversation=conversation_id, actor="engine")
