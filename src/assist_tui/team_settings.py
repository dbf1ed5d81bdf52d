"""The ``[teams.<name>]`` settings: which supervisors may see which queues (issue 16, part 5).

Kept apart from ``config.py`` so the bus's scoping (``bus/scope.py``) and the settings share
one model without either growing; ``config.py`` only adds the ``teams`` table.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# A supervisor name becomes a NATS user and an audit actor: printable, no spaces or quotes,
# so it can be typed on a command line and written into a server configuration unescaped.
_SUPERVISOR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")


class TeamSettings(BaseModel):
    """One team: its supervisors see the calls of its queues, and only those."""

    model_config = ConfigDict(extra="forbid", validate_default=True)

    supervisors: list[str] = Field(
        default_factory=list, description="supervisor names (their --as name, the OS user)"
    )
    queues: list[str] = Field(default_factory=list, description="queue ids the team may see")
    queue_names: list[str] = Field(
        default_factory=list,
        description="queue names, resolved to ids by the platform (Billing, Tech Support)",
    )
    unassigned: bool = Field(False, description="also see calls whose queue is not known (yet)")

    @field_validator("supervisors")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        bad = [name for name in value if not _SUPERVISOR.match(name)]
        if bad:
            raise ValueError(
                f"supervisor names are letters, digits and . _ @ + - (up to 64), not {bad}"
            )
        if not value:
            raise ValueError("a team needs at least one supervisor")
        return list(dict.fromkeys(value))

    @field_validator("queues", "queue_names")
    @classmethod
    def _no_blanks(cls, value: list[str]) -> list[str]:
        cleaned = [item.strip() for item in value]
        if any(not item for item in cleaned):
            raise ValueError("a queue id or name cannot be blank")
        return list(dict.fromkeys(cleaned))

    @model_validator(mode="after")
    def _sees_something(self) -> TeamSettings:
        if not (self.queues or self.queue_names or self.unassigned):
            raise ValueError(
                "a team needs queues (ids), queue_names, or unassigned = true; "
                "otherwise its supervisors would see nothing"
            )
        return self


def check_team_names(teams: dict[str, TeamSettings]) -> dict[str, TeamSettings]:
    """Team names appear in messages and in the generated server configuration."""
    bad = [name for name in teams if not _SUPERVISOR.match(name)]
    if bad:
        raise ValueError(f"team names are letters, digits and . _ @ + - (up to 64), not {bad}")
    return teams


TEAMS_EXAMPLE = (
    ("billing", {"supervisors": ["ana", "raj"], "queue_names": ["Billing", "Payments"]}),
    ("support", {"supervisors": ["lee"], "queues": ["5a1f0c2e-6b3d-4c1a-9e2f-0b7d8c9a1e04"]}),
)
