"""The sentiment stage skips VADER for text with no lexicon word: the score must be
exactly VADER's, over the NatCS corpus and over the cases that could tell them apart."""

from __future__ import annotations

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]

from assist_tui.emulator.corpus import AGENT_LINES, load_corpus
from assist_tui.engine.stages.sentiment import SentimentStage

CRAFTED = [
    "",
    "   ",
    "ok",
    "OK!!!",
    "i need to change my address",
    "my card number is four one one one",
    "not bad",
    "kind of",
    "this is kind of good",
    "very very",
    "no",
    "no no no",
    "but",
    "the bus stop",
    ":)",
    ":-(",
    "<3",
    "hello :) there",
    "thanks!",
    "THANKS",
    "ugh...",
    "it's fine, i guess?",
    "I am NOT happy",
    "great",
    "terrible service, but the agent was helpful",
    "café au lait",  # not ASCII: always scored by VADER
    "good 😀",
]


def test_the_shortcut_scores_exactly_as_vader() -> None:
    vader = SentimentIntensityAnalyzer()
    stage = SentimentStage()
    texts = [*CRAFTED, *AGENT_LINES, *(u.text for u in load_corpus())]
    skipped = 0
    for text in texts:
        expected = float(vader.polarity_scores(text)["compound"])
        assert stage.score(text) == expected, text
        skipped += text.isascii() and expected == 0.0
    assert skipped > 100  # the shortcut is taken on ordinary speech, not only on ""
