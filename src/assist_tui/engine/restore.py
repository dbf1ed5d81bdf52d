"""After a restart, a followed conversation's transcript comes back from the audit store:
its audited finals (already redacted) become its lines again, and count as seen, so a
final the platform sends again is not audited twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import ValidationError

from assist_tui.audit.store import AuditStore
from assist_tui.engine.conversation import MAX_LINES, ConversationState
from assist_tui.model import UtteranceUpdate, utc_now


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
