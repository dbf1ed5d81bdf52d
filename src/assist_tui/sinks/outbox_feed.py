"""The outbox is derived from the audit: a final reaches the outbox only from its committed
``final_utterance`` record, so a kill -9 can never leave one without the other.

Each feed reads the records after the outbox's high-water audit seq and enqueues those
meant for the webhook, moving the high-water mark in the same outbox transaction. A
feed after a crash re-reads what the last one missed; idempotency keys make a record
already enqueued a no-op.
"""

from __future__ import annotations

from typing import Any

from assist_tui.audit.store import AuditRecord, AuditStore
from assist_tui.sinks.outbox import Outbox

FINAL_KIND = "final_utterance"
WEBHOOK_FIELD = "webhook"  # present in a final's audit data when it is meant for the webhook
BATCH = 2000  # records read per query (a long backlog is fed in several)


def webhook_fields(
    *,
    offset_ms: int | None,
    duration_ms: int | None,
    language: str | None,
    received_at: str,
) -> dict[str, Any]:
    """What the payload needs beyond what the final's audit record already holds."""
    return {
        "offset_ms": offset_ms,
        "duration_ms": duration_ms,
        "language": language,
        "received_at": received_at,
    }


def payload_from(record: AuditRecord) -> tuple[str, str, dict[str, Any]] | None:
    """(key, conversation, payload) of a final meant for the webhook, else None."""
    data = record.data
    extra = data.get(WEBHOOK_FIELD)
    if record.kind != FINAL_KIND or not isinstance(extra, dict) or not record.conversation:
        return None
    utterance_id = data.get("utterance_id")
    if not isinstance(utterance_id, str):
        return None
    payload = {
        "conversationId": record.conversation,
        "utteranceId": utterance_id,
        "speaker": data.get("speaker"),
        "text": data.get("text"),
        "confidence": data.get("confidence"),
        "offsetMs": extra.get("offset_ms"),
        "durationMs": extra.get("duration_ms"),
        "language": extra.get("language"),
        "latencyMs": data.get("latency_ms"),
        "audioStatus": data.get("audio_status"),
        "receivedAt": extra.get("received_at"),
    }
    return utterance_id, record.conversation, payload


def feed(audit: AuditStore, outbox: Outbox) -> int:
    """Enqueue every committed final after the high-water mark; return how many were new."""
    added = 0
    after = outbox.high_water()
    while True:
        records = list(audit.records(kinds=[FINAL_KIND], after_seq=after, limit=BATCH))
        if not records:
            return added
        items = [item for r in records if (item := payload_from(r)) is not None]
        after = records[-1].seq
        added += outbox.enqueue_many(items, high_water=after)
        if len(records) < BATCH:
            return added
