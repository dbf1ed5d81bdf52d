"""The keyword matcher's lemmas (engine/nlp.py ``LookupLemmas``: one array write per doc)
are exactly those spaCy's own lookup lemmatizer sets, and so are the matches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from assist_tui.engine.nlp import KeywordMatcher
from assist_tui.engine.rules import load_rules

from .test_nlp_needles import _scripted_texts, speech

NATCS = Path(__file__).resolve().parents[1] / "src/assist_tui/emulator/data"
ODD = ["", " ", "I was running to the banks", "Ünïcödé wörds 😀 and émigrés", "can't gonna 4th"]


@pytest.fixture(scope="module")
def matcher() -> KeywordMatcher:
    return KeywordMatcher(load_rules(), trained_pipeline=None)


@pytest.fixture(scope="module")
def spacys() -> spacy.language.Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def _texts() -> list[str]:
    texts = _scripted_texts() + ODD
    for name in ("banking-utterances.jsonl", "insurance-utterances.jsonl"):
        texts += [json.loads(x)["utterance"] for x in (NATCS / name).read_text().splitlines()]
    return texts


def _lemmas(matcher: KeywordMatcher, text: str) -> list[str]:
    return [t.lemma_ for t in matcher.set_lemmas(matcher.nlp.make_doc(text))]


def test_the_lemmas_are_spacys_on_real_speech(
    matcher: KeywordMatcher, spacys: spacy.language.Language
) -> None:
    texts = _texts()
    assert [_lemmas(matcher, t) for t in texts] == [[t.lemma_ for t in spacys(x)] for x in texts]
    assert _lemmas(matcher, "we took the cards") == ["we", "take", "the", "card"]


@settings(max_examples=200, deadline=None)
@given(speech() | st.text(max_size=30))
def test_the_lemmas_are_spacys_on_any_text(text: str) -> None:
    matcher, spacys = _shared()
    assert _lemmas(matcher, text) == [t.lemma_ for t in spacys(text)]


def test_the_matches_are_those_of_spacys_lemmatizer(matcher: KeywordMatcher) -> None:
    texts = _texts()
    ours = matcher.match(texts)
    own = matcher.set_lemmas
    matcher.nlp.enable_pipe("lemmatizer")
    matcher.set_lemmas = lambda doc: doc  # type: ignore[method-assign]
    try:
        theirs = matcher.match(texts)
    finally:
        matcher.nlp.disable_pipe("lemmatizer")
        matcher.set_lemmas = own  # type: ignore[method-assign]
    assert ours == theirs
    assert sum(1 for m in ours for x in m if x.source == "lemma") > 5  # lemma rules matched


_SHARED: list[tuple[KeywordMatcher, spacy.language.Language]] = []


def _shared() -> tuple[KeywordMatcher, spacy.language.Language]:
    if not _SHARED:
        nlp = spacy.blank("en")
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
        _SHARED.append((KeywordMatcher(load_rules(), trained_pipeline=None), nlp))
    return _SHARED[0]
