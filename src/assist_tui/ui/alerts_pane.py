"""The alerts pane: alerts across every call, newest first, coloured by severity. Enter
asks to jump to the call and the moment that raised it; ``a`` asks to acknowledge."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message

from assist_tui.engine.board_types import AlertView
from assist_tui.ui.keyed_list import Cell, Column, KeyedList

SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "dim",
}

NAMES_KEPT = 2000  # agents' names remembered for alerts of calls gone from the board
SEVERITY_SHORT = {"critical": "CRIT", "high": "HIGH", "medium": "med", "low": "low"}


class AlertsPane(KeyedList):
    """Alerts by id; an acknowledged one is dimmed and names who acknowledged it."""

    STICKY_TOP = True
    COLUMNS = (
        Column("when", 8, keep=4),
        Column("sev", 4, keep=2),
        Column("alert", 12, keep=0, flex=True),
        Column("call", 8, keep=1),
        Column("ack", 8, keep=3),
    )
    BINDINGS = [
        Binding("enter", "open_alert", "Jump to"),
        Binding("a", "acknowledge", "Acknowledge", id="acknowledge"),
    ]

    class Jump(Message):
        """Show this alert's call at the moment it was raised."""

        def __init__(self, alert: AlertView) -> None:
            super().__init__()
            self.alert = alert

    class Acknowledge(Message):
        """The supervisor acknowledges this alert."""

        def __init__(self, alert: AlertView) -> None:
            super().__init__()
            self.alert = alert

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(self.COLUMNS, id=id)
        self.alerts: dict[str, AlertView] = {}
        # Agents' names of calls seen on the board: an alert keeps naming its agent after
        # the call leaves the board.
        self._names: dict[str, str] = {}

    def sync_alerts(self, alerts: tuple[AlertView, ...], names: dict[str, str]) -> None:
        """``alerts`` newest first; ``names``: conversation id to the agent's name."""
        self._names.update((cid, name) for cid, name in names.items() if name)
        if len(self._names) > NAMES_KEPT:
            for cid in list(self._names)[: len(self._names) - NAMES_KEPT]:
                del self._names[cid]
        self.alerts = {a.alert_id: a for a in alerts}
        self.sync({a.alert_id: self._alert_cells(a, self._names) for a in alerts})

    def title(self) -> str:
        """The pane's title: its keys, and how many newer alerts are above the rows shown."""
        above = self.rows_above
        newer = f" · ↑ {above} newer (home)" if above else ""
        return f"alerts{newer} · ⏎ jump · a ack"

    @property
    def selected_alert(self) -> AlertView | None:
        key = self.selected
        return self.alerts.get(key) if key else None

    def action_open_alert(self) -> None:
        if (alert := self.selected_alert) is not None:
            self.post_message(self.Jump(alert))

    def action_acknowledge(self) -> None:
        alert = self.selected_alert
        if alert is None:
            return
        if not alert.open:
            self.notify(f"already acknowledged by {alert.acknowledged_by}", markup=False)
            return
        self.post_message(self.Acknowledge(alert))

    @staticmethod
    def _alert_cells(alert: AlertView, names: dict[str, str]) -> tuple[Cell, ...]:
        style = SEVERITY_STYLE.get(alert.severity, "")
        call = names.get(alert.conversation_id) or alert.conversation_id[:8]
        cells: tuple[Cell, ...] = (
            (alert.raised_at.astimezone().strftime("%H:%M:%S"), ""),
            (SEVERITY_SHORT.get(alert.severity, alert.severity[:4]), style),
            # The title carries the severity's colour too: at 80 columns it is all there is.
            (alert.title, f"bold {style}" if alert.open else style),
            (call, ""),
            (f"✓ {alert.acknowledged_by}" if alert.acknowledged_by else "open", ""),
        )
        if not alert.open:
            cells = tuple((text, f"dim {s}".strip()) for text, s in cells)
        return cells
