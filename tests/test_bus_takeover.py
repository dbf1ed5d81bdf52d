"""A call taken over continues from its view (finals seen, hits, suggestions, cooldowns),
and with several engines only the owner of a call answers a command about it."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from assist_tui.bus import codec
from assist_tui.bus.codec import CallView
from assist_tui.bus.shard_commands import share_of
from assist_tui.bus.subjects import Subjects
from assist_tui.bus.takeover import ViewsTakeover, continue_from, handover_gap
from assist_tui.engine.conversation import ConversationState
from assist_tui.engine.snapshot import content_of, gauges_of, row_of
from assist_tui.model import (
    KeywordHit,
    LiveConversation,
    Speaker,
    Suggestion,
    UtteranceUpdate,
    utc_now,
)
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


def test_the_hole_of_a_handover_runs_from_the_last_line_heard() -> None:
    before = ConversationState("c1")
    said = final("c1", "u1", "Expires oh nine")  # received 5 s ago
    before.apply(said, said.text, False)
    now = utc_now()
    hole = handover_gap("c1", content_of(before), now)
    assert hole is not None and hole.conversation_ids == ("c1",)
    assert hole.started_at == said.received_at and hole.ended_at == now
    assert handover_gap("c1", content_of(ConversationState("c1")), now) is None  # no line yet
    assert handover_gap("c1", content_of(before), said.received_at) is None  # no time passed


async def test_a_taken_over_call_marks_its_hole_for_the_backfill(tmp_path: Path) -> None:
    engine = await scripted_engine(tmp_path)
    before = ConversationState("taken-1")
    said = final("taken-1", "u1", "the code is seven three seven")
    before.apply(said, said.text, False)
    view = CallView(row_of(before), gauges_of(before), content_of(before))

    class Views:
        async def get(self, key: str) -> Any:
            return SimpleNamespace(value=codec.encode(CallView, view))

    takeover = ViewsTakeover(engine, Views(), Subjects("demo"))  # type: ignore[arg-type]
    await takeover([LiveConversation(conversation_id="taken-1")])
    engine.audit.flush()
    state = engine.conversations["taken-1"]
    gap = [line for line in state.lines.values() if line.kind == "gap"]
    assert len(gap) == 1 and "speech in it may be missing" in gap[0].text
    assert engine.gaps.open["taken-1"][0].started_at == said.received_at
    kinds = [r.kind for r in engine.audit.records(conversation="taken-1")]
    assert kinds.count("taken_over") == 1
    # The call's analytics go on from its finals (they read as a new call's before).
    assert engine.board.sentiment.calls["taken-1"].turns  # scored
    assert "taken-1" in engine.board.talk.calls
    assert any(r.kind == "stream_gap" for r in engine.audit.records())


async def test_the_view_of_a_call_that_ended_unfollowed_is_swept(tmp_path: Path) -> None:
    """NATS away (or an engine killed) while a call ended: its view said 'live' on every
    board for good. The engine that holds its partition removes it; nothing else."""
    from datetime import timedelta as td

    from assist_tui.bus.partition import partition_of

    engine = await scripted_engine(tmp_path)
    followed = next(iter(CALLS))

    def view_of(cid: str, *, ended: bool = False, leaves_in_s: float = 0) -> bytes:
        state = ConversationState(cid)
        row = row_of(state)
        if ended:
            now = utc_now()
            row = dataclasses.replace(row, ended_at=now, leaves_at=now + td(seconds=leaves_in_s))
        return codec.encode(CallView, CallView(row, gauges_of(state), content_of(state)))

    names = Subjects("demo")
    stored = {
        names.key(None, "gone-live"): view_of("gone-live"),  # says live, is not: swept
        names.key(None, "lingering"): view_of("lingering", ended=True, leaves_in_s=60),
        names.key(None, "left"): view_of("left", ended=True, leaves_in_s=-1),  # swept
        names.key(None, "still-live"): view_of("still-live"),  # live on the platform
        names.key(None, followed): view_of(followed),  # followed here
    }

    class Views:
        async def keys(self) -> list[str]:
            return list(stored)

        async def get(self, key: str) -> Any:
            return SimpleNamespace(value=stored[key])

        async def delete(self, key: str) -> None:
            del stored[key]

    takeover = ViewsTakeover(engine, Views(), names, partitions=1)  # type: ignore[arg-type]
    assert partition_of("gone-live", 1) == 0
    await takeover.sweep({0}, {"still-live"})
    assert sorted(k.rsplit(".", 1)[-1] for k in stored) == sorted(
        ["lingering", "still-live", followed]
    )
    assert takeover.swept == 2
    await takeover.sweep(set(), set())  # partitions not held: nothing is touched
    assert len(stored) == 3
