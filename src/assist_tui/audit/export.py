"""Export audit records as JSON lines or CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

from assist_tui.audit.store import AuditRecord, canonical

CSV_COLUMNS = ("seq", "time", "kind", "conversation", "actor", "data", "prev_hash", "hash")


def export(records: Iterable[AuditRecord], out: TextIO, fmt: str = "jsonl") -> int:
    """Write records to ``out``; return how many. ``fmt`` is ``jsonl`` or ``csv``."""
    count = 0
    if fmt == "jsonl":
        for record in records:
            out.write(json.dumps(record.as_json(), ensure_ascii=False) + "\n")
            count += 1
        return count
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for record in records:
            row = record.as_json()
            row["data"] = canonical(record.data)
            writer.writerow([row[c] if row[c] is not None else "" for c in CSV_COLUMNS])
            count += 1
        return count
    raise ValueError(f"unknown export format {fmt!r}: use jsonl or csv")
