"""The keyword matcher's own ways (engine/nlp.py) answer as spaCy's components would: its
lemmas (``LookupLemmas``: one array write per doc) are those spaCy's lookup lemmatizer
sets, and its entities (``_entities``) those spaCy's entity ruler sets from the same
phrases; so are the matches."""

from __future__ import annotations

import itertools
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


def _ruler(ruleset: object) -> spacy.language.Language:
    """spaCy's own entity ruler with the rules' entity phrases, as the matcher had it."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(  # type: ignore[attr-defined]
        [
            {"label": label, "pattern": phrase}
            for label, phrases in ruleset.entities.items()  # type: ignore[attr-defined]
            for phrase in phrases
        ]
    )
    return nlp


def _theirs(nlp: spacy.language.Language, text: str) -> list[tuple[str, int, int]]:
    return sorted((e.label_, e.start, e.end) for e in nlp(text).ents)


def test_the_entities_are_those_of_spacys_entity_ruler(matcher: KeywordMatcher) -> None:
    rules = load_rules()
    nlp = _ruler(rules)
    phrases = [p for values in rules.entities.values() for p in values]
    # Entity phrases said alone, inside speech, overlapping and repeated.
    texts = (
        _texts()
        + phrases
        + [" ".join(phrases)]
        + [f"{a} {b}" for a, b in itertools.pairwise(phrases)]
    )
    differ = [
        t for t in texts if sorted(matcher._entities(matcher.nlp.make_doc(t))) != _theirs(nlp, t)
    ]
    assert differ == []
    assert sum(bool(matcher._entities(matcher.nlp.make_doc(t))) for t in texts) > 20


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            sorted(
                {w for v in load_rules().entities.values() for p in v for w in p.split()}
                | {"the", "and", "my"}
            )
        ),
        max_size=8,
    )
)
def test_any_run_of_entity_words_gives_the_rulers_entities(words: list[str]) -> None:
    matcher, _ = _shared()
    text = " ".join(words)
    nlp = _shared_ruler()
    assert sorted(matcher._entities(matcher.nlp.make_doc(text))) == _theirs(nlp, text)


_RULER: list[spacy.language.Language] = []


def _shared_ruler() -> spacy.language.Language:
    if not _RULER:
        _RULER.append(_ruler(load_rules()))
    return _RULER[0]
