"""Stream events stage: routes each normalized event to its stage by type (the engine's
dispatch table) and handles the stream's own events: rejected frames (audited
``rejected_frame``), health (``stream_closed``, ``stream_reconnect``), gaps, refused
subscriptions (``subscription_rejected``), calls starting and ending (``conversation_ended``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assist_tui.genesys.topic_room import NO_ROOM
from assist_tui.model import (
    AudioMetrics,
    ConversationEnded,
    ConversationStarted,
    Insight,
    PlatformSentiment,
    RejectedFrame,
    StreamGap,
    StreamHealth,
    StreamState,
    SubscriptionRejected,
    UtteranceUpdate,
)

NO_ROOM_NOTICE_S = 60.0  # "channels full" is said at most this often (each call is audited)

if TYPE_CHECKING:
    from assist_tui.engine.engine import AssistEngine


class StreamEventStage:
    name = "stream_events"

    def __init__(self, engine: AssistEngine) -> None:
        self.engine = engine
        self._no_room_said = -NO_ROOM_NOTICE_S

    def handlers(self) -> dict[type, Callable[[Any], None]]:
        """Event type -> the stage method that takes it: one line per kind of event."""
        e = self.engine
        return {
            UtteranceUpdate: e.transcript.on_utterance,
            AudioMetrics: e.audio.on_audio,
            Insight: e.insights.on_insight,
            PlatformSentiment: self.on_platform_sentiment,
            RejectedFrame: self.on_rejected_frame,
            StreamHealth: self.on_stream_health,
            StreamGap: self.on_stream_gap,
            SubscriptionRejected: self.on_subscription_rejected,
            ConversationStarted: self.on_conversation_started,
            ConversationEnded: self.on_conversation_ended,
        }

    def on_platform_sentiment(self, event: PlatformSentiment) -> None:
        if (felt := self.engine.conversations.get(event.conversation_id)) is not None:
            felt.platform_sentiment = event
            felt.version += 1
            self.engine.board.on_platform_sentiment(event)

    def on_rejected_frame(self, event: RejectedFrame) -> None:
        kind = event.reason.split(":", 1)[0]
        self.engine.metrics.rejected[kind] += 1
        self.engine.audit.append(
            "rejected_frame",
            {"reason": event.reason[:300], "size": event.size, "topic": event.topic},
            actor="frame-guard",
        )

    def on_stream_health(self, event: StreamHealth) -> None:
        self.engine.health = event
        if event.state is StreamState.CLOSED:
            self.engine.audit.append("stream_closed", {"detail": event.detail}, actor="stream")
        if event.state is StreamState.RECONNECTING:
            self.engine.audit.append(
                "stream_reconnect",
                {
                    "detail": event.detail,
                    "attempt": event.attempt,
                    "delay_s": event.next_delay_s,
                },
                actor="stream",
            )

    def on_stream_gap(self, event: StreamGap) -> None:
        self.engine.gaps.on_gap(event)

    def on_subscription_rejected(self, event: SubscriptionRejected) -> None:
        self.engine.audit.append(
            "subscription_rejected",
            {
                "topic": event.topic,
                "reason": event.reason,
                "missing": list(event.missing_permissions),
            },
            actor="stream",
        )
        if event.reason.startswith(NO_ROOM):  # every channel of every client is full
            now = time.monotonic()
            if now - self._no_room_said >= NO_ROOM_NOTICE_S:
                self._no_room_said = now
                self.engine.notices.append(f"calls not followed: {event.reason}")

    def on_conversation_started(self, event: ConversationStarted) -> None:
        follower = self.engine.follower
        cid = event.conversation_id
        if follower is None or (
            # An ended or unsubscribed call is not brought back by a late queue event.
            follower.follow_all and follower.accept(cid) and cid not in follower.ended
        ):
            started = self.engine.state(cid)
            started.queue_id = started.queue_id or event.queue_id
            started.agent_name = started.agent_name or event.agent_name
        if cid in self.engine.conversations:  # followed by id too
            self.engine.board.on_started(cid, event.started_at)

    def on_conversation_ended(self, event: ConversationEnded) -> None:
        self.engine.release_held(event.conversation_id)
        ended = self.engine.conversations.get(event.conversation_id)
        if ended is not None and ended.ended_at is None:
            ended.ended_at = event.received_at
            ended.version += 1
            self.engine.audit.append(
                "conversation_ended",
                {"reason": event.reason},
                conversation=event.conversation_id,
                actor="stream",
            )
            self.engine.gaps.on_ended(event.conversation_id)
            self.engine.board.on_ended(ended)
