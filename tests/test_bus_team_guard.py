"""The serving engine refuses (and audits) a command about a call outside the actor's teams."""

from __future__ import annotations

from pathlib import Path

import pytest

from assist_tui.bus.scope import TeamScopes
from assist_tui.bus.team_guard import REFUSED_KIND, OutsideTeams, TeamGuard
from assist_tui.engine.engine import AssistEngine
from assist_tui.engine.snapshot import take_view
from assist_tui.model import LiveConversation
from assist_tui.team_settings import TeamSettings

from .scripted_engine import CALLS, scripted_engine

BILLING, SUPPORT, PAYMENTS = list(CALLS)  # in queues billing, support, payments


def guard_for(engine: AssistEngine, **teams: dict[str, object]) -> TeamGuard:
    scopes = TeamScopes({name: TeamSettings.model_validate(t) for name, t in teams.items()})
    return TeamGuard(engine, scopes)


def refusals(engine: AssistEngine) -> list[tuple[str | None, str, dict[str, object]]]:
    engine.audit.flush()
    return [(r.conversation, r.actor, r.data) for r in engine.audit.records(kinds=[REFUSED_KIND])]


@pytest.fixture
async def engine(tmp_path: Path) -> AssistEngine:
    return await scripted_engine(tmp_path)


async def test_no_teams_allows_every_command(engine: AssistEngine) -> None:
    guard = guard_for(engine)
    guard.check("pause", {"conversation_id": SUPPORT}, "anyone")
    assert guard.own_calls("anyone") is None and refusals(engine) == []


async def test_a_call_outside_the_actors_teams_is_refused_and_audited(engine: AssistEngine) -> None:
    guard = guard_for(engine, billing={"supervisors": ["ana"], "queues": ["billing", "payments"]})
    guard.check("pause", {"conversation_id": BILLING}, "ana")
    guard.check("unsubscribe", {"conversation_ids": [BILLING, PAYMENTS]}, "ana")
    with pytest.raises(OutsideTeams, match="in queue support, outside the teams of ana"):
        guard.check("reset_context", {"conversation_id": SUPPORT}, "ana")
    with pytest.raises(OutsideTeams):
        guard.check("unsubscribe", {"conversation_ids": [BILLING, SUPPORT]}, "ana")
    assert refusals(engine) == [
        (
            SUPPORT,
            "ana",
            {
                "verb": "reset_context",
                "queue": "support",
                "reason": (f"conversation {SUPPORT} is in queue support, outside the teams of ana"),
            },
        ),
        (
            SUPPORT,
            "ana",
            {
                "verb": "unsubscribe",
                "queue": "support",
                "reason": (f"conversation {SUPPORT} is in queue support, outside the teams of ana"),
            },
        ),
    ]
    assert guard.own_calls("ana") == [BILLING, PAYMENTS]  # what her "pause all" pauses
    from assist_tui.ui.audit_summary import summary

    first = next(iter(engine.audit.records(kinds=[REFUSED_KIND])))
    assert summary(first).startswith("command_refused · reset_context · support · conversation")


async def test_a_supervisor_in_no_team_may_act_on_nothing(engine: AssistEngine) -> None:
    guard = guard_for(engine, billing={"supervisors": ["ana"], "queues": ["billing"]})
    with pytest.raises(OutsideTeams, match="mo is in no team"):
        guard.check("pause", {"conversation_id": BILLING}, "mo")
    assert guard.own_calls("mo") == []
    assert [(c, a) for c, a, _ in refusals(engine)] == [(BILLING, "mo")]


async def test_alerts_are_scoped_by_their_call(engine: AssistEngine) -> None:
    alerts = engine.board.alerts.alerts
    by_call = {alert.conversation_id: alert_id for alert_id, alert in alerts.items()}
    assert BILLING in by_call  # the scripted billing call raises alerts
    guard = guard_for(engine, support={"supervisors": ["lee"], "queues": ["support"]})
    with pytest.raises(OutsideTeams):
        guard.check("acknowledge", {"alert_id": by_call[BILLING]}, "lee")
    assert refusals(engine)[0][:2] == (BILLING, "lee")


async def test_live_listings_are_cut_and_remembered_for_subscribe(engine: AssistEngine) -> None:
    guard = guard_for(
        engine,
        billing={"supervisors": ["ana"], "queues": ["billing"]},
        triage={"supervisors": ["tom"], "unassigned": True, "queues": ["billing"]},
    )
    live = [
        LiveConversation(conversation_id="new-1", queue_id="billing"),
        LiveConversation(conversation_id="new-2", queue_id="retention"),
        LiveConversation(conversation_id="new-3"),
    ]
    assert [c.conversation_id for c in guard.live_for("ana", live)] == ["new-1"]
    assert [c.conversation_id for c in guard.live_for("tom", live)] == ["new-1", "new-3"]
    guard.check("subscribe", {"conversation_ids": ["new-1"]}, "ana")
    with pytest.raises(OutsideTeams, match="in queue retention"):
        guard.check("subscribe", {"conversation_ids": ["new-2"]}, "ana")
    with pytest.raises(OutsideTeams, match="not known, and only teams with unassigned"):
        guard.check("subscribe", {"conversation_ids": ["never-listed"]}, "ana")
    guard.check("subscribe", {"conversation_ids": ["never-listed", "new-3"]}, "tom")
    rows = take_view(engine, None).rows or ()
    assert [row.conversation_id for row in guard.rows_for("ana", list(rows))] == [BILLING]


async def test_the_guard_resolves_queue_names_through_the_platform(tmp_path: Path) -> None:
    from assist_tui.audit.store import AuditStore
    from assist_tui.bus.scope import ScopeError
    from assist_tui.bus.team_guard import guard_for
    from assist_tui.config import Settings
    from assist_tui.emulator.scenarios import QUEUE_IDS
    from assist_tui.platform import open_platform

    from .conftest import emulator_settings

    def settings(names: list[str]) -> Settings:
        return Settings.model_validate(
            {
                "demo": True,
                "emulator": emulator_settings().model_dump(),
                "teams": {"billing": {"supervisors": ["ana"], "queue_names": names}},
            }
        )

    async with open_platform(settings(["Billing", "payments"])) as platform:
        audit = AuditStore(tmp_path / "audit.sqlite3")
        engine = AssistEngine(settings(["Billing", "payments"]), platform, audit=audit)
        guard = await guard_for(engine)
        assert guard.scope("ana").tokens == {QUEUE_IDS["Billing"], QUEUE_IDS["Payments"]}
        engine.settings = settings(["Biling"])
        with pytest.raises(ScopeError, match="did you mean 'Billing'"):
            await guard_for(engine)
        audit.close()
