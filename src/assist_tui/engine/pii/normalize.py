"""Reads speech as a detector needs it: tokens with their places in the text, number
words and "double"/"oh" as digits, fillers and "dash" bridged, digit runs with groups."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assist_tui.engine.pii.lexicon import (
    BREAKERS,
    CUE_MAX_WORDS,
    CUES,
    FILLER_PHRASES,
    FILLERS,
    REPEAT,
    SEPARATORS,
    TEENS,
    TENS,
    UNIT_AFTER,
    UNITS,
    ZEROS,
)

_TOKEN = re.compile(r"\S+")
_DIGIT = re.compile(r"\d")
_STRIP = ".,;:!?()\"'[]{}<>+*#"
_GROUP_PUNCT = set(".,;:-!?")
_WRITTEN_NUM = re.compile(r"\d+(?:[-.]\d+)*")
_WRITTEN_DATE = re.compile(r"\d{1,4}/\d{1,4}(?:/\d{2,4})?")
_SPELLED = re.compile(r"[a-z](?:-[a-z])+")
_CUE_ENDS = frozenset(phrase[-1] for phrase in CUES)
_LISTING = frozenset({"and", "then", "or"})
_MAX_BRIDGE = 3  # filler or separator units between two digits of one run


@dataclass(slots=True)
class Tok:
    start: int
    end: int
    word: str  # lower case, punctuation stripped
    raw: str  # as written, punctuation stripped
    trail: str  # punctuation after the word


@dataclass(slots=True)
class Unit:
    """One or more tokens read as one thing: ``num``, ``date``, ``letter``, ``filler``,
    ``sep`` or ``word``."""

    first: int
    last: int
    kind: str
    digits: str = ""
    groups: tuple[str, ...] = ()
    written: bool = False
    letter: str = ""


@dataclass(slots=True)
class Run:
    """Consecutive digits as one number: its units, digits and spoken or written groups."""

    units: list[int]
    first: int  # token index
    last: int
    digits: str
    groups: list[str]
    start: int  # character span
    end: int
    amount: bool = False
    spoken: bool = False


@dataclass
class Doc:
    text: str
    toks: list[Tok]
    units: list[Unit]
    runs: list[Run]
    own_from: int = 0  # character offset where the text of this final begins
    unit_of: list[int] = field(default_factory=list)  # token index -> unit index

    _words: list[str] | None = None
    _written_digits: int | None = None
    _cues: list[str | None] | None = None
    cache: dict[str, object] = field(default_factory=dict)  # detectors share work here

    @property
    def written_digits(self) -> int:
        """How many digits are written in the text (what ``\\d`` matches)."""
        if self._written_digits is None:
            self._written_digits = len(_DIGIT.findall(self.text))
        return self._written_digits

    @property
    def words(self) -> list[str]:
        if self._words is None:
            self._words = [t.word for t in self.toks]
        return self._words

    @property
    def cues(self) -> list[str | None]:
        return self._cues if self._cues is not None else self._find_cues()

    def cue_before(self, tok: int, reach: int = 10) -> tuple[str, int] | None:
        """The nearest cue phrase ending before token ``tok``: (category, distance).

        A bare "number is" only counts when nothing more specific is within reach.
        """
        cues = self.cues
        generic: tuple[str, int] | None = None
        for j in range(tok - 1, max(-1, tok - 1 - reach), -1):
            category = cues[j]
            if category == "NUMBER":
                generic = generic or (category, tok - j)
            elif category is not None:
                return category, tok - j
        return generic

    def _find_cues(self) -> list[str | None]:
        """For each token, the category of the longest cue phrase ending there."""
        words = [w.removesuffix("'s") for w in self.words]
        cues: list[str | None] = []
        for j in range(len(words)):
            found = None
            if words[j] not in _CUE_ENDS:
                cues.append(None)
                continue
            for size in range(min(CUE_MAX_WORDS, j + 1), 0, -1):
                found = CUES.get(tuple(words[j - size + 1 : j + 1]))
                if found is not None:
                    break
            cues.append(found)
        self._cues = cues
        return cues

    def span(self, first: int, last: int) -> tuple[int, int]:
        return self.toks[first].start, self.toks[last].end


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    for match in _TOKEN.finditer(text):
        raw = match.group()
        core = raw.strip(_STRIP)
        if core == raw:  # the usual word: nothing to strip
            start = match.start()
            toks.append(Tok(start, start + len(raw), raw.lower(), raw, ""))
            continue
        if not core:
            if toks:
                toks[-1].trail += raw
            continue
        lead = raw.index(core)
        start = match.start() + lead
        trail = raw[lead + len(core) :]
        toks.append(Tok(start, start + len(core), core.lower(), core, trail))
    return toks


_FILLERS_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _phrase in FILLER_PHRASES:
    _FILLERS_BY_FIRST.setdefault(_phrase[0], []).append(_phrase)


def _filler_phrase_at(words: list[str], i: int) -> int:
    for phrase in _FILLERS_BY_FIRST.get(words[i], ()):
        if tuple(words[i : i + len(phrase)]) == phrase:
            return len(phrase)
    return 0


def _spoken_digits() -> dict[str, str]:
    """Every word said as digits, to its digits ("twenty-one" too); built once."""
    spoken = {
        f"{head}-{tail}": TENS[head] + UNITS[tail]
        for head in TENS
        for tail in UNITS
        if tail not in ZEROS
    }
    # Later updates win, as the order of the tests did: units, teens, tens, then pairs.
    spoken.update({word: digits + "0" for word, digits in TENS.items()})
    spoken.update(TEENS)
    spoken.update(UNITS)
    return spoken


_SPOKEN = _spoken_digits()
_spoken_digit = _SPOKEN.get  # a word's digits, or None


def _numberish(word: str) -> bool:
    return word.isdigit() or (
        word not in ZEROS and (_spoken_digit(word) is not None or word in REPEAT)
    )


def read_units(toks: list[Tok]) -> list[Unit]:
    """Group tokens into units (see :class:`Unit`)."""
    words = [t.word for t in toks]
    units: list[Unit] = []
    i, n = 0, len(toks)
    while i < n:
        word, raw = words[i], toks[i].raw
        nxt = words[i + 1] if i + 1 < n else ""
        # Both written forms start with a digit (what \d matches, str.isdigit accepts):
        # most words skip the two patterns.
        if raw[0].isdigit():
            if _WRITTEN_NUM.fullmatch(raw):
                groups = tuple(re.split(r"[-.]", raw))
                units.append(Unit(i, i, "num", "".join(groups), groups, written=True))
                i += 1
                continue
            if _WRITTEN_DATE.fullmatch(raw):
                groups = tuple(raw.split("/"))
                units.append(Unit(i, i, "date", "".join(groups), groups, written=True))
                i += 1
                continue
        repeated = _spoken_digit(nxt) if word in REPEAT else None
        if repeated is not None and len(repeated) == 1:
            units.append(Unit(i, i + 1, "num", repeated * REPEAT[word]))
            i += 2
            continue
        if word in REPEAT and len(nxt) == 1 and nxt.isalpha():
            units.append(Unit(i, i + 1, "letter", letter=nxt * REPEAT[word]))
            i += 2
            continue
        digit = _spoken_digit(word)
        if digit is not None and word in ZEROS:
            prev_num = bool(units) and units[-1].kind == "num"
            if not (prev_num or _numberish(nxt) or nxt in ZEROS):
                digit = None  # "oh" alone is an exclamation, "o" a letter
        if digit is not None:
            if word in TENS and nxt in UNITS and nxt not in ZEROS and not toks[i].trail:
                units.append(Unit(i, i + 1, "num", TENS[word] + UNITS[nxt]))
                i += 2
                continue
            if word in UNITS and word not in ZEROS and nxt == "hundred":
                value, last = int(UNITS[word]) * 100, i + 1
                after = words[i + 2] if i + 2 < n else ""
                tail = _spoken_digit(after)
                if tail is not None and after not in ZEROS and after in (*TEENS, *TENS):
                    nxt2 = words[i + 3] if i + 3 < n else ""
                    value += int(tail)
                    last = i + 2
                    if after in TENS and nxt2 in UNITS and nxt2 not in ZEROS:
                        value += int(UNITS[nxt2])
                        last = i + 3
                units.append(Unit(i, last, "num", str(value)))
                i = last + 1
                continue
            units.append(Unit(i, i, "num", digit))
            i += 1
            continue
        if "-" in word and _SPELLED.fullmatch(word):
            units.append(Unit(i, i, "letter", letter=word.replace("-", "")))
            i += 1
            continue
        if len(word) == 1 and word.isalpha():
            # "s as in sam", "s for sugar": one letter said with its example word.
            if nxt == "as" and i + 3 < n and words[i + 2] == "in":
                units.append(Unit(i, i + 3, "letter", letter=word))
                i += 4
                continue
            if (
                nxt == "for"
                and i + 2 < n
                and words[i + 2][:1] == word
                and words[i + 2] != "example"
            ):
                units.append(Unit(i, i + 2, "letter", letter=word))
                i += 3
                continue
            units.append(Unit(i, i, "letter", letter=word))
            i += 1
            continue
        size = _filler_phrase_at(words, i) if word in _FILLERS_BY_FIRST else 0
        if size:
            units.append(Unit(i, i + size - 1, "filler"))
            i += size
            continue
        if word in FILLERS:
            units.append(Unit(i, i, "filler"))
        elif word in SEPARATORS:
            units.append(Unit(i, i, "sep"))
        else:
            units.append(Unit(i, i, "word"))
        i += 1
    return units


def find_runs(toks: list[Tok], units: list[Unit]) -> list[Run]:
    """Digit runs: num units joined directly or across at most a few fillers."""
    runs: list[Run] = []
    i, n = 0, len(units)
    while i < n:
        if units[i].kind != "num":
            i += 1
            continue
        members = [i]
        groups: list[str] = []
        current = ""
        j = i
        while True:
            unit = units[j]
            if unit.written and len(unit.digits) > 1:
                if current:
                    groups.append(current)
                    current = ""
                groups.extend(unit.groups)
            else:
                current += unit.digits
            if toks[unit.last].trail and set(toks[unit.last].trail) & _GROUP_PUNCT and current:
                groups.append(current)
                current = ""
            k = j + 1
            while k < n and k - j <= _MAX_BRIDGE and units[k].kind in ("filler", "sep"):
                k += 1
            if k < n and units[k].kind == "num" and (k == j + 1 or _bridgeable(toks, units, j, k)):
                if k != j + 1 and current:
                    groups.append(current)
                    current = ""
                members.append(k)
                j = k
                continue
            break
        if current:
            groups.append(current)
        first, last = units[members[0]].first, units[members[-1]].last
        digits = "".join([units[m].digits for m in members])
        run = Run(members, first, last, digits, groups, toks[first].start, toks[last].end)
        run.spoken = any(not units[m].written for m in members)
        before = toks[first - 1].word if first > 0 else ""
        after = toks[last + 1].word if last + 1 < len(toks) else ""
        run.amount = after in UNIT_AFTER or before in ("$", "£", "€") or after in BREAKERS
        runs.append(run)
        i = members[-1] + 1
    return runs


def _bridgeable(toks: list[Tok], units: list[Unit], j: int, k: int) -> bool:
    # Fillers bridge digits (a hesitation), but "1234 and 5678" written are two numbers.
    between = units[j + 1 : k]
    if any(u.kind == "sep" for u in between) or not (units[j].written and units[k].written):
        return True
    return not any(toks[u.first].word in _LISTING for u in between)


def read(text: str, own_from: int = 0) -> Doc:
    """The text read as tokens, units and digit runs."""
    toks = tokenize(text)
    units = read_units(toks)
    unit_of = [0] * len(toks)
    for index, unit in enumerate(units):
        for t in range(unit.first, unit.last + 1):
            unit_of[t] = index
    return Doc(text, toks, units, find_runs(toks, units), own_from, unit_of)
