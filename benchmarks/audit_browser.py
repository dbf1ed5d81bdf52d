"""Opening the audit browser on a large store: build a store of N records (1,000,000 by
default; kept for the next run), then time the newest page, the next page back, the
delivery-hiding and text filters, and the real screen's first rows (headless Textual).

    .venv/bin/python benchmarks/audit_browser.py --records 1000000 --store /tmp/audit-1m.sqlite3
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path

from textual.app import App
from textual.widgets import DataTable

from assist_tui.audit.store import AuditReader, AuditStore
from assist_tui.ui.audit_browser import AuditScreen

KINDS = ("final_utterance", "keyword_hit", "webhook_delivery")


def _count(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT MAX(seq) FROM audit").fetchone()
    return int(row[0] or 0)


def build(path: Path, records: int) -> None:
    """Append records up to ``records`` (a third of them webhook deliveries, as in the issue)."""
    existing = _count(path)
    if existing >= records:
        return
    start = time.perf_counter()
    store = AuditStore(path)
    for i in range(existing + 1, records + 1):
        kind = KINDS[i % 3]
        data: dict[str, object] = (
            {"speaker": "customer", "text": f"I want a refund for order {i}, billed twice"}
            if kind == "final_utterance"
            else {"result": "delivered", "status": 200, "attempt": 1}
        )
        store.append(kind, data, conversation=f"{i % 500:08x}-call", actor="pipeline")
        if i % 20_000 == 0:
            store.flush()
    store.flush()
    store.close()
    print(f"built {records - existing} records in {time.perf_counter() - start:.1f} s")


def timed(label: str, action: object) -> None:
    start = time.perf_counter()
    result = action()  # type: ignore[operator]
    print(f"{label:<44} {1000 * (time.perf_counter() - start):8.1f} ms  ({len(result)} rows)")


class Host(App[None]):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.first_rows_s = 0.0

    async def _flush(self) -> None:
        return None

    async def on_mount(self) -> None:
        self.opened = time.perf_counter()
        await self.push_screen(AuditScreen(self.path, self.path.parent, self._flush))


async def screen_open(path: Path) -> float:
    app = Host(path)
    async with app.run_test(size=(160, 50)) as pilot:
        while not app.screen.query(DataTable) or not app.screen.query_one(DataTable).row_count:
            await pilot.pause(0.005)
        return time.perf_counter() - app.opened


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument(
        "--store", type=Path, default=Path(tempfile.gettempdir()) / "assist-audit-bench.sqlite3"
    )
    args = parser.parse_args()
    build(args.store, args.records)
    reader = AuditReader(args.store)
    newest = reader.page(limit=200)
    timed("newest page (200)", lambda: reader.page(limit=200))
    timed("next page back", lambda: reader.page(before_seq=newest[-1].seq, limit=200))
    timed(
        "newest page, webhook deliveries hidden",
        lambda: reader.page(exclude_kinds=["webhook_delivery"], limit=200),
    )
    timed("newest page, kind:keyword_hit", lambda: reader.page(kinds=["keyword_hit"], limit=200))
    timed("newest page, text 'refund'", lambda: reader.page(text="refund", limit=200))
    timed("page back from the middle", lambda: reader.page(before_seq=args.records // 2))
    timed("kinds present", reader.kinds)
    reader.close()
    seconds = asyncio.run(screen_open(args.store))
    print(f"{'screen open to the newest rows on screen':<44} {1000 * seconds:8.1f} ms")


if __name__ == "__main__":
    main()
