"""Fault injection: the failures the client must survive, switchable per test or flag."""

from __future__ import annotations

import json
from dataclasses import dataclass

FAULT_NAMES = {
    "drop-socket": "close every streaming socket abruptly",
    "stop-heartbeats": "stop sending heartbeats (=off to resume)",
    "socket-closing": "send v2.system.socket_closing, then close the socket",
    "expire-channel": "make every channel gone, as after 24 hours",
    "token-429": "answer the next N token requests with 429 (default 2)",
    "api-429": "answer the next N API calls with 429 (default 2)",
    "knowledge-down": "the stand-in knowledge endpoint answers 503 (=off to restore)",
    "revoke-token": "revoke every access token: the next API call gets 401",
    "malformed": "send N malformed frames (default 3)",
    "oversized": "send N oversized frames (default 1)",
    "subscribe-silent": "leave the next N seed-dialect subscribes unanswered (default 1)",
    "subscribe-429": "answer the next N seed-dialect subscribes with 429 (default 1)",
    "subscribe-error": "answer the next seed-dialect subscribe with an error (=message)",
    "policy-violation": "close the next insights subscription with 1008",
    "insights-saturated": "report every insight stream in use (=off to free them)",
    "push-refuse": "answer pushes (seed endpoint, participant attributes) with 404 or 403 (=off)",
}


class FaultError(ValueError):
    """An unknown fault name or a bad value."""


@dataclass
class FaultSwitches:
    """Standing faults (the one-shot ones are actions on the emulator)."""

    heartbeats_stopped: bool = False
    token_429_remaining: int = 0
    token_retry_after_s: float = 1.0
    api_429_remaining: int = 0
    api_retry_after_s: float = 1.0
    attributes_status: int = 0  # 404 or 403: every push endpoint refuses (0: off)


def parse_fault(spec: str) -> tuple[str, str | None]:
    """``name`` or ``name=value`` -> (name, value); unknown names are refused with the list."""
    name, sep, value = spec.partition("=")
    name = name.strip().lower()
    if name not in FAULT_NAMES:
        known = ", ".join(sorted(FAULT_NAMES))
        raise FaultError(f"unknown fault {name!r}; known faults: {known}")
    return name, (value.strip() if sep else None)


def malformed_frames() -> list[str]:
    """Frames a broken peer might send: not JSON, wrong shape, wrong types."""
    return [
        "{this is not json",
        json.dumps({"topicName": 42, "eventBody": "nope"}),
        json.dumps(
            {
                "topicName": "v2.conversations.00000000-0000-4000-8000-000000000000.transcription",
                "eventBody": {"conversationId": "x", "transcripts": "not-a-list"},
            }
        ),
    ]


def oversized_frame(size: int) -> str:
    padding = "x" * size
    return json.dumps({"topicName": "channel.metadata", "eventBody": {"message": padding}})
