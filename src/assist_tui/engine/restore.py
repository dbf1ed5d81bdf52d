"""After a restart, a followed conversation's transcript comes back from the audit store:
its audited finals (already redacted) become its lines again, and count as seen, so a
final the platform sends again is not audited twice. Its alerts come back too: raised,
acknowledged or not, and their rules do not fire again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import ValidationError

from assist_tui.audit.store import AuditStore
from assist_tui.engine.board_types import AlertView
from assist_tui.engine.conversation import MAX_LINES, ConversationState, said_in
from assist_tui.model import UtteranceUpdate, utc_now

if TYPE_CHECKING:
    from assist_tui.engine.stages.alerts import AlertStage


def restore_lines(
    audit: AuditStore,
    states: Iterable[ConversationState],
    max_age: timedelta,
) -> int:
    """Give each conversation its audited finals from the last ``max_age``; return how many."""
    since = utc_now() - max_age
    restored = 0
    for state in states:
        records = list(
            audit.records(
                conversation=state.conversation_id, kinds=["final_utterance"], since=since
            )
        )
        for record in records[-MAX_LINES:]:
            data = record.data
            uid, text = data.get("utterance_id"), data.get("text")
            if not isinstance(uid, str) or not isinstance(text, str):
                continue
            try:
                update = UtteranceUpdate.model_validate(
                    {
                        "conversation_id": state.conversation_id,
                        "utterance_id": uid,
                        "speaker": data.get("speaker", "unknown"),
                        "text": text,
                        "confidence": data.get("confidence") or 0.0,
                        "is_final": True,
                        "received_at": datetime.fromisoformat(record.time),
                    }
                )
            except (ValidationError, ValueError):
                continue  # a record this version cannot read: the audit log still has it
            state.apply(update, text, bool(data.get("redactions")))
            restored += 1
    return restored


SEVERITIES = ("low", "medium", "high", "critical")


def restore_alerts(
    audit: AuditStore,
    alerts: AlertStage,
    states: Iterable[ConversationState],
    max_age: timedelta,
) -> int:
    """Give each conversation the alerts the audit says were raised on it (with who
    acknowledged them); return how many."""
    since = utc_now() - max_age
    restored = 0
    for state in states:
        cid = state.conversation_id
        raised: dict[str, AlertView] = {}
        for record in audit.records(
            conversation=cid, kinds=["alert_raised", "alert_acknowledged"], since=since
        ):
            data = record.data
            alert_id = data.get("alert_id")
            if not isinstance(alert_id, str):
                continue
            at = datetime.fromisoformat(record.time)
            if record.kind == "alert_acknowledged":
                if alert_id in raised:
                    raised[alert_id] = dataclasses.replace(
                        raised[alert_id], acknowledged_by=record.actor, acknowledged_at=at
                    )
                continue
            severity = data.get("severity")
            if severity not in SEVERITIES or not isinstance(data.get("rule"), str):
                continue  # a record this version cannot read: the audit log still has it
            offset, line = data.get("call_offset_ms"), data.get("utterance_id")
            raised[alert_id] = AlertView(
                alert_id=alert_id,
                conversation_id=cid,
                rule_id=data["rule"],
                title=str(data.get("title") or data["rule"]),
                severity=severity,
                raised_at=at,
                call_offset_ms=offset if isinstance(offset, int) else None,
                utterance_id=line if isinstance(line, str) else None,
                detail=str(data.get("detail") or ""),
            )
        if raised:
            alerts.continue_call(cid, None, tuple(raised.values()), said_in(state.lines.values()))
            restored += len(raised)
    return restored
