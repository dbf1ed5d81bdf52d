"""After a restart, a followed call's alerts come back from the audit: raised, who
acknowledged them, and their rules do not fire again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from assist_tui.engine.alert_rules import AlertRule
from assist_tui.engine.restore import restore_alerts
from assist_tui.engine.stages.alerts import AlertStage

from .scripted_board import NOW
from .scripted_engine import CALLS, scripted_engine

DISCLOSURE = AlertRule.model_validate(
    {
        "id": "disclosure",
        "title": "No recording disclosure",
        "severity": "high",
        "kind": "not_said",
        "speaker": "agent",
        "within_s": 30,
        "phrases": ["this call is recorded"],
    }
)


async def test_a_restarted_engine_has_the_calls_alerts_back(tmp_path: Path) -> None:
    engine = await scripted_engine(tmp_path)
    cid = next(iter(CALLS))
    before = AlertStage([DISCLOSURE], engine.audit)  # the engine that is killed
    first = before.raise_alert(cid, DISCLOSURE, "not said within 30 s", None, NOW)
    before.acknowledge(first.alert_id, "ana")
    second = before.raise_alert(cid, DISCLOSURE, "again", None, NOW + timedelta(minutes=1))
    engine.audit.flush()

    after = AlertStage([DISCLOSURE], engine.audit)  # the engine started again
    state = engine.conversations[cid]
    audited = {
        r.data["alert_id"] for r in engine.audit.records(conversation=cid, kinds=["alert_raised"])
    }
    assert restore_alerts(engine.audit, after, [state], timedelta(days=3650)) == len(audited)
    back = {a.alert_id: a for a in after.of_call(cid)}
    assert set(back) == audited and {first.alert_id, second.alert_id} <= audited
    assert back[first.alert_id].acknowledged_by == "ana" and back[second.alert_id].open
    assert back[first.alert_id].title == "No recording disclosure"
    after.tick(cid, NOW + timedelta(hours=1), None, False, ended=True)
    assert len(after.of_call(cid)) == len(audited)  # no window opened and fired again
