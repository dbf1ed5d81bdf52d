"""Redaction measured on the labelled corpus: recall per category, false positives on
look-alikes, and the cost per final in microseconds (corpus lines and NatCS speech).

    .venv/bin/python benchmarks/redaction_corpus.py [--misses]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from assist_tui.engine.pii.corpus import load, score
from assist_tui.engine.redaction import CATEGORIES, Redactor

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests/data/pii_corpus.jsonl"
NATCS = ROOT / "src/assist_tui/emulator/data"


def _cost_us(redactor: Redactor, texts: list[str], rounds: int = 5) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            redactor.redact(text)
    return (time.perf_counter() - started) / (rounds * len(texts)) * 1e6


def _random_order_numbers(redactor: Redactor, digits: int, count: int = 2000) -> float:
    """Share of random spoken order numbers redacted as cards (only those passing Luhn
    with an issuer prefix can be: they cannot be told from a card)."""
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    rng = random.Random(digits)
    flagged = 0
    for _ in range(count):
        number = str(rng.randrange(1, 10)) + "".join(
            rng.choice("0123456789") for _ in range(digits - 1)
        )
        said = ", ".join(
            " ".join(words[int(c)] for c in number[i : i + 4]) for i in range(0, digits, 4)
        )
        flagged += "[CARD]" in redactor.redact(f"my order number is {said}").text
    return flagged / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true", help="print what was missed")
    args = parser.parse_args()
    redactor = Redactor()
    rows = load(CORPUS)
    result = score(redactor, rows)
    print(f"corpus: {len(rows)} rows, {result.finals} finals")
    print(f"{'category':<10} {'cases':>6} {'recall':>8}")
    for category in CATEGORIES:
        print(
            f"{category:<10} {result.expected[category]:>6} "
            f"{result.category_recall(category) * 100:>7.1f}%"
        )
    print(f"{'all':<10} {sum(result.expected.values()):>6} {result.recall * 100:>7.1f}%")
    print(
        f"false positives: {result.false_positives}/{result.negatives} negatives "
        f"({result.fp_rate * 100:.1f}%) {dict(result.fp_kinds)}"
    )
    texts = [t for row in rows for t in row.get("finals", [row.get("text", "")])]
    natcs = [
        json.loads(line)["utterance"]
        for name in ("banking-utterances.jsonl", "insurance-utterances.jsonl")
        for line in (NATCS / name).read_text().splitlines()
    ]
    print(
        f"cost per final: corpus {_cost_us(redactor, texts):.0f} us, "
        f"NatCS speech {_cost_us(redactor, natcs):.0f} us ({len(natcs)} utterances)"
    )
    print(
        "random spoken order numbers redacted as CARD: "
        f"16 digits {_random_order_numbers(redactor, 16) * 100:.1f}%, "
        f"19 digits {_random_order_numbers(redactor, 19) * 100:.1f}%"
    )
    if args.misses:
        for category, output in result.misses:
            print(f"MISS {category}: {output}")
        for output in result.false:
            print(f"FALSE: {output}")


if __name__ == "__main__":
    main()
