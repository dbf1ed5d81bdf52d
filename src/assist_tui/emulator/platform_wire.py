"""The emulator's encoders for the platform's conversation shapes, as the SDK's models
show them: queue topic events through a call's states, the conversation lookup, and
telephony media statistics (``MediaStatisticsListing``).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from assist_tui.emulator.wire import iso

if TYPE_CHECKING:
    from assist_tui.emulator.calls import LiveCall

# A call's life as the queue topic tells it; each is one event on every state change.
PHASES = (
    "alerting",
    "connected",
    "held",
    "resumed",
    "transfer",  # only in a scenario with ``transfer_to``
    "after-call-work",
    "terminated",
)


@dataclass(frozen=True)
class _Leg:
    participant_id: str
    purpose: str
    name: str
    state: str
    held: bool = False
    acw: str | None = None  # after-call work state, for the agent
    user_id: str | None = None
    disconnect_type: str | None = None


def _legs(call: LiveCall, phase: str) -> list[_Leg]:
    """Participants and their media state in ``phase``: ivr and acd are over once routed."""
    ids = call.participant_ids
    routed = phase != "alerting"
    ended = phase in ("after-call-work", "terminated")
    customer_state = (
        "terminated" if phase == "terminated" else "disconnected" if ended else "connected"
    )
    agent_state = {
        "alerting": "alerting",
        "after-call-work": "disconnected",
        "terminated": "terminated",
    }.get(phase, "connected")
    legs = [
        _Leg(ids["customer"], "customer", call.customer, customer_state),
        _Leg(ids["ivr"], "ivr", "Main IVR", "disconnected"),
        _Leg(ids["acd"], "acd", call.queue, "disconnected" if routed else "connected"),
        _Leg(
            ids["agent"],
            "agent",
            call.agent,
            agent_state,
            held=phase == "held",
            acw={"after-call-work": "pending", "terminated": "complete"}.get(phase),
            user_id=call.agent_user_id,
        ),
    ]
    if call.transferred and call.transfer_to:
        # The first agent handed the call over: their leg ended as a transfer, and the
        # agent who took it has it from here on (its hold, its after-call work).
        first = legs[-1]
        legs[-1] = _Leg(
            first.participant_id,
            "agent",
            first.name,
            "terminated" if phase == "terminated" else "disconnected",
            user_id=first.user_id,
            disconnect_type="transfer",
        )
        legs.append(
            _Leg(
                ids["transfer"],
                "agent",
                call.transfer_to,
                agent_state,
                held=first.held,
                acw=first.acw,
                user_id=str(uuid.uuid5(uuid.NAMESPACE_OID, call.transfer_to)),
            )
        )
    return legs


def media_key(call: LiveCall) -> str:
    """Where a participant's media goes (and the queue topic's per-media suffix)."""
    return {"voice": "calls", "chat": "chats", "message": "messages"}.get(call.media_type, "calls")


def _state(call: LiveCall, state: str) -> str:
    # A messaging participant's states end at disconnected (the SDK's enum has no terminated).
    return "disconnected" if call.media_type == "message" and state == "terminated" else state


def queue_event(call: LiveCall, phase: str) -> dict[str, Any]:
    """``v2.routing.queues.{id}.conversations``: QueueConversationEventTopicConversation."""
    participants = []
    for leg in _legs(call, phase):
        media: dict[str, Any] = {
            "id": f"{leg.participant_id[:-4]}{leg.purpose[:1]}med",
            "state": _state(call, leg.state),
            "held": leg.held,
            "connectedTime": iso(call.started_at),
        }
        if call.media_type != "chat":  # a chat has no direction in the platform's model
            media["direction"] = "inbound"
        if leg.state in ("disconnected", "terminated"):
            media["disconnectedTime"] = iso(call.ended_at or call.started_at)
            media["disconnectType"] = leg.disconnect_type or (
                "transfer" if leg.purpose in ("ivr", "acd") else "client"
            )
        if leg.acw:
            media["afterCallWorkRequired"] = True
            media["afterCallWork"] = {
                "state": leg.acw,
                "startTime": iso(call.ended_at or call.started_at),
            }
        participant: dict[str, Any] = {
            "id": leg.participant_id,
            "name": leg.name,
            "purpose": leg.purpose,
            "queueId": call.queue_id,
            media_key(call): [media],
        }
        if leg.user_id:
            participant["userId"] = leg.user_id
        participants.append(participant)
    return {"id": call.conversation_id, "participants": participants}


def queue_media_event(call: LiveCall, phase: str) -> dict[str, Any]:
    """``...conversations.calls`` (and .chats, .messages): media participants, state inline."""
    participants = []
    for leg in _legs(call, phase):
        participant: dict[str, Any] = {
            "id": leg.participant_id,
            "name": leg.name,
            "purpose": leg.purpose,
            "state": _state(call, leg.state),
            "held": leg.held,
            "direction": "inbound",
            "connectedTime": iso(call.started_at),
            "queue": {"id": call.queue_id},
        }
        if leg.state in ("disconnected", "terminated"):
            participant["endTime"] = iso(call.ended_at or call.started_at)
        if leg.user_id:
            participant["user"] = {"id": leg.user_id}
        participants.append(participant)
    return {"id": call.conversation_id, "participants": participants}


def digital_topic(call: LiveCall) -> str | None:
    """``v2.conversations.chats.{id}`` or ``v2.conversations.messages.{id}``; None for calls."""
    kind = {"chat": "chats", "message": "messages"}.get(call.media_type)
    return f"v2.conversations.{kind}.{call.conversation_id}" if kind else None


def digital_event(
    call: LiveCall, phase: str, message_id: str | None = None, sender: str | None = None
) -> dict[str, Any]:
    """A digital conversation's event: its participants' state, and for messaging the id,
    time and status of a new message (the platform sends no text on this topic)."""
    body = queue_media_event(call, phase)
    if message_id and sender and call.media_type == "message":
        for participant in body["participants"]:
            if participant["purpose"] == sender:
                participant["messages"] = [
                    {
                        "message": {"id": message_id},
                        "messageTime": iso(datetime.now(timezone.utc)),
                        "messageStatus": "received" if sender == "customer" else "sent",
                        "messageSegmentCount": 1,
                    }
                ]
    return body


def conversation(call: LiveCall) -> dict[str, Any]:
    """``GET /api/v2/conversations/{id}``: a Conversation with every participant."""
    phase = "terminated" if call.ended_at else "connected"
    legs = _legs(call, phase)
    # The communications the transcription topic names (and the recorded transcript is
    # kept under): the customer's, and the agent's who has the call now.
    speaking = {legs[0].participant_id: "customer", legs[-1].participant_id: "agent"}
    participants = []
    for leg in legs:
        speaker = speaking.get(leg.participant_id)
        media: dict[str, Any] = {
            "id": call.communication_ids[speaker]
            if speaker
            else f"{leg.participant_id[:-4]}{leg.purpose[:1]}med",
            "state": _state(call, leg.state),
            "held": leg.held,
            "connectedTime": iso(call.started_at),
        }
        if call.ended_at is not None:
            media["disconnectedTime"] = iso(call.ended_at)
        participant: dict[str, Any] = {
            "id": leg.participant_id,
            "name": leg.name,
            "purpose": leg.purpose,
            "queueId": call.queue_id,
            "startTime": iso(call.started_at),
            media_key(call): [media],
        }
        if leg.user_id:
            participant["userId"] = leg.user_id
        participants.append(participant)
    body: dict[str, Any] = {
        "id": call.conversation_id,
        "startTime": iso(call.started_at),
        "state": "terminated" if call.ended_at else "connected",
        "participants": participants,
    }
    if call.ended_at:
        body["endTime"] = iso(call.ended_at)
    return body


def media_statistics(call: LiveCall, rng: random.Random, now: datetime) -> dict[str, Any]:
    """``MediaStatisticsListing``: rtp MOS, jitter and packet counters per endpoint.

    The platform gives no loss percentage, codec or SNR; the audio profile's loss shows
    only as fewer packets received than the far end sent.
    """
    t = call.progress
    profile = call.audio

    def at(span: tuple[float, float]) -> float:
        start, end = span
        return start + (end - start) * t + rng.uniform(-0.02, 0.02) * abs(end - start)

    sent = 50 * max(call.emitted, 1) * 20  # 50 packets a second of 20 ms audio
    loss = min(max(at(profile.packet_loss_pct), 0.0), 100.0)
    received = round(sent * (1 - loss / 100))
    mos = round(min(max(at(profile.mos), 1.0), 5.0), 2)
    jitter = round(max(at(profile.jitter_ms), 0.0), 1)

    def endpoint(source: str, packets_in: int, packets_out: int) -> dict[str, Any]:
        return {
            "sourceType": source,
            "reconnectAttempts": 0,
            "dateCreated": iso(call.started_at),
            "dateProcessed": iso(now),
            "rtp": {
                "packetsReceived": packets_in,
                "packetsSent": packets_out,
                "rtpEventsReceived": 0,
                "rtpEventsSent": 0,
                "estimatedAverageMos": mos,
                "averageJitter": jitter,
            },
        }

    return {
        "entities": [
            {
                "communicationId": call.communication_ids["customer"],
                "dateStart": iso(call.started_at),
                "creationMilliseconds": int((now - call.started_at) / timedelta(milliseconds=1)),
                "preferredRegion": "us-east-1",
                "effectiveRegion": "us-east-1",
                # The edge sends the customer's audio to the agent's client; what the
                # client received of it is the only trace of loss the platform gives.
                "mediaStatistics": [
                    endpoint("Server", sent, sent),
                    endpoint("Client", received, sent),
                ],
            }
        ]
    }
