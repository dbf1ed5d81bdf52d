"""The serving engine's half of team scoping: a command about a call outside the actor's
teams is refused and audited (``command_refused``); org-wide answers are cut to the teams.

The NATS server's permissions are the other half (``bus/nats_config.py``): they keep a
supervisor from reading or publishing another queue's subjects at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from assist_tui.bus.scope import Scope, TeamScopes, needs_names
from assist_tui.bus.subjects import Subjects, queue_token

if TYPE_CHECKING:
    from assist_tui.engine.engine import AssistEngine
    from assist_tui.engine.snapshot import ConversationRow
    from assist_tui.model import LiveConversation

REFUSED_KIND = "command_refused"
KNOWN_KEPT = 20_000  # queues remembered from live listings (for a later subscribe by id)


class OutsideTeams(Exception):
    """The actor's teams do not include the call's queue; the message is for a person."""


async def guard_for(engine: AssistEngine) -> TeamGuard:
    """The guard of the engine's ``[teams]``: queue names looked up once, through the
    platform the engine uses (``ScopeError`` names an unknown one)."""
    teams = engine.settings.teams
    directory: dict[str, str] = {}
    if needs_names(teams):
        from assist_tui.genesys.queues import queue_directory

        directory = await queue_directory(engine.platform.session.api)
    return TeamGuard(engine, TeamScopes(teams, directory))


class TeamGuard:
    """Checks each command against the actor's scope. With no ``[teams]``, allows all."""

    def __init__(self, engine: AssistEngine, scopes: TeamScopes) -> None:
        self.engine = engine
        self.scopes = scopes
        self.known: dict[str, str | None] = {}  # conversation id → queue, from live listings
        self.refused = 0

    @property
    def configured(self) -> bool:
        return self.scopes.configured

    def scope(self, actor: str) -> Scope:
        return self.scopes.scope(actor)

    def queue_of(self, conversation_id: str) -> str | None:
        """The call's queue as the engine knows it (followed, ended, listed); None if not."""
        engine = self.engine
        state = engine.conversations.get(conversation_id)
        if state is not None and state.queue_id:
            return state.queue_id
        ended = engine.board.ended.get(conversation_id)
        if ended is not None and ended.queue_id:
            return ended.queue_id
        follower = engine.follower
        live = follower.following.get(conversation_id) if follower is not None else None
        if live is not None and live.queue_id:
            return live.queue_id
        return self.known.get(conversation_id)

    def check_calls(self, verb: str, actor: str, conversation_ids: Iterable[str]) -> None:
        """Refuse (and audit) ``verb`` if any call is outside the actor's teams."""
        scope = self.scope(actor)
        if scope.everything:
            return
        for cid in conversation_ids:
            queue = self.queue_of(cid)
            if scope.allows(queue):
                continue
            if not scope.teams:
                reason = f"{actor} is in no team of the engine's [teams], so may act on no call"
            elif queue is None:
                reason = (
                    f"the queue of conversation {cid} is not known, and only teams with "
                    "unassigned = true may act on such calls"
                )
            else:
                reason = f"conversation {cid} is in queue {queue}, outside the teams of {actor}"
            self._refuse(verb, actor, cid, queue, reason)

    def check_alert(self, actor: str, alert_id: str) -> None:
        alert = self.engine.board.alerts.alerts.get(alert_id)
        if alert is not None:
            self.check_calls("acknowledge", actor, [alert.conversation_id])

    def check(self, verb: str, args: dict[str, Any], actor: str) -> None:
        """The check for one command of the bus's verbs (arguments as the request gave)."""
        if verb == "acknowledge":
            self.check_alert(actor, str(args.get("alert_id")))
            return
        ids = args.get("conversation_ids")
        if isinstance(ids, list):
            self.check_calls(verb, actor, [str(c) for c in ids])
        cid = args.get("conversation_id")
        if isinstance(cid, str):
            self.check_calls(verb, actor, [cid])

    def sender(self, subject: str, names: Subjects) -> tuple[str | None, str]:
        """Who sent a command on ``assist.<org>.u.<name>.…`` (None on the plain subjects),
        and the subject without the name. A scoped server lets each user publish only
        under their own name, so this is who sent it, not who the request says it is."""
        prefix = f"assist.{names.org}.u."
        if not subject.startswith(prefix):
            return None, subject
        who, _, rest = subject[len(prefix) :].partition(".")
        return self.scopes.by_token.get(who, who), f"assist.{names.org}.{rest}"

    def targets(self, conversation_id: str | None, actor: str) -> list[str | None]:
        """The calls a pause or resume touches: the one named, else the actor's own
        (``[None]``, every call, when no teams are configured)."""
        if conversation_id is not None:
            return [conversation_id]
        own = self.own_calls(actor)
        return [None] if own is None else list(own)

    def own_calls(self, actor: str) -> list[str] | None:
        """The followed calls an org-wide pause or resume touches (None: every one)."""
        scope = self.scope(actor)
        if scope.everything:
            return None
        return [
            cid for cid, state in self.engine.conversations.items() if scope.allows(state.queue_id)
        ]

    def live_for(self, actor: str, live: list[LiveConversation]) -> list[LiveConversation]:
        """A live listing cut to the actor's queues; each call's queue is remembered."""
        for conversation in live:
            self.known[conversation.conversation_id] = conversation.queue_id
        while len(self.known) > KNOWN_KEPT:
            self.known.pop(next(iter(self.known)))
        scope = self.scope(actor)
        return [c for c in live if scope.allows(c.queue_id)]

    def rows_for(self, actor: str, rows: list[ConversationRow]) -> list[ConversationRow]:
        scope = self.scope(actor)
        return [row for row in rows if scope.allows(row.queue_id)]

    def _refuse(
        self, verb: str, actor: str, conversation_id: str, queue: str | None, reason: str
    ) -> None:
        self.refused += 1
        self.engine.audit.append(
            REFUSED_KIND,
            {"verb": verb, "queue": queue_token(queue), "reason": reason},
            conversation=conversation_id,
            actor=actor,
        )
        raise OutsideTeams(reason)
