"""``assist-tui audit export|verify``: read the store that the engine wrote."""

from __future__ import annotations

import difflib
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path

from assist_tui.audit.export import export
from assist_tui.audit.opening import verify_key
from assist_tui.audit.store import AuditReader
from assist_tui.audit.verify import verify_store
from assist_tui.cli_checks import damaged_store
from assist_tui.config import ConfigError, Settings, store_paths
from assist_tui.files import private_output


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"--since {text!r} is not an ISO-8601 time; fix: use e.g. 2026-11-21T09:00:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def audit_verify(settings: Settings) -> int:
    path, _ = store_paths(settings)
    try:
        result = verify_store(path, verify_key(settings.audit))
    except sqlite3.DatabaseError as exc:
        # Verify's contract: exit 1 whenever the store is not intact, damaged included.
        print(damaged_store(path, exc), file=sys.stderr)
        return 1
    for note in result.notes:
        print(f"note: {note}")
    if result.ok:
        print(f"audit store {path}: {result.records} records, chain intact")
        return 0
    where = f" at record {result.first_bad_seq}" if result.first_bad_seq else ""
    print(f"audit store {path}: BROKEN{where}: {result.problem}", file=sys.stderr)
    for more in result.problems[1:]:
        print(f"  also: {more}", file=sys.stderr)
    return 1


def audit_export(
    settings: Settings,
    *,
    fmt: str,
    since: str | None,
    conversation: str | None,
    kinds: list[str],
    output: Path | None,
) -> int:
    path, _ = store_paths(settings)
    if not path.exists():
        raise ConfigError(
            f"no audit store at {path}; fix: run the engine first, or set [audit] path"
        )
    try:
        store = AuditReader(path)  # read-only: exporting never changes the store
    except sqlite3.DatabaseError as exc:
        raise ConfigError(damaged_store(path, exc)) from None
    try:
        _say_absent_kinds(kinds, store.kinds())
        records = store.records(since=_since(since), conversation=conversation, kinds=kinds or None)
        if output is None:
            count = export(records, sys.stdout, fmt)
        else:
            with private_output(output) as handle:
                count = export(records, handle, fmt)
    except sqlite3.DatabaseError as exc:
        raise ConfigError(damaged_store(path, exc)) from None
    finally:
        store.close()
    print(f"exported {count} record(s)", file=sys.stderr)
    return 0


def _say_absent_kinds(asked: list[str], present: list[str]) -> None:
    """A ``--kind`` the store holds no record of is said (a typo exports nothing quietly)."""
    for kind in asked:
        if kind in present:
            continue
        near = difflib.get_close_matches(kind, present, n=1)
        hint = f"did you mean {near[0]!r}? " if near else ""
        print(
            f"--kind {kind}: this store holds no record of that kind ({hint}kinds present: "
            f"{', '.join(present) or 'none'})",
            file=sys.stderr,
        )
