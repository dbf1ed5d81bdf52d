"""Every fast path of the per-event work in one list, and a switch that turns them all
off: the validating decoder (typed or by hand), json, the full redaction reading, spaCy on
every final and Python's default collector. For the equivalence tests and the
before/after benchmark."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.engine.nlp_needles import NeedleFilter
from assist_tui.engine.pii import hold, redactor
from assist_tui.genesys import frame_limits, transcription_fast, transcription_typed

PYTHON_YOUNG_THRESHOLD = 700  # CPython's default


@contextmanager
def disabled(matcher: KeywordMatcher | None = None) -> Iterator[None]:
    """Within: each step takes its original path (the results must not change)."""
    saved = (
        transcription_typed.translate_typed,
        transcription_fast.translate_plain,
        frame_limits._fast_loads,
        hold.may_hold_number,
        redactor._nothing_to_find,
        gc.get_threshold(),
    )
    needles = matcher.needles if matcher is not None else None
    transcription_typed.translate_typed = _declined_frame
    transcription_fast.translate_plain = _declined
    frame_limits._fast_loads = None
    hold.may_hold_number = _always
    redactor._nothing_to_find = _never
    _young, middle, old = saved[-1]
    gc.set_threshold(PYTHON_YOUNG_THRESHOLD, middle, old)
    if matcher is not None:
        matcher.needles = NeedleFilter(None)
    try:
        yield
    finally:
        (
            transcription_typed.translate_typed,
            transcription_fast.translate_plain,
            frame_limits._fast_loads,
            hold.may_hold_number,
            redactor._nothing_to_find,
            thresholds,
        ) = saved
        gc.set_threshold(*thresholds)
        if matcher is not None and needles is not None:
            matcher.needles = needles


def _declined_frame(raw: object, received_at: object) -> None:
    return None


def _declined(body: object, received_at: object) -> None:
    return None


def _always(text: str) -> bool:
    return True


def _never(texts: Sequence[str], joined_words: Sequence[str]) -> bool:
    return False
