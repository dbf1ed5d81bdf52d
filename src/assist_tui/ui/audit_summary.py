"""How an audit record reads to a person: a one-line summary, a time with its zone, the whole
record as text (for the detail screen and the clipboard). No Textual here."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from assist_tui.audit.store import AuditRecord

# The fields that say most about each kind, in the order they are read.
_FIELDS: dict[str, tuple[str, ...]] = {
    "final_utterance": ("speaker", "text"),
    "keyword_hit": ("category", "rule", "speaker", "matched"),
    "suggestion_pushed": ("title", "target", "result"),
    "webhook_delivery": ("result", "status", "attempt"),
    "insight": ("type", "snippet"),
    "quality_change": ("status", "reason"),
    "conversation_ended": ("reason",),
    "stream_reconnect": ("reason", "attempt"),
    "rejected_frame": ("reason",),
    "stream_gap": ("reason",),
    "command_refused": ("verb", "queue", "reason"),  # team scoping (bus/team_guard.py)
    "alert_raised": ("severity", "title", "detail"),
    "alert_acknowledged": ("rule",),
}
_SHORT_KIND = {"final_utterance": "final", "keyword_hit": "hit", "suggestion_pushed": "pushed"}
_TEXT_FIELDS = {"text", "matched", "snippet", "title", "detail"}


def ellipsis(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` with an ellipsis when it is longer."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: max(0, width - 1)] + "…"


def _value(key: str, value: Any, text_width: int = 48) -> str:
    if isinstance(value, str) and key in _TEXT_FIELDS:
        return f"'{ellipsis(value, text_width)}'"
    if isinstance(value, (dict, list)):
        return ellipsis(json.dumps(value, sort_keys=True), 40)
    return ellipsis(str(value), 40)


def summary(record: AuditRecord, *, text_width: int = 48) -> str:
    """``final · customer · 'I want a refund…'``: the kind and its telling fields (text
    fields cut at ``text_width``: a wide screen shows more of them)."""
    data = {k: v for k, v in record.data.items() if not k.startswith("_")}
    keys = _FIELDS.get(record.kind) or tuple(data)[:3]
    parts = [_SHORT_KIND.get(record.kind, record.kind)]
    parts += [_value(k, data[k], text_width) for k in keys if data.get(k) not in (None, "", [], {})]
    return " · ".join(parts)


def local_time(stamp: str, *, with_date: bool = False) -> str:
    """A stored UTC time in the local zone, the zone named (``14:03:07 CET``)."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return stamp
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z" if with_date else "%m-%d %H:%M:%S %Z")


def record_text(record: AuditRecord) -> str:
    """The whole record, every field, as a person reads it (and as ``c`` copies it)."""
    head = [
        f"record {record.seq} · {record.kind}",
        f"time: {local_time(record.time, with_date=True)} (stored {record.time})",
        f"conversation: {record.conversation or '-'}",
        f"actor: {record.actor}",
        "data:",
        json.dumps(record.data, indent=2, sort_keys=True, ensure_ascii=False),
        f"prev_hash: {record.prev_hash}",
        f"hash: {record.hash}",
    ]
    return "\n".join(head)
