"""With several engines, which of them answers a dashboard's command: the one whose
partitions hold the call (or the alert's call). Every engine hears every command (plain
subscriptions, not a queue group); the others stay silent, so the first reply is the
owner's. Org-wide commands (pause all, the live list) are done by every engine.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from assist_tui.engine.engine import AssistEngine


def share_of(data: bytes, owns: Callable[[str], bool], engine: AssistEngine) -> bytes | None:
    """The request this engine should handle (``conversation_ids`` cut down to its own),
    or None to stay silent. A request that is not JSON is handled (and refused) by all."""
    try:
        args: Any = json.loads(data) if data.strip() else {}
    except ValueError:
        return data
    if not isinstance(args, dict):
        return data
    alert_id = args.get("alert_id")
    if isinstance(alert_id, str):
        alert = engine.board.alerts.alerts.get(alert_id)
        return data if alert is not None else None
    cid = args.get("conversation_id")
    if isinstance(cid, str):
        return data if owns(cid) or cid in engine.conversations else None
    ids = args.get("conversation_ids")
    if isinstance(ids, list) and all(isinstance(c, str) for c in ids):
        mine = [c for c in ids if owns(c) or c in engine.conversations]
        if not mine:
            return None
        return json.dumps({**args, "conversation_ids": mine}).encode()
    return data
