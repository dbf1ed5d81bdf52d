"""Which finals could match a keyword rule at all, before spaCy reads them: every match
needs one of a few words (needles) inside the lowercased text. Most finals hold none.

A phrase (rule or entity) matches tokens whose lowercase text is the phrase's, so each of
its tokens is a needle; a lemma pattern matches a token whose lookup lemma is the
pattern's word, so that word and every form the lookup table maps to it are needles. A
text that is not ASCII is always read (lowercasing a piece of it could differ from the
piece of its lowercase), and with a trained pipeline nothing is filtered (its entities
need no rule).
"""

from __future__ import annotations

import logging
from typing import Any

from spacy.language import Language
from spacy.strings import get_string_id
from spacy.util import load_language_data, registry

from assist_tui.engine.rules import GAP, RuleSet

log = logging.getLogger(__name__)


def _lemma_forms(nlp: Language, lemmas: set[str]) -> set[str] | None:
    """Every string the lemmatizer's lookup table maps to one of ``lemmas``; ``None`` when
    the table cannot be read back in full (its keys are stored hashed)."""
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")  # type: ignore[attr-defined]
    wanted = {key for key, lemma in table.items() if lemma in lemmas}
    if not wanted:
        return set()
    try:
        source: Any = load_language_data(registry.lookups.get(nlp.lang)["lemma_lookup"])
    except Exception:  # any failure only turns the filter off
        return None
    if not isinstance(source, dict):
        return None
    forms = {key for key in source if get_string_id(key) in wanted}
    if {get_string_id(form) for form in forms} != wanted:
        return None  # the source is not the table spaCy loaded: read every text
    return forms


def build_needles(nlp: Language, ruleset: RuleSet) -> tuple[str, ...] | None:
    """The needles, fewest first-found; ``None``: no filter can be built, read every text."""
    found: set[str] = set()
    phrases = [p for rule in ruleset.rules for p in rule.phrases]
    phrases += [p for values in ruleset.entities.values() for p in values]
    for phrase in phrases:
        tokens = [t.lower_ for t in nlp.make_doc(phrase) if t.lower_.strip()]
        if not tokens:
            return None
        found.add(max(tokens, key=len))  # any token would do: the longest is the rarest
    lemmas = set()
    for rule in ruleset.rules:
        for pattern in rule.lemmas:
            words = [w for w in pattern.lower().split() if w != GAP]
            if not words:
                return None
            lemmas.add(words[0])
    if lemmas:
        forms = _lemma_forms(nlp, lemmas)
        if forms is None:
            log.info("keyword pre-filter off: the lemma table could not be read back")
            return None
        found |= lemmas | {f.lower() for f in forms}
    # A needle holding another is redundant: the shorter is found wherever it is.
    kept: list[str] = []
    for needle in sorted(found, key=len):
        if needle and not any(k in needle for k in kept):
            kept.append(needle)
    return tuple(kept)


class NeedleFilter:
    """``could_match(text)``: False only when no rule can match ``text``."""

    def __init__(self, needles: tuple[str, ...] | None) -> None:
        self.needles = needles

    def could_match(self, text: str) -> bool:
        if self.needles is None or not text.isascii():
            return True
        low = text.lower()
        return any(needle in low for needle in self.needles)
