"""Keyword and entity matching with spaCy: blank English, lookup lemmas, rule matchers.

A trained English pipeline is used for extra entities only when it is installed; nothing
is downloaded. Matching is CPU work: callers batch texts and run it off the event loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy
import spacy
from spacy.attrs import LEMMA, ORTH  # type: ignore[import-not-found]
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from assist_tui.engine.nlp_needles import NeedleFilter, build_needles
from assist_tui.engine.rules import GAP, RuleSet

log = logging.getLogger(__name__)

TRAINED_ENTITY_LABELS = frozenset({"ORG", "PRODUCT", "MONEY", "GPE", "DATE"})


@dataclass(frozen=True)
class Match:
    rule_id: str  # for entities: "entity.<LABEL>"
    source: Literal["phrase", "lemma", "entity"]
    start: int  # character offsets in the matched text
    end: int
    text: str


LEMMAS_KEPT = 200_000  # distinct word forms whose lemma is remembered


class LookupLemmas:
    """What spaCy's lookup lemmatizer sets, in one array write per doc: each token's lemma
    is its form's entry in the lookup table, or the form itself. (spaCy's own component
    works token by token in Python: about 40% of reading a final.)"""

    def __init__(self, nlp: Language) -> None:
        lemmatizer: Any = nlp.get_pipe("lemmatizer")
        self._table: Any = lemmatizer.lookups.get_table("lemma_lookup")
        self._strings = nlp.vocab.strings
        self._lemma_of: dict[int, int] = {}  # form (hash) -> lemma (hash)

    def __call__(self, doc: Doc) -> Doc:
        lemma_of = self._lemma_of
        lemmas: list[int] = []
        for orth in doc.to_array(ORTH).tolist():
            lemma = lemma_of.get(orth)
            if lemma is None:
                lemma = self._lemma(orth)
                if len(lemma_of) < LEMMAS_KEPT:
                    lemma_of[orth] = lemma
            lemmas.append(lemma)
        column: Any = numpy.array(lemmas, dtype=numpy.uint64).reshape(-1, 1)
        doc.from_array([LEMMA], column)
        return doc

    def _lemma(self, orth: int) -> int:
        # As Lemmatizer.lookup_lemmatize: the table's entry (its first if a list), else
        # the form itself (already in the string store: the tokenizer put it there).
        found = self._table.get(orth)
        if found is None:
            return orth
        return int(self._strings.add(found if isinstance(found, str) else found[0]))


def _lemma_pattern(pattern: str) -> list[dict[str, Any]]:
    tokens: list[dict[str, Any]] = []
    for word in pattern.lower().split():
        if word == GAP:
            tokens.append({"OP": "{,3}"})
        else:
            tokens.append({"LEMMA": word})
    return tokens


class KeywordMatcher:
    """Built once from a rule set; ``match`` runs a batch through ``nlp.pipe``."""

    def __init__(self, ruleset: RuleSet, trained_pipeline: str | None = None) -> None:
        started = time.perf_counter()
        self.nlp: Language = spacy.blank("en")
        self.nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        self.nlp.initialize()  # loads the lookup tables from spacy-lookups-data
        # Its table is read by LookupLemmas, once per word form, instead of token by token.
        self.nlp.disable_pipe("lemmatizer")
        self.set_lemmas = LookupLemmas(self.nlp)
        # The rules' entities, matched as spaCy's entity ruler matches phrase patterns
        # (``_entities``), without making the doc's entities.
        self.entity_phrases = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for label, phrases in ruleset.entities.items():
            self.entity_phrases.add(label, [self.nlp.make_doc(p) for p in phrases])
        self.phrases = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.lemmas = Matcher(self.nlp.vocab)
        for rule in ruleset.rules:
            if rule.phrases:
                self.phrases.add(rule.id, [self.nlp.make_doc(p) for p in rule.phrases])
            if rule.lemmas:
                self.lemmas.add(rule.id, [_lemma_pattern(p) for p in rule.lemmas])
        self.trained: Language | None = None
        self.trained_name = trained_pipeline
        self.notice = ""
        if trained_pipeline:
            try:
                self.trained = spacy.load(trained_pipeline, exclude=["parser", "lemmatizer"])
            except (OSError, ImportError):
                self.notice = (
                    f"the trained pipeline {trained_pipeline!r} is not installed: entities come "
                    "from the rules' entity list only"
                )
        # Finals no rule could match are not read at all (engine/nlp_needles.py); with a
        # trained pipeline every final is read: its entities need no rule.
        needles = build_needles(self.nlp, ruleset) if self.trained is None else None
        self.needles = NeedleFilter(needles)
        self.build_seconds = time.perf_counter() - started
        self.calls = 0
        self.texts = 0
        self.seconds = 0.0

    def match(self, texts: Sequence[str]) -> list[list[Match]]:
        """Matches for each text (same order), deduplicated by rule and span."""
        started = time.perf_counter()
        results: list[list[Match]] = [[] for _ in texts]
        could = self.needles.could_match
        read = [i for i, text in enumerate(texts) if could(text)]
        pipe = self.nlp.pipe([texts[i] for i in read], batch_size=64)
        for index, doc in zip(read, pipe, strict=True):
            self.set_lemmas(doc)
            found: dict[tuple[str, int, int], Match] = {}
            for source, matcher in (("phrase", self.phrases), ("lemma", self.lemmas)):
                if not len(matcher):  # a rule set may have no lemmas (spaCy warns W036)
                    continue
                for match_id, start, end in matcher(doc):
                    span = doc[start:end]
                    rule_id = self.nlp.vocab.strings[match_id]
                    key = (rule_id, span.start_char, span.end_char)
                    found.setdefault(
                        key,
                        Match(rule_id, source, span.start_char, span.end_char, span.text),  # type: ignore[arg-type]
                    )
            for label, start, end in self._entities(doc):
                span = doc[start:end]
                key = (f"entity.{label}", span.start_char, span.end_char)
                found.setdefault(
                    key, Match(key[0], "entity", span.start_char, span.end_char, span.text)
                )
            results[index] = _without_nested(list(found.values()))
        if self.trained is not None:
            for index, doc in enumerate(self.trained.pipe(texts, batch_size=64)):
                known = {(m.start, m.end) for m in results[index] if m.source == "entity"}
                for ent in doc.ents:
                    if (
                        ent.label_ in TRAINED_ENTITY_LABELS
                        and (ent.start_char, ent.end_char) not in known
                    ):
                        results[index].append(
                            Match(
                                f"entity.{ent.label_}",
                                "entity",
                                ent.start_char,
                                ent.end_char,
                                ent.text,
                            )
                        )
        self.calls += 1
        self.texts += len(texts)
        self.seconds += time.perf_counter() - started
        return results

    def _entities(self, doc: Doc) -> list[tuple[str, int, int]]:
        """(label, start token, end token) of the entities spaCy's entity ruler would set
        on ``doc`` from these phrases: the longest first, then the earliest, each unless
        its first or last token is already taken (spacy/pipeline/entityruler.py)."""
        if not len(self.entity_phrases):
            return []
        found = {(m, s, e) for m, s, e in self.entity_phrases(doc) if s != e}
        taken: set[int] = set()
        chosen: list[tuple[str, int, int]] = []
        for match_id, start, end in sorted(found, key=lambda m: (m[2] - m[1], -m[1]), reverse=True):
            if start not in taken and end - 1 not in taken:
                chosen.append((self.nlp.vocab.strings[match_id], start, end))
                taken.update(range(start, end))
        return chosen


def _without_nested(matches: list[Match]) -> list[Match]:
    """Keep the longest match of each rule where its matches overlap."""
    kept: list[Match] = []
    for match in sorted(matches, key=lambda m: (m.rule_id, m.start, -(m.end - m.start))):
        if kept and kept[-1].rule_id == match.rule_id and match.start < kept[-1].end:
            continue
        kept.append(match)
    return sorted(kept, key=lambda m: (m.start, m.rule_id))


# Building a matcher costs 0.25-0.4 s of CPU (spaCy's tokenizer exceptions, the lemma
# table, the rules' patterns). Engines in one process (a replay, several engines in one
# `serve`, an engine restarted, the test suite) share one per rule set: a matcher keeps
# no per-call state (its lemma memo and counters are caches and totals), and it is only
# used on the event loop's thread, so sharing it changes no result.
SHARED_KEPT = 4  # rule sets whose matcher is kept
_shared: OrderedDict[tuple[str, str | None], KeywordMatcher] = OrderedDict()
_shared_lock = threading.Lock()  # engines build theirs in a worker thread


def shared_matcher(ruleset: RuleSet, trained_pipeline: str | None = None) -> KeywordMatcher:
    """This process's matcher for ``ruleset`` (and trained pipeline), built on first use."""
    trained = trained_pipeline or None  # "" names no pipeline either
    key = (ruleset.model_dump_json(), trained)
    with _shared_lock:
        matcher = _shared.get(key)
        if matcher is None:
            matcher = _shared[key] = KeywordMatcher(ruleset, trained)
            while len(_shared) > SHARED_KEPT:
                _shared.popitem(last=False)
        else:
            _shared.move_to_end(key)
        return matcher
