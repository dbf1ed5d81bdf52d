"""The help screen (``?``) written for supervisors, and the command palette's wording.

Panes, colours and keys are data: a new pane is described by adding a ``Pane`` entry, a new
key by adding its action to ``ACTIONS``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static


@dataclass(frozen=True)
class Pane:
    name: str
    what: str


PANES: list[Pane] = [
    Pane(
        "status bar (top)",
        "where the data comes from (DEMO is the built-in emulator), whether the live stream is "
        "connected, events per second, reconnects, rejected frames, gaps in the stream, "
        "paused calls, and how many notices wait on n.",
    ),
    Pane(
        "call board (left)",
        "live calls ordered by who needs you: live before ended, then open alerts by "
        "severity, then sentiment, then age. Agent, queue, the call's real duration, "
        "sentiment with its trend arrow, talk ratio or current silence, open alerts, audio "
        "badge, processing delay. Ended calls dim and leave after a while; the ended-calls "
        "view reopens them.",
    ),
    Pane(
        "alerts (right, above the hits)",
        "alerts across all calls, newest first, coloured by severity. Enter jumps to the call "
        "and the moment in its transcript; a acknowledges an alert (audited).",
    ),
    Pane(
        "transcript (centre)",
        "what the agent (AGENT) and the customer (CUST) said, newest at the bottom, with "
        "personal data replaced by a tag naming its kind ([CARD], [DOB]…). Words a rule "
        "matched are highlighted; grey text with … is still being spoken. A tag at the end "
        "of a line says it was cut off, "
        "had bad audio, was filled in later from the recording (backfilled), or arrived late "
        "(its delay in ms).",
    ),
    Pane(
        "hits and suggestions (right)",
        "what the rules found in the selected call, newest first: the category and words "
        "matched with their severity, platform insights, and suggestions pushed to the agent "
        "(→ agent) with their outcome. Enter opens the whole entry, c copies it.",
    ),
    Pane(
        "gauges (right, below)",
        "audio quality of the selected call (signal-to-noise, jitter, packet loss, MOS) and "
        "the delay of recent finished sentences.",
    ),
]


COLOURS: list[tuple[str, str, str]] = [
    ("DEMO", "bold black on yellow", "the built-in emulator, not Genesys Cloud"),
    ("○ connecting", "yellow", "the stream is being opened (token, channel, socket)"),
    ("● connected", "green", "the live stream is up"),
    ("◌ reconnecting", "bold yellow", "the stream dropped; reconnecting (why, if known)"),
    (
        "✕ closed / ENGINE DOWN",
        "bold red",
        "no data (engine down, NATS lost, no team): why follows",
    ),
    ("⏸ PAUSED", "bold black on yellow", "the display of paused calls is frozen"),
    ("good", "green", "audio quality within the configured limits"),
    ("degraded", "yellow", "audio below the first set of limits"),
    ("BAD", "bold red", "audio below the second set: the transcript may be wrong"),
    ("critical", "bold red", "hit severity: act now"),
    ("high", "red", "hit severity: act soon"),
    ("medium", "yellow", "hit severity: worth a look"),
    ("low", "dim", "hit severity: for information"),
    ("delivered", "green", "the suggestion reached the agent's panel"),
    ("failed", "red", "the suggestion did not reach the agent"),
    ("inactive", "yellow", "the call ended before the suggestion arrived"),
]

# Action -> what it does, for the help screen and the command palette (title, help).
ACTIONS: dict[str, tuple[str, str]] = {
    "subscribe": ("Follow calls", "pick live calls to follow (s)"),
    "unsubscribe": ("Stop following the call", "asks first; the audit log keeps it (u)"),
    "pause": ("Pause or resume the call", "freeze the selected call's display (p)"),
    "pause_all": ("Pause or resume every call", "freeze every call's display (P)"),
    "reset": ("Reset the call's context", "forget partials, keyword context, cooldowns (r)"),
    "audit": ("Open the audit log", "every record kept, newest first (l)"),
    "export": ("Export the transcript", "save the selected call's transcript to a file (e)"),
    "filter": ("Filter calls", "show only calls matching an id, queue or agent (/)"),
    "ended": ("Ended calls", "calls that left the board; enter reopens one (E)"),
    "theme": ("Next theme", "cycle the built-in and your own themes; remembered (t)"),
    "help": ("Help", "this screen: panes, colours and keys (?)"),
    "quit": ("Quit", "leave assist-tui (q)"),
    "save_screenshot": ("Save a screenshot", "an SVG of the screen in the exports dir (f8)"),
    "restart_engine": ("Restart the engine", "start the engine process again now (R)"),
    "notices": ("Show notices", "one-time messages of this session (n)"),
}
# Actions of the panes (their keys work where the pane has focus), in the palette too:
# action of the app -> (title, help).
PANE_ACTIONS: dict[str, tuple[str, str]] = {
    "acknowledge_alert": (
        "Acknowledge the alert",
        "acknowledge the alert selected in the alerts pane, as you (audited; key a there)",
    ),
    "jump_to_alert": (
        "Jump to the alert's moment",
        "show the call and the line that raised the selected alert (enter there)",
    ),
    "open_entry": (
        "Open the hit or suggestion",
        "the whole entry selected in the hits pane: text, where it went, outcome (enter there)",
    ),
    "copy_transcript": (
        "Copy the transcript's lines",
        "copy the selected call's visible transcript lines to the clipboard (c there)",
    ),
}

OTHER_KEYS = [
    ("up / down, j / k", "move in a list"),
    ("enter", "open the whole entry (hits pane, audit log); in the alerts pane, jump to it"),
    ("a", "in the alerts pane: acknowledge the selected alert as you (audited)"),
    ("c", "copy the selected entry or record to the clipboard"),
    ("ctrl+p", "the command palette: every action by name"),
    ("esc", "close a screen or dialog; in a filter box, clear it first"),
]


def help_text(keys: list[tuple[str, str]]) -> Text:
    """The whole help: panes, colours and badges, then ``keys`` (key, action) as bound."""
    text = Text()
    text.append("What you see\n", "bold underline")
    for pane in PANES:
        text.append(f"{pane.name}: ", "bold")
        text.append(pane.what + "\n")
    text.append("\nColours and badges\n", "bold underline")
    for sample, style, meaning in COLOURS:
        text.append(f" {sample} ", style)
        text.append(f"  {meaning}\n")
    text.append("\nKeys\n", "bold underline")
    # Two spaces past the longest key, so no key runs into its description.
    width = max(len(key) for key, _ in [*keys, *OTHER_KEYS]) + 2
    for key, action in keys:
        title, what = ACTIONS.get(action, (action, ""))
        text.append(key.ljust(width), "bold")
        text.append(f"{title}: {what.rsplit(' (', 1)[0]}\n")
    for key, what in OTHER_KEYS:
        text.append(key.ljust(width), "bold")
        text.append(what + "\n")
    return text


class HelpScreen(ModalScreen[None]):
    """Help over the dashboard (which keeps its layout underneath)."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="record-dialog"):
            yield Static(help_text(self.keys))
        yield Footer()


