"""The engine process's garbage-collector setting: young collections less often.

Every event allocates a few dozen short-lived objects (frames, models, lines) while the
engine keeps a large heap of conversation state; with Python's default of a young
collection every 700 net allocations, collecting cost about a fifth of the per-event
time (benchmarks/engine_per_event.py). Reference counting still frees almost everything
at once; only cycles wait a little longer.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # net allocations between young collections (Python: 700)


def apply() -> None:
    """Raise the young generation's threshold (never lower a larger one set elsewhere)."""
    young, middle, old = gc.get_threshold()
    if 0 < young < YOUNG_THRESHOLD:
        gc.set_threshold(YOUNG_THRESHOLD, middle, old)
