"""The org's queues by name: ``GET /api/v2/routing/queues`` (a QueueEntityListing), paged.

Team scoping lets a team name its queues; keys and permissions carry queue ids, so the
names are resolved here, once, where the platform is reachable.
"""

from __future__ import annotations

from typing import Any

from assist_tui.genesys.errors import ProtocolError
from assist_tui.genesys.rest import GenesysApi

PAGE_SIZE = 100  # the largest page the platform serves
MAX_PAGES = 500  # 50,000 queues: far past any org; stops a listing that never ends


def parse_queue_page(body: Any) -> tuple[dict[str, str], int]:
    """One page as ``{name: id}`` and the listing's page count."""
    if not isinstance(body, dict) or not isinstance(body.get("entities", []), list):
        raise ProtocolError("the queue listing answered with something other than a listing")
    names: dict[str, str] = {}
    for queue in body.get("entities") or []:
        if isinstance(queue, dict):
            qid, name = queue.get("id"), queue.get("name")
            if isinstance(qid, str) and qid and isinstance(name, str) and name:
                names[name] = qid
    pages = body.get("pageCount")
    return names, pages if isinstance(pages, int) and pages >= 0 else 1


async def queue_directory(api: GenesysApi, *, page_size: int = PAGE_SIZE) -> dict[str, str]:
    """Every queue of the org, ``{name: id}`` (needs the ``routing:queue:view`` permission)."""
    directory: dict[str, str] = {}
    page, pages = 1, 1
    while page <= min(pages, MAX_PAGES):
        body = await api.json(
            "GET",
            "/api/v2/routing/queues",
            params={"pageSize": str(page_size), "pageNumber": str(page)},
            what="listing the org's queues",
        )
        names, pages = parse_queue_page(body)
        directory.update(names)
        page += 1
    return directory