def bound_keys(app: App[Any]) -> list[tuple[str, str]]:
    """(key as bound now, action) of every app binding, rebinding in ``[keys]`` included."""
    keys: list[tuple[str, str]] = []
    for binding in app.BINDINGS:
        if isinstance(binding, Binding):
            shown = ", ".join(
                app.get_key_display(Binding(k, binding.action)) for k in _current(app, binding)
            )
            keys.append((shown, binding.action))
    return keys


def _current(app: App[Any], binding: Binding) -> list[str]:
    keymap = getattr(app, "_keymap", {}) or {}
    spec = keymap.get(binding.id or "", binding.key)
    return [part.strip() for part in spec.split(",")]


def palette_commands(
    app: App[Any],
    textual_commands: Iterable[SystemCommand],
    runner: Callable[[str], Callable[[], Awaitable[None]]],
) -> list[SystemCommand]:
    """Textual's commands without the ones ours replace, then ours, each once, in words."""
    ours = {title for title, _ in ACTIONS.values()}
    commands = [
        c for c in textual_commands if c.title not in {"Theme", "Screenshot", "Keys", *ours}
    ]
    seen: set[str] = set()
    for binding in app.BINDINGS:
        if not isinstance(binding, Binding) or binding.action in seen:
            continue
        seen.add(binding.action)
        title, what = ACTIONS.get(binding.action, (binding.description, binding.description))
        commands.append(SystemCommand(title, what, runner(binding.action)))
    for action, (title, what) in PANE_ACTIONS.items():
        commands.append(SystemCommand(title, what, runner(action)))
    return commands
