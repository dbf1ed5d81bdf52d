"""The keyword pre-filter (engine/nlp_needles.py) changes no match: over every scripted
and corpus utterance, and over speech made of the rules' own words in any case and form;
it does skip the finals no rule could match."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assist_tui.emulator.board_scenarios import BOARD_SCENARIOS
from assist_tui.emulator.corpus import load_corpus
from assist_tui.emulator.digital_scenarios import DIGITAL_SCENARIOS
from assist_tui.emulator.scenarios import SCENARIOS
from assist_tui.engine.nlp import SHARED_KEPT, KeywordMatcher, shared_matcher
from assist_tui.engine.nlp_needles import NeedleFilter
from assist_tui.engine.rules import RuleSet, load_rules


def _both(matcher: KeywordMatcher, texts: list[str]) -> tuple[list[object], list[object]]:
    quick = matcher.match(texts)
    needles = matcher.needles
    matcher.needles = NeedleFilter(None)  # read every text
    try:
        full = matcher.match(texts)
    finally:
        matcher.needles = needles
    return quick, full


def _scripted_texts() -> list[str]:
    every = {**SCENARIOS, **DIGITAL_SCENARIOS, **BOARD_SCENARIOS}
    texts = [turn.text for scenario in every.values() for turn in scenario.turns]
    return texts + [u.text for u in load_corpus()]


def test_the_built_in_rules_get_a_filter(matcher: KeywordMatcher) -> None:
    needles = dict(matcher.needles.needles or ())
    assert "approving" in needles  # a form of a lemma only the lookup table knows
    assert "took" in needles["bank"]  # and one of the pattern's first word
    assert not matcher.needles.could_match("thanks, have a nice day")
    assert matcher.needles.could_match("I TOOK the money out of the BANK")
    assert matcher.needles.could_match("thanks, have a nice día")  # not ASCII: read
    # "took" reaches the lemma "take" only through the lookup table: still found.
    quick, full = _both(matcher, ["we took money from the bank"])
    assert quick == full and quick[0]


def test_scripted_and_corpus_speech_matches_alike(matcher: KeywordMatcher) -> None:
    texts = _scripted_texts()
    quick, full = _both(matcher, texts)
    assert quick == full
    assert sum(map(bool, full)) > 20  # the sample holds matches to keep
    skipped = sum(not matcher.needles.could_match(t) for t in texts)
    assert skipped > len(texts) // 5  # and texts the filter spares spaCy


RULE_WORDS = sorted(
    {
        w
        for rule in load_rules().rules
        for text in (*rule.phrases, *rule.lemmas)
        for w in text.split()
        if w != "~"
    }
    | {"cancelled", "took", "paid", "closing", "spoke", "banks", "policies", "charges"}
    | {"first", "harbor", "bank", "visa", "card", "gonna", "cannot", "don't", "I'm"}
)
FILLER = ["the", "um", "my", "a", "please", "now", "to", "it", "and", "so"]
GLUE = [" ", "  ", ", ", ". ", "-", "'", "(", ") ", "!", "?", ""]


# Built once, not on every draw: hypothesis validates a strategy each time one is made.
_WORD_LISTS = st.lists(st.sampled_from(RULE_WORDS + FILLER), max_size=6)
_CASE = st.sampled_from((str, str.upper, str.title))
_GLUE = st.sampled_from(GLUE)


@st.composite
def speech(draw: st.DrawFn) -> str:
    words = draw(_WORD_LISTS)
    out = ""
    for word in words:
        case = draw(_CASE)
        out += draw(_GLUE) + case(word)
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(speech(), min_size=1, max_size=4))
def test_speech_of_rule_words_matches_alike(texts: list[str]) -> None:
    matcher = _shared()
    quick, full = _both(matcher, texts)
    assert quick == full


def test_a_rule_set_without_lemmas_or_entities_filters_on_phrases() -> None:
    rules = RuleSet.model_validate(
        {"rules": [{"id": "r", "category": "c", "phrases": ["reset my password"]}]}
    )
    matcher = KeywordMatcher(rules, trained_pipeline=None)
    assert matcher.needles.needles == (("password", ("password",)),)
    texts = ["please RESET MY PASSWORD.", "reset my pass word", "hello"]
    quick, full = _both(matcher, texts)
    assert quick == full and [bool(r) for r in quick] == [True, False, False]


def test_one_matcher_per_rule_set_and_pipeline_is_shared_in_a_process() -> None:
    rules = load_rules()
    first = shared_matcher(rules)
    assert shared_matcher(load_rules()) is first  # equal rules, read again: the same
    assert shared_matcher(rules, "") is first  # no trained pipeline, however it is said
    other = RuleSet.model_validate(
        {"rules": [{"id": "r", "category": "c", "phrases": ["reset my password"]}]}
    )
    mine = shared_matcher(other)
    assert mine is not first and mine.needles.needles == (("password", ("password",)),)
    assert shared_matcher(rules, "no_such_pipeline_installed") is not first
    # Only the last few rule sets are kept: the oldest is built again after that.
    for n in range(SHARED_KEPT):
        shared_matcher(
            RuleSet.model_validate(
                {"rules": [{"id": f"r{n}", "category": "c", "phrases": [f"word{n}"]}]}
            )
        )
    assert shared_matcher(other) is not mine


def test_with_a_trained_pipeline_every_final_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    import spacy

    monkeypatch.setattr(spacy, "load", lambda name, exclude: spacy.blank("en"))
    matcher = KeywordMatcher(load_rules(), trained_pipeline="stand-in")
    assert matcher.trained is not None and matcher.needles.needles is None
    assert matcher.needles.could_match("thanks, have a nice day")


_MATCHER: list[KeywordMatcher] = []


def _shared() -> KeywordMatcher:
    if not _MATCHER:
        _MATCHER.append(shared_matcher(load_rules()))
    return _MATCHER[0]


@settings(max_examples=300, deadline=None)
@given(speech(), speech())
def test_a_final_the_filter_skips_ends_no_match(context: str, text: str) -> None:
    """The keyword stage reads ``context + final`` and keeps matches ending in the final:
    when the filter skips the final, the full reading keeps nothing either."""
    matcher = _shared()
    full = f"{context} {text}" if context else text
    if matcher.needles.could_match(text, full):
        return
    offset = len(full) - len(text)
    needles = matcher.needles
    matcher.needles = NeedleFilter(None)
    try:
        [matches] = matcher.match([full])
    finally:
        matcher.needles = needles
    assert [m for m in matches if m.end > offset] == []
