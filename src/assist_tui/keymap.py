"""The dashboard's rebindable keys: binding ids and key-name checks for the ``[keys]`` setting.

Kept free of Textual so config validation can use it; a test holds it equal to the app's bindings.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

# Binding id -> default key, as in ``ui/app.py`` (tests/test_settings_source.py keeps them equal).
BINDING_IDS: dict[str, str] = {
    "subscribe": "s",
    "unsubscribe": "u",
    "pause": "p",
    "pause_all": "P",
    "reset": "r",
    "audit": "l",
    "export": "e",
    "filter": "slash",
    "ended": "E",
    "theme": "t",
    "help": "question_mark",
    "quit": "q",
    "screenshot": "f8",
    "restart_engine": "R",
    "notices": "n",
}

# Keys the dashboard's panes and Textual keep for themselves on the main screen: a
# binding of [keys] on one of them would never be reached where it matters.
RESERVED_KEYS: dict[str, str] = {
    "a": "acknowledge, in the alerts pane",
    "c": "copy, in the panes",
    "enter": "open or jump, in the panes",
    "escape": "back, or clear a filter",
    "tab": "the next pane",
    "shift+tab": "the pane before",
    "up": "move in a list",
    "down": "move in a list",
    "k": "move in a list",
    "j": "move in a list",
    "home": "the first row of a list",
    "end": "the last row of a list",
    "pageup": "a page up in a list",
    "pagedown": "a page down in a list",
    "ctrl+p": "the command palette",
    "ctrl+q": "quit (Textual's own)",
    "ctrl+c": "copy (Textual's own)",
}

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
_NAMED = {
    "escape",
    "enter",
    "return",
    "tab",
    "backspace",
    "delete",
    "insert",
    "home",
    "end",
    "pageup",
    "pagedown",
    "up",
    "down",
    "left",
    "right",
    "space",
    *(f"f{n}" for n in range(1, 25)),
}
# Textual names printable characters by their Unicode name, with these short forms.
_REPLACEMENTS = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}


def _character_name(char: str) -> str:
    name = unicodedata.name(char, "").lower().replace("-", "_").replace(" ", "_")
    return _REPLACEMENTS.get(name, name)


_CHARACTER_NAMES = {_character_name(chr(c)) for c in range(33, 127)}


def valid_key(key: str) -> bool:
    """True for one key as Textual names it: ``q``, ``space``, ``f8``, ``ctrl+x``, ``slash``."""
    *mods, name = key.split("+")
    if any(m not in MODIFIERS for m in mods) or len(set(mods)) != len(mods):
        return False
    return (len(name) == 1 and name.isprintable() and not name.isspace()) or (
        name in _NAMED or name in _CHARACTER_NAMES
    )


def check_keys(keys: Mapping[str, str]) -> list[str]:
    """Problems with a ``[keys]`` table (empty when it is fine); each names the valid choices."""
    problems: list[str] = []
    for binding, spec in keys.items():
        if binding not in BINDING_IDS:
            problems.append(
                f"[keys] {binding}: unknown binding id; valid ids: {', '.join(BINDING_IDS)}"
            )
            continue
        parts = [part.strip() for part in str(spec).split(",")]
        bad = [part for part in parts if not valid_key(part)]
        if bad:
            problems.append(
                f"[keys] {binding} = {spec!r}: not a key name ({', '.join(map(repr, bad))}); "
                "use a character (q, P), a name (space, enter, escape, tab, f1-f24, slash, "
                "question_mark) with optional ctrl+/shift+/alt+ before it, several separated "
                "by commas"
            )
    return problems or _clashes(keys)


def _clashes(keys: Mapping[str, str]) -> list[str]:
    """Keys two bindings would share (as rebound, or one rebound onto another's default),
    or that a pane keeps: the first would shadow the other, silently."""
    holders: dict[str, list[str]] = {}
    for binding, default in BINDING_IDS.items():
        for key in _parts(keys.get(binding, default)):
            holders.setdefault(key, []).append(binding)
    problems: list[str] = []
    for binding, spec in keys.items():
        for key in _parts(spec):
            if key in RESERVED_KEYS:
                problems.append(
                    f"[keys] {binding} = {spec!r}: {key!r} is kept for {RESERVED_KEYS[key]}; "
                    "choose another key"
                )
                continue
            for other in holders.get(key, []):
                if other == binding or (other in keys and other < binding):
                    continue  # itself, or a pair said once (from the first of the two)
                rebound = other in keys
                whose = f"{other}'s" if rebound else f"{other}'s default"
                also = "" if rebound else f", or rebind {other} too"
                problems.append(
                    f"[keys] {binding} = {spec!r}: {key!r} is already {whose} key; "
                    f"choose another key{also}"
                )
    return problems


def _parts(spec: str) -> list[str]:
    return [part.strip() for part in str(spec).split(",")]
