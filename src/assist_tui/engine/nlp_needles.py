"""Which finals could match a keyword rule at all, before spaCy reads them: every match
ends with one of a few words (needles), found inside the lowercased text. Most finals
hold none.

A phrase (rule or entity) matches tokens whose lowercase text is the phrase's, so its
last token is a needle, and its longest token must be in the text too; a lemma pattern
(which starts and ends with a word) matches tokens whose lookup lemmas are those words,
so every form the lookup table maps to its last word is a needle, and a form of its first
word must be in the text too. As each needle is a match's last token, a final whose own
words hold none cannot end a match, whatever context comes before it. A text that is not
ASCII is always read (lowercasing a piece of it could differ from the piece of its
lowercase), and with a trained pipeline nothing is filtered (its entities need no rule).
"""

from __future__ import annotations

import logging
from typing import Any

from spacy.language import Language
from spacy.strings import get_string_id
from spacy.util import load_language_data, registry

from assist_tui.engine.rules import GAP, RuleSet

log = logging.getLogger(__name__)


Needles = tuple[tuple[str, tuple[str, ...]], ...]


def _lemma_forms(nlp: Language, lemmas: set[str]) -> dict[str, set[str]] | None:
    """Each lemma with every string the lemmatizer's lookup table maps to it (and itself);
    ``None`` when the table cannot be read back in full (its keys are stored hashed)."""
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")  # type: ignore[attr-defined]
    wanted = {key: lemma for key, lemma in table.items() if lemma in lemmas}
    forms: dict[str, set[str]] = {lemma: {lemma} for lemma in lemmas}
    if not wanted:
        return forms
    try:
        source: Any = load_language_data(registry.lookups.get(nlp.lang)["lemma_lookup"])
    except Exception:  # any failure only turns the filter off
        return None
    if not isinstance(source, dict):
        return None
    found = 0
    for key in source:
        lemma = wanted.get(get_string_id(key))
        if lemma is not None:
            forms[lemma].add(key.lower())
            found += 1
    if found != len(wanted):
        return None  # the source is not the table spaCy loaded: read every text
    return forms


def _fewest(alternatives: set[str]) -> tuple[str, ...]:
    """Alternatives without those holding another (found wherever the shorter is)."""
    kept: list[str] = []
    for needle in sorted(alternatives, key=len):
        if not any(k in needle for k in kept):
            kept.append(needle)
    return tuple(kept)


def build_needles(nlp: Language, ruleset: RuleSet) -> Needles | None:
    """For each needle a match can end with, the alternatives one of which the match also
    holds somewhere (its rarest word); ``None``: no filter can be built, read every text."""
    table: dict[str, set[str]] = {}
    phrases = [p for rule in ruleset.rules for p in rule.phrases]
    phrases += [p for values in ruleset.entities.values() for p in values]
    for phrase in phrases:
        tokens = [t.lower_ for t in nlp.make_doc(phrase) if t.lower_.strip()]
        if not tokens:
            return None
        table.setdefault(tokens[-1], set()).add(max(tokens, key=len))
    patterns = [
        [w for w in pattern.lower().split() if w != GAP]
        for rule in ruleset.rules
        for pattern in rule.lemmas
    ]
    if any(not words for words in patterns):
        return None
    if patterns:
        forms = _lemma_forms(nlp, {w for words in patterns for w in (words[0], words[-1])})
        if forms is None:
            log.info("keyword pre-filter off: the lemma table could not be read back")
            return None
        for words in patterns:
            for last in forms[words[-1]]:
                table.setdefault(last, set()).update(forms[words[0]])
    return tuple((last, _fewest(alternatives)) for last, alternatives in sorted(table.items()))


class NeedleFilter:
    """``could_match(new, whole)``: False only when no match can end in ``new``, the end
    of ``whole`` (by default ``new`` is the whole text)."""

    def __init__(self, needles: Needles | None) -> None:
        self.needles = needles

    def could_match(self, new: str, whole: str | None = None) -> bool:
        if self.needles is None or not new.isascii():
            return True
        if whole is not None and not whole.isascii():
            return True
        low = new.lower()
        everything = low if whole is None else whole.lower()
        for last, alternatives in self.needles:
            if last in low and any(a in everything for a in alternatives):
                return True
        return False
