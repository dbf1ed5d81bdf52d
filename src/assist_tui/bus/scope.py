"""Team scoping: which queues a supervisor may see, as the queue tokens keys and subjects carry.

No ``[teams]`` configured: everyone sees everything. Teams configured: a supervisor sees the
union of their teams' queues, and one in no team sees nothing (and is told so).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from assist_tui.bus.subjects import NO_QUEUE, queue_token, token
from assist_tui.team_settings import TeamSettings


class ScopeError(ValueError):
    """The teams cannot be resolved (a queue name the platform does not know)."""


@dataclass(frozen=True)
class Scope:
    """What one supervisor may see. ``tokens`` is None when no teams are configured."""

    supervisor: str
    teams: tuple[str, ...]
    tokens: frozenset[str] | None

    @property
    def everything(self) -> bool:
        return self.tokens is None

    def allows(self, queue_id: str | None) -> bool:
        """May this supervisor see (and command) a call of ``queue_id`` (None: unknown)?"""
        return self.allows_token(queue_token(queue_id))

    def allows_token(self, token: str) -> bool:
        return self.tokens is None or token in self.tokens

    def key_filters(self) -> list[str]:
        """KV watch filters (``<queue>.>``): ``>`` for everything, none for nothing."""
        if self.tokens is None:
            return [">"]
        return [f"{token}.>" for token in sorted(self.tokens)]

    def notice(self) -> str | None:
        """What the dashboard says when the scope is empty (else None)."""
        if self.tokens is None or self.tokens:
            return None
        if not self.teams:
            return (
                f"{self.supervisor} is in no team of the engine's [teams] settings, so no call "
                "is shown; ask whoever runs `assist-tui serve` to add you to a team"
            )
        return f"the teams of {self.supervisor} ({', '.join(self.teams)}) list no queue"

    def as_json(self) -> dict[str, object]:
        """The scope as the engine tells an attached dashboard (the ``scope`` command)."""
        return {
            "supervisor": self.supervisor,
            "teams": list(self.teams),
            "queues": None if self.tokens is None else sorted(self.tokens),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Scope:
        queues, teams = data.get("queues"), data.get("teams")
        tokens: frozenset[str] | None = None
        if queues is not None:  # anything but a list of tokens sees nothing, never everything
            tokens = frozenset(str(q) for q in queues) if isinstance(queues, list) else frozenset()
        return cls(
            supervisor=str(data.get("supervisor", "")),
            teams=tuple(str(t) for t in teams) if isinstance(teams, list) else (),
            tokens=tokens,
        )


def resolve_name(name: str, directory: Mapping[str, str]) -> str:
    """A queue name's id: exact, else ignoring case; ScopeError with a suggestion if unknown."""
    if name in directory:
        return directory[name]
    folded = {known.casefold(): qid for known, qid in directory.items()}
    if name.casefold() in folded:
        return folded[name.casefold()]
    near = difflib.get_close_matches(name, list(directory), n=1)
    hint = f"did you mean {near[0]!r}?" if near else "give the queue's id in queues instead"
    known = ", ".join(sorted(directory)[:12]) or "none"
    raise ScopeError(
        f"queue name {name!r} is not a queue the platform knows (it knows: {known}); {hint}"
    )


def team_tokens(team: TeamSettings, directory: Mapping[str, str]) -> frozenset[str]:
    """The queue tokens one team may see (ids as given, names through ``directory``)."""
    ids = [*team.queues, *(resolve_name(n, directory) for n in team.queue_names)]
    tokens = {queue_token(qid) for qid in ids}
    if team.unassigned:
        tokens.add(NO_QUEUE)
    return frozenset(tokens)


class TeamScopes:
    """Every supervisor's scope from the ``[teams]`` settings, names resolved once."""

    def __init__(
        self, teams: Mapping[str, TeamSettings], directory: Mapping[str, str] | None = None
    ) -> None:
        directory = directory or {}
        self.configured = bool(teams)
        self.by_team: dict[str, frozenset[str]] = {
            name: team_tokens(team, directory) for name, team in teams.items()
        }
        self.members: dict[str, tuple[str, ...]] = {}
        for name, team in teams.items():
            for supervisor in team.supervisors:
                self.members[supervisor] = (*self.members.get(supervisor, ()), name)
        self.by_token: dict[str, str] = {}  # subject token → supervisor (commands' actor)
        for supervisor in self.members:
            other = self.by_token.setdefault(token(supervisor), supervisor)
            if other != supervisor:
                raise ScopeError(
                    f"supervisors {other!r} and {supervisor!r} are the same name on the bus "
                    f"({token(supervisor)!r}: only letters, digits, _ and - are kept); "
                    "rename one"
                )

    @property
    def supervisors(self) -> list[str]:
        return sorted(self.members)

    def scope(self, supervisor: str) -> Scope:
        if not self.configured:
            return Scope(supervisor, (), None)
        teams = self.members.get(supervisor, ())
        tokens = frozenset().union(*(self.by_team[t] for t in teams)) if teams else frozenset()
        return Scope(supervisor, teams, tokens)


def needs_names(teams: Mapping[str, TeamSettings]) -> bool:
    """Does resolving these teams need the platform's queue directory?"""
    return any(team.queue_names for team in teams.values())
