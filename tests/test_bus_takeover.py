"""A call taken over continues from its view (finals seen, hits, suggestions, cooldowns),
and with several engines only the owner of a call answers a command about it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from assist_tui.bus.shard_commands import share_of
from assist_tui.bus.takeover import continue_from
from assist_tui.engine.conversation import ConversationState
from assist_tui.engine.snapshot import content_of
from assist_tui.model import KeywordHit, Speaker, Suggestion, UtteranceUpdate, utc_now
from tests.scripted_engine import CALLS, scripted_engine


def final(cid: str, uid: str, text: str) -> UtteranceUpdate:
    return UtteranceUpdate(
        conversation_id=cid,
        utterance_id=uid,
        speaker=Speaker.CUSTOMER,
        text=text,
        confidence=0.9,
        is_final=True,
        received_at=utc_now() - timedelta(seconds=5),
    )


def test_a_call_continues_from_its_view() -> None:
    before = ConversationState("c1")
    before.apply(final("c1", "u1", "I want to cancel"), "I want to cancel", False)
    before.apply(final("c1", "u2", "my account"), "my account", False)
    hit = KeywordHit(
        conversation_id="c1",
        utterance_id="u1",
        rule_id="churn",
        category="churn",
        severity="high",
        speaker=Speaker.CUSTOMER,
        matched="cancel",
        snippet="I want to cancel",
        relevance=0.9,
        confidence=0.9,
    )
    before.add_hit(hit)
    before.put_suggestion(
        Suggestion(suggestion_id="s1", conversation_id="c1", rule_id="churn", title="t", body="b")
    )
    after = ConversationState("c1")
    assert continue_from(after, content_of(before)) == 2
    assert [line.text for line in after.lines.values()] == ["I want to cancel", "my account"]
    assert [h.rule_id for h in after.hits] == ["churn"] and "s1" in after.suggestions
    assert "churn" in after.cooldowns  # the agent just saw it: not pushed again at once
    # A final the previous owner already had is a duplicate here: not audited twice.
    assert after.apply(final("c1", "u2", "my account"), "my account", False).duplicate
    assert continue_from(after, content_of(before)) == 0  # idempotent


async def test_only_the_owner_answers_a_call_command(tmp_path: Path) -> None:
    engine = await scripted_engine(tmp_path)
    mine = next(iter(CALLS))

    def owns(cid: str) -> bool:
        return cid == "other-of-mine"

    body = json.dumps({"conversation_id": mine}).encode()
    assert share_of(body, owns, engine) == body  # on this engine's board
    assert share_of(b'{"conversation_id": "elsewhere"}', owns, engine) is None
    assert share_of(b'{"conversation_id": "other-of-mine"}', owns, engine) is not None
    cut = share_of(b'{"conversation_ids": ["elsewhere", "other-of-mine"]}', owns, engine)
    assert cut is not None and json.loads(cut)["conversation_ids"] == ["other-of-mine"]
    assert share_of(b'{"conversation_ids": ["elsewhere"]}', owns, engine) is None
    assert share_of(b"{}", owns, engine) == b"{}"  # org-wide: every engine
    assert share_of(b'{"alert_id": "nope"}', owns, engine) is None
    assert share_of(b"not json", owns, engine) == b"not json"  # refused by each, loudly
