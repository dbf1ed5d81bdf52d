"""Keyword rules from TOML: categories, phrases, lemma patterns, speakers, suggestions."""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

GAP = "~"


class RulesError(Exception):
    """A rules file that cannot be used; the message names the file, rule and fix."""


class SuggestionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=2000)
    links: list[str] = Field(default_factory=list)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    category: str = Field(min_length=1)
    severity: Literal["low", "medium", "high", "critical"] = "medium"
    speakers: list[Literal["customer", "agent", "unknown"]] | None = None
    phrases: list[str] = Field(default_factory=list)
    lemmas: list[str] = Field(default_factory=list)
    suggestion: SuggestionSpec | None = None

    @field_validator("lemmas")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            words = pattern.split()
            if not words or words[0] == GAP or words[-1] == GAP:
                raise ValueError(f"lemma pattern {pattern!r} must start and end with a word")
        return value


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[Rule] = Field(default_factory=list)
    entities: dict[str, list[str]] = Field(default_factory=dict)

    def by_id(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}


def load_rules(path: Path | None = None) -> RuleSet:
    """The rules in ``path``, or the built-in set."""
    where = str(path) if path else "built-in rules"
    try:
        text = (
            path.read_text("utf-8")
            if path
            else (files("assist_tui.engine") / "data" / "rules.toml").read_text("utf-8")
        )
        data = tomllib.loads(text)
    except OSError as exc:
        raise RulesError(f"cannot read rules file {where}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"rules file {where} is not valid TOML: {exc}") from exc
    try:
        ruleset = RuleSet.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = error["loc"]
        if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
            rule = data.get("rules", [])[loc[1]]
            name = rule.get("id", f"#{loc[1] + 1}") if isinstance(rule, dict) else f"#{loc[1] + 1}"
            field = ".".join(str(p) for p in loc[2:]) or "(rule)"
            raise RulesError(
                f"rules file {where}: rule {name!r}, {field}: {error['msg']}; "
                "fix: correct it (see the comments at the top of the built-in rules.toml)"
            ) from None
        raise RulesError(f"rules file {where}: {'.'.join(map(str, loc))}: {error['msg']}") from None
    ids = [rule.id for rule in ruleset.rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RulesError(f"rules file {where}: duplicate rule id(s) {', '.join(duplicates)}")
    for rule in ruleset.rules:
        if not rule.phrases and not rule.lemmas:
            raise RulesError(f"rules file {where}: rule {rule.id!r} has no phrases and no lemmas")
    return ruleset
