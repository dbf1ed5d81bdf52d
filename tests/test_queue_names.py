"""Queue names for people: read from the org's queue directory at start; an unknown id
reads it again at most every few minutes; without the directory, ids stay."""

from __future__ import annotations

from typing import Any

from assist_tui.emulator.scenarios import QUEUE_IDS
from assist_tui.engine.queue_names import QueueNames
from assist_tui.genesys.errors import PermissionDeniedError
from assist_tui.genesys.session import GenesysSession

from .conftest import wait_until


async def test_names_come_from_the_directory_and_an_unknown_id_rereads_it_later(
    session: GenesysSession,
) -> None:
    now = [0.0]
    names = QueueNames(session.api, reread_after_s=300, clock=lambda: now[0])
    assert names.name(QUEUE_IDS["Billing"]) is None  # not started: nothing read, no task
    names.start()
    await wait_until(lambda: bool(names.names))
    assert names.name(QUEUE_IDS["Billing"]) == "Billing"
    assert names.name(None) is None
    assert names.name("not-a-queue") is None
    assert names._task is not None and names._task.done()  # read lately: not again
    now[0] = 301.0
    assert names.name("not-a-queue") is None
    assert names._task is not None and not names._task.done()  # read again in the background
    await names.aclose()


class Forbidden:
    """An API that answers 403, as the platform does without routing:queue:view."""

    async def json(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionDeniedError("403: missing permission routing:queue:view")


async def test_without_the_directory_ids_stay() -> None:
    names = QueueNames(Forbidden())  # type: ignore[arg-type]
    await names.read()
    assert names.names == {} and names.name(QUEUE_IDS["Billing"]) is None
