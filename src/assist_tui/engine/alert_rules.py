"""Alert rules from TOML (said, not said, sentiment, silence, overtalk, bad audio, latency):
loading, validation with errors naming file, rule and key, and text matching."""

from __future__ import annotations

import functools
import re
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import tomllib
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assist_tui.engine.board_types import Severity

RuleKind = Literal[
    "said",
    "not_said",
    "sentiment_below",
    "silence_over",
    "overtalk_over",
    "bad_audio_for",
    "latency_over",
]
SpeakerName = Literal["agent", "customer", "any"]
LatencySource = Literal["platform", "ours"]  # spoken to received, or received to processed
_WORD = re.compile(r"[a-z0-9']+")


class AlertRulesError(Exception):
    """An alert rules file that cannot be used; the message names the file, rule and key."""


@functools.lru_cache(maxsize=4096)  # a pure function of a word: the same words recur
def stem(word: str) -> str:
    """A light stemmer for ``lemmas``: cancel, cancels, cancelled, cancelling -> cancel;
    waive, waived, waiving -> waiv (a final e goes, so both sides meet)."""
    for suffix in ("ling", "led", "ing", "ied", "ies", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            return base + "y" if suffix in ("ied", "ies") else base
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


class Pattern(BaseModel):
    """What counts as said: any phrase (case-insensitive words), lemma or regex."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    speaker: SpeakerName = "any"
    phrases: list[str] = Field(default_factory=list)
    lemmas: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _compiles(self) -> Pattern:
        for pattern in self.patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regex: {exc}") from None
        return self

    @property
    def empty(self) -> bool:
        return not (self.phrases or self.lemmas or self.patterns)

    def compiled(self) -> Matcher:
        return Matcher(self)


@functools.lru_cache(maxsize=16)  # every text rule reads the same final: split it once
def _words_of(text: str) -> tuple[tuple[str, ...], str]:
    words = tuple(_WORD.findall(text.lower()))
    return words, " " + " ".join(words) + " "


class Matcher:
    """A ``Pattern`` ready to test finals quickly (phrases on word boundaries)."""

    __slots__ = ("_lemmas", "_phrases", "_regexes", "speaker")

    def __init__(self, pattern: Pattern) -> None:
        self.speaker = pattern.speaker
        self._phrases = [" " + " ".join(_WORD.findall(p.lower())) + " " for p in pattern.phrases]
        self._lemmas = {stem(w) for lemma in pattern.lemmas for w in _WORD.findall(lemma.lower())}
        self._regexes = [re.compile(p, re.IGNORECASE) for p in pattern.patterns]

    def matches(self, speaker: str, text: str) -> str | None:
        """The matched phrase, lemma or pattern if ``speaker`` saying ``text`` counts."""
        if self.speaker != "any" and speaker != self.speaker:
            return None
        words, padded = _words_of(text)
        for phrase in self._phrases:
            if phrase in padded:
                return phrase.strip()
        if self._lemmas:
            for word in words:
                if stem(word) in self._lemmas:
                    return str(word)
        for regex in self._regexes:
            if (found := regex.search(text)) is not None:
                return str(found.group(0))
        return None


class AlertRule(BaseModel):
    """One rule; which keys apply depends on ``kind`` (README, "Rules and alerts")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    kind: RuleKind
    severity: Severity = "medium"
    category: str | None = None  # a matched rule adds it to the call's categories
    speaker: SpeakerName = "any"
    phrases: list[str] = Field(default_factory=list)
    lemmas: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    within_s: float | None = Field(None, gt=0)  # not_said: the window's length
    after: Pattern | None = None  # not_said: the window opens when this is said
    threshold: float | None = None  # sentiment_below (-1..1), latency_over (ms)
    turns: int = Field(3, ge=1, le=50)  # sentiment_below: this many turns in a row
    seconds: float | None = Field(None, gt=0)  # silence/overtalk/bad audio
    cooldown_s: float = Field(60.0, ge=0)  # said, latency_over: the least time between alerts
    source: LatencySource = "platform"  # latency_over: whose delay it measures

    @model_validator(mode="after")
    def _keys_for_kind(self) -> AlertRule:
        text = Pattern(
            speaker=self.speaker, phrases=self.phrases, lemmas=self.lemmas, patterns=self.patterns
        )
        if self.kind in ("said", "not_said") and text.empty:
            raise ValueError("needs phrases, lemmas or patterns")
        if self.kind == "not_said" and self.within_s is None:
            raise ValueError("not_said needs within_s (the window in seconds)")
        if self.after is not None and self.kind != "not_said":
            raise ValueError("'after' only applies to kind = \"not_said\"")
        if self.after is not None and self.after.empty:
            raise ValueError("'after' needs phrases, lemmas or patterns")
        if self.kind in ("sentiment_below", "latency_over") and self.threshold is None:
            raise ValueError(f"{self.kind} needs threshold")
        if self.source != "platform" and self.kind != "latency_over":
            raise ValueError("'source' only applies to kind = \"latency_over\"")
        if self.kind == "sentiment_below" and not -1 <= (self.threshold or 0) <= 1:
            raise ValueError("sentiment_below threshold is on the -1..1 scale")
        if self.kind in ("silence_over", "overtalk_over", "bad_audio_for") and not self.seconds:
            raise ValueError(f"{self.kind} needs seconds")
        return self

    def text(self) -> Matcher:
        return Pattern(
            speaker=self.speaker, phrases=self.phrases, lemmas=self.lemmas, patterns=self.patterns
        ).compiled()


class AlertRuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alert: list[AlertRule] = Field(default_factory=list)


def load_alert_rules(path: Path | None = None) -> list[AlertRule]:
    """The rules in ``path``, or the built-in set (engine/data/alerts.toml)."""
    where = str(path) if path else "built-in alert rules"
    try:
        raw = (
            path.read_text("utf-8")
            if path
            else (files("assist_tui.engine") / "data" / "alerts.toml").read_text("utf-8")
        )
        data: dict[str, Any] = tomllib.loads(raw)
    except OSError as exc:
        raise AlertRulesError(f"cannot read alert rules file {where}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise AlertRulesError(f"alert rules file {where} is not valid TOML: {exc}") from exc
    try:
        rules = AlertRuleSet.model_validate(data).alert
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = error["loc"]
        if len(loc) >= 2 and loc[0] == "alert" and isinstance(loc[1], int):
            entry = data.get("alert", [])[loc[1]]
            name = entry.get("id", f"#{loc[1] + 1}") if isinstance(entry, dict) else loc[1]
            key = ".".join(map(str, loc[2:])) or "(the rule)"
            raise AlertRulesError(
                f"alert rules file {where}: rule {name!r}, key {key}: {error['msg']}"
            ) from None
        raise AlertRulesError(
            f"alert rules file {where}: {'.'.join(map(str, loc))}: {error['msg']}"
        ) from None
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise AlertRulesError(f"alert rules file {where}: duplicate rule id {rule.id!r}")
        seen.add(rule.id)
    return rules
