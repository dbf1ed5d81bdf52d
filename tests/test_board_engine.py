"""The engine fills the call board: analytics and alerts in the view, the platform's start
time, ended calls lingering then leaving (state freed), the ended-calls list, reopen and
acknowledge through the link."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from assist_tui.engine.link import EngineCommandError, LocalLink
from assist_tui.engine.snapshot import attention_order
from assist_tui.model import ConversationStarted
from tests.scripted_engine import CALLS, T0, scripted_engine

FIRST = next(iter(CALLS))


async def test_view_carries_analytics_alerts_and_started_at(tmp_path: Path) -> None:
    engine = await scripted_engine(tmp_path)
    await engine.process(
        ConversationStarted(conversation_id=FIRST, started_at=T0 - timedelta(minutes=3))
    )
    link = LocalLink(engine, "DEMO")
    view = await link.view(FIRST)
    assert view.rows is not None and view.alerts is not None
    row = next(r for r in view.rows if r.conversation_id == FIRST)
    assert row.started_at == T0 - timedelta(minutes=3)
    assert row.analytics is not None
    a = row.analytics
    assert a.sentiment is not None and -1 <= a.sentiment <= 1
    assert {s for s, _ in a.talk_ms} == {"agent", "customer"}
    assert a.talk_ratio is not None and 0 < a.talk_ratio < 1
    assert "churn" in a.categories  # the keyword hit on "cancel my account"
    assert row.own_latency_p50_ms is not None
    assert row.leaves_at == row.ended_at + timedelta(seconds=120)  # type: ignore[operator]
    # No agent said the recording disclosure: each call's window closed at its end.
    raised = {(al.conversation_id, al.rule_id) for al in view.alerts}
    assert {(cid, "recording-disclosure") for cid in CALLS} <= raised
    # The customer of the first call said cancel and the agent waived a fee in time.
    assert (FIRST, "retention-offer") not in raised
    assert row.open_alerts >= 1 and row.top_severity == "high"
    assert view.gauges is not None and view.gauges.analytics == row.analytics
    assert [al.raised_at for al in view.alerts] == sorted(
        (al.raised_at for al in view.alerts), reverse=True
    )
    assert attention_order(view.rows)[0].open_alerts >= 1


async def test_acknowledge_through_the_link(tmp_path: Path) -> None:
    engine = await scripted_engine(tmp_path)
    link = LocalLink(engine, "DEMO")
    view = await link.view(None)
    assert view.alerts
    alert = view.alerts[0]
    await link.acknowledge(alert.alert_id, "sup-ann")
    after = await link.view(None)
    assert after.alerts is not None
    done = next(a for a in after.alerts if a.alert_id == alert.alert_id)
    assert done.acknowledged_by == "sup-ann" and not done.open
    with pytest.raises(EngineCommandError, match=f"no open alert {alert.alert_id}"):
        await link.acknowledge(alert.alert_id, "sup-ann")
    engine.audit.flush()
    (record,) = engine.audit.records(kinds=["alert_acknowledged"])
    assert record.actor == "sup-ann"


async def test_ended_calls_linger_leave_and_reopen(tmp_path: Path) -> None:
    engine = await scripted_engine(tmp_path)
    link = LocalLink(engine, "DEMO")
    ends = sorted(s.ended_at for s in engine.conversations.values() if s.ended_at)
    first_end, last_end = ends[0], ends[-1]
    engine.board.tick(first_end + timedelta(seconds=119))
    assert len(engine.conversations) == 3  # still lingering
    engine.board.tick(first_end + timedelta(seconds=121))
    assert len(engine.conversations) == 2  # the first to end left first
    engine.board.tick(last_end + timedelta(seconds=121))
    assert engine.conversations == {}
    # Their state is freed in every stage.
    assert not engine.board.sentiment.calls and not engine.board.talk.calls
    assert not engine.board.alerts.calls
    ended = await link.ended_conversations()
    assert [r.conversation_id for r in ended] == list(CALLS)[::-1]  # newest first
    assert ended[0].analytics is not None
    engine.audit.flush()
    await link.reopen(FIRST)
    state = engine.conversations[FIRST]
    assert len(state.lines) == len(CALLS[FIRST])  # its lines came back from the audit
    assert FIRST not in {r.conversation_id for r in await link.ended_conversations()}
    leaves = engine.board.leaves_at(state)
    assert leaves is not None
    engine.board.tick(leaves - timedelta(seconds=1))
    assert FIRST in engine.conversations
    engine.board.tick(leaves + timedelta(seconds=1))
    assert FIRST not in engine.conversations
    with pytest.raises(EngineCommandError, match="no ended conversation nope"):
        await link.reopen("nope")


async def test_a_call_waiting_for_its_backfill_stays_until_filled(tmp_path: Path) -> None:
    engine = await scripted_engine(tmp_path)
    ends = [s.ended_at for s in engine.conversations.values() if s.ended_at]
    engine.gaps.open[FIRST] = []  # a gap whose recorded transcript has not come yet
    engine.board.tick(max(ends) + timedelta(seconds=121))
    assert list(engine.conversations) == [FIRST]
    del engine.gaps.open[FIRST]  # settled (gaps.py)
    engine.board.tick(max(ends) + timedelta(seconds=122))
    assert engine.conversations == {}


async def test_ended_calls_past_memory_come_from_the_audit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assist_tui.engine.stages import runner

    monkeypatch.setattr(runner, "MAX_ENDED", 1)  # memory keeps only the newest ended call
    engine = await scripted_engine(tmp_path)
    last_end = max(s.ended_at for s in engine.conversations.values() if s.ended_at)
    engine.board.tick(last_end + timedelta(seconds=121))
    assert len(engine.board.ended) == 1
    engine.audit.flush()
    newest_first = list(CALLS)[::-1]
    rows = engine.ended_conversations()
    assert [r.conversation_id for r in rows] == newest_first
    assert rows[0].analytics is not None  # from memory; the older ones from the audit
    assert rows[1].ended_at is not None and rows[1].analytics is None
    page = engine.ended_conversations(offset=1, limit=1)
    assert [r.conversation_id for r in page] == newest_first[1:2]
    assert [r.conversation_id for r in engine.ended_conversations(offset=2)] == newest_first[2:]
    engine.reopen(FIRST)  # the oldest: no longer in memory, found in the audit
    assert len(engine.conversations[FIRST].lines) == len(CALLS[FIRST])
    assert FIRST not in {r.conversation_id for r in engine.ended_conversations()}
    with pytest.raises(KeyError, match="no ended conversation nope"):
        engine.reopen("nope")
