"""Suggestion delivery targets against the emulator: participant attributes (public API),
seed 004's endpoint, none; a target answering 404 or 403 is turned off once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from assist_tui.audit.store import AuditStore
from assist_tui.emulator.server import EmulatorServer
from assist_tui.model import Suggestion, SuggestionOutcome
from assist_tui.sinks.assist_push import AssistPusher
from assist_tui.sinks.push_targets import PushTarget

from .conftest import session_for


def suggestion(conversation_id: str, n: int = 0) -> Suggestion:
    return Suggestion(
        suggestion_id=f"s{n}",
        conversation_id=conversation_id,
        rule_id="churn.cancel",
        title="Churn risk: offer retention",
        body="Offer the loyalty discount.",
        links=("https://kb.example/retention",),
    )


async def test_participant_attributes_carry_the_suggestion(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    call = emulator.emulator.director.prepare("cancellation-retention")
    audit = AuditStore(tmp_path / "audit.sqlite3")
    async with session_for(emulator) as session:
        pusher = AssistPusher(session.api, audit, target="participant-attributes")
        result = await pusher.push(suggestion(call.conversation_id))
    assert result.outcome is SuggestionOutcome.DELIVERED, result.detail
    written = emulator.emulator.attributes[(call.conversation_id, call.participant_ids["agent"])]
    assert written["assistTuiTitle"] == "Churn risk: offer retention"
    assert written["assistTuiLinks"] == "https://kb.example/retention"
    assert emulator.emulator.assist_received == []  # the seed endpoint was not used
    audit.close()


@pytest.mark.parametrize("target", ["participant-attributes", "seed"])
@pytest.mark.parametrize("status", ["404", "403"])
async def test_a_refusing_target_is_turned_off_once_with_one_notice(
    emulator: EmulatorServer, tmp_path: Path, target: PushTarget, status: str
) -> None:
    call = emulator.emulator.director.prepare("cancellation-retention")
    emulator.emulator.inject("push-refuse", status)
    audit = AuditStore(tmp_path / "audit.sqlite3")
    notices: list[str] = []
    async with session_for(emulator) as session:
        pusher = AssistPusher(session.api, audit, target=target, on_notice=notices.append)
        # Several at once (they may all be in flight when the first refusal comes), then more.
        first = await asyncio.gather(
            *(pusher.push(suggestion(call.conversation_id, n)) for n in range(3))
        )
        later = [await pusher.push(suggestion(call.conversation_id, n)) for n in range(3, 8)]
    assert len(notices) == 1 and f"answered {status}" in notices[0], notices
    assert all(r.outcome is SuggestionOutcome.NOT_SENT for r in (*first, *later))
    asked = emulator.emulator.requests
    pushes = asked.get("participant_attributes", 0) + asked.get("agent_assist", 0)
    assert pushes <= 3, asked  # none after the target was turned off
    audit.flush()
    disabled = list(audit.records(kinds=["push_target_disabled"]))
    assert len(disabled) == 1 and disabled[0].data["status"] == int(status)
    assert len(list(audit.records(kinds=["suggestion_pushed"]))) == 8
    audit.close()


async def test_target_none_sends_nothing(emulator: EmulatorServer, tmp_path: Path) -> None:
    call = emulator.emulator.director.prepare("billing-dispute")
    audit = AuditStore(tmp_path / "audit.sqlite3")
    async with session_for(emulator) as session:
        pusher = AssistPusher(session.api, audit, target="none")
        result = await pusher.push(suggestion(call.conversation_id))
    assert result.outcome is SuggestionOutcome.NOT_SENT
    assert "participant_attributes" not in emulator.emulator.requests
    assert emulator.emulator.attributes == {}
    audit.close()


async def test_an_ended_conversation_is_not_a_refusing_target(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """404 from the conversation lookup means the conversation, not the target."""
    audit = AuditStore(tmp_path / "audit.sqlite3")
    notices: list[str] = []
    async with session_for(emulator) as session:
        pusher = AssistPusher(session.api, audit, on_notice=notices.append)
        result = await pusher.push(suggestion("00000000-0000-4000-8000-000000000000"))
    assert result.outcome is SuggestionOutcome.FAILED
    assert notices == [] and pusher.disabled is None
    audit.close()
