"""Scores the redactor on a labelled corpus (JSON lines: ``text`` or ``finals``, and the
``expect``-ed categories): recall per category, false positives, leaked digits."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assist_tui.engine.pii.hold import FinalHold
from assist_tui.engine.pii.normalize import read
from assist_tui.engine.pii.redactor import Redactor
from assist_tui.model import Speaker, UtteranceUpdate

LEAK_DIGITS = 5  # a positive still holding a run this long has leaked part of its value


@dataclass
class Score:
    expected: Counter[str] = field(default_factory=Counter)
    caught: Counter[str] = field(default_factory=Counter)
    negatives: int = 0
    false_positives: int = 0
    fp_kinds: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[str, str]] = field(default_factory=list)  # (category, output)
    false: list[str] = field(default_factory=list)
    finals: int = 0

    @property
    def recall(self) -> float:
        total = sum(self.expected.values())
        return sum(self.caught.values()) / total if total else 1.0

    @property
    def fp_rate(self) -> float:
        return self.false_positives / self.negatives if self.negatives else 0.0

    def category_recall(self, category: str) -> float:
        n = self.expected[category]
        return self.caught[category] / n if n else 1.0


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def redact_row(redactor: Redactor, row: dict[str, Any]) -> tuple[str, int]:
    """The redacted text of a row (its finals through the hold, as the engine does)."""
    finals: list[str] = row["finals"] if "finals" in row else [row["text"]]
    hold = FinalHold(redactor, hold_s=2.0, clock=lambda: 0.0)
    out: dict[str, str] = {}
    for index, text in enumerate(finals):
        update = UtteranceUpdate(
            conversation_id="corpus",
            utterance_id=f"u{index}",
            speaker=Speaker.CUSTOMER,
            text=text,
            confidence=0.9,
            is_final=True,
        )
        for released, _ in hold.offer(update):
            if released.is_final:
                out[released.utterance_id] = released.text
    for released, _ in hold.release():
        out[released.utterance_id] = released.text
    return " ".join(out[f"u{i}"] for i in range(len(finals))), len(finals)


def _leaks(text: str) -> bool:
    return any(len(run.digits) >= LEAK_DIGITS for run in read(text).runs)


def score(redactor: Redactor, rows: Iterable[dict[str, Any]]) -> Score:
    result = Score()
    for row in rows:
        output, finals = redact_row(redactor, row)
        result.finals += finals
        expect: list[str] = row["expect"]
        if not expect:
            result.negatives += 1
            if "[" in output:
                result.false_positives += 1
                result.false.append(output)
                result.fp_kinds.update(k for k in redactor.categories if f"[{k}]" in output)
            continue
        leaked = _leaks(output)
        for category in expect:
            result.expected[category] += 1
            if f"[{category}]" in output and not leaked:
                result.caught[category] += 1
            else:
                result.misses.append((category, output))
    return result
