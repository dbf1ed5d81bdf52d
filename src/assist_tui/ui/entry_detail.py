"""The whole of one row of the hits pane (a hit, an insight or a suggestion) as text: what
Enter shows and ``c`` copies. No Textual here."""

from __future__ import annotations

from datetime import datetime

from assist_tui.engine.snapshot import ConversationContent


def _when(at: datetime | None) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z") if at else "-"


def entry_text(
    content: ConversationContent | None, key: str | None, push_target: str = ""
) -> tuple[str, str] | None:
    """(title, body) of the row keyed ``key`` in the hits pane, or None for no such row."""
    if content is None or not key:
        return None
    key = key.rstrip("+")  # a repeated key gets "+" appended by the pane
    for hit in content.hits:
        if key == f"hit {hit.utterance_id} {hit.rule_id} {hit.matched}":
            return (
                f"Hit: {hit.category} · {hit.rule_id}",
                "\n".join(
                    [
                        f"matched: “{hit.matched}” ({hit.source})",
                        f"said by: {hit.speaker.value}",
                        f"severity: {hit.severity} · relevance {hit.relevance:.2f} · "
                        f"confidence {hit.confidence:.2f}",
                        f"when: {_when(hit.at)}",
                        f"conversation: {hit.conversation_id}",
                        f"utterance: {hit.utterance_id}",
                        f"suggestion: {hit.suggestion_title or '-'}",
                        "",
                        "in context:",
                        hit.snippet,
                    ]
                ),
            )
    for insight in content.insights:
        if key == f"insight {insight.insight_id}":
            return (
                f"Insight: {insight.insight_type}",
                "\n".join(
                    [
                        f"confidence {insight.confidence:.2f} · relevance {insight.relevance:.2f}",
                        f"when: {_when(insight.event_time or insight.received_at)}",
                        f"conversation: {insight.conversation_id}",
                        "",
                        insight.snippet,
                    ]
                ),
            )
    for suggestion in content.suggestions:
        if key == f"suggestion {suggestion.suggestion_id}":
            outcome = suggestion.outcome.value
            return (
                f"Suggestion to the agent: {suggestion.title}",
                "\n".join(
                    [
                        f"sent to: {push_target or 'the push target'} (agent of "
                        f"{suggestion.conversation_id})",
                        f"outcome: {outcome}"
                        + (f" — {suggestion.detail}" if suggestion.detail else ""),
                        f"when: {_when(suggestion.at)}",
                        f"rule: {suggestion.rule_id}",
                        "",
                        "text as sent:",
                        suggestion.title,
                        suggestion.body,
                        *(f"link: {link}" for link in suggestion.links),
                    ]
                ),
            )
    return None
