"""Attention for new high and critical alerts beyond the screen: the terminal bell and a
desktop notification (``notify-send``, when on PATH), each off unless configured."""

from __future__ import annotations

import asyncio
import getpass
import shutil
from collections.abc import Callable

from assist_tui.config import UiSettings
from assist_tui.engine.board_types import SEVERITY_RANK, AlertView

LOUD_FROM = SEVERITY_RANK["high"]


def supervisor_name(settings: UiSettings) -> str:
    """Who acknowledges: the configured name, else the OS user."""
    if settings.supervisor.strip():
        return settings.supervisor.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return "supervisor"


class AlertNotifier:
    """Rings or notifies once per new loud alert; alerts already there at the first view
    are not news."""

    def __init__(self, settings: UiSettings, bell: Callable[[], None]) -> None:
        self.settings = settings
        self.bell = bell
        self._seen: set[str] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def new_alerts(self, alerts: tuple[AlertView, ...]) -> list[AlertView]:
        """The loud alerts in ``alerts`` not seen before (and remember them all)."""
        ids = {a.alert_id for a in alerts}
        if self._seen is None:
            self._seen = ids
            return []
        fresh = [
            a
            for a in alerts
            if a.alert_id not in self._seen and SEVERITY_RANK.get(a.severity, 0) >= LOUD_FROM
        ]
        self._seen = ids  # bounded: the view sends a bounded list
        return fresh

    def seen(self, alerts: tuple[AlertView, ...], names: dict[str, str]) -> None:
        fresh = self.new_alerts(alerts)
        if not fresh:
            return
        if self.settings.bell:
            self.bell()
        if self.settings.desktop_notify:
            program = shutil.which("notify-send")
            if program is not None:
                for alert in fresh:
                    call = names.get(alert.conversation_id) or alert.conversation_id[:8]
                    task = asyncio.get_running_loop().create_task(
                        _notify(program, alert.severity, f"{alert.title} ({call})")
                    )
                    self._tasks.add(task)  # kept until done, so it is not collected
                    task.add_done_callback(self._tasks.discard)


async def _notify(program: str, severity: str, body: str) -> None:
    """Run ``notify-send`` without a shell and without holding the screen up."""
    urgency = "critical" if severity == "critical" else "normal"
    try:
        process = await asyncio.create_subprocess_exec(
            program,
            "--urgency",
            urgency,
            "--app-name",
            "assist-tui",
            f"assist-tui {severity} alert",
            body,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await process.wait()
    except OSError:
        return  # no desktop session to notify: the pane still shows the alert
