"""Relevance of hits and insights (type weight x confidence) and their snippets."""

from __future__ import annotations

SNIPPET_MAX = 250


def relevance(category: str, confidence: float, weights: dict[str, float]) -> float:
    """Weight of the category (the "other" weight, else 1.0, if unlisted) x confidence."""
    weight = weights.get(category, weights.get("other", 1.0))
    return round(max(weight, 0.0) * min(max(confidence, 0.0), 1.0), 4)


def snippet(text: str, start: int = 0, end: int | None = None, limit: int = SNIPPET_MAX) -> str:
    """At most ``limit`` characters around [start, end), cut at word boundaries, with '…'."""
    text = " ".join(text.split()) if "\n" in text or "  " in text else text
    if len(text) <= limit:
        return text
    end = len(text) if end is None else end
    centre = (start + end) // 2
    left = max(0, min(centre - limit // 2, len(text) - limit))
    right = left + limit
    if left > 0:
        space = text.find(" ", left)
        left = space + 1 if 0 <= space < start else left
    if right < len(text):
        space = text.rfind(" ", left, right)
        right = space if space > max(end, left) else right
    body = text[left:right].strip()
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(text) else ""
    while len(prefix) + len(body) + len(suffix) > limit:
        cut = body.rfind(" ")
        body = body[:cut] if cut > 0 else body[: limit - len(prefix) - len(suffix)]
        suffix = "…"
    return prefix + body + suffix
