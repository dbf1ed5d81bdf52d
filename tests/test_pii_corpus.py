"""The labelled corpus (tests/data/pii_corpus.jsonl): recall and false positives over every
category must meet the targets; the cost per final is a benchmark, not a test."""

from __future__ import annotations

from pathlib import Path

from assist_tui.engine.pii.corpus import load, score
from assist_tui.engine.redaction import CATEGORIES, Redactor

CORPUS = Path(__file__).parent / "data/pii_corpus.jsonl"
RECALL_TARGET = 0.98
FP_TARGET = 0.02


def test_corpus_is_big_enough_and_covers_every_category() -> None:
    rows = load(CORPUS)
    positives = [r for r in rows if r["expect"]]
    negatives = [r for r in rows if not r["expect"]]
    assert len(positives) >= 200 and len(negatives) >= 200
    covered = {c for r in positives for c in r["expect"]}
    assert covered == set(CATEGORIES)
    assert any("finals" in r for r in positives)  # cards read over two finals


def test_corpus_meets_recall_and_false_positive_targets() -> None:
    result = score(Redactor(), load(CORPUS))
    assert result.recall >= RECALL_TARGET, result.misses[:10]
    assert result.fp_rate <= FP_TARGET, result.false[:10]
    for category in CATEGORIES:
        assert result.category_recall(category) >= 0.9, (category, result.misses)


def test_a_category_turned_off_is_left_alone() -> None:
    rows = [r for r in load(CORPUS) if r["expect"] == ["DOB"]]
    result = score(Redactor(disabled=["DOB"]), rows)
    assert result.expected["DOB"] == len(rows) and result.caught["DOB"] == 0
